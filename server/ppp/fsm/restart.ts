// The Restart timer and the Max-Configure / Max-Terminate / Max-Failure counters of
// RFC 1661 §4.6, as plain data the negotiator updates. No clock of its own: the deadline is
// a number on the caller's clock and the caller reports the time in every call.

export interface RestartConfig {
  /** Restart timer period, ms (RFC 1661 §4.6: SHOULD default to 3 s). */
  readonly restartMs: number;
  /** Configure-Requests sent without a reply before giving up (default 10). */
  readonly maxConfigure: number;
  /** Terminate-Requests sent without a Terminate-Ack before giving up (default 2). */
  readonly maxTerminate: number;
  /** Configure-Naks sent without sending an Ack before Naks turn into Rejects (default 5). */
  readonly maxFailure: number;
}

export const RFC1661_DEFAULTS: RestartConfig = { restartMs: 3000, maxConfigure: 10, maxTerminate: 2, maxFailure: 5 };

export class RestartState {
  /** Restart counter: transmissions left before TO- (RFC 1661 §4.4 irc/zrc). */
  count = 0;
  /** When the Restart timer fires; null when it is not running. */
  deadline: number | null = null;
  /** Configure-Naks sent since the last Configure-Ack we sent (Max-Failure). */
  failures = 0;

  constructor(readonly config: RestartConfig) {}

  /** irc: Max-Terminate before a Terminate-Request, Max-Configure otherwise. */
  initialize(forTerminate: boolean): void {
    this.count = forTerminate ? this.config.maxTerminate : this.config.maxConfigure;
  }

  /** zrc: counter to zero; the timer still runs once so the peer can see our Terminate-Ack. */
  zero(now: number): void {
    this.count = 0;
    this.deadline = now + this.config.restartMs;
  }

  /** A Configure-Request or Terminate-Request went out: decrement and (re)start the timer. */
  transmitted(now: number): void {
    this.count -= 1;
    this.deadline = now + this.config.restartMs;
  }

  stop(): void {
    this.deadline = null;
  }

  /** True when the timer has fired at `now`. */
  expired(now: number): boolean {
    return this.deadline !== null && now >= this.deadline;
  }

  /** TO+ while the counter is positive, TO- once it reaches zero (RFC 1661 §4.3). */
  timeoutIsPlus(): boolean {
    return this.count > 0;
  }

  /** Max-Failure reached: Naks for peer options turn into Rejects (RFC 1661 §4.6). */
  naksExhausted(): boolean {
    return this.failures >= this.config.maxFailure;
  }
}
