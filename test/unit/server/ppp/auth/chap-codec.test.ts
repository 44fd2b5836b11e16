import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDecodeError } from '../../../../../server/errors.js';
import { decodeChap, encodeChapStatus, encodeChapValue } from '../../../../../server/ppp/auth/chap-codec.js';
import { ChapCode } from '../../../../../server/ppp/auth/constants.js';

test('Challenge: generate, parse, mirror', () => {
  const value = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
  const bytes = encodeChapValue(ChapCode.Challenge, 0xb0, value, Buffer.from('pptpd'));
  assert.equal(bytes.toString('hex'), '01b0001a10' + value.toString('hex') + Buffer.from('pptpd').toString('hex'));
  const p = decodeChap(bytes);
  assert.ok(!isDecodeError(p) && p.code === ChapCode.Challenge);
  assert.equal(p.identifier, 0xb0);
  assert.deepEqual(p.value, value);
  assert.equal(p.name.toString(), 'pptpd');
  assert.deepEqual(encodeChapValue(p.code, p.identifier, p.value, p.name), bytes);
});

test('Success/Failure: generate, parse, mirror; empty message allowed', () => {
  const bytes = encodeChapStatus(ChapCode.Failure, 7, Buffer.from('E=691 R=0'));
  const p = decodeChap(bytes);
  assert.ok(!isDecodeError(p) && p.code === ChapCode.Failure);
  assert.equal(p.message.toString(), 'E=691 R=0');
  assert.deepEqual(encodeChapStatus(p.code, p.identifier, p.message), bytes);
  const empty = decodeChap(Buffer.from('03090004', 'hex'));
  assert.ok(!isDecodeError(empty) && empty.code === ChapCode.Success && empty.message.length === 0);
});

test('octets beyond Length are padding and ignored', () => {
  const bytes = Buffer.concat([encodeChapStatus(ChapCode.Success, 1, Buffer.from('ok')), Buffer.from('ffff', 'hex')]);
  const p = decodeChap(bytes);
  assert.ok(!isDecodeError(p) && p.code === ChapCode.Success);
  assert.equal(p.message.toString(), 'ok');
});

test('malformed packets are DecodeError values, never throws', () => {
  const cases: [string, RegExp][] = [
    ['', /shorter than the header/],
    ['0101', /shorter than the header/],
    ['01010003', /less than 4/],
    ['01010010' + '00', /exceeds/],
    ['01010004', /no Value-Size/],
    ['0101000500', /Value-Size 0/],
    ['010100061001', /Value-Size 16 overruns/],
    ['02010006ff00', /Value-Size 255 overruns/],
    ['09010004', /unknown CHAP code 9/],
  ];
  for (const [hex, reason] of cases) {
    const r = decodeChap(Buffer.from(hex, 'hex'));
    assert.ok(isDecodeError(r), hex);
    assert.equal(r.format, 'chap');
    assert.match(r.reason, reason, hex);
  }
});

test('bounded random fuzz: decode never throws and views stay inside Length', () => {
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) >>> 8) & 0xff;
  for (let i = 0; i < 20_000; i++) {
    const len = rnd() % 64;
    const b = Buffer.alloc(len);
    for (let k = 0; k < len; k++) b[k] = rnd();
    if (len >= 4 && i % 2 === 0) {
      b[0] = 1 + (rnd() % 4); // mostly valid codes
      b.writeUInt16BE(4 + (rnd() % (len - 3)), 2);
    }
    const p = decodeChap(b);
    if (isDecodeError(p)) continue;
    const length = b.readUInt16BE(2);
    const inside = (x: Buffer) => x.byteOffset >= b.byteOffset && x.byteOffset + x.length <= b.byteOffset + length;
    if ('value' in p) assert.ok(inside(p.value) && inside(p.name) && p.value.length >= 1);
    else assert.ok(inside(p.message));
  }
});
