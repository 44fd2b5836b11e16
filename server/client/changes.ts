// "Wait until a condition holds, at most N ms": the client's bounded waits in close().
// Whoever changes state calls notify(); waiters re-check their condition then.

export class Changes {
  readonly #waiters = new Set<() => void>();

  /** Something changed: every waiter re-checks its condition. */
  notify(): void {
    for (const w of [...this.#waiters]) w();
  }

  /** Resolves true as soon as cond() holds, false after ms (a ref'd timer: the wait keeps the process up). */
  until(cond: () => boolean, ms: number): Promise<boolean> {
    if (cond()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const check = (): void => {
        if (!cond()) return;
        done();
        resolve(true);
      };
      const timer = setTimeout(() => {
        done();
        resolve(false);
      }, ms);
      const done = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      this.#waiters.add(check);
    });
  }
}
