import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decryptMsMppeKey, encryptMsMppeKey } from '../../../../server/crypto/ms-mppe-attr.js';
import { isDecodeError, PptpdError } from '../../../../server/errors.js';
import { hex, pseudoRandom, vectors } from './helpers.js';

interface V2548 {
  vectors: { secret: string; requestAuthenticator: string; salt: string; key: string; value: string }[];
}
const v = vectors<V2548>('rfc2548-ms-mppe-key.json');

test('encrypt matches known answers computed independently (Python hashlib)', () => {
  assert.equal(v.vectors.length, 3);
  for (const x of v.vectors) {
    assert.equal(encryptMsMppeKey(hex(x.key), x.secret, hex(x.requestAuthenticator), hex(x.salt)).toString('hex'), x.value);
  }
});

test('decrypt recovers the key from the known answers (string or Buffer secret)', () => {
  for (const x of v.vectors) {
    const k = decryptMsMppeKey(hex(x.value), x.secret, hex(x.requestAuthenticator));
    assert.ok(!isDecodeError(k));
    assert.equal(k.toString('hex'), x.key);
    const k2 = decryptMsMppeKey(hex(x.value), Buffer.from(x.secret), hex(x.requestAuthenticator));
    assert.ok(!isDecodeError(k2));
    assert.equal(k2.toString('hex'), x.key);
  }
});

test('round trip encrypt -> decrypt -> encrypt for key lengths 1..40 with random salts', () => {
  const ra = pseudoRandom(16, 3);
  for (let len = 1; len <= 40; len++) {
    const key = pseudoRandom(len, len);
    const value = encryptMsMppeKey(key, 'shared', ra);
    assert.equal(value[0]! & 0x80, 0x80, 'salt high bit');
    assert.equal((value.length - 2) % 16, 0);
    const back = decryptMsMppeKey(value, 'shared', ra);
    assert.ok(!isDecodeError(back));
    assert.deepEqual(back, key);
    assert.deepEqual(encryptMsMppeKey(back, 'shared', ra, value.subarray(0, 2)), value);
  }
});

test('a wrong secret or authenticator does not give the key back', () => {
  const x = v.vectors[0]!;
  for (const [secret, ra] of [['wrong', x.requestAuthenticator], [x.secret, '00'.repeat(16)]] as const) {
    const k = decryptMsMppeKey(hex(x.value), secret, hex(ra));
    assert.ok(isDecodeError(k) || k.toString('hex') !== x.key);
  }
});

test('malformed values are DecodeErrors, not exceptions', () => {
  const x = v.vectors[0]!;
  const ra = hex(x.requestAuthenticator);
  const good = hex(x.value);
  const bad: [string, Buffer][] = [
    ['empty', Buffer.alloc(0)],
    ['salt only', good.subarray(0, 2)],
    ['not a multiple of 16', good.subarray(0, good.length - 1)],
    ['salt high bit clear', Buffer.concat([Buffer.of(good[0]! & 0x7f, good[1]!), good.subarray(2)])],
  ];
  for (const [name, value] of bad) {
    const r = decryptMsMppeKey(value, x.secret, ra);
    assert.ok(isDecodeError(r), name);
    assert.equal(r.format, 'ms-mppe-key');
  }
  // Key-Length larger than the data: encrypt a plaintext whose first octet is 200.
  const forged = encryptMsMppeKey(Buffer.alloc(14), x.secret, ra, hex('8001'));
  // Flip the decrypted Key-Length by xoring the first String octet (CBC-like chain: first block is independent of later ones).
  forged[2] = forged[2]! ^ (14 ^ 200);
  const r = decryptMsMppeKey(forged, x.secret, ra);
  assert.ok(isDecodeError(r));
  assert.match(r.reason, /Key-Length 200/);
});

test('encrypt refuses a salt without the high bit and a bad authenticator', () => {
  assert.throws(() => encryptMsMppeKey(Buffer.alloc(16), 's', Buffer.alloc(16), hex('0001')), PptpdError);
  assert.throws(() => encryptMsMppeKey(Buffer.alloc(16), 's', Buffer.alloc(15)), PptpdError);
  assert.throws(() => decryptMsMppeKey(Buffer.alloc(18), 's', Buffer.alloc(15)), PptpdError);
});
