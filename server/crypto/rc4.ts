// RC4 stream cipher (as used by MPPE, RFC 3078 §5-6), pure TypeScript.
//
// Why not node:crypto: OpenSSL 3 keeps 'rc4' in the legacy provider, which a
// stock `node` (no --openssl-legacy-provider) cannot load, and it cannot be
// switched on from inside a running process (see docs/crypto.md). The pure TS
// version also works in place over a Buffer range, so the per-packet path
// allocates nothing; docs/crypto.md has the measured comparison.

export class Rc4 {
  /** The permutation S (RC4 "state table"). */
  private readonly s = new Uint8Array(256);
  private i = 0;
  private j = 0;

  constructor(key: Uint8Array, keyLength: number = key.length) {
    this.rekey(key, keyLength);
  }

  /**
   * Runs the key schedule again with a new key (rc4_key in RFC 3078 §5),
   * reusing this object's table: no allocation. Only the first `keyLength`
   * bytes of `key` are used (MPPE keys live in reused 16-byte buffers).
   */
  rekey(key: Uint8Array, keyLength: number = key.length): void {
    if (keyLength < 1 || keyLength > 256 || keyLength > key.length) {
      throw new RangeError(`RC4 key length must be 1..256 and within the key buffer, got ${keyLength}`);
    }
    const s = this.s;
    for (let k = 0; k < 256; k++) s[k] = k;
    let j = 0;
    let kp = 0;
    for (let k = 0; k < 256; k++) {
      const sk = s[k]!;
      j = (j + sk + key[kp]!) & 0xff;
      s[k] = s[j]!;
      s[j] = sk;
      if (++kp === keyLength) kp = 0;
    }
    this.i = 0;
    this.j = 0;
  }

  /**
   * XORs the key stream into `buf[start, end)` in place (encrypt and decrypt
   * are the same operation). The stream position carries over between calls.
   */
  process(buf: Uint8Array, start = 0, end: number = buf.length): void {
    if (start < 0 || end > buf.length || start > end) {
      throw new RangeError(`RC4 range [${start}, ${end}) outside buffer of ${buf.length}`);
    }
    const s = this.s;
    let i = this.i;
    let j = this.j;
    for (let n = start; n < end; n++) {
      i = (i + 1) & 0xff;
      const si = s[i]!;
      j = (j + si) & 0xff;
      const sj = s[j]!;
      s[i] = sj;
      s[j] = si;
      buf[n] = buf[n]! ^ s[(si + sj) & 0xff]!;
    }
    this.i = i;
    this.j = j;
  }
}

/** One-shot RC4 of `data` with `key`, into a new Buffer (for keys and tests, not packets). */
export function rc4(key: Uint8Array, data: Uint8Array): Buffer {
  const out = Buffer.from(data);
  new Rc4(key).process(out);
  return out;
}
