import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import radius from 'radius';
import { hide, reveal } from '../../../../server/radius/hiding.js';
import { ensureRadiusDictionary } from '../../../../server/radius/dictionary.js';
import { isDecodeError } from '../../../../server/errors.js';

const SECRET = Buffer.from('testing123');
const RA = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');

describe('RFC 2865 §5.2 hiding', () => {
  it('hides a User-Password the way the codec (and so FreeRADIUS) reveals it', () => {
    ensureRadiusDictionary();
    for (const pw of ['secret', 'a-password-of-exactly-32-octets!', '', 'ünïcødé']) {
      const hidden = hide(Buffer.from(pw), SECRET, RA);
      assert.equal(hidden.length % 16, 0);
      assert.ok(hidden.length >= 16);
      const p = radius.encode({ code: 'Access-Request', secret: 'testing123', identifier: 1, authenticator: RA, attributes: [['User-Password', hidden]] } as never);
      assert.equal(radius.decode({ packet: p, secret: 'testing123' }).attributes['User-Password'], pw === '' ? '' : pw);
    }
  });

  it('reveals what it hid, padding included (binary values with zero octets)', () => {
    const plain = Buffer.concat([Buffer.alloc(8), Buffer.from('00112233445566778899aabbccddeeff', 'hex'), Buffer.alloc(8)]);
    const back = reveal(hide(plain, SECRET, RA), SECRET, RA);
    assert.ok(!isDecodeError(back));
    assert.deepEqual(back, plain);
  });

  it('refuses values over 128 octets and malformed hidden lengths', () => {
    assert.throws(() => hide(Buffer.alloc(129), SECRET, RA), /128/);
    assert.ok(isDecodeError(reveal(Buffer.alloc(15), SECRET, RA)));
    assert.ok(isDecodeError(reveal(Buffer.alloc(17), SECRET, RA)));
  });
});
