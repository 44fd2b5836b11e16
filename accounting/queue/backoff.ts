// Retry spacing shared by the in-process lanes and the BullMQ workers: exponential with a
// cap and "equal jitter" (half fixed, half random) so that a fleet whose RADIUS server comes
// back does not retry in lock-step, while the delay still grows with every failure.

export interface BackoffOptions {
  /** Delay after the first failure, ms. */
  readonly initialMs: number;
  /** Ceiling, ms: a dead sink is retried at least this often. */
  readonly maxMs: number;
  /** Growth per failure. */
  readonly factor: number;
  /** 0 = exact delays (tests), 1 = up to half of each delay is random. */
  readonly jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1000, maxMs: 60_000, factor: 2, jitter: 1 };

/**
 * Delay before retry number `attempt` (1 = after the first failure).
 * Pure: `random` returns a number in [0, 1).
 */
export function backoffDelay(attempt: number, opts: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const n = Math.max(1, Math.floor(attempt));
  // Cap the exponent before Math.pow so a sink that has been down for days cannot overflow.
  const exp = Math.min(n - 1, 64);
  const raw = Math.min(opts.maxMs, opts.initialMs * Math.pow(opts.factor, exp));
  const jitter = Math.min(1, Math.max(0, opts.jitter));
  const randomPart = (raw / 2) * jitter * random();
  return Math.round(raw - (raw / 2) * jitter + randomPart);
}
