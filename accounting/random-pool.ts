// Random bytes from a pool: one randomBytes(4096) call serves many small requests (a
// session id takes 10 bytes), instead of one call into OpenSSL per request. Each byte is
// handed out once; the caller gets its own copy. Same CSPRNG, same quality.
import { randomBytes } from 'node:crypto';

const POOL_SIZE = 4096;

export class RandomPool {
  #pool: Buffer = Buffer.alloc(0);
  #at = 0;

  constructor(readonly size: number = POOL_SIZE) {}

  /** `n` fresh random bytes (n ≤ size); a new Buffer the caller owns. */
  take(n: number): Buffer {
    if (n > this.size) return randomBytes(n);
    if (this.#at + n > this.#pool.length) {
      this.#pool = randomBytes(this.size);
      this.#at = 0;
    }
    const out = Buffer.allocUnsafe(n);
    this.#pool.copy(out, 0, this.#at, this.#at + n);
    this.#pool.fill(0, this.#at, this.#at + n); // handed out: do not keep a copy
    this.#at += n;
    return out;
  }
}

const shared = new RandomPool();

/** `n` random bytes from the process-wide pool. */
export function pooledRandomBytes(n: number): Buffer {
  return shared.take(n);
}
