import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import radius from 'radius';
import { all, first, ipv4, msAttr, readAttributes, text, u32 } from '../../../../server/radius/attributes.js';
import { ensureRadiusDictionary } from '../../../../server/radius/dictionary.js';
import { isDecodeError } from '../../../../server/errors.js';

ensureRadiusDictionary();

function packet(attrs: Buffer): Buffer {
  const head = Buffer.alloc(20);
  head[0] = 2;
  head.writeUInt16BE(20 + attrs.length, 2);
  return Buffer.concat([head, attrs]);
}

describe('readAttributes', () => {
  it('reads what the codec wrote: plain attributes, repeats and one VSA per Microsoft attribute', () => {
    const p = radius.encode({
      code: 'Access-Accept', secret: 's', identifier: 1,
      attributes: [
        ['Framed-IP-Address', '10.1.2.3'], ['Session-Timeout', 3600], ['Class', Buffer.from('a')], ['Class', Buffer.from('b')],
        ['Reply-Message', 'hi'], msAttr('MS-MPPE-Encryption-Policy', 2), msAttr('MS-CHAP2-Success', Buffer.from('\x01S=00')),
      ],
    });
    const attrs = readAttributes(p);
    assert.ok(!isDecodeError(attrs));
    assert.equal(ipv4(attrs, 8), '10.1.2.3');
    assert.equal(u32(attrs, 27), 3600);
    assert.deepEqual(all(attrs, 25).map(String), ['a', 'b']);
    assert.equal(text(attrs, 18), 'hi');
    assert.equal(u32(attrs, 7, 311), 2);
    assert.equal(u32(attrs, 7), undefined, 'a VSA sub-attribute is not a top-level attribute');
    assert.equal(first(attrs, 26, 311)?.toString('latin1'), '\x01S=00');
    // The codec packs two sub-attributes in one VSA when asked: both are read.
    const packed = radius.encode({ code: 'Access-Accept', secret: 's', identifier: 1, attributes: [['Vendor-Specific', 311, [['MS-MPPE-Encryption-Policy', 1], ['MS-MPPE-Encryption-Types', 6]]]] });
    const p2 = readAttributes(packed);
    assert.ok(!isDecodeError(p2));
    assert.deepEqual([u32(p2, 7, 311), u32(p2, 8, 311)], [1, 6]);
  });

  it('keeps a VSA of another layout whole, and ignores wrong-size integers', () => {
    const odd = packet(Buffer.from([26, 9, 0, 0, 0, 9, 0xff, 0xff, 0xff]));
    const attrs = readAttributes(odd);
    assert.ok(!isDecodeError(attrs));
    assert.equal(attrs.length, 1);
    assert.equal(attrs[0]!.type, 26);
    assert.equal(u32(readAttributes(packet(Buffer.from([27, 5, 0, 0, 1]))) as never, 27), undefined);
  });

  it('returns a DecodeError for a length below 2 or past the end', () => {
    assert.ok(isDecodeError(readAttributes(packet(Buffer.from([1, 1])))));
    assert.ok(isDecodeError(readAttributes(packet(Buffer.from([1, 9, 0x61])))));
    assert.ok(isDecodeError(readAttributes(packet(Buffer.from([1])))));
    assert.ok(isDecodeError(readAttributes(Buffer.alloc(10))));
    assert.deepEqual(readAttributes(packet(Buffer.alloc(0))), []);
  });

  it('never throws or reads past the buffer on random input (bounded fuzz)', () => {
    let seed = 99;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) >>> 0);
    for (let i = 0; i < 5000; i++) {
      const body = Buffer.alloc(rnd() % 60);
      for (let k = 0; k < body.length; k++) body[k] = rnd() & 0xff;
      if (body.length > 1 && i % 3 === 0) body[0] = 26;
      const r = readAttributes(packet(body));
      if (!isDecodeError(r)) for (const a of r) assert.ok(a.value.length <= body.length);
    }
  });
});

it('fitString: at most 253 octets, cut at a character boundary, never grown by U+FFFD', async () => {
  const { fitString } = await import('../../../../server/radius/attributes.js');
  assert.equal(fitString('alice'), 'alice');
  assert.equal(Buffer.byteLength(fitString('x'.repeat(255)), 'utf8'), 253);
  // 126 two-octet characters = 252 octets, then one more: 254 octets, cut to 252 (not 253 + U+FFFD).
  const s = 'é'.repeat(127);
  const cut = fitString(s);
  assert.equal(Buffer.byteLength(cut, 'utf8'), 252);
  assert.equal(cut, 'é'.repeat(126));
  assert.ok(!cut.includes('\ufffd'));
});
