import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDecodeError } from '../../../../../server/errors.js';
import { decodeCp, decodeOptions, encodeCp, encodeOptions, opt } from '../../../../../server/ppp/fsm/cp-codec.js';
import { seededRandom } from '../../../../helpers/ppp-pair.js';

// Windows XP/7 LCP Configure-Request id 0 (windows-lcp.md §2): MRU 1400, magic, PFC, ACFC, Callback CBCP.
const WIN7_LCP = Buffer.from('0100001501040578050608dd621507020802' + '0d0306', 'hex');

test('parse / generate / mirror a real Windows LCP Configure-Request', () => {
  const p = decodeCp(WIN7_LCP, 'lcp');
  assert.ok(!isDecodeError(p));
  assert.equal(p.code, 1);
  assert.equal(p.identifier, 0);
  const opts = decodeOptions(p.data, 'lcp');
  assert.ok(Array.isArray(opts));
  assert.deepEqual(
    opts.map((o) => [o.type, o.data.toString('hex')]),
    [
      [1, '0578'],
      [5, '08dd6215'],
      [7, ''],
      [8, ''],
      [13, '06'],
    ],
  );
  const again = encodeCp(p.code, p.identifier, encodeOptions(opts));
  assert.deepEqual(again, WIN7_LCP);
});

test('octets past Length are padding and ignored', () => {
  const padded = Buffer.concat([encodeCp(9, 3, Buffer.from('00000000', 'hex')), Buffer.from('eeee', 'hex')]);
  const p = decodeCp(padded, 'lcp');
  assert.ok(!isDecodeError(p));
  assert.equal(p.data.length, 4);
});

test('malformed packets give DecodeError values', () => {
  for (const hex of ['', '01', '010000', '01000003', '0100ffff0000', '01000010aabb']) {
    const r = decodeCp(Buffer.from(hex, 'hex'), 'lcp');
    assert.ok(isDecodeError(r), hex);
    assert.equal(r.format, 'lcp');
  }
});

test('malformed option lists: short header, Length < 2, Length past the end', () => {
  for (const hex of ['01', '0100', '0101', '010503', '0104aabb05']) {
    assert.ok(isDecodeError(decodeOptions(Buffer.from(hex, 'hex'), 'ipcp')), hex);
  }
  assert.deepEqual(decodeOptions(Buffer.alloc(0), 'ipcp'), []);
});

test('option helpers encode big-endian', () => {
  assert.equal(encodeOptions([opt.u16(1, 1400), opt.u32(5, 0x01020304), opt.empty(7)]).toString('hex'), '0104057805060102030407 02'.replace(' ', ''));
});

test('bounded fuzz: random bytes never throw and never read past the buffer', () => {
  const rnd = seededRandom(42);
  for (let i = 0; i < 5000; i++) {
    const len = rnd(1)[0]! % 40;
    const buf = rnd(len);
    const p = decodeCp(buf, 'lcp');
    if (!isDecodeError(p)) {
      assert.ok(p.data.length + 4 <= buf.length);
      const o = decodeOptions(p.data, 'lcp');
      if (Array.isArray(o)) for (const x of o) assert.ok(x.data.length <= p.data.length);
    }
  }
});
