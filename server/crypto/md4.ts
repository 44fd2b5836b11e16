// MD4 message digest (RFC 1320), pure TypeScript.
//
// Why not node:crypto: Node 20 bundles OpenSSL 3, which keeps MD4 in the
// "legacy" provider; createHash('md4') throws ERR_OSSL_EVP_UNSUPPORTED unless
// node runs with --openssl-legacy-provider. MD4 is only on the authentication
// path (NtPasswordHash, HashNtPasswordHash: a few blocks per login), so a
// small, clear implementation is plenty fast.

/** Round constants (RFC 1320 §3.4): round 2 adds sqrt(2), round 3 sqrt(3). */
const K2 = 0x5a827999;
const K3 = 0x6ed9eba1;

/** Word order of rounds 2 and 3 (RFC 1320 §3.4). */
const R2_ORDER = [0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15] as const;
const R3_ORDER = [0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15] as const;
/** Left-rotation amounts, per round, cycling over the four steps. */
const R1_SHIFT = [3, 7, 11, 19] as const;
const R2_SHIFT = [3, 5, 9, 13] as const;
const R3_SHIFT = [3, 9, 11, 15] as const;

function rotl(x: number, n: number): number {
  return (x << n) | (x >>> (32 - n));
}

/** Processes one 64-byte block (16 little-endian words in `x`) into `st` (A, B, C, D). */
function compress(st: Uint32Array, x: Uint32Array): void {
  let a = st[0]!;
  let b = st[1]!;
  let c = st[2]!;
  let d = st[3]!;
  // Round 1: F(X,Y,Z) = XY v not(X) Z. The four registers rotate roles each step.
  for (let i = 0; i < 16; i++) {
    const t = (a + ((b & c) | (~b & d)) + x[i]!) | 0;
    a = d;
    d = c;
    c = b;
    b = rotl(t, R1_SHIFT[i & 3]!);
  }
  // Round 2: G(X,Y,Z) = XY v XZ v YZ (majority).
  for (let i = 0; i < 16; i++) {
    const t = (a + ((b & c) | (b & d) | (c & d)) + x[R2_ORDER[i]!]! + K2) | 0;
    a = d;
    d = c;
    c = b;
    b = rotl(t, R2_SHIFT[i & 3]!);
  }
  // Round 3: H(X,Y,Z) = X xor Y xor Z.
  for (let i = 0; i < 16; i++) {
    const t = (a + (b ^ c ^ d) + x[R3_ORDER[i]!]! + K3) | 0;
    a = d;
    d = c;
    c = b;
    b = rotl(t, R3_SHIFT[i & 3]!);
  }
  st[0] = (st[0]! + a) | 0;
  st[1] = (st[1]! + b) | 0;
  st[2] = (st[2]! + c) | 0;
  st[3] = (st[3]! + d) | 0;
}

/** MD4 digest of `data` (RFC 1320). Returns 16 bytes. */
export function md4(data: Uint8Array): Buffer {
  const len = data.length;
  // RFC 1320 §3.1-3.2: append 0x80, zero-pad to 56 mod 64, then the bit length (64-bit LE).
  const padded = Buffer.alloc((((len + 8) >>> 6) + 1) << 6);
  padded.set(data, 0);
  padded[len] = 0x80;
  const bitLen = len * 8;
  padded.writeUInt32LE(bitLen >>> 0, padded.length - 8);
  padded.writeUInt32LE(Math.floor(bitLen / 0x100000000) >>> 0, padded.length - 4);

  // RFC 1320 §3.3: initial registers A, B, C, D.
  const st = new Uint32Array([0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476]);
  const x = new Uint32Array(16);
  for (let off = 0; off < padded.length; off += 64) {
    for (let i = 0; i < 16; i++) x[i] = padded.readUInt32LE(off + i * 4);
    compress(st, x);
  }
  const out = Buffer.allocUnsafe(16);
  for (let i = 0; i < 4; i++) out.writeUInt32LE(st[i]!, i * 4);
  return out;
}
