import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildEchoReply, buildEchoRequest, IcmpDecodeReason, IcmpType, internetChecksum, MAX_ECHO_PAYLOAD, parseEcho,
  type EchoMessage,
} from '../../../../server/client/icmp.js';
import { isDecodeError, type DecodeError } from '../../../../server/errors.js';

const SRC = 0x0a080002; // 10.8.0.2
const DST = 0x0a080001; // 10.8.0.1

function ok(x: EchoMessage | DecodeError): EchoMessage {
  assert.ok(!isDecodeError(x), isDecodeError(x) ? x.reason : '');
  return x;
}

function reason(x: EchoMessage | DecodeError): string {
  assert.ok(isDecodeError(x), 'expected a DecodeError');
  assert.equal(x.format, 'icmp');
  return x.reason;
}

test('internetChecksum: RFC 1071 §3 example and a known IPv4 header', () => {
  // RFC 1071 §3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2 (before the one's complement).
  assert.equal(internetChecksum(Buffer.from('0001f203f4f5f6f7', 'hex')), ~0xddf2 & 0xffff);
  // An IPv4 header with its checksum field zeroed; the correct checksum is b861.
  const h = Buffer.from('45000073000040004011' + '0000' + 'c0a80001c0a800c7', 'hex');
  assert.equal(internetChecksum(h), 0xb861);
  h.writeUInt16BE(0xb861, 10);
  assert.equal(internetChecksum(h), 0, 'a correct header sums to zero');
  // Odd length: the last octet is padded with zero.
  assert.equal(internetChecksum(Buffer.from([0x01])), ~0x0100 & 0xffff);
});

test('buildEchoRequest → parseEcho round trip, with both checksums valid', () => {
  for (const size of [0, 1, 56, 1000, MAX_ECHO_PAYLOAD]) {
    const p = buildEchoRequest({ src: SRC, dst: DST, id: 0xbeef, seq: 7, size });
    assert.equal(p.length, 28 + size);
    assert.equal(p.readUInt16BE(2), p.length, 'IPv4 Total Length');
    assert.equal(p[9], 1, 'protocol ICMP');
    assert.equal(internetChecksum(p, 0, 20), 0);
    assert.equal(internetChecksum(p, 20, p.length), 0);
    const m = ok(parseEcho(p));
    assert.deepEqual({ type: m.type, src: m.src, dst: m.dst, id: m.id, seq: m.seq, len: m.data.length },
      { type: IcmpType.Echo, src: SRC, dst: DST, id: 0xbeef, seq: 7, len: size });
  }
  assert.equal(buildEchoRequest({ src: SRC, dst: DST, id: 1, seq: 1, size: 99_999 }).length, 1500, 'size is capped to one datagram');
});

test('buildEchoReply answers a request: addresses swapped, id/seq/data kept, re-encodes identically', () => {
  const req = buildEchoRequest({ src: SRC, dst: DST, id: 42, seq: 65535, size: 64 });
  const m = ok(parseEcho(req));
  const reply = buildEchoReply(m);
  const r = ok(parseEcho(reply));
  assert.equal(r.type, IcmpType.EchoReply);
  assert.equal(r.src, DST);
  assert.equal(r.dst, SRC);
  assert.equal(r.id, 42);
  assert.equal(r.seq, 65535);
  assert.deepEqual(Buffer.from(r.data), Buffer.from(m.data));
  // encode → decode → encode is stable
  assert.deepEqual(buildEchoReply(ok(parseEcho(buildEchoReply(r)))), reply);
});

test('parseEcho: a datagram longer than its Total Length (link padding) is cut at Total Length', () => {
  const p = buildEchoRequest({ src: SRC, dst: DST, id: 1, seq: 2, size: 10 });
  const padded = Buffer.concat([p, Buffer.alloc(6, 0xee)]);
  assert.equal(ok(parseEcho(padded)).data.length, 10);
});

test('parseEcho: malformed input returns a DecodeError, never throws or over-reads', () => {
  const good = buildEchoRequest({ src: SRC, dst: DST, id: 1, seq: 2, size: 8 });
  const mutate = (f: (b: Buffer) => void, fixHeader = true): Buffer => {
    const b = Buffer.from(good);
    f(b);
    if (fixHeader) {
      b.writeUInt16BE(0, 10);
      b.writeUInt16BE(internetChecksum(b, 0, 20), 10);
    }
    return b;
  };
  assert.equal(reason(parseEcho(good.subarray(0, 19))), IcmpDecodeReason.Truncated);
  assert.equal(reason(parseEcho(mutate((b) => { b[0] = 0x65; }))), IcmpDecodeReason.NotIpv4);
  assert.equal(reason(parseEcho(mutate((b) => { b[0] = 0x44; }))), IcmpDecodeReason.BadHeaderLength);
  assert.equal(reason(parseEcho(mutate((b) => { b[0] = 0x4f; }))), IcmpDecodeReason.BadHeaderLength);
  assert.equal(reason(parseEcho(mutate((b) => b.writeUInt16BE(good.length + 1, 2)))), IcmpDecodeReason.BadTotalLength);
  assert.equal(reason(parseEcho(mutate((b) => b.writeUInt16BE(19, 2)))), IcmpDecodeReason.BadTotalLength);
  assert.equal(reason(parseEcho(mutate((b) => { b[8] = 1; }, false))), IcmpDecodeReason.BadHeaderChecksum);
  assert.equal(reason(parseEcho(mutate((b) => { b[9] = 17; }))), IcmpDecodeReason.NotIcmp);
  assert.equal(reason(parseEcho(mutate((b) => b.writeUInt16BE(0x2000, 6)))), IcmpDecodeReason.Fragment);
  assert.equal(reason(parseEcho(mutate((b) => b.writeUInt16BE(0x0001, 6)))), IcmpDecodeReason.Fragment);
  assert.equal(reason(parseEcho(mutate((b) => b.writeUInt16BE(27, 2)))), IcmpDecodeReason.Truncated);
  assert.equal(reason(parseEcho(mutate((b) => { b[20] = 3; }))), IcmpDecodeReason.NotEcho);
  assert.equal(reason(parseEcho(mutate((b) => { b[21] = 1; }))), IcmpDecodeReason.NotEcho);
  assert.equal(reason(parseEcho(mutate((b) => { b[30] = b[30]! ^ 0xff; }))), IcmpDecodeReason.BadChecksum);
  // DF alone is not a fragment.
  assert.ok(!isDecodeError(parseEcho(mutate((b) => b.writeUInt16BE(0x4000, 6)))));
});

test('parseEcho: bounded random garbage never throws', () => {
  let x = 12345;
  const rnd = (): number => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return x;
  };
  const base = buildEchoRequest({ src: SRC, dst: DST, id: 9, seq: 9, size: 32 });
  for (let i = 0; i < 2000; i++) {
    const b = Buffer.from(base.subarray(0, rnd() % (base.length + 1)));
    for (let k = 0; k < 3 && b.length > 0; k++) b[rnd() % b.length] = rnd() & 0xff;
    const r = parseEcho(b);
    if (!isDecodeError(r)) assert.ok(r.data.length <= b.length);
  }
});
