// Waiting for one exchange's reply, one transmission at a time. The socket
// handler calls deliver(); the sender awaits next(timeoutMs). A value that
// arrives while nobody waits (between a timeout and the next transmission) is
// kept for the next call, so a slow but valid reply is not lost. Once a value
// other than a "wake" has been taken, the slot is settled: later deliveries
// (duplicates) are the caller's to ignore.

import { now, TimerSlot } from '../timers.js';

export class WaitSlot<T> {
  #pending: ((v: T | 'timeout' | 'aborted') => void) | undefined;
  #buffered: T | undefined;
  #settled = false;
  #timer: TimerSlot | undefined;

  /** True once a delivered value has been handed out (or is waiting to be). */
  get settled(): boolean {
    return this.#settled;
  }

  /** The next delivered value, 'timeout' after `timeoutMs`, or 'aborted' when the signal fires. */
  next(timeoutMs: number, signal?: AbortSignal): Promise<T | 'timeout' | 'aborted'> {
    if (this.#buffered !== undefined) {
      const v = this.#buffered;
      this.#buffered = undefined;
      return Promise.resolve(v);
    }
    if (signal?.aborted) return Promise.resolve('aborted');
    return new Promise((resolve) => {
      const finish = (v: T | 'timeout' | 'aborted'): void => {
        if (this.#pending !== finish) return;
        this.#pending = undefined;
        this.#timer?.clear();
        signal?.removeEventListener('abort', onAbort);
        resolve(v);
      };
      const onAbort = (): void => finish('aborted');
      this.#pending = finish;
      this.#timer ??= new TimerSlot(() => this.#pending?.('timeout'));
      this.#timer.set(now() + timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Hands `v` to the waiter, or keeps it for the next wait. `final` values
   * (a reply) settle the slot; others (a wake-up such as "port unreachable")
   * only end the current wait and are dropped when nobody waits.
   */
  deliver(v: T, final = true): void {
    if (this.#settled) return;
    if (final) this.#settled = true;
    if (this.#pending !== undefined) this.#pending(v);
    else if (final) this.#buffered = v;
  }

  /** Stops any wait (as a timeout) and its timer. */
  cancel(): void {
    this.#pending?.('timeout');
    this.#timer?.clear();
  }
}
