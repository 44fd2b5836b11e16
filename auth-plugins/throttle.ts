// Failed-login throttling per user and per source address. After maxFailures
// rejects within windowSeconds the user (or address) is locked out for
// lockoutSeconds: the chain then rejects at once, without asking any plugin,
// so a password-guessing client costs us nothing and learns nothing.
// Counters live in node-cache (expiry by TTL); a throttled attempt is not
// counted again, so a lockout ends on time however often the client retries.

import NodeCache from 'node-cache';
import type { Logger } from 'pino';
import { z } from 'zod';
import { throttleUserKey } from './names.js';
import type { AuthRequest } from './types.js';

export const throttleLimitSchema = z
  .object({
    maxFailures: z.number().int().positive().describe('rejects allowed within the window before lockout'),
    windowSeconds: z.number().positive().describe('how long failures are remembered'),
    lockoutSeconds: z.number().positive().describe('how long attempts are refused once locked out'),
  })
  .strict();
export type ThrottleLimit = z.infer<typeof throttleLimitSchema>;

export const throttleOptionsSchema = z
  .object({
    user: z.union([throttleLimitSchema, z.literal(false)]).optional(),
    address: z.union([throttleLimitSchema, z.literal(false)]).optional(),
  })
  .strict();
export type ThrottleOptions = z.infer<typeof throttleOptionsSchema>;

/**
 * The short form config/schema-auth.ts uses: one limit for users and addresses
 * alike (window/lockout in seconds; maxFailures 0 turns throttling off).
 */
export const flatThrottleSchema = z
  .object({
    maxFailures: z.number().int().nonnegative(),
    window: z.number().positive(),
    lockout: z.number().nonnegative(),
  })
  .strict();
export type FlatThrottle = z.infer<typeof flatThrottleSchema>;

export function fromFlatThrottle(f: FlatThrottle): ThrottleOptions | false {
  if (f.maxFailures === 0 || f.lockout === 0) return false;
  const l: ThrottleLimit = { maxFailures: f.maxFailures, windowSeconds: f.window, lockoutSeconds: f.lockout };
  return { user: l, address: l };
}

export const DEFAULT_USER_LIMIT: ThrottleLimit = { maxFailures: 5, windowSeconds: 300, lockoutSeconds: 300 };
export const DEFAULT_ADDRESS_LIMIT: ThrottleLimit = { maxFailures: 20, windowSeconds: 300, lockoutSeconds: 600 };

export type ThrottleScope = 'user' | 'address';

export type ThrottleCheck =
  | { readonly throttled: false }
  | { readonly throttled: true; readonly scope: ThrottleScope; readonly key: string; readonly retryAfterSeconds: number };

interface Counter {
  count: number;
  resetAt: number; // ms since epoch, end of the current window
}

interface Scope {
  readonly scope: ThrottleScope;
  readonly limit: ThrottleLimit;
  readonly keyOf: (req: AuthRequest) => string;
}

export class Throttle {
  readonly #scopes: Scope[] = [];
  readonly #failures: NodeCache;
  readonly #lockouts: NodeCache;
  readonly #logger: Logger | undefined;

  constructor(options: ThrottleOptions = {}, logger?: Logger) {
    const user = options.user === undefined ? DEFAULT_USER_LIMIT : options.user;
    const address = options.address === undefined ? DEFAULT_ADDRESS_LIMIT : options.address;
    if (user) this.#scopes.push({ scope: 'user', limit: user, keyOf: (r) => throttleUserKey(r.peerName) });
    if (address) this.#scopes.push({ scope: 'address', limit: address, keyOf: (r) => r.peerAddress });
    // useClones: false — counters are mutated in place; checkperiod only sweeps
    // memory, expiry itself is checked on every get.
    this.#failures = new NodeCache({ useClones: false, checkperiod: 60 });
    this.#lockouts = new NodeCache({ useClones: false, checkperiod: 60 });
    this.#logger = logger;
  }

  /** Is this attempt refused outright? */
  check(req: AuthRequest): ThrottleCheck {
    for (const s of this.#scopes) {
      const key = s.keyOf(req);
      const until = this.#lockouts.get<number>(cacheKey(s.scope, key));
      if (until !== undefined) {
        return { throttled: true, scope: s.scope, key, retryAfterSeconds: Math.max(0, Math.ceil((until - Date.now()) / 1000)) };
      }
    }
    return { throttled: false };
  }

  /** Count a rejected attempt; starts a lockout when a limit is reached. */
  recordFailure(req: AuthRequest): void {
    const now = Date.now();
    for (const s of this.#scopes) {
      const key = s.keyOf(req);
      const ck = cacheKey(s.scope, key);
      const c = this.#failures.get<Counter>(ck);
      const counter: Counter = c !== undefined && c.resetAt > now ? c : { count: 0, resetAt: now + s.limit.windowSeconds * 1000 };
      counter.count++;
      if (counter.count >= s.limit.maxFailures) {
        this.#failures.del(ck);
        this.#lockouts.set(ck, now + s.limit.lockoutSeconds * 1000, s.limit.lockoutSeconds);
        this.#logger?.warn(
          { scope: s.scope, key, failures: counter.count, windowSeconds: s.limit.windowSeconds, lockoutSeconds: s.limit.lockoutSeconds },
          `auth throttling started for ${s.scope} ${key}`,
        );
      } else {
        // Keep the window's original end: re-setting with the remaining TTL (never 0, which node-cache reads as "forever").
        this.#failures.set(ck, counter, Math.max(0.001, (counter.resetAt - now) / 1000));
      }
    }
  }

  /** A success clears the user's failures (not the address's: one good account must not unlock a guessing source). */
  recordSuccess(req: AuthRequest): void {
    for (const s of this.#scopes) {
      if (s.scope === 'user') this.#failures.del(cacheKey(s.scope, s.keyOf(req)));
    }
  }

  /** Failures counted so far in the current window (for tests and metrics). */
  failures(scope: ThrottleScope, key: string): number {
    const c = this.#failures.get<Counter>(cacheKey(scope, key));
    return c !== undefined && c.resetAt > Date.now() ? c.count : 0;
  }

  close(): void {
    this.#failures.close();
    this.#lockouts.close();
  }
}

function cacheKey(scope: ThrottleScope, key: string): string {
  return `${scope}:${key}`;
}
