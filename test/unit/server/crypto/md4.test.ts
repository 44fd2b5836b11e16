import { test } from 'node:test';
import assert from 'node:assert/strict';
import { md4 } from '../../../../server/crypto/md4.js';
import { CHILD_PRELUDE, inLegacyChild, opensslLegacyAvailable, pseudoRandom, vectors } from './helpers.js';

interface Md4Vectors {
  vectors: { ascii: string; md4: string }[];
}

test('MD4 matches the RFC 1320 test suite', () => {
  const v = vectors<Md4Vectors>('rfc1320-md4.json');
  assert.equal(v.vectors.length, 7);
  for (const { ascii, md4: want } of v.vectors) {
    assert.equal(md4(Buffer.from(ascii, 'latin1')).toString('hex'), want, JSON.stringify(ascii));
  }
});

test('MD4 accepts a Uint8Array view with an offset (not only a whole Buffer)', () => {
  const backing = Buffer.from('xxabcxx', 'latin1');
  const view = new Uint8Array(backing.buffer, backing.byteOffset + 2, 3);
  assert.equal(md4(view).toString('hex'), 'a448017aaf21d8525fc10ae87aa6729d');
});

test('MD4 agrees with OpenSSL (legacy provider, child process) at every padding boundary', (t) => {
  if (!opensslLegacyAvailable()) return t.skip('no OpenSSL legacy provider for the child');
  // Lengths around the 56-byte padding limit and the 64-byte block, plus a long input.
  const lengths = [0, 1, 54, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000, 4099];
  const inputs = lengths.map((n, i) => pseudoRandom(n, 0x1234 + i).toString('hex'));
  const theirs = inLegacyChild<string[]>(
    CHILD_PRELUDE + `done(input.map((x) => crypto.createHash('md4').update(h(x)).digest('hex')));`,
    inputs,
  );
  inputs.forEach((x, i) => assert.equal(md4(Buffer.from(x, 'hex')).toString('hex'), theirs[i], `length ${lengths[i]}`));
});
