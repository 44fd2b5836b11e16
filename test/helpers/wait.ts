// Bounded waiting for asynchronous effects. A test never reads a log line, a file, a
// counter or a process state right after the event that produces it: on a busy machine
// the effect comes later. It polls until the effect is there or a deadline passes, and
// the deadline is generous because a wait that succeeds returns at once.

/** The default bound: long enough for a 2-core machine with one core busy. */
export const WAIT_MS = 30_000;

/**
 * How long a child (pptpd-ts under tsx, slapd, FreeRADIUS, Redis) may take to be ready:
 * compiling and loading under tsx takes seconds on an idle machine and over 20 s on a
 * busy one.
 */
export const STARTUP_MS = 60_000;

/** How long a one-shot child (a CLI command under tsx) may take to start and finish on a busy machine. */
export const CHILD_RUN_MS = 120_000;

export interface WaitOptions {
  /** Poll period; default 50 ms. */
  stepMs?: number;
  /** Called when the probe is not satisfied: a reason to stop waiting at once (e.g. the process exited). */
  giveUp?: () => string | undefined;
}

/**
 * Polls `probe` until it returns a truthy value, and resolves with it. A probe that
 * throws counts as "not yet" (e.g. a file not written yet); after `timeoutMs` (or when
 * `giveUp` gives a reason) it rejects naming `what` and the probe's last error.
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | Promise<T>,
  timeoutMs: number = WAIT_MS,
  opts: WaitOptions = {},
): Promise<NonNullable<T>> {
  const until = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      lastError = e;
    }
    const why = lastError === undefined ? '' : ` (last error: ${lastError instanceof Error ? lastError.message : String(lastError)})`;
    const stop = opts.giveUp?.();
    if (stop !== undefined) throw new Error(`${what}: ${stop}${why}`);
    if (Date.now() > until) throw new Error(`${what}: not within ${timeoutMs} ms${why}`);
    await new Promise((r) => setTimeout(r, opts.stepMs ?? 50));
  }
}

/** Waits until `read()` (a log or file another process writes) matches `re`; resolves with that text. */
export function waitForMatch(what: string, read: () => string, re: RegExp, timeoutMs: number = WAIT_MS): Promise<string> {
  return waitFor(`${what} matching ${re}`, () => {
    const text = read();
    return re.test(text) ? text : undefined;
  }, timeoutMs);
}
