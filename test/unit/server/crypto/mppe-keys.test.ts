import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  clientView,
  getAsymmetricStartKey,
  getMasterKey,
  getNewKeyFromSha,
  initialSessionKey,
  mppeKeysV1,
  mppeKeysV1FromHashHash,
  mppeKeysV2,
  mppeStartKeyV1Lm,
  reduceKey,
} from '../../../../server/crypto/mppe-keys.js';
import { rc4 } from '../../../../server/crypto/rc4.js';
import { hashNtPasswordHash, ntPasswordHash } from '../../../../server/crypto/mschap.js';
import { PptpdError } from '../../../../server/errors.js';
import { hex, vectors } from './helpers.js';

interface V3079 {
  v1: {
    password: string;
    lm40: { getKey: string; sessionKey: string };
    lm56: { getKey: string; sessionKey: string };
    nt128: { challenge: string; passwordHash: string; passwordHashHash: string; initialSessionKey: string; currentSessionKey: string };
  };
  v2: {
    password: string;
    ntResponse: string;
    passwordHash: string;
    passwordHashHash: string;
    masterKey: string;
    testMessage: string;
    strengths: { bits: 40 | 56 | 128; sendStartKey: string; sendSessionKey: string; testMessageCipher: string }[];
  };
}
const v = vectors<V3079>('rfc3079-mppe-keys.json');

test('RFC 3079 §3.5: MS-CHAPv2 master key, send start keys and session keys at 40/56/128 bits', () => {
  const pwHash = ntPasswordHash(v.v2.password);
  assert.equal(pwHash.toString('hex'), v.v2.passwordHash);
  const master = getMasterKey(hashNtPasswordHash(pwHash), hex(v.v2.ntResponse));
  assert.equal(master.toString('hex'), v.v2.masterKey);
  assert.equal(v.v2.strengths.length, 3);
  for (const s of v.v2.strengths) {
    const len = s.bits === 128 ? 16 : 8;
    // The RFC's "send" key is the server's: GetAsymmetricStartKey(IsSend = TRUE, IsServer = TRUE).
    const start = getAsymmetricStartKey(master, len, true, true);
    assert.equal(start.toString('hex'), s.sendStartKey, `${s.bits}-bit start key`);
    const session = initialSessionKey(start, s.bits);
    assert.equal(session.toString('hex'), s.sendSessionKey, `${s.bits}-bit session key`);
    assert.equal(rc4(session, Buffer.from(v.v2.testMessage)).toString('hex'), s.testMessageCipher, `${s.bits}-bit sample`);
  }
});

test('mppeKeysV2 gives the server send/recv master keys; clientView swaps them', () => {
  const keys = mppeKeysV2(hex(v.v2.passwordHash), hex(v.v2.ntResponse));
  assert.equal(keys.sendKey.toString('hex'), v.v2.strengths[2]!.sendStartKey);
  const master = hex(v.v2.masterKey);
  assert.deepEqual(keys.recvKey, getAsymmetricStartKey(master, 16, false, true));
  // Server send = client receive, and the other way round.
  assert.deepEqual(keys.sendKey, getAsymmetricStartKey(master, 16, false, false));
  assert.deepEqual(keys.recvKey, getAsymmetricStartKey(master, 16, true, false));
  const c = clientView(keys);
  assert.deepEqual(c.sendKey, keys.recvKey);
  assert.deepEqual(c.recvKey, keys.sendKey);
  assert.notDeepEqual(keys.sendKey, keys.recvKey);
  // The 8-byte start key (40/56-bit) is the prefix of the 16-byte one.
  assert.deepEqual(getAsymmetricStartKey(master, 8, true, true), keys.sendKey.subarray(0, 8));
});

test('RFC 3079 §2.5.3: MS-CHAPv1 128-bit start key and session key (same key both ways)', () => {
  const n = v.v1.nt128;
  const keys = mppeKeysV1(hex(n.passwordHash), hex(n.challenge));
  assert.equal(keys.sendKey.toString('hex'), n.initialSessionKey);
  assert.deepEqual(keys.recvKey, keys.sendKey);
  assert.notEqual(keys.recvKey, keys.sendKey); // distinct buffers: mutating one cannot corrupt the other
  assert.equal(getNewKeyFromSha(keys.sendKey, keys.sendKey, 16).toString('hex'), n.currentSessionKey);
  assert.deepEqual(mppeKeysV1FromHashHash(hex(n.passwordHashHash), hex(n.challenge)).sendKey, keys.sendKey);
});

test('RFC 3079 §2.5.1-2.5.2: MS-CHAPv1 LM-based 40/56-bit keys', () => {
  const start = mppeStartKeyV1Lm(v.v1.password);
  assert.equal(getNewKeyFromSha(start, start, 8).toString('hex'), v.v1.lm40.getKey);
  assert.equal(initialSessionKey(start, 40).toString('hex'), v.v1.lm40.sessionKey);
  assert.equal(initialSessionKey(start, 56).toString('hex'), v.v1.lm56.sessionKey);
});

test('reduceKey sets the RFC 3078 salt octets and copies', () => {
  const k = hex('00112233445566778899aabbccddeeff');
  assert.equal(reduceKey(k, 40).toString('hex'), 'd1269e3344556677');
  assert.equal(reduceKey(k, 56).toString('hex'), 'd111223344556677');
  assert.equal(reduceKey(k, 128).toString('hex'), k.toString('hex'));
  assert.equal(k[0], 0x00); // input untouched
  assert.throws(() => reduceKey(Buffer.alloc(8), 128), PptpdError);
});

test('key functions reject wrong sizes', () => {
  assert.throws(() => getMasterKey(Buffer.alloc(15), Buffer.alloc(24)), PptpdError);
  assert.throws(() => getMasterKey(Buffer.alloc(16), Buffer.alloc(23)), PptpdError);
  assert.throws(() => getAsymmetricStartKey(Buffer.alloc(8), 8, true, true), PptpdError);
  assert.throws(() => getNewKeyFromSha(Buffer.alloc(8), Buffer.alloc(8), 16), PptpdError);
  assert.throws(() => mppeKeysV1FromHashHash(Buffer.alloc(16), Buffer.alloc(16)), PptpdError);
});
