import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDecodeError } from '../../../../server/errors.js';
import { decodeFrame, decodeInnerProtocol, encodeFrame } from '../../../../server/ppp/frame.js';
import { Protocol } from '../../../../server/ppp/protocols.js';
import { seededRandom } from '../../../helpers/ppp-pair.js';

const info = Buffer.from('0901000800000000', 'hex');

test('decodes all four header forms, LCP included (pppd drops FF03 after LCP opens)', () => {
  for (const [hex, proto] of [
    ['ff03c021', 0xc021],
    ['c021', 0xc021],
    ['ff0321', 0x21],
    ['fd', 0xfd],
    ['ff0300fd', 0xfd],
    ['8021', 0x8021],
  ] as const) {
    const f = decodeFrame(Buffer.concat([Buffer.from(hex, 'hex'), info]));
    assert.ok(!isDecodeError(f), hex);
    assert.equal(f.protocol, proto, hex);
    assert.deepEqual(f.info, info, hex);
  }
});

test('garbage gives DecodeError', () => {
  for (const hex of ['', 'ff', 'ff04c021', 'ff03', 'c0', 'c022', '0000', 'ff0300']) {
    assert.ok(isDecodeError(decodeFrame(Buffer.from(hex, 'hex'))), hex);
  }
});

test('encoder: full fields by default; compresses only as negotiated; never LCP', () => {
  assert.equal(encodeFrame(Protocol.IP, info).subarray(0, 4).toString('hex'), 'ff030021');
  const both = { acfc: true, pfc: true };
  assert.equal(encodeFrame(Protocol.IP, info, both).subarray(0, 1).toString('hex'), '21');
  assert.equal(encodeFrame(Protocol.MPPE, info, { acfc: false, pfc: true }).subarray(0, 3).toString('hex'), 'ff03fd');
  assert.equal(encodeFrame(Protocol.CCP, info, both).subarray(0, 2).toString('hex'), '80fd');
  assert.equal(encodeFrame(Protocol.LCP, info, both).subarray(0, 4).toString('hex'), 'ff03c021');
});

test('round trip encode → decode → encode for every compression setting', () => {
  for (const comp of [
    { acfc: false, pfc: false },
    { acfc: true, pfc: false },
    { acfc: false, pfc: true },
    { acfc: true, pfc: true },
  ]) {
    for (const p of [Protocol.IP, Protocol.MPPE, Protocol.IPCP, Protocol.LCP, Protocol.CHAP]) {
      const a = encodeFrame(p, info, comp);
      const d = decodeFrame(a);
      assert.ok(!isDecodeError(d));
      assert.equal(d.protocol, p);
      assert.deepEqual(encodeFrame(d.protocol, d.info, comp), a);
    }
  }
});

test('inner protocol field of a decrypted datagram: 1 or 2 octets', () => {
  assert.deepEqual(decodeInnerProtocol(Buffer.from('0021450000', 'hex')), { protocol: 0x21, offset: 2 });
  assert.deepEqual(decodeInnerProtocol(Buffer.from('21450000', 'hex')), { protocol: 0x21, offset: 1 });
  assert.ok(isDecodeError(decodeInnerProtocol(Buffer.alloc(0))));
  assert.ok(isDecodeError(decodeInnerProtocol(Buffer.from('00', 'hex'))));
  assert.ok(isDecodeError(decodeInnerProtocol(Buffer.from('0022', 'hex'))));
});

test('bounded fuzz: decodeFrame never throws, info stays inside the input', () => {
  const rnd = seededRandom(7);
  for (let i = 0; i < 5000; i++) {
    const b = rnd(rnd(1)[0]! % 8);
    const f = decodeFrame(b);
    if (!isDecodeError(f)) assert.ok(f.info.length < b.length);
  }
});
