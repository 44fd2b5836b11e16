import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rc4, rc4 } from '../../../../server/crypto/rc4.js';
import { CHILD_PRELUDE, hex, inLegacyChild, opensslLegacyAvailable, pseudoRandom, vectors } from './helpers.js';

interface Rc4Vectors {
  keys: { key: string; chunks: { offset: number; keystream: string }[] }[];
}

test('RC4 key stream matches RFC 6229 at every listed offset (40, 56, 128-bit keys)', () => {
  const v = vectors<Rc4Vectors>('rfc6229-rc4.json');
  assert.equal(v.keys.length, 3);
  for (const { key, chunks } of v.keys) {
    const stream = Buffer.alloc(4112);
    new Rc4(hex(key)).process(stream);
    assert.equal(chunks.length, 18);
    for (const { offset, keystream } of chunks) {
      assert.equal(stream.subarray(offset, offset + 16).toString('hex'), keystream, `key ${key} offset ${offset}`);
    }
  }
});

test('process works in place on a range and leaves the rest of the buffer alone', () => {
  const key = hex('0102030405');
  const buf = Buffer.alloc(40, 0xaa);
  const r = new Rc4(key);
  r.process(buf, 10, 30);
  assert.deepEqual(buf.subarray(0, 10), Buffer.alloc(10, 0xaa));
  assert.deepEqual(buf.subarray(30), Buffer.alloc(10, 0xaa));
  // Same as encrypting the 20 bytes on their own.
  assert.deepEqual(buf.subarray(10, 30), rc4(key, Buffer.alloc(20, 0xaa)));
});

test('the key stream continues across calls (stateful), and decrypting restores the data', () => {
  const key = pseudoRandom(16, 7);
  const data = pseudoRandom(1000, 8);
  const whole = rc4(key, data);
  const pieces = Buffer.from(data);
  const r = new Rc4(key);
  for (const [a, b] of [[0, 1], [1, 17], [17, 17], [17, 600], [600, 1000]] as const) r.process(pieces, a, b);
  assert.deepEqual(pieces, whole);
  assert.deepEqual(rc4(key, whole), data);
});

test('rekey reuses the object and equals a fresh cipher; keyLength uses a key prefix', () => {
  const r = new Rc4(pseudoRandom(16, 1));
  r.process(Buffer.alloc(50));
  const k2 = pseudoRandom(16, 2);
  r.rekey(k2, 8);
  const a = Buffer.alloc(64);
  r.process(a);
  assert.deepEqual(a, rc4(k2.subarray(0, 8), Buffer.alloc(64)));
});

test('bad ranges and key lengths throw instead of reading past the buffer', () => {
  const r = new Rc4(hex('01'));
  assert.throws(() => r.process(Buffer.alloc(4), 2, 5), RangeError);
  assert.throws(() => r.process(Buffer.alloc(4), -1, 2), RangeError);
  assert.throws(() => r.process(Buffer.alloc(4), 3, 2), RangeError);
  assert.throws(() => r.rekey(Buffer.alloc(0)), RangeError);
  assert.throws(() => r.rekey(Buffer.alloc(4), 5), RangeError);
});

test('pure TS RC4 equals OpenSSL rc4 (legacy child) for MPPE-sized keys and packets', (t) => {
  if (!opensslLegacyAvailable()) return t.skip('no OpenSSL legacy provider for the child');
  const cases = [5, 7, 8, 16, 16, 32].map((klen, i) => ({ key: pseudoRandom(klen, 40 + i), data: pseudoRandom(1400 + i * 37, 80 + i) }));
  const theirs = inLegacyChild<string[]>(
    CHILD_PRELUDE +
      `done(input.map(({ key, data }) => crypto.createCipheriv('rc4', h(key), null).update(h(data)).toString('hex')));`,
    cases.map((c) => ({ key: c.key.toString('hex'), data: c.data.toString('hex') })),
  );
  cases.forEach((c, i) => assert.equal(rc4(c.key, c.data).toString('hex'), theirs[i]));
});
