import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, randomBytes } from 'node:crypto';
import { desEncrypt, expandDesKey } from '../../../../server/crypto/des.js';
import { PptpdError } from '../../../../server/errors.js';
import { CHILD_PRELUDE, hex, inLegacyChild, opensslLegacyAvailable, pseudoRandom, vectors } from './helpers.js';

/** The 7-byte (56-bit) key inside an 8-byte DES key: drop each byte's parity bit. */
function pack56(key8: Buffer): Buffer {
  let bits = 0n;
  for (const b of key8) bits = (bits << 7n) | BigInt(b >> 1);
  return hex(bits.toString(16).padStart(14, '0'));
}

test('DesEncrypt matches the FIPS 81 example (key given without parity bits)', () => {
  const v = vectors<{ vectors: { key8: string; plain: string; cipher: string }[] }>('des.json');
  for (const { key8, plain, cipher } of v.vectors) {
    assert.equal(desEncrypt(hex(plain), pack56(hex(key8))).toString('hex'), cipher);
  }
});

test('expandDesKey gives the RFC 2759 §9.3 parity-corrected keys', () => {
  const v = vectors<{ desKeyGeneration: { keys: { raw: string; parityCorrected: string }[] } }>('rfc2759-mschapv2.json');
  for (const { raw, parityCorrected } of v.desKeyGeneration.keys) {
    assert.equal(expandDesKey(hex(raw)).toString('hex'), parityCorrected);
  }
  // And every output byte has odd parity.
  for (const b of expandDesKey(pseudoRandom(7, 99))) {
    let ones = 0;
    for (let v2 = b; v2; v2 >>= 1) ones += v2 & 1;
    assert.equal(ones % 2, 1);
  }
});

test('expandDesKey round-trips with pack56 (the 56 key bits are kept)', () => {
  for (let seed = 1; seed <= 50; seed++) {
    const k7 = pseudoRandom(7, seed);
    assert.deepEqual(pack56(expandDesKey(k7)), k7);
  }
});

test('desEncrypt rejects wrong block and key sizes with a PptpdError', () => {
  assert.throws(() => desEncrypt(Buffer.alloc(7), Buffer.alloc(7)), PptpdError);
  assert.throws(() => desEncrypt(Buffer.alloc(8), Buffer.alloc(8)), PptpdError);
  assert.throws(() => expandDesKey(Buffer.alloc(6)), PptpdError);
});

test('DesEncrypt (3DES K|K|K, default provider) equals OpenSSL des-ecb (legacy child)', (t) => {
  if (!opensslLegacyAvailable()) return t.skip('no OpenSSL legacy provider for the child');
  const cases = Array.from({ length: 40 }, (_, i) => ({ key7: pseudoRandom(7, 500 + i), block: pseudoRandom(8, 900 + i) }));
  const theirs = inLegacyChild<string[]>(
    CHILD_PRELUDE +
      `done(input.map(({ key8, block }) => { const c = crypto.createCipheriv('des-ecb', h(key8), null);
         c.setAutoPadding(false); return c.update(h(block)).toString('hex'); }));`,
    cases.map((c) => ({ key8: expandDesKey(c.key7).toString('hex'), block: c.block.toString('hex') })),
  );
  cases.forEach((c, i) => assert.equal(desEncrypt(c.block, c.key7).toString('hex'), theirs[i]));
});

test('the TypeScript DES equals OpenSSL single DES (des-ede3-ecb with K|K|K) on 500 random keys and blocks', () => {
  for (let i = 0; i < 500; i++) {
    const key7 = randomBytes(7);
    const block = randomBytes(8);
    const k = expandDesKey(key7);
    const c = createCipheriv('des-ede3-ecb', Buffer.concat([k, k, k]), null);
    c.setAutoPadding(false);
    assert.equal(desEncrypt(block, key7).toString('hex'), c.update(block).toString('hex'), `key ${key7.toString('hex')} block ${block.toString('hex')}`);
  }
});

test('FIPS 81 / NBS validation vector: key 0123456789ABCDEF, "Now is t" → 3FA40E8A984D4815', () => {
  // The 8-byte key with its parity bits; desEncrypt takes the 56 key bits (7 bytes).
  const key8 = Buffer.from('0123456789abcdef', 'hex');
  let bits = 0n;
  for (const b of key8) bits = (bits << 7n) | BigInt(b >> 1);
  const key7 = Buffer.from(bits.toString(16).padStart(14, '0'), 'hex');
  assert.equal(desEncrypt(Buffer.from('Now is t', 'latin1'), key7).toString('hex'), '3fa40e8a984d4815');
});
