// The native MPPE cipher (server/dataplane/native/mppe.cc via server/crypto/mppe-native.ts)
// against the TypeScript reference (MppeSessionKey, and MppeEncoder/MppeDecoder with
// engine 'typescript'): same bytes for the same key changes, packets, losses and
// malformed input; and the addon refusing bad arguments instead of reading past a buffer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MppeDecoder, type MppeDecodeResult, MppeEncoder, type MppeMode } from '../../../../server/crypto/mppe.js';
import { MppeSessionKey } from '../../../../server/crypto/mppe-session.js';
import {
  createMppeCipher, defaultMppeEngine, MppeEngine, NativeMppeCipher, nativeMppeAvailable,
} from '../../../../server/crypto/mppe-native.js';
import { mppeKeysV2 } from '../../../../server/crypto/mppe-keys.js';
import { loadDataplane, dataplaneUnavailable } from '../../../../server/dataplane/native.js';
import { PptpdError } from '../../../../server/errors.js';
import { hex, pseudoRandom, vectors } from './helpers.js';

const skip = dataplaneUnavailable();
const BITS = [40, 56, 128] as const;

/** Deterministic generator of small integers (xorshift32), so failures reproduce. */
function rng(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1;
  return (n) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % n;
  };
}

/** How many key changes a step makes: mostly 0 or 1, sometimes a loss burst, rarely a long one. */
function keyChanges(r: (n: number) => number): number {
  const k = r(100);
  if (k < 40) return 0;
  if (k < 85) return 1;
  if (k < 98) return 2 + r(20);
  return 100 + r(1949);
}

test('native cipher = TypeScript cipher over random key-change sequences, all strengths', { skip }, () => {
  for (const bits of BITS) {
    for (let seq = 0; seq < 6; seq++) {
      const r = rng(1000 * bits + seq + 1);
      const master = pseudoRandom(16, bits * 31 + seq + 7);
      const ts = new MppeSessionKey(master, bits);
      const nat = new NativeMppeCipher(master, bits);
      for (let step = 0; step < 150; step++) {
        const len = r(1500);
        const data = pseudoRandom(len + 8, step * 7 + seq + bits);
        const start = r(4);
        const end = start + r(len + 1);
        const a = Buffer.from(data);
        const b = Buffer.from(data);
        const changes = keyChanges(r);
        const flushed = r(2) === 1;
        ts.crypt(a, start, end, changes, flushed);
        nat.crypt(b, start, end, changes, flushed);
        assert.deepEqual(b, a, `${bits}-bit seq ${seq} step ${step}: ${changes} changes, flushed ${flushed}, [${start}, ${end})`);
        // Outside the range nothing moved.
        assert.deepEqual(b.subarray(0, start), data.subarray(0, start));
        assert.deepEqual(b.subarray(end), data.subarray(end));
      }
      // The session keys agree too (a final key change + stream shows the whole state).
      const a = Buffer.alloc(64);
      const b = Buffer.alloc(64);
      ts.crypt(a, 0, 64, 1, true);
      nat.crypt(b, 0, 64, 1, true);
      assert.deepEqual(b, a);
    }
  }
});

test('long stateful runs (the OpenSSL RC4 path on a copy of the table) keep the key stream of the reference', { skip }, () => {
  // mppe.cc hands ranges of >= 128 octets to OpenSSL's RC4 when it agrees with the built-in
  // loop at load (mppeRc4Engine names which one runs); the table must come back advanced
  // exactly as the built-in loop leaves it, or the next packet of a stateful stream differs.
  assert.match(loadDataplane().mppeRc4Engine, /^(rc4\(.*\)|builtin)$/);
  const master = pseudoRandom(16, 4242);
  const ts = new MppeSessionKey(master, 128);
  const nat = new NativeMppeCipher(master, 128);
  const sizes = [1400, 127, 128, 129, 1, 0, 1500, 200, 7, 1400];
  for (let i = 0; i < 200; i++) {
    const len = sizes[i % sizes.length]!;
    const a = pseudoRandom(len, i);
    const b = Buffer.from(a);
    ts.crypt(a, 0, len, 0, false);
    nat.crypt(b, 0, len, 0, false);
    assert.deepEqual(b, a, `packet ${i} (${len} octets)`);
  }
});

test('the RFC 3079 §3.5 sample encrypts to the RFC ciphertext with either engine', { skip }, () => {
  const v = vectors<{ v2: { passwordHash: string; ntResponse: string; testMessage: string; strengths: { bits: 40 | 56 | 128; testMessageCipher: string }[] } }>(
    'rfc3079-mppe-keys.json',
  ).v2;
  const keys = mppeKeysV2(hex(v.passwordHash), hex(v.ntResponse));
  for (const engine of [MppeEngine.NATIVE, MppeEngine.TYPESCRIPT]) {
    for (const s of v.strengths) {
      const pkt = new MppeEncoder(keys.sendKey, { bits: s.bits, stateless: false, engine }).encode(Buffer.from(v.testMessage));
      assert.equal(pkt.toString('hex'), '1000' + s.testMessageCipher, `${engine} ${s.bits}-bit`);
    }
  }
});

function modes(): MppeMode[] {
  const out: MppeMode[] = [];
  for (const bits of BITS) {
    out.push({ bits, stateless: true });
    out.push({ bits, stateless: false, flushRekeys: true });
    out.push({ bits, stateless: false, flushRekeys: false });
  }
  return out;
}

const describe = (m: MppeMode): string => `${m.bits}-bit ${m.stateless ? 'stateless' : `stateful flushRekeys=${String(m.flushRekeys)}`}`;

test('encoders: native and TypeScript send identical packets, with Reset-Requests, across the 12-bit wrap', { skip }, () => {
  for (const mode of modes()) {
    const r = rng(mode.bits + (mode.stateless ? 5 : mode.flushRekeys ? 9 : 13));
    const master = pseudoRandom(16, mode.bits + 99);
    const ts = new MppeEncoder(master, { ...mode, engine: MppeEngine.TYPESCRIPT });
    const nat = new MppeEncoder(master, { ...mode, engine: MppeEngine.NATIVE });
    const n = mode.bits === 128 ? 4400 : 700;
    for (let i = 0; i < n; i++) {
      if (r(50) === 0) {
        ts.resetRequest();
        nat.resetRequest();
      }
      const p = pseudoRandom(1 + r(300), i + mode.bits);
      assert.deepEqual(nat.encode(p), ts.encode(p), `${describe(mode)} packet ${i}`);
    }
    assert.equal(nat.coherencyCount, ts.coherencyCount);
  }
});

/** Every way a packet stream goes wrong on the network, decided by `r`. */
function mangle(r: (n: number) => number, pkt: Buffer): Buffer | null {
  const k = r(100);
  if (k < 8) return null; // lost
  const out = Buffer.from(pkt);
  if (k < 10) out[0] = out[0]! & ~0x80; // A bit cleared
  else if (k < 11) out[0] = out[0]! & ~0x10; // D bit cleared
  else if (k < 13) out[1] = r(256); // count changed (a jump, back or forward)
  else if (k < 14 && r(4) === 0) out[0] = (out[0]! & 0xf0) | r(16); // a jump of up to 3840: blocks stateless for long
  else if (k < 16) return out.subarray(0, r(4)); // truncated to nothing / header only
  else if (k < 17) return Buffer.alloc(0);
  return out;
}

function sameResult(a: MppeDecodeResult, b: MppeDecodeResult, what: string): void {
  assert.equal(a.ok, b.ok, what);
  if (a.ok && b.ok) assert.deepEqual(a.payload, b.payload, what);
  if (!a.ok && !b.ok) {
    assert.equal(a.error.reason, b.error.reason, what);
    assert.equal(a.resetRequired, b.resetRequired, what);
  }
}

test('decoders: native and TypeScript agree packet by packet on lossy, reordered, replayed and malformed streams', { skip }, () => {
  for (const mode of modes()) {
    for (let seed = 1; seed <= 3; seed++) {
      const r = rng(seed * 7919 + mode.bits);
      const master = pseudoRandom(16, seed + mode.bits);
      const enc = new MppeEncoder(master, { ...mode, engine: MppeEngine.TYPESCRIPT });
      const ts = new MppeDecoder(master, { ...mode, engine: MppeEngine.TYPESCRIPT });
      const nat = new MppeDecoder(master, { ...mode, engine: MppeEngine.NATIVE });
      let previous: Buffer | undefined;
      let okCount = 0;
      for (let i = 0; i < 900; i++) {
        // The sender answers the receiver's Reset-Requests (stateful), as CCP would.
        if (!mode.stateless && ts.awaitingFlush && r(3) === 0) enc.resetRequest();
        // A long silent loss now and then (stateless catch-up, stateful flag misses).
        if (r(400) === 0) for (let skipN = 300 + r(600); skipN > 0; skipN--) enc.encode(Buffer.from([0, 0x21]));
        const sent = enc.encode(pseudoRandom(2 + r(200), i * 13 + seed));
        let pkt = mangle(r, sent);
        if (pkt && previous && r(25) === 0) pkt = Buffer.from(previous); // replay of an older packet
        previous = sent;
        if (!pkt) continue;
        const a = ts.decode(Buffer.from(pkt));
        const b = nat.decode(Buffer.from(pkt));
        sameResult(b, a, `${describe(mode)} seed ${seed} packet ${i}`);
        if (a.ok) okCount++;
        assert.equal(nat.awaitingFlush, ts.awaitingFlush);
      }
      // Not all: a forged count far ahead (no integrity check in MPPE) makes real packets
      // "late" until the sender passes it, and a long loss waits for rekey credit
      // (mppe.ts). But the comparison must have covered many decodes.
      assert.ok(okCount > 50, `${describe(mode)} seed ${seed}: only ${okCount} packets decoded, the stream never recovered`);
    }
  }
});

test('decodeInPlace inside a larger buffer: bytes around the packet stay as they were (native)', { skip }, () => {
  const master = pseudoRandom(16, 3);
  const enc = new MppeEncoder(master, { bits: 128, stateless: true, engine: MppeEngine.NATIVE });
  const dec = new MppeDecoder(master, { bits: 128, stateless: true, engine: MppeEngine.NATIVE });
  const payload = pseudoRandom(500, 4);
  const pkt = enc.encode(payload);
  const big = pseudoRandom(700, 5);
  pkt.copy(big, 100);
  const before = Buffer.from(big);
  const r = dec.decodeInPlace(big, 100, 100 + pkt.length);
  assert.ok(r.ok);
  assert.deepEqual(r.payload, payload);
  assert.deepEqual(big.subarray(0, 100), before.subarray(0, 100));
  assert.deepEqual(big.subarray(100 + pkt.length), before.subarray(100 + pkt.length));
  // Ranges outside the buffer are DecodeErrors before any native call.
  assert.equal(dec.decodeInPlace(big, 690, 701).ok, false);
  assert.equal(dec.decodeInPlace(big, -1, 10).ok, false);
});

test('the addon refuses bad states, ranges and arguments with TypeError/RangeError (never reads past a buffer)', { skip }, () => {
  const a = loadDataplane();
  const buf = Buffer.alloc(64);
  const good = Buffer.alloc(a.mppeStateSize);
  a.mppeInit(good, pseudoRandom(16, 1), 128);
  const call = (...args: unknown[]): void => {
    (a.mppeCrypt as (...x: unknown[]) => void)(...args);
  };
  const init = (...args: unknown[]): void => {
    (a.mppeInit as (...x: unknown[]) => void)(...args);
  };
  // States that are not one.
  assert.throws(() => call(Buffer.alloc(a.mppeStateSize), buf, 0, 8, 0, false), TypeError); // never initialized
  assert.throws(() => call(Buffer.alloc(a.mppeStateSize - 1), buf, 0, 8, 0, false), TypeError);
  assert.throws(() => call(new Uint16Array(a.mppeStateSize / 2), buf, 0, 8, 0, false), TypeError);
  assert.throws(() => call({}, buf, 0, 8, 0, false), TypeError);
  const damaged = Buffer.from(good);
  damaged[259] = 200; // keyLength
  assert.throws(() => call(damaged, buf, 0, 8, 0, false), TypeError);
  // Ranges and numbers.
  assert.throws(() => call(good, buf, 0, 65, 0, false), RangeError);
  assert.throws(() => call(good, buf, 9, 8, 0, false), RangeError);
  assert.throws(() => call(good, buf, -1, 8, 0, false), RangeError); // wraps to 2^32 - 1
  assert.throws(() => call(good, buf.subarray(60), 0, 8, 0, false), RangeError); // a view: its own length counts
  assert.throws(() => call(good, buf, 0, 8, 4097, false), RangeError);
  assert.throws(() => call(good, buf, '0', 8, 0, false), TypeError);
  assert.throws(() => call(good, new Float64Array(8), 0, 8, 0, false), TypeError);
  assert.throws(() => call(good, buf, 0, 8, 0, 'yes'), TypeError);
  assert.throws(() => call(good, buf, 0, 8), TypeError);
  assert.throws(() => init(good, pseudoRandom(16, 1), 64), RangeError);
  assert.throws(() => init(good, pseudoRandom(7, 1), 40), RangeError);
  assert.throws(() => init(good, pseudoRandom(15, 1), 128), RangeError);
  assert.throws(() => init(good, 'key', 128), TypeError);
  // Through all of that the good state was not touched: it still matches the reference.
  const ts = new MppeSessionKey(pseudoRandom(16, 1), 128);
  const x = Buffer.alloc(32);
  const y = Buffer.alloc(32);
  ts.crypt(x, 0, 32, 1, true);
  call(good, y, 0, 32, 1, true);
  assert.deepEqual(y, x);
});

test('engine selection: explicit engines, the auto default and PPTPD_MPPE_ENGINE', { skip }, () => {
  const key = pseudoRandom(16, 2);
  assert.ok(nativeMppeAvailable());
  assert.ok(createMppeCipher(key, 128, MppeEngine.NATIVE) instanceof NativeMppeCipher);
  assert.ok(createMppeCipher(key, 128, MppeEngine.TYPESCRIPT) instanceof MppeSessionKey);
  assert.ok(createMppeCipher(key, 128, MppeEngine.AUTO) instanceof NativeMppeCipher);
  const saved = process.env['PPTPD_MPPE_ENGINE'];
  try {
    process.env['PPTPD_MPPE_ENGINE'] = 'typescript';
    assert.equal(defaultMppeEngine(), MppeEngine.TYPESCRIPT);
    assert.ok(createMppeCipher(key, 40) instanceof MppeSessionKey);
    process.env['PPTPD_MPPE_ENGINE'] = 'bogus';
    assert.equal(defaultMppeEngine(), MppeEngine.AUTO);
  } finally {
    if (saved === undefined) delete process.env['PPTPD_MPPE_ENGINE'];
    else process.env['PPTPD_MPPE_ENGINE'] = saved;
  }
  // Short master keys are our callers' faults: a PptpdError, as with the TS cipher.
  assert.throws(() => new NativeMppeCipher(pseudoRandom(8, 1), 128), PptpdError);
});
