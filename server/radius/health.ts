// Which servers to ask, in which order (sans-I/O: time comes in as `now`, ms).
//
// Servers are asked in configured order. A server that let every attempt of a
// request go unanswered is "dead" for `deadTimeSeconds` and skipped meanwhile,
// so one broken server does not add its full timeout to every login. When the
// dead time is over it is asked again (and is alive as soon as it answers).
// If every server is dead, all are asked anyway, in configured order: skipping
// them all would refuse every user for the whole dead time.

export class ServerHealth {
  readonly #deadUntil: number[];
  readonly #deadMs: number;

  constructor(count: number, deadTimeSeconds: number) {
    this.#deadUntil = new Array<number>(count).fill(0);
    this.#deadMs = Math.max(0, deadTimeSeconds) * 1000;
  }

  /** Indexes to try for a request starting at `now`. */
  order(now: number): number[] {
    const live: number[] = [];
    for (let i = 0; i < this.#deadUntil.length; i++) if (this.#deadUntil[i]! <= now) live.push(i);
    return live.length > 0 ? live : this.#deadUntil.map((_, i) => i);
  }

  isDead(index: number, now: number): boolean {
    return (this.#deadUntil[index] ?? 0) > now;
  }

  /** Every attempt to this server went unanswered. No-op when the dead time is 0. */
  markDead(index: number, now: number): void {
    if (this.#deadMs > 0) this.#deadUntil[index] = now + this.#deadMs;
  }

  /** The server answered (a valid reply). */
  markAlive(index: number): void {
    this.#deadUntil[index] = 0;
  }
}
