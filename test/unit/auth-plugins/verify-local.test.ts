import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { verifyLocal, type LocalVerdict } from '../../../auth-plugins/verify-local.js';
import type { Secret } from '../../../auth-plugins/plugin.js';
import { getAsymmetricStartKey, getMasterKey } from '../../../server/crypto/mppe-keys.js';
import { hashNtPasswordHash, ntPasswordHash } from '../../../server/crypto/mschap.js';
import { chapMd5, mschapV1, mschapV2, pap, request, RFC2759, RFC3079_V1 } from './fixtures.js';

const clear = (password: string): Secret => ({ kind: 'cleartext', password });
const nt = (password: string): Secret => ({ kind: 'nt-hash', hash: ntPasswordHash(password) });

function ok(v: LocalVerdict): Extract<LocalVerdict, { status: 'ok' }> {
  assert.equal(v.status, 'ok', JSON.stringify(v));
  return v as Extract<LocalVerdict, { status: 'ok' }>;
}

test('PAP: right and wrong password, clear text and NT hash', () => {
  ok(verifyLocal(request(pap('s3cret')), clear('s3cret')));
  assert.equal(verifyLocal(request(pap('s3cret!')), clear('s3cret')).status, 'mismatch');
  assert.equal(verifyLocal(request(pap('')), clear('s3cret')).status, 'mismatch');
  ok(verifyLocal(request(pap('s3cret')), nt('s3cret')));
  assert.equal(verifyLocal(request(pap('S3cret')), nt('s3cret')).status, 'mismatch');
  // PAP carries no keys: MPPE needs MS-CHAP.
  assert.equal(ok(verifyLocal(request(pap('s3cret')), clear('s3cret'))).mppeKeys, undefined);
});

test('CHAP-MD5: right and wrong secret; an NT hash cannot verify it', () => {
  ok(verifyLocal(request(chapMd5('s3cret')), clear('s3cret')));
  assert.equal(verifyLocal(request(chapMd5('other')), clear('s3cret')).status, 'mismatch');
  const v = verifyLocal(request(chapMd5('s3cret')), nt('s3cret'));
  assert.equal(v.status, 'cannot-verify');
  // The identifier is part of the digest (RFC 1994 §4.1).
  const c = chapMd5('s3cret', 1);
  assert.equal(verifyLocal(request({ ...c, identifier: 2 } as typeof c), clear('s3cret')).status, 'mismatch');
  // A short response is a mismatch, not a throw.
  assert.equal(verifyLocal(request({ ...c, response: Buffer.alloc(3) } as typeof c), clear('s3cret')).status, 'mismatch');
});

test('MS-CHAPv1: NT response with clear text and NT hash; keys from RFC 3079 §2.5.3', () => {
  const creds = mschapV1('clientPass', RFC3079_V1.challenge);
  const a = ok(verifyLocal(request(creds), clear('clientPass')));
  const b = ok(verifyLocal(request(creds), nt('clientPass')));
  assert.deepEqual(a.mppeKeys?.sendKey, RFC3079_V1.startKey);
  assert.deepEqual(a.mppeKeys?.recvKey, RFC3079_V1.startKey);
  assert.deepEqual(b.mppeKeys, a.mppeKeys);
  // Independent: Get_Start_Key = SHA-1(HashHash ‖ HashHash ‖ Challenge)[0..16).
  const hh = hashNtPasswordHash(ntPasswordHash('clientPass'));
  const expected = createHash('sha1').update(hh).update(hh).update(RFC3079_V1.challenge).digest().subarray(0, 16);
  assert.deepEqual(a.mppeKeys?.sendKey, expected);
  assert.equal(verifyLocal(request(creds), clear('clientpass')).status, 'mismatch');
  assert.equal(verifyLocal(request(creds), nt('wrong')).status, 'mismatch');
});

test('MS-CHAPv1: LAN Manager response needs clear text', () => {
  const creds = mschapV1('clientPass', RFC3079_V1.challenge, false);
  ok(verifyLocal(request(creds), clear('clientPass')));
  assert.equal(verifyLocal(request(creds), clear('nope')).status, 'mismatch');
  assert.equal(verifyLocal(request(creds), nt('clientPass')).status, 'cannot-verify');
});

test('MS-CHAPv2: RFC 2759 §9.2 vector, authenticator response and RFC 3079 §3.5.3 keys', () => {
  const creds = {
    method: 'mschap-v2',
    authenticatorChallenge: RFC2759.authenticatorChallenge,
    peerChallenge: RFC2759.peerChallenge,
    ntResponse: RFC2759.ntResponse,
    flags: 0,
  } as const;
  for (const secret of [clear(RFC2759.password), { kind: 'nt-hash', hash: RFC2759.passwordHash } as const]) {
    const v = ok(verifyLocal(request(creds, { peerName: RFC2759.userName }), secret));
    assert.equal(v.authenticatorResponse, RFC2759.authenticatorResponse);
    assert.deepEqual(v.mppeKeys?.sendKey, RFC2759.masterSendKey);
    // Independent computation of both directions from RFC 3079 §3.4 primitives.
    const master = getMasterKey(hashNtPasswordHash(RFC2759.passwordHash), RFC2759.ntResponse);
    assert.deepEqual(v.mppeKeys?.sendKey, getAsymmetricStartKey(master, 16, true, true));
    assert.deepEqual(v.mppeKeys?.recvKey, getAsymmetricStartKey(master, 16, false, true));
    assert.notDeepEqual(v.mppeKeys?.sendKey, v.mppeKeys?.recvKey);
  }
  assert.equal(verifyLocal(request(creds, { peerName: RFC2759.userName }), clear('clientpass')).status, 'mismatch');
  // The name is in the ChallengeHash: another peer name fails.
  assert.equal(verifyLocal(request(creds, { peerName: 'Usr' }), clear(RFC2759.password)).status, 'mismatch');
});

test('MS-CHAPv2: the hash uses peerName minus the domain, the lookup name does not matter', () => {
  const creds = mschapV2('CORP\\alice', 'pw');
  // peerName as sent, userName rewritten: verifies.
  ok(verifyLocal(request(creds, { peerName: 'CORP\\alice', userName: 'alice' }), clear('pw')));
  // peerName without domain hashes the same (the client hashes `alice` too).
  ok(verifyLocal(request(creds, { peerName: 'alice', userName: 'whatever' }), clear('pw')));
  // A different bare user does not.
  assert.equal(verifyLocal(request(creds, { peerName: 'CORP\\bob', userName: 'alice' }), clear('pw')).status, 'mismatch');
});

test('MS-CHAPv2: malformed lengths are a mismatch, never a throw', () => {
  const good = mschapV2('alice', 'pw');
  for (const bad of [
    { ...good, ntResponse: Buffer.alloc(23) },
    { ...good, peerChallenge: Buffer.alloc(15) },
    { ...good, authenticatorChallenge: Buffer.alloc(0) },
  ]) {
    assert.equal(verifyLocal(request(bad), clear('pw')).status, 'mismatch');
  }
});
