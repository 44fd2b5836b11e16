import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientView } from '../../../../../server/crypto/mppe-keys.js';
import { generateNtResponse, ntPasswordHash } from '../../../../../server/crypto/mschap.js';
import { decodeChap, encodeChapStatus, encodeChapValue } from '../../../../../server/ppp/auth/chap-codec.js';
import { ChapCode } from '../../../../../server/ppp/auth/constants.js';
import { buildMschapV2Response } from '../../../../../server/ppp/auth/mschap-fields.js';
import type { AuthAction } from '../../../../../server/ppp/auth/types.js';
import { createAuthClient, createAuthServer } from '../../../../../server/ppp/auth/types.js';
import { fixedRandom, Pair } from './harness.js';

const users = { alice: 'secret' };
const authChallenge = Buffer.from('5b5d7c7d7b3f2f3e3c2c602132262628', 'hex');
const nextChallenge = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const server = (extra = {}) =>
  createAuthServer('mschap-v2', {
    serverName: 'pptpd',
    random: fixedRandom(Buffer.of(7), authChallenge, nextChallenge),
    ...extra,
  });
const client = (userName = 'alice', password = 'secret') => createAuthClient('mschap-v2', { userName, password });

const status = (p: Pair, i: number) => {
  const b = p.sentBy('server')[i];
  assert.ok(b);
  const d = decodeChap(b);
  assert.ok('message' in d);
  return { code: d.code, id: d.identifier, text: d.message.toString() };
};
const reason = (o: AuthAction | null) => (o?.type === 'failure' ? o.reason : '');

test('MS-CHAPv2 back to back: Success carries S= from the chain, client checks it, MPPE keys mirror', () => {
  const p = new Pair(server(), client(), users).start().run();
  const s = p.serverOutcome;
  const c = p.clientOutcome;
  assert.ok(s?.type === 'success' && c?.type === 'success', JSON.stringify([s, c]));
  const v = p.verifies[0];
  assert.ok(v?.credentials.method === 'mschap-v2');
  assert.deepEqual(v.credentials.authenticatorChallenge, authChallenge);
  assert.equal(v.credentials.flags, 0);
  const st = status(p, 1);
  assert.equal(st.code, ChapCode.Success);
  assert.equal(st.text, `${s.result?.verdict === 'accept' ? s.result.authenticatorResponse : ''} M=Access granted`);
  assert.ok(s.mppeKeys && c.mppeKeys);
  assert.deepEqual(c.mppeKeys, clientView(s.mppeKeys));
  assert.notDeepEqual(s.mppeKeys.sendKey, s.mppeKeys.recvKey);
});

test('MS-CHAPv2 with a domain: CORP\\alice goes on the wire; the hash uses alice; chain accounts alice', () => {
  const p = new Pair(server(), client('CORP\\alice'), users).start().run();
  assert.equal(p.verifies[0]?.peerName, 'CORP\\alice');
  const resp = decodeChap(p.sentBy('client')[0] ?? Buffer.alloc(0));
  assert.ok('name' in resp && resp.name.toString() === 'CORP\\alice');
  assert.equal(p.serverOutcome?.type === 'success' && p.serverOutcome.userName, 'alice');
  assert.equal(p.clientOutcome?.type, 'success');
});

test('MS-CHAPv2 wrong password: Failure "E=691 R=0 C=<new 32 hex> V=3 M=…", authentication ends', () => {
  const p = new Pair(server(), client('alice', 'wrong'), users).start().run();
  const st = status(p, 1);
  assert.equal(st.code, ChapCode.Failure);
  assert.equal(st.id, 7);
  assert.equal(st.text, 'E=691 R=0 C=00112233445566778899AABBCCDDEEFF V=3 M=Authentication failed');
  assert.deepEqual(p.serverOutcome, { type: 'failure', reason: 'mschap-v2: rejected: bad credentials', mschapError: 691 });
  assert.equal(p.clientOutcome?.type === 'failure' && p.clientOutcome.mschapError, 691);
  assert.match(reason(p.clientOutcome), /E=691 \(authentication failure\): Authentication failed/);
  assert.ok(!reason(p.clientOutcome).includes('wrong') && !reason(p.serverOutcome).includes('wrong'));
});

test("the reject's mschapError and reply message go into the Failure; 649 is never retried", () => {
  const p = new Pair(server({ maxChallenges: 3 }), client(), users);
  p.verify = () => ({ verdict: 'reject', reason: 'no dial-in', mschapError: 649, replyMessage: 'No dial-in permission' });
  p.start().run();
  assert.equal(status(p, 1).text, 'E=649 R=0 C=00112233445566778899AABBCCDDEEFF V=3 M=No dial-in permission');
  assert.equal(p.serverOutcome?.type === 'failure' && p.serverOutcome.mschapError, 649);
  assert.equal(p.clientOutcome?.type === 'failure' && p.clientOutcome.mschapError, 649);
});

test('an accept without an authenticator response becomes a Failure (RFC 2759 §5: the peer would end anyway)', () => {
  const p = new Pair(server(), client(), users);
  p.verify = () => ({ verdict: 'accept', userName: 'alice', attributes: {}, plugin: 'broken' });
  p.start().run();
  assert.equal(status(p, 1).code, ChapCode.Failure);
  assert.match(status(p, 1).text, /^E=691 R=0 C=[0-9A-F]{32} V=3 M=/);
  assert.match(reason(p.serverOutcome), /without an MS-CHAPv2 authenticator response/);
});

test('client: a wrong S= is a failure (the server does not know the password); a missing S= too', () => {
  for (const auth of ['S=' + '0'.repeat(40), undefined]) {
    const p = new Pair(server(), client(), users);
    p.verify = () => ({
      verdict: 'accept',
      userName: 'alice',
      attributes: {},
      plugin: 'liar',
      ...(auth ? { authenticatorResponse: auth } : {}),
    });
    p.start().run();
    assert.equal(p.clientOutcome?.type, 'failure', String(auth));
    if (auth) {
      assert.equal(p.serverOutcome?.type, 'success');
      assert.match(reason(p.clientOutcome), /wrong authenticator response/);
    }
  }
  // A hand-made Success with no S= at all.
  const c = client();
  c.start(0);
  c.input(encodeChapValue(ChapCode.Challenge, 1, authChallenge, Buffer.alloc(0)), 1);
  const out = c.input(encodeChapStatus(ChapCode.Success, 1, Buffer.from('M=Access granted')), 2);
  assert.match(reason(out.at(-1) ?? null), /without an authenticator response/);
});

test('retry (maxChallenges 2): R=1 with a new C=, the peer answers it with Identifier+1, accepted', () => {
  const p = new Pair(server({ maxChallenges: 2 }), client('alice', 'wrong'), users);
  p.start().run(200, 20_000);
  assert.equal(status(p, 1).text, 'E=691 R=1 C=00112233445566778899AABBCCDDEEFF V=3 M=Authentication failed');
  assert.equal(p.outcome('server'), null, 'not over: the peer may retry');
  assert.equal(p.serverTimer, 30_000, 'R=1 disables short timeouts: wait retransmitMs × maxRetransmits');
  // Our client does not retry (its password cannot change); play the retrying peer by hand.
  const peer = Buffer.alloc(16, 0x5a);
  const nt = generateNtResponse(nextChallenge, peer, 'alice', ntPasswordHash('secret'));
  p.inject('server', encodeChapValue(ChapCode.Response, 8, buildMschapV2Response(peer, nt), Buffer.from('alice')));
  p.deliverVerdicts();
  assert.equal(p.verifies.length, 2);
  assert.deepEqual(p.verifies[1]?.credentials.method === 'mschap-v2' && p.verifies[1].credentials.authenticatorChallenge, nextChallenge);
  assert.equal(status(p, 2).code, ChapCode.Success);
  assert.equal(status(p, 2).id, 8);
  assert.equal(p.serverOutcome?.type, 'success');
});

test('retry: the last allowed attempt fails with R=0; a repeated failed Response gets the Failure again', () => {
  const s = server({ maxChallenges: 2 });
  const out0 = s.start(0);
  assert.equal(out0.length, 2);
  const bad = (id: number, fill: number) =>
    encodeChapValue(ChapCode.Response, id, buildMschapV2Response(Buffer.alloc(16, fill), Buffer.alloc(24, fill)), Buffer.from('alice'));
  const reject = { verdict: 'reject' as const, reason: 'bad credentials' };
  s.input(bad(7, 1), 1);
  const f1 = s.handleVerdict(reject, 2);
  const f1send = f1.find((a) => a.type === 'send');
  assert.ok(f1send?.type === 'send' && f1send.payload.subarray(4).toString().startsWith('E=691 R=1 '));
  assert.deepEqual(s.input(bad(7, 1), 3), [f1send], 'lost Failure: same answer, no verify');
  // Same Identifier but a new Value: a retry that reused the Identifier.
  assert.equal(s.input(bad(7, 2), 4).at(-1)?.type, 'verify');
  const f2 = s.handleVerdict(reject, 5);
  const f2send = f2.find((a) => a.type === 'send');
  assert.ok(f2send?.type === 'send' && f2send.payload.subarray(4).toString().startsWith('E=691 R=0 '));
  assert.equal(f2.at(-1)?.type, 'failure');
  assert.deepEqual(s.input(bad(7, 2), 6), [f2send]);
});

test('retry-wait times out when the peer never retries', () => {
  const s = server({ maxChallenges: 2, retransmitMs: 100, maxRetransmits: 5 });
  s.start(0);
  s.input(encodeChapValue(ChapCode.Response, 7, Buffer.alloc(49), Buffer.from('bob')), 1);
  const f = s.handleVerdict({ verdict: 'reject', reason: 'no such user' }, 2);
  assert.deepEqual(f.at(-1), { type: 'timer', at: 502 });
  assert.match(reason(s.handleTimeout(502).at(-1) ?? null), /did not retry/);
});

test('a peer that re-computes its Response while the verdict is pending: the stale verdict is ignored, the latest verified', () => {
  const s = server();
  s.start(0);
  const hash = ntPasswordHash('secret');
  const resp = (fill: number) => {
    const peer = Buffer.alloc(16, fill);
    return encodeChapValue(ChapCode.Response, 7, buildMschapV2Response(peer, generateNtResponse(authChallenge, peer, 'alice', hash)), Buffer.from('alice'));
  };
  const v1 = s.input(resp(1), 1);
  assert.equal(v1.at(-1)?.type, 'verify');
  assert.deepEqual(s.input(resp(1), 2), [], 'identical duplicate: nothing');
  assert.deepEqual(s.input(resp(2), 3), [], 'new Peer-Challenge: kept for later');
  const again = s.handleVerdict({ verdict: 'accept', userName: 'alice', attributes: {}, plugin: 'x', authenticatorResponse: 'S=' + 'A'.repeat(40) }, 4);
  assert.equal(again.length, 1);
  const v2 = again[0];
  assert.ok(v2?.type === 'verify' && v2.credentials.method === 'mschap-v2');
  assert.deepEqual(v2.credentials.peerChallenge, Buffer.alloc(16, 2));
});

test('Windows 98 (Flags ≠ 0) gets "S=…" without M=', () => {
  const s = server();
  s.start(0);
  const value = buildMschapV2Response(Buffer.alloc(16, 3), Buffer.alloc(24, 4), 0x04);
  s.input(encodeChapValue(ChapCode.Response, 7, value, Buffer.from('alice')), 1);
  const out = s.handleVerdict({ verdict: 'accept', userName: 'alice', attributes: {}, plugin: 'x', authenticatorResponse: 'S=' + 'b'.repeat(40) }, 2);
  const send = out.find((a) => a.type === 'send');
  assert.equal(send?.type === 'send' && send.payload.subarray(4).toString(), 'S=' + 'B'.repeat(40));
});

test('malformed and misdirected packets are ignored by both roles', () => {
  const s = server();
  s.start(0);
  const junk = ['', '02', '0207ffff', '0207000500', '02070006ff01', '0507000400'];
  for (const hex of junk) assert.deepEqual(s.input(Buffer.from(hex, 'hex'), 1), [], hex);
  // Value-Size 48: not an MS-CHAPv2 Response, ignored (the Challenge timer keeps running).
  assert.deepEqual(s.input(encodeChapValue(ChapCode.Response, 7, Buffer.alloc(48), Buffer.from('a')), 1), []);
  assert.equal(s.handleTimeout(3000).filter((a) => a.type === 'send').length, 1);
  const c = client();
  c.start(0);
  assert.deepEqual(c.input(encodeChapValue(ChapCode.Challenge, 1, Buffer.alloc(8), Buffer.alloc(0)), 1), [], '8-octet challenge');
  for (const hex of junk) assert.deepEqual(c.input(Buffer.from(hex, 'hex'), 1), [], hex);
  assert.deepEqual(s.handleVerdict({ verdict: 'reject', reason: 'nobody asked' }, 2), []);
});
