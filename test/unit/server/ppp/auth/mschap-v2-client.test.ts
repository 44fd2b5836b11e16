// The peer role of MS-CHAPv2 (per-password hashes cached, ChallengeHash once per Challenge):
// RFC 2759 §9.2 values, the same Response bytes, S= and keys as the RFC's functions computed
// the long way (GenerateNTResponse, GenerateAuthenticatorResponse, RFC 3079 keys), a wrong S=
// refused, and the whole exchange against our server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientView, mppeKeysV2 } from '../../../../../server/crypto/mppe-keys.js';
import { generateAuthenticatorResponse, generateNtResponse, hashNtPasswordHash, ntPasswordHash } from '../../../../../server/crypto/mschap.js';
import { decodeChap, encodeChapStatus, encodeChapValue } from '../../../../../server/ppp/auth/chap-codec.js';
import { ChapCode } from '../../../../../server/ppp/auth/constants.js';
import { createAuthClient, createAuthServer } from '../../../../../server/ppp/auth/factory.js';
import { mschapV2Client, passwordHashes } from '../../../../../server/ppp/auth/mschap-v2.js';
import type { AuthAction } from '../../../../../server/ppp/auth/types.js';
import { fixedRandom, Pair } from './harness.js';

const AUTH_CHALLENGE = Buffer.from('5B5D7C7D7B3F2F3E3C2C602132262628', 'hex');
const PEER_CHALLENGE = Buffer.from('21402324255E262A28295F2B3A337C7E', 'hex');
const NT_RESPONSE = '82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF';
const AUTH_RESPONSE = 'S=407A5589115FD0D6209F510FE9C04566932CDA56';
// RFC 3079 §3.5.3 (the same login): the client sends with the server's receive key.
const MASTER_RECV_KEY_128 = 'D5F0E9521E3EA9589645E86051C82226';
const MASTER_SEND_KEY_128 = '8B7CDC149B993A1BA118CB153F56DCCB';

test('RFC 2759 §9.2: NT-Response, S= check and the RFC 3079 §3.5.3 keys', () => {
  const d = mschapV2Client('User', 'clientPass', fixedRandom(PEER_CHALLENGE));
  const r = d.makeResponse(1, AUTH_CHALLENGE);
  assert.ok(r);
  assert.equal(r.value.subarray(0, 16).toString('hex').toUpperCase(), PEER_CHALLENGE.toString('hex').toUpperCase());
  assert.equal(r.value.subarray(24, 48).toString('hex').toUpperCase(), NT_RESPONSE);
  const ok = d.checkSuccess(Buffer.from(`${AUTH_RESPONSE} M=Access granted`), r.context);
  assert.ok(ok.ok);
  assert.equal(ok.mppeKeys?.sendKey.toString('hex').toUpperCase(), MASTER_RECV_KEY_128);
  assert.equal(ok.mppeKeys?.recvKey.toString('hex').toUpperCase(), MASTER_SEND_KEY_128);
});

test('a wrong or missing S= is refused', () => {
  const d = mschapV2Client('User', 'clientPass', fixedRandom(PEER_CHALLENGE));
  const r = d.makeResponse(1, AUTH_CHALLENGE);
  assert.ok(r);
  const bad = d.checkSuccess(Buffer.from('S=407A5589115FD0D6209F510FE9C04566932CDA57 M=x'), r.context);
  assert.equal(bad.ok, false);
  assert.match(bad.ok ? '' : bad.reason, /does not know the password/);
  const none = d.checkSuccess(Buffer.from('M=welcome'), r.context);
  assert.equal(none.ok, false);
  // A Challenge of the wrong size gets no Response (RFC 2759 §4: 16 octets).
  assert.equal(d.makeResponse(1, AUTH_CHALLENGE.subarray(0, 8)), null);
});

test('same NT-Response, S= check and keys as the RFC functions computed the long way, for many random logins', () => {
  for (let i = 0; i < 50; i++) {
    const peer = Buffer.alloc(16, i * 7 + 1);
    const challenge = Buffer.alloc(16, 255 - i);
    const user = i % 3 === 0 ? `DOM\\user${i}` : `user${i}`;
    const password = `pw-${i % 4}`;
    const d = mschapV2Client(user, password, fixedRandom(peer));
    const a = d.makeResponse(i, challenge);
    assert.ok(a);
    const passwordHash = ntPasswordHash(password);
    const ntResponse = generateNtResponse(challenge, peer, user, passwordHash); // RFC 2759 §8.1
    assert.deepEqual(a.value.subarray(24, 48), ntResponse, `NT-Response, login ${i}`);
    // The server's S= from a real exchange with our server, checked by the client.
    const server = createAuthServer('mschap-v2', { serverName: 'srv', random: fixedRandom(Buffer.of(i), challenge) });
    const client = createAuthClient('mschap-v2', { userName: user, password, random: fixedRandom(peer) });
    const p = new Pair(server, client, { [user.replace(/^.*\\/, '')]: password }).start().run();
    assert.equal(p.clientOutcome?.type, 'success', `login ${i}`);
    const success = decodeChap(p.sentBy('server')[1] ?? Buffer.alloc(0));
    assert.ok('message' in success);
    const want = generateAuthenticatorResponse(passwordHash, ntResponse, peer, challenge, user); // §8.7
    assert.ok(success.message.toString('latin1').startsWith(want), `S= as §8.7 computes it, login ${i}`);
    const x = d.checkSuccess(success.message, a.context);
    assert.ok(x.ok);
    assert.deepEqual(x.mppeKeys, clientView(mppeKeysV2(passwordHash, ntResponse)));
  }
});

test('the whole ChapClient: Response packet, verified Success, keys (client view)', () => {
  const client = createAuthClient('mschap-v2', { userName: 'User', password: 'clientPass', random: fixedRandom(PEER_CHALLENGE) });
  const now = 0;
  client.start(now);
  const sent = client.input(encodeChapValue(ChapCode.Challenge, 7, AUTH_CHALLENGE, Buffer.from('srv')), now);
  const send = sent.find((a): a is Extract<AuthAction, { type: 'send' }> => a.type === 'send');
  assert.ok(send);
  const resp = decodeChap(send.payload);
  assert.ok('value' in resp);
  assert.equal(resp.identifier, 7);
  const out = client.input(encodeChapStatus(ChapCode.Success, 7, Buffer.from(`${AUTH_RESPONSE} M=ok`)), now);
  const success = out.find((a) => a.type === 'success');
  assert.ok(success && success.type === 'success');
  assert.equal(success.mppeKeys?.sendKey.toString('hex').toUpperCase(), MASTER_RECV_KEY_128);
});

test('password hashes: computed once per password, correct, and bounded', () => {
  const h = passwordHashes('clientPass');
  assert.equal(h.passwordHash.toString('hex').toUpperCase(), '44EBBA8D5312B8D611474411F56989AE'); // RFC 2759 §9.2
  assert.deepEqual(h.passwordHashHash, hashNtPasswordHash(ntPasswordHash('clientPass')));
  assert.equal(passwordHashes('clientPass'), h, 'the same entry on the second call');
  for (let i = 0; i < 100; i++) passwordHashes(`other-${i}`);
  const again = passwordHashes('clientPass');
  assert.deepEqual(again.passwordHash, h.passwordHash, 'recomputed after the cache started over, same value');
});
