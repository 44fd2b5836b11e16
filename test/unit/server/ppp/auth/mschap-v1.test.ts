import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientView } from '../../../../../server/crypto/mppe-keys.js';
import { ntChallengeResponse, ntPasswordHash } from '../../../../../server/crypto/mschap.js';
import { decodeChap, encodeChapValue } from '../../../../../server/ppp/auth/chap-codec.js';
import { ChapCode } from '../../../../../server/ppp/auth/constants.js';
import { buildMschapV1Response } from '../../../../../server/ppp/auth/mschap-fields.js';
import { createAuthClient, createAuthServer } from '../../../../../server/ppp/auth/types.js';
import { fixedRandom, Pair } from './harness.js';

// RFC 2433 Appendix B.2: password "MyPw", Challenge 102DB5DF085D3041.
const challengeB2 = Buffer.from('102db5df085d3041', 'hex');
const ntResponseB2 = '4e9d3c8f9cfd385d5bf4d3246791956ca4c351ab409a3d61';
const next1 = Buffer.from('a1a2a3a4a5a6a7a8', 'hex');
const next2 = Buffer.from('b1b2b3b4b5b6b7b8', 'hex');
const users = { user: 'MyPw' };
const server = (extra = {}) =>
  createAuthServer('mschap-v1', { serverName: 'pptpd', random: fixedRandom(Buffer.of(0x10), challengeB2, next1, next2), ...extra });
const client = (password = 'MyPw') => createAuthClient('mschap-v1', { userName: 'user', password });

test('MS-CHAPv1 back to back: RFC 2433 B.2 NT-Response on the wire, LM zero, Flags 1; keys mirror', () => {
  const p = new Pair(server(), client(), users).start().run();
  const chal = decodeChap(p.sentBy('server')[0] ?? Buffer.alloc(0));
  assert.ok('value' in chal && chal.value.length === 8);
  const resp = decodeChap(p.sentBy('client')[0] ?? Buffer.alloc(0));
  assert.ok('value' in resp && resp.code === ChapCode.Response);
  assert.equal(resp.value.length, 49);
  assert.deepEqual(resp.value.subarray(0, 24), Buffer.alloc(24));
  assert.equal(resp.value.subarray(24, 48).toString('hex'), ntResponseB2);
  assert.equal(resp.value[48], 1);
  const v = p.verifies[0]?.credentials;
  assert.ok(v?.method === 'mschap-v1' && v.useNtResponse);
  assert.equal(v.ntResponse.toString('hex'), ntResponseB2);
  const s = p.serverOutcome;
  const c = p.clientOutcome;
  assert.ok(s?.type === 'success' && c?.type === 'success');
  assert.ok(s.mppeKeys && c.mppeKeys);
  assert.deepEqual(c.mppeKeys, clientView(s.mppeKeys));
  assert.equal(p.sentBy('server')[1]?.subarray(4).toString(), 'Access granted');
});

test('MS-CHAPv1 wrong password: "E=691 R=0 C=<16 hex> V=2", no M=; both fail with 691', () => {
  const p = new Pair(server(), client('nope'), users).start().run();
  const f = decodeChap(p.sentBy('server')[1] ?? Buffer.alloc(0));
  assert.ok('message' in f && f.code === ChapCode.Failure);
  assert.equal(f.message.toString(), 'E=691 R=0 C=A1A2A3A4A5A6A7A8 V=2');
  assert.equal(p.serverOutcome?.type === 'failure' && p.serverOutcome.mschapError, 691);
  assert.equal(p.clientOutcome?.type === 'failure' && p.clientOutcome.mschapError, 691);
});

test('RFC 2433 B.1.4 with 3 attempts: R=1, R=1, then R=0; each retry (++ID) answers the C= it was given', () => {
  const s = server({ maxChallenges: 3 });
  const [first] = s.start(0);
  assert.ok(first?.type === 'send');
  let id = first.payload[1] as number;
  let challenge = challengeB2;
  const texts: string[] = [];
  for (let attempt = 0; attempt < 3; attempt++) {
    const wrong = ntChallengeResponse(challenge, ntPasswordHash('guess' + attempt));
    const out = s.input(encodeChapValue(ChapCode.Response, id, buildMschapV1Response(Buffer.alloc(24), wrong, true), Buffer.from('user')), attempt);
    const verify = out.find((a) => a.type === 'verify');
    assert.ok(verify?.type === 'verify' && verify.credentials.method === 'mschap-v1');
    assert.deepEqual(verify.credentials.challenge, challenge);
    const answer = s.handleVerdict({ verdict: 'reject', reason: 'bad credentials' }, attempt);
    const send = answer.find((a) => a.type === 'send');
    assert.ok(send?.type === 'send');
    assert.equal(send.payload[1], id);
    texts.push(send.payload.subarray(4).toString());
    challenge = Buffer.from(/C=([0-9A-F]{16})/.exec(texts.at(-1) ?? '')?.[1] ?? '', 'hex');
    id = (id + 1) & 0xff;
    if (attempt === 2) assert.equal(answer.at(-1)?.type, 'failure');
    else assert.ok(!answer.some((a) => a.type === 'failure'));
  }
  assert.deepEqual(texts, ['E=691 R=1 C=A1A2A3A4A5A6A7A8 V=2', 'E=691 R=1 C=B1B2B3B4B5B6B7B8 V=2', texts[2]]);
  assert.match(texts[2] ?? '', /^E=691 R=0 C=[0-9A-F]{16} V=2$/);
});

test('MS-CHAPv1 Responses of the wrong size are ignored; LAN Manager-only Flags reach the chain as such', () => {
  const s = server();
  s.start(0);
  assert.deepEqual(s.input(encodeChapValue(ChapCode.Response, 0x10, Buffer.alloc(48), Buffer.from('user')), 1), []);
  const out = s.input(encodeChapValue(ChapCode.Response, 0x10, Buffer.alloc(49), Buffer.from('user')), 1);
  const v = out.find((a) => a.type === 'verify');
  assert.ok(v?.type === 'verify' && v.credentials.method === 'mschap-v1');
  assert.equal(v.credentials.useNtResponse, false);
});

test('MS-CHAPv1 client ignores a 16-octet Challenge', () => {
  const c = client();
  c.start(0);
  assert.deepEqual(c.input(encodeChapValue(ChapCode.Challenge, 1, Buffer.alloc(16), Buffer.alloc(0)), 1), []);
  assert.equal(c.input(encodeChapValue(ChapCode.Challenge, 1, challengeB2, Buffer.alloc(0)), 1).length, 1);
});
