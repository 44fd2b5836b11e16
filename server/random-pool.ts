// Random bytes from a pool: one randomBytes(4096) call serves many small requests (a
// session id takes 10 bytes, a CHAP challenge 16, an LCP Magic-Number 4), instead of one
// call into OpenSSL per request. Each byte is handed out once; the caller gets its own
// copy. Same CSPRNG, same quality.
import { randomBytes } from 'node:crypto';

const POOL_SIZE = 4096;

export class RandomPool {
  #pool: Buffer = Buffer.alloc(0);
  #at = 0;

  constructor(readonly size: number = POOL_SIZE) {}

  /** `n` fresh random bytes (n ≤ size); a new Buffer the caller owns. */
  take(n: number): Buffer {
    if (n > this.size) return randomBytes(n);
    const at = this.#reserve(n);
    const out = Buffer.allocUnsafe(n);
    this.#pool.copy(out, 0, at, at + n);
    this.#pool.fill(0, at, at + n); // handed out: do not keep a copy
    return out;
  }

  /** 32 fresh random bits as an unsigned number, without a Buffer per call. */
  uint32(): number {
    const at = this.#reserve(4);
    const v = this.#pool.readUInt32BE(at);
    this.#pool.fill(0, at, at + 4);
    return v;
  }

  /** The offset of `n` unused pool bytes (n ≤ size), refilling the pool when it runs short. */
  #reserve(n: number): number {
    if (this.#at + n > this.#pool.length) {
      this.#pool = randomBytes(this.size);
      this.#at = 0;
    }
    const at = this.#at;
    this.#at += n;
    return at;
  }
}

const shared = new RandomPool();

/** `n` random bytes from the process-wide pool. */
export function pooledRandomBytes(n: number): Buffer {
  return shared.take(n);
}

/** 32 random bits from the process-wide pool. */
export function pooledRandomUint32(): number {
  return shared.uint32();
}
