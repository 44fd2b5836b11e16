// The only owner of setTimeout for the protocol cores. Cores report "call me back
// at time T" (ms on the monotonic clock below); a TimerSlot holds one pending
// deadline per owner.
//
// All slots share ONE Node timer: the slots sit in a binary min-heap on their deadline and
// the Node timer is armed for the earliest. A live session has two or three deadlines
// pending at all times (LCP echo, PPTP echo, idle/session limits), so a Node Timeout per
// slot (~120 bytes each, plus Node's per-duration timer lists) would be paid by every idle
// session; a heap entry costs one array slot. set()/clear() are O(log n) and re-arm the Node
// timer only when the earliest deadline moves earlier.
//
// A deadline moved LATER is not re-sorted at once: the slot keeps its place (its heap key,
// the earlier time) and is moved down only when that key comes due. Sessions push their
// deadlines later all the time (each packet moves the ack, echo and idle deadlines), so most
// set() calls cost one comparison; a slot is re-sorted at most once per key that comes due.

import { performance } from 'node:perf_hooks';

/** Milliseconds on a monotonic clock: the `now` every sans-I/O core receives. */
export function now(): number {
  return performance.now();
}

export class TimerSlot {
  /** @internal the deadline while queued (undefined = not armed). */
  at: number | undefined;
  /** @internal its place in the heap: ≤ at (equal unless the deadline moved later since). */
  key = 0;
  /** @internal position in the shared heap, -1 when not queued. */
  index = -1;
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
    if (this.at === at && this.index >= 0) return;
    this.at = at;
    if (this.index < 0) {
      this.key = at;
      insert(this);
    } else if (at < this.key) {
      this.key = at;
      up(this.index);
      rearm();
    }
    // else: later than its key; re-sorted when the key comes due (see onTimer).
  }

  get deadline(): number | undefined {
    return this.at;
  }

  clear(): void {
    if (this.index >= 0) unschedule(this);
    this.at = undefined;
  }

  /** @internal called by the shared timer when the deadline is reached. */
  fire(): void {
    this.#fire();
  }
}

// ---- the shared heap -------------------------------------------------------------------

const heap: TimerSlot[] = [];
/** setTimeout's largest delay (2^31 - 1 ms); a later deadline takes several turns. */
const MAX_DELAY = 0x7fffffff;
let armed: NodeJS.Timeout | undefined;
/** The deadline the Node timer is armed for (Infinity when none). */
let armedAt = Infinity;

function insert(s: TimerSlot): void {
  s.index = heap.length;
  heap.push(s);
  up(s.index);
  rearm();
}

function unschedule(s: TimerSlot): void {
  const i = s.index;
  s.index = -1;
  const last = heap.pop()!;
  if (last !== s) {
    heap[i] = last;
    last.index = i;
    down(up(i));
  }
  // A Node timer left armed for a removed deadline fires, finds nothing due and re-arms.
}

function rearm(): void {
  const top = heap[0];
  if (!top || top.key >= armedAt) return; // the armed timer comes first anyway
  if (armed) clearTimeout(armed);
  armedAt = top.key;
  armed = setTimeout(onTimer, Math.min(MAX_DELAY, Math.max(0, Math.ceil(armedAt - now()))));
  // Timers never keep the process alive on their own: sockets do.
  armed.unref();
}

function onTimer(): void {
  armed = undefined;
  armedAt = Infinity;
  const t = now();
  // Take every due slot first, then fire them: a callback that clears another due slot
  // stops it firing, and one that re-arms a slot (even for a time already past) gets the
  // next timer turn, as with one Node timer per slot.
  const due: TimerSlot[] = [];
  for (let top = heap[0]; top !== undefined && top.key <= t; top = heap[0]) {
    if (top.at! > top.key) {
      // Its deadline moved later since it was placed: sort it in at the real one (which may
      // still be due now; then it comes round again in this loop, in deadline order).
      top.key = top.at!;
      down(0);
      continue;
    }
    unschedule(top);
    due.push(top);
  }
  for (const s of due) {
    // Cleared (at undefined) or set again (queued) by an earlier callback: not this turn.
    if (s.index >= 0 || s.at === undefined) continue;
    s.at = undefined;
    s.fire();
  }
  rearm();
}

function less(a: TimerSlot, b: TimerSlot): boolean {
  return a.key < b.key;
}

/** Moves heap[i] towards the root; returns its final index. */
function up(i: number): number {
  const s = heap[i]!;
  while (i > 0) {
    const p = (i - 1) >> 1;
    const ps = heap[p]!;
    if (!less(s, ps)) break;
    heap[i] = ps;
    ps.index = i;
    i = p;
  }
  heap[i] = s;
  s.index = i;
  return i;
}

/** Moves heap[i] towards the leaves. */
function down(i: number): void {
  const s = heap[i]!;
  const n = heap.length;
  for (;;) {
    const l = 2 * i + 1;
    if (l >= n) break;
    const r = l + 1;
    const c = r < n && less(heap[r]!, heap[l]!) ? r : l;
    const cs = heap[c]!;
    if (!less(cs, s)) break;
    heap[i] = cs;
    cs.index = i;
    i = c;
  }
  heap[i] = s;
  s.index = i;
}

/** The earliest of up to four optional deadlines (fixed parameters, not a rest array: this
 *  runs after every packet a session handles). */
export function earliest(
  a?: number | null,
  b?: number | null,
  c?: number | null,
  d?: number | null,
): number | undefined {
  let best: number | undefined;
  if (a !== null && a !== undefined) best = a;
  if (b !== null && b !== undefined && (best === undefined || b < best)) best = b;
  if (c !== null && c !== undefined && (best === undefined || c < best)) best = c;
  if (d !== null && d !== undefined && (best === undefined || d < best)) best = d;
  return best;
}
