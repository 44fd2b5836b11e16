import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stripIpv4, ipv4ToString, ipv4FromString, Ipv4DecodeReason } from '../../../../server/gre/ipv4.js';
import { isDecodeError } from '../../../../server/errors.js';

const bytes = (h: string) => new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'));
// IPv4: ver/ihl 45, tos 0, total 32, id 1, flags/frag 0, ttl 64, proto 47, checksum 0, 10.1.1.11 → 10.1.1.10
const gre = '2081880b000000070000002a';
const packet = bytes('4500 0020 0001 0000 402f 0000 0a01010b 0a01010a' + gre);

test('strips the header: source, destination and the GRE slice (no copy)', () => {
  const r = stripIpv4(packet);
  assert.ok(!isDecodeError(r));
  assert.equal(ipv4ToString(r.source), '10.1.1.11');
  assert.equal(ipv4ToString(r.destination), '10.1.1.10');
  assert.equal(Buffer.from(r.gre).toString('hex'), gre);
  assert.equal(r.gre.buffer, packet.buffer);
});

test('IP options (IHL 6) are skipped; octets past Total Length are cut', () => {
  const p = bytes('4600 0024 0001 0000 402f 0000 0a01010b 0a01010a 01010100' + gre + 'eeee');
  const r = stripIpv4(p);
  assert.ok(!isDecodeError(r));
  assert.equal(Buffer.from(r.gre).toString('hex'), gre);
});

test('malformed headers give exact reasons', () => {
  const reason = (b: Uint8Array) => {
    const r = stripIpv4(b);
    return isDecodeError(r) ? r.reason : 'ok';
  };
  const mut = (fn: (b: Uint8Array) => void) => {
    const b = new Uint8Array(packet);
    fn(b);
    return b;
  };
  assert.equal(reason(packet.subarray(0, 19)), Ipv4DecodeReason.Truncated);
  assert.equal(reason(mut((b) => (b[0] = 0x65))), Ipv4DecodeReason.NotIpv4);
  assert.equal(reason(mut((b) => (b[0] = 0x44))), Ipv4DecodeReason.BadHeaderLength);
  assert.equal(reason(mut((b) => (b[0] = 0x4f))), Ipv4DecodeReason.BadHeaderLength);
  assert.equal(reason(mut((b) => (b[3] = 0x40))), Ipv4DecodeReason.BadTotalLength);
  assert.equal(reason(mut((b) => (b[3] = 0x10))), Ipv4DecodeReason.BadTotalLength);
  assert.equal(reason(mut((b) => (b[9] = 17))), Ipv4DecodeReason.NotGre);
  assert.equal(reason(mut((b) => (b[6] = 0x20))), Ipv4DecodeReason.Fragment);
  assert.equal(reason(mut((b) => (b[7] = 0x01))), Ipv4DecodeReason.Fragment);
  assert.equal(reason(mut((b) => (b[6] = 0x40))), 'ok', 'DF is fine');
});

test('address text conversions', () => {
  assert.equal(ipv4FromString('192.168.1.102'), 0xc0a80166);
  assert.equal(ipv4ToString(0xffffffff), '255.255.255.255');
  for (const bad of ['1.2.3', '1.2.3.256', 'a.b.c.d', '1.2.3.4.5', '']) assert.equal(ipv4FromString(bad), undefined, bad);
});
