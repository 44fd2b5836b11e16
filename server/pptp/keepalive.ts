// Control-connection keepalive (RFC 2637 §2.5: "If there is no activity on the
// control connection for a period of time, an Echo-Request is sent; if no reply
// arrives the connection is closed"). Sans-I/O: the owner reports traffic and asks
// what is due at `now`; it never sets a timer itself.
//
// Any message from the peer counts as a sign of life, not only the matching
// Echo-Reply: a peer busy sending us SLIs or CDNs is plainly not dead.

/** PoPToP's pptpctrl: Echo-Request after 60 s of silence, give up 60 s later. */
export const DEFAULT_ECHO_INTERVAL_MS = 60_000;
export const DEFAULT_ECHO_TIMEOUT_MS = 60_000;

export type KeepaliveAction =
  | { readonly kind: 'send-echo-request'; readonly identifier: number }
  | { readonly kind: 'dead' };

export class EchoKeepalive {
  private running = false;
  private lastRx = 0;
  private outstanding: { readonly identifier: number; readonly sentAt: number } | undefined;
  private nextIdentifier: number;

  /**
   * @param interval ms of silence before an Echo-Request is sent; 0 disables keepalive
   * @param timeout ms to wait for a sign of life after sending it
   */
  constructor(
    readonly interval: number = DEFAULT_ECHO_INTERVAL_MS,
    readonly timeout: number = DEFAULT_ECHO_TIMEOUT_MS,
    firstIdentifier = 1,
  ) {
    this.nextIdentifier = firstIdentifier >>> 0;
  }

  /** Call when the control connection is established. */
  start(now: number): void {
    this.running = this.interval > 0;
    this.lastRx = now;
    this.outstanding = undefined;
  }

  /** Call when the connection stops; no more deadlines. */
  stop(): void {
    this.running = false;
    this.outstanding = undefined;
  }

  /** Call for every well-formed message received from the peer. */
  received(now: number): void {
    this.lastRx = now;
    this.outstanding = undefined;
  }

  /** The Echo-Request we are waiting on, if any (for matching replies in tests/logs). */
  get pendingIdentifier(): number | undefined {
    return this.outstanding?.identifier;
  }

  /** When onTimeout() next has something to do, or undefined. */
  deadline(): number | undefined {
    if (!this.running) return undefined;
    return this.outstanding ? this.outstanding.sentAt + this.timeout : this.lastRx + this.interval;
  }

  /** What is due at `now`: send an Echo-Request, declare the peer dead, or nothing. */
  onTimeout(now: number): KeepaliveAction | undefined {
    const due = this.deadline();
    if (due === undefined || now < due) return undefined;
    if (this.outstanding) {
      this.running = false;
      return { kind: 'dead' };
    }
    const identifier = this.nextIdentifier;
    this.nextIdentifier = (this.nextIdentifier + 1) >>> 0;
    this.outstanding = { identifier, sentAt: now };
    return { kind: 'send-echo-request', identifier };
  }
}
