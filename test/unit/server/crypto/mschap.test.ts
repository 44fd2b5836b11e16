import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  challengeHash,
  challengeResponse,
  chapMd5Response,
  generateAuthenticatorResponse,
  generateNtResponse,
  hashNtPasswordHash,
  lmChallengeResponse,
  lmPasswordHash,
  mschapUserName,
  ntChallengeResponse,
  ntPasswordHash,
} from '../../../../server/crypto/mschap.js';
import { PptpdError } from '../../../../server/errors.js';
import { hex, vectors } from './helpers.js';

interface V2 {
  hashExample: Record<
    | 'userName'
    | 'password'
    | 'authenticatorChallenge'
    | 'peerChallenge'
    | 'challenge'
    | 'passwordHash'
    | 'ntResponse'
    | 'passwordHashHash'
    | 'authenticatorResponse',
    string
  >;
  desKeyGeneration: { password: string; passwordHash: string };
}
interface V1 {
  hashExample: { password: string; challenge: string; ntPasswordHash: string; ntChallengeResponse: string };
  lmPasswordHash: { password: string; hash: string };
}

const v2 = vectors<V2>('rfc2759-mschapv2.json').hashExample;
const auth = hex(v2.authenticatorChallenge);
const peer = hex(v2.peerChallenge);

test('RFC 2759 §9.2: every intermediate value of the hash example', () => {
  const pwHash = ntPasswordHash(v2.password);
  assert.equal(pwHash.toString('hex'), v2.passwordHash);
  assert.equal(hashNtPasswordHash(pwHash).toString('hex'), v2.passwordHashHash);
  assert.equal(challengeHash(peer, auth, v2.userName).toString('hex'), v2.challenge);
  const nt = generateNtResponse(auth, peer, v2.userName, pwHash);
  assert.equal(nt.toString('hex'), v2.ntResponse);
  assert.equal(challengeResponse(hex(v2.challenge), pwHash).toString('hex'), v2.ntResponse);
  assert.equal(generateAuthenticatorResponse(pwHash, nt, peer, auth, v2.userName), v2.authenticatorResponse);
});

test('RFC 2759 §9.3 password "MyPw" hashes to the printed PasswordHash', () => {
  const d = vectors<V2>('rfc2759-mschapv2.json').desKeyGeneration;
  assert.equal(ntPasswordHash(d.password).toString('hex'), d.passwordHash);
});

test('the domain prefix is removed from the user name before ChallengeHash', () => {
  assert.equal(mschapUserName('CORP\\alice'), 'alice');
  assert.equal(mschapUserName('a\\b\\carol'), 'carol');
  assert.equal(mschapUserName('alice'), 'alice');
  assert.equal(mschapUserName('alice@example.org'), 'alice@example.org');
  const pwHash = hex(v2.passwordHash);
  const plain = generateNtResponse(auth, peer, 'User', pwHash);
  assert.deepEqual(generateNtResponse(auth, peer, 'DOMAIN\\User', pwHash), plain);
  assert.equal(generateAuthenticatorResponse(pwHash, plain, peer, auth, 'DOMAIN\\User'), v2.authenticatorResponse);
  // The raw bytes of the Name field work the same way.
  assert.deepEqual(generateNtResponse(auth, peer, Buffer.from('DOMAIN\\User'), pwHash), plain);
  // A different name gives a different response (the name is really hashed).
  assert.notDeepEqual(generateNtResponse(auth, peer, 'user', pwHash), plain);
});

test('RFC 2433 B.2: NtPasswordHash and NtChallengeResponse for "MyPw"', () => {
  const v = vectors<V1>('rfc2433-mschapv1.json').hashExample;
  const pwHash = ntPasswordHash(v.password);
  assert.equal(pwHash.toString('hex'), v.ntPasswordHash);
  assert.equal(ntChallengeResponse(hex(v.challenge), pwHash).toString('hex'), v.ntChallengeResponse);
});

test('LmPasswordHash matches RFC 3079 §2.5.1; it ignores case and stops at 14 characters', () => {
  const v = vectors<V1>('rfc2433-mschapv1.json').lmPasswordHash;
  assert.equal(lmPasswordHash(v.password).toString('hex'), v.hash);
  assert.deepEqual(lmPasswordHash('CLIENTPASS'), lmPasswordHash(v.password));
  assert.deepEqual(lmPasswordHash('abcdefghijklmnXYZ'), lmPasswordHash('ABCDEFGHIJKLMN'));
  assert.notDeepEqual(lmPasswordHash('abcdefghijklm'), lmPasswordHash('abcdefghijklmn'));
});

test('LmChallengeResponse is ChallengeResponse over the LM hash', () => {
  const ch = hex('102db5df085d3041');
  const r = lmChallengeResponse(ch, 'clientPass');
  assert.equal(r.length, 24);
  assert.deepEqual(r, challengeResponse(ch, hex('76a152936096d7830e2390227404afd2')));
});

test('CHAP-MD5 response (RFC 1994 §4.1) matches an independently computed answer', () => {
  const v = vectors<{ vectors: { identifier: number; secret: string; challenge: string; response: string }[] }>(
    'rfc1994-chap-md5.json',
  ).vectors[0]!;
  assert.equal(chapMd5Response(v.identifier, v.secret, hex(v.challenge)).toString('hex'), v.response);
  assert.equal(chapMd5Response(v.identifier, Buffer.from(v.secret), hex(v.challenge)).toString('hex'), v.response);
  assert.notEqual(chapMd5Response(v.identifier + 1, v.secret, hex(v.challenge)).toString('hex'), v.response);
  assert.throws(() => chapMd5Response(256, v.secret, hex(v.challenge)), PptpdError);
});

test('wrong input sizes throw PptpdError (our fault, not the peer\'s)', () => {
  assert.throws(() => challengeHash(Buffer.alloc(15), auth, 'u'), PptpdError);
  assert.throws(() => challengeHash(peer, Buffer.alloc(8), 'u'), PptpdError);
  assert.throws(() => challengeResponse(Buffer.alloc(16), Buffer.alloc(16)), PptpdError);
  assert.throws(() => challengeResponse(Buffer.alloc(8), Buffer.alloc(15)), PptpdError);
  assert.throws(() => hashNtPasswordHash(Buffer.alloc(20)), PptpdError);
  assert.throws(() => generateAuthenticatorResponse(hex(v2.passwordHash), Buffer.alloc(23), peer, auth, 'u'), PptpdError);
});
