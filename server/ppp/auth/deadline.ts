// The one timer each handler owns. Handlers return `timer` actions; the caller calls
// handleTimeout(now) when the deadline is reached. Remembering the deadline here lets a
// handler ignore a call that is early or belongs to a deadline it has since replaced.
import type { AuthAction } from './types.js';

export class Deadline {
  private at: number | null = null;

  /** Arm (or, with null, disarm) and return the action that tells the caller. */
  set(at: number | null): AuthAction {
    this.at = at;
    return { type: 'timer', at };
  }

  /** True once per armed deadline, when `now` has reached it; disarms it. */
  expired(now: number): boolean {
    if (this.at === null || now < this.at) return false;
    this.at = null;
    return true;
  }
}
