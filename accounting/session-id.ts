// Session ids (Acct-Session-Id, RFC 2866 §5.5): unique across restarts and across servers,
// with no coordination and no state on disk.
//
// Shape: ULID-like, 26 characters of Crockford base32 = 48-bit ms timestamp + 80 random bits.
// - Across restarts: the timestamp moves on, and the 80 random bits are drawn from the
//   CSPRNG, so a restarted server (even with a clock stepped back) would need an 80-bit
//   collision to repeat an id.
// - Across servers: servers share no counter; two servers generating ids in the same
//   millisecond collide with probability 2^-80 per pair (birthday bound: ~2^40 ids in
//   one millisecond before a collision is likely).
// - Within one process: ids made in the same millisecond increment the random part, so
//   they are distinct and sort in creation order (handy in `last`, detail files).
// 26 ASCII characters fit easily in Acct-Session-Id (max 253 octets) and in logs.
import { pooledRandomBytes } from '../server/random-pool.js';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'; // Crockford base32: no I, L, O, U
const TIME_CHARS = 10; // 50 bits ≥ 48-bit ms timestamp (good until year 10889)
const RANDOM_BYTES = 10; // 80 bits → 16 chars

export interface SessionIdGenerator {
  (): string;
}

/** Encodes `value` (non-negative, < 2^53) as exactly `chars` base32 characters. */
function encodeTime(value: number, chars: number): string {
  let out = '';
  let v = value;
  for (let i = 0; i < chars; i++) {
    out = ALPHABET[v % 32] + out;
    v = Math.floor(v / 32);
  }
  return out;
}

/** 80 bits → 16 base32 characters (5 bits each). */
function encodeRandom(bytes: Uint8Array): string {
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(acc >>> bits) & 31];
    }
    acc &= (1 << bits) - 1;
  }
  return out;
}

/** Adds one to the 80-bit big-endian number in place; false on overflow. */
function increment(bytes: Uint8Array): boolean {
  for (let i = bytes.length - 1; i >= 0; i--) {
    const v = (bytes[i] ?? 0) + 1;
    bytes[i] = v & 0xff;
    if (v <= 0xff) return true;
  }
  return false;
}

/**
 * A generator of session ids. `clock` and `random` are injectable for tests.
 * Monotonic within the generator: ids never repeat and sort in creation order even
 * if the wall clock steps back (the last timestamp is kept).
 */
export function createSessionIdGenerator(
  clock: () => number = Date.now,
  random: (n: number) => Uint8Array = pooledRandomBytes,
): SessionIdGenerator {
  let lastTime = -1;
  let lastRandom = new Uint8Array(RANDOM_BYTES);
  return () => {
    const t = Math.max(0, Math.floor(clock()));
    if (t > lastTime) {
      lastTime = t;
      lastRandom = Uint8Array.from(random(RANDOM_BYTES));
    } else if (!increment(lastRandom)) {
      // 2^80 ids in one millisecond cannot happen; move the clock on rather than repeat.
      lastTime += 1;
      lastRandom = Uint8Array.from(random(RANDOM_BYTES));
    }
    return encodeTime(lastTime, TIME_CHARS) + encodeRandom(lastRandom);
  };
}

/** The process-wide generator. */
export const newSessionId: SessionIdGenerator = createSessionIdGenerator();

const SESSION_ID_RE = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** True for an id made by this module (used to sanity-check spool contents). */
export function isSessionId(s: string): boolean {
  return SESSION_ID_RE.test(s);
}

/** The creation time (ms since the epoch) encoded in an id, or undefined. */
export function sessionIdTime(id: string): number | undefined {
  if (!isSessionId(id)) return undefined;
  let v = 0;
  for (const ch of id.slice(0, TIME_CHARS)) v = v * 32 + ALPHABET.indexOf(ch);
  return v;
}
