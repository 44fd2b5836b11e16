// The only owner of setTimeout for the protocol cores. Cores report "call me back
// at time T" (ms on the monotonic clock below); a TimerSlot keeps one Node timer
// per owner and re-arms it only when the deadline actually changes.

import { performance } from 'node:perf_hooks';

/** Milliseconds on a monotonic clock: the `now` every sans-I/O core receives. */
export function now(): number {
  return performance.now();
}

export class TimerSlot {
  #timer: NodeJS.Timeout | undefined;
  #at: number | undefined;
  readonly #fire: () => void;

  constructor(fire: () => void) {
    this.#fire = fire;
  }

  /** Arms the slot for `at` (undefined/null disarms). Earlier or later both re-arm. */
  set(at: number | null | undefined): void {
    if (at === null || at === undefined) {
      this.clear();
      return;
    }
    if (this.#at === at && this.#timer) return;
    this.clear();
    this.#at = at;
    const delay = Math.max(0, Math.ceil(at - now()));
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#at = undefined;
      this.#fire();
    }, delay);
    // Timers never keep the process alive on their own: sockets do.
    this.#timer.unref();
  }

  get deadline(): number | undefined {
    return this.#at;
  }

  clear(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#at = undefined;
  }
}

/** The earliest of several optional deadlines. */
export function earliest(...ats: (number | null | undefined)[]): number | undefined {
  let best: number | undefined;
  for (const a of ats) if (a !== null && a !== undefined && (best === undefined || a < best)) best = a;
  return best;
}
