// "Wait until a condition holds, at most N ms": the client's bounded waits in close().
// Whoever changes state calls notify(); waiters re-check their condition then.

export class Changes {
  /** Made by the first wait: most clients never wait (only close() does). */
  #waiters: Set<() => void> | undefined;

  /** Something changed: every waiter re-checks its condition. */
  notify(): void {
    // Called on every control/PPP event; nothing to do (and nothing to copy) while no one waits.
    const waiters = this.#waiters;
    if (waiters === undefined || waiters.size === 0) return;
    for (const w of [...waiters]) w();
  }

  /** Resolves true as soon as cond() holds, false after ms (a ref'd timer: the wait keeps the process up). */
  until(cond: () => boolean, ms: number): Promise<boolean> {
    if (cond()) return Promise.resolve(true);
    const waiters = (this.#waiters ??= new Set());
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
        waiters.delete(check);
      };
      waiters.add(check);
    });
  }
}
