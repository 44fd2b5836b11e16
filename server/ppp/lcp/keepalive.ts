// LCP keepalive: an Echo-Request every `intervalMs` while LCP is Opened, and the link is
// declared dead when `maxFailures` requests in a row got no Echo-Reply (pppd's
// lcp-echo-interval / lcp-echo-failure, RFC 1661 §5.8). Pure bookkeeping: LCP sends.

export type KeepaliveVerdict = 'send-echo' | 'dead' | null;

export class Keepalive {
  /** When the next Echo-Request is due; null when stopped or disabled. */
  deadline: number | null = null;
  /** Echo-Requests sent since the last Echo-Reply. */
  outstanding = 0;

  /** intervalMs 0 disables keepalive; maxFailures 0 sends echoes but never gives up. */
  constructor(
    readonly intervalMs: number,
    readonly maxFailures: number,
  ) {}

  /** Call when LCP reaches Opened. */
  start(now: number): void {
    this.outstanding = 0;
    this.deadline = this.intervalMs > 0 ? now + this.intervalMs : null;
  }

  /** Call when LCP leaves Opened. */
  stop(): void {
    this.deadline = null;
    this.outstanding = 0;
  }

  /** Call on every Echo-Reply whose magic checks out. */
  replied(): void {
    this.outstanding = 0;
  }

  /** Call from the timeout path; says whether to send an Echo-Request or give up. */
  poll(now: number): KeepaliveVerdict {
    if (this.deadline === null || now < this.deadline) return null;
    if (this.maxFailures > 0 && this.outstanding >= this.maxFailures) {
      this.deadline = null;
      return 'dead';
    }
    this.outstanding += 1;
    this.deadline = now + this.intervalMs;
    return 'send-echo';
  }
}
