import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { decodeGre, encodeGre, writeHeader, headerLength, GreDecodeReason, GRE_MAX_HEADER_LENGTH } from '../../../../server/gre/codec.js';
import { isDecodeError } from '../../../../server/errors.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const bytes = (h: string) => new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'));
const lcp = bytes('ff03c021 0100000a 0506 0a94c166'); // FF03 LCP Configure-Request, magic only

// Written from the RFC 2637 §4.1 diagram: flags/version, 880B, payload length, call id, [seq], [ack].
const fixtures = [
  { name: 'data, S only (Windows first frame: flags 0x3001)', wire: bytes('3001 880b 000e 0018 00000000' + hex(lcp)), packet: { callId: 24, seq: 0, ack: undefined, payload: lcp } },
  { name: 'data with a piggybacked ack (0x3081), Cisco ack 0xffffffff', wire: bytes('3081 880b 000e 0001 00000001 ffffffff' + hex(lcp)), packet: { callId: 1, seq: 1, ack: 0xffffffff, payload: lcp } },
  { name: 'ack-only (0x2081, payload length 0)', wire: bytes('2081 880b 0000 7800 0000002a'), packet: { callId: 0x7800, seq: undefined, ack: 42, payload: new Uint8Array(0) } },
];

for (const f of fixtures) {
  describe(f.name, () => {
    test('parse', () => assert.deepEqual(decodeGre(f.wire), f.packet));
    test('generate', () => assert.equal(hex(encodeGre(f.packet, f.packet.payload)), hex(f.wire)));
    test('mirror', () => {
      const p = decodeGre(f.wire);
      assert.ok(!isDecodeError(p));
      assert.equal(hex(encodeGre(p, p.payload)), hex(f.wire));
    });
  });
}

test('the payload is a subarray of the input, not a copy', () => {
  const w = fixtures[0]!.wire;
  const p = decodeGre(w);
  assert.ok(!isDecodeError(p));
  assert.equal(p.payload.buffer, w.buffer);
  assert.equal(p.payload.byteOffset, w.byteOffset + 12);
});

test('decodeGre(b, start, end) decodes a packet inside a larger slab exactly as the packet alone', () => {
  for (const f of fixtures) {
    const slab = new Uint8Array(7 + f.wire.length + 9).fill(0xee);
    slab.set(f.wire, 7);
    const p = decodeGre(slab, 7, 7 + f.wire.length);
    assert.deepEqual(p, f.packet, f.name);
    assert.ok(!isDecodeError(p));
    assert.equal(p.payload.byteOffset, slab.byteOffset + 7 + headerLength(f.packet.seq !== undefined, f.packet.ack !== undefined));
    // The end bounds the packet: one octet short of the payload is a length error, not a read beyond.
    if (f.packet.payload.length > 0) {
      assert.equal((decodeGre(slab, 7, 7 + f.wire.length - 1) as { reason?: string }).reason, GreDecodeReason.PayloadLengthExceedsPacket);
    }
  }
  // Ranges outside the buffer are Truncated, never read.
  const w = fixtures[0]!.wire;
  for (const [s, e] of [[-1, 10], [0, w.length + 1], [5, 4]] as const) {
    const r = decodeGre(w, s, e);
    assert.ok(isDecodeError(r));
    assert.equal(r.reason, GreDecodeReason.Truncated);
  }
});

test('writeHeader writes in front of a payload already in place (no copy)', () => {
  const buf = new Uint8Array(GRE_MAX_HEADER_LENGTH + lcp.length);
  const hlen = headerLength(true, true);
  assert.equal(hlen, 16);
  buf.set(lcp, GRE_MAX_HEADER_LENGTH); // payload placed at the largest header offset
  const start = GRE_MAX_HEADER_LENGTH - hlen;
  assert.equal(writeHeader(buf, start, { callId: 1, payloadLength: lcp.length, seq: 1, ack: 0xffffffff }), hlen);
  assert.equal(hex(buf.subarray(start)), hex(fixtures[1]!.wire));
  // Only S: 12 octets, written 4 octets further in.
  const buf2 = new Uint8Array(GRE_MAX_HEADER_LENGTH + lcp.length);
  buf2.set(lcp, GRE_MAX_HEADER_LENGTH);
  assert.equal(writeHeader(buf2, 4, { callId: 24, payloadLength: lcp.length, seq: 0 }), 12);
  assert.equal(hex(buf2.subarray(4)), hex(fixtures[0]!.wire));
  assert.deepEqual([headerLength(false, false), headerLength(true, false), headerLength(false, true)], [8, 12, 12]);
});

test('trailing octets after Payload Length (link padding) are not part of the payload', () => {
  const w = new Uint8Array(fixtures[0]!.wire.length + 6);
  w.set(fixtures[0]!.wire);
  const p = decodeGre(w);
  assert.ok(!isDecodeError(p));
  assert.equal(hex(p.payload), hex(lcp));
});

describe('malformed input', () => {
  const base = fixtures[1]!.wire;
  const mut = (fn: (b: Uint8Array) => void) => {
    const b = new Uint8Array(base);
    fn(b);
    return b;
  };
  const reason = (b: Uint8Array) => {
    const r = decodeGre(b);
    return isDecodeError(r) ? r.reason : 'decoded';
  };
  test('shorter than the base header, or than the flags say', () => {
    for (let n = 0; n < 16; n++) assert.equal(reason(base.subarray(0, n)), GreDecodeReason.Truncated, `${n} octets`);
  });
  test('Payload Length larger than the packet', () => {
    assert.equal(reason(base.subarray(0, base.length - 1)), GreDecodeReason.PayloadLengthExceedsPacket);
    assert.equal(reason(mut((b) => (b[4] = 0xff))), GreDecodeReason.PayloadLengthExceedsPacket);
  });
  test('version other than 1 (plain GRE v0, or garbage)', () => {
    assert.equal(reason(mut((b) => (b[1] = 0x80))), GreDecodeReason.BadVersion);
    assert.equal(reason(mut((b) => (b[1] = 0x87))), GreDecodeReason.BadVersion);
  });
  test('Protocol Type other than 0x880B', () => {
    assert.equal(reason(mut((b) => ((b[2] = 0x08), (b[3] = 0x00)))), GreDecodeReason.BadProtocol);
  });
  test('K bit missing', () => {
    assert.equal(reason(mut((b) => (b[0] = 0x10))), GreDecodeReason.NoKey);
  });
  test('C, R, s or Recur set', () => {
    for (const bit of [0x80, 0x40, 0x08, 0x01, 0x04]) {
      assert.equal(reason(mut((b) => (b[0]! |= bit))), GreDecodeReason.UnsupportedFlags, `bit 0x${bit.toString(16)}00`);
    }
  });
  test('a payload without the S bit', () => {
    assert.equal(reason(bytes('2081 880b 0004 0001 00000005 c0210900')), GreDecodeReason.PayloadWithoutSequence);
  });
  test('reserved Flags bits are ignored', () => {
    assert.equal(reason(mut((b) => (b[1] = 0x81 | 0x78))), 'decoded');
  });
});

test('fuzz: 20 000 random and mutated packets never throw; decoded ones re-encode', () => {
  let s = 0x9e3779b9;
  const rand = () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 4294967296);
  let decoded = 0;
  for (let i = 0; i < 20_000; i++) {
    let b: Uint8Array;
    if (rand() < 0.2) b = new Uint8Array(Math.floor(rand() * 40)).map(() => Math.floor(rand() * 256));
    else {
      b = new Uint8Array(fixtures[i % 3]!.wire);
      for (let k = 0; k < 1 + Math.floor(rand() * 3); k++) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
      if (rand() < 0.3) b = b.subarray(0, Math.floor(rand() * b.length));
    }
    const p = decodeGre(b);
    if (isDecodeError(p)) continue;
    decoded++;
    assert.deepEqual(decodeGre(encodeGre(p, p.payload)), p);
  }
  assert.ok(decoded > 1000, `${decoded} decoded`);
});
