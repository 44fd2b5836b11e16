// The per-session clocks that end or report a live session: Session-Timeout (pppd
// maxconnect), Idle-Timeout (pppd idle: no data either way) and the accounting
// Interim-Update period. Pure bookkeeping on the caller's monotonic ms clock.

export type LimitDue = 'session-timeout' | 'idle-timeout' | 'interim';

export class SessionLimits {
  #sessionDeadline: number | undefined;
  #idleMs = 0;
  #lastData = 0;
  #interimMs = 0;
  #nextInterim: number | undefined;
  #active = false;

  /** The session came up at `t` with these limits (seconds; 0 = off). */
  begin(t: number, s: { sessionTimeout: number; idleTimeout: number; interimInterval: number }): void {
    this.#active = true;
    this.#lastData = t;
    this.#sessionDeadline = s.sessionTimeout > 0 ? t + s.sessionTimeout * 1000 : undefined;
    this.#idleMs = s.idleTimeout * 1000;
    this.#interimMs = s.interimInterval * 1000;
    this.#nextInterim = this.#interimMs > 0 ? t + this.#interimMs : undefined;
  }

  /** A data packet went either way. */
  data(t: number): void {
    this.#lastData = t;
  }

  /** CoA: new limits counted from now (0 = off). */
  change(t: number, c: { sessionTimeout?: number; idleTimeout?: number }): void {
    if (c.sessionTimeout !== undefined) this.#sessionDeadline = c.sessionTimeout > 0 ? t + c.sessionTimeout * 1000 : undefined;
    if (c.idleTimeout !== undefined) this.#idleMs = c.idleTimeout * 1000;
  }

  /** The earliest moment something is due. */
  deadline(): number | undefined {
    if (!this.#active) return undefined;
    const idleAt = this.#idleMs > 0 ? this.#lastData + this.#idleMs : undefined;
    let d = this.#sessionDeadline;
    for (const x of [idleAt, this.#nextInterim]) if (x !== undefined && (d === undefined || x < d)) d = x;
    return d;
  }

  /** What is due at `t` (one thing per call; interim re-arms itself). */
  due(t: number): LimitDue | undefined {
    if (!this.#active) return undefined;
    if (this.#sessionDeadline !== undefined && t >= this.#sessionDeadline) {
      this.#sessionDeadline = undefined;
      return 'session-timeout';
    }
    if (this.#idleMs > 0 && t >= this.#lastData + this.#idleMs) {
      this.#lastData = t; // fire once
      return 'idle-timeout';
    }
    if (this.#nextInterim !== undefined && t >= this.#nextInterim) {
      this.#nextInterim = t + this.#interimMs;
      return 'interim';
    }
    return undefined;
  }

  get interimSeconds(): number {
    return this.#interimMs / 1000;
  }

  get idleSeconds(): number {
    return this.#idleMs / 1000;
  }

  /** Seconds until Session-Timeout, if one is set. */
  sessionTimeLeft(t: number): number | undefined {
    return this.#sessionDeadline === undefined ? undefined : Math.max(0, Math.round((this.#sessionDeadline - t) / 1000));
  }
}
