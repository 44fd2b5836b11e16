import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chapMd5Response } from '../../../../../server/crypto/mschap.js';
import { decodeChap, encodeChapValue } from '../../../../../server/ppp/auth/chap-codec.js';
import { ChapCode, PppProtocol } from '../../../../../server/ppp/auth/constants.js';
import { createAuthClient, createAuthServer } from '../../../../../server/ppp/auth/types.js';
import { fixedRandom, Pair } from './harness.js';

const users = { alice: 'secret' };
const challenge = Buffer.from('0102030405060708090a0b0c0d0e0f10', 'hex');
const server = (extra = {}) =>
  createAuthServer('chap-md5', { serverName: 'pptpd', random: fixedRandom(Buffer.of(0x42), challenge), ...extra });
const client = (password = 'secret') => createAuthClient('chap-md5', { userName: 'alice', password });

test('CHAP-MD5 back to back: Challenge → Response → verify → Success', () => {
  const p = new Pair(server(), client(), users).start().run();
  assert.equal(p.server.protocol, PppProtocol.CHAP);
  const [chal, succ] = p.sentBy('server');
  assert.equal(chal?.toString('hex'), '0142001a' + '10' + challenge.toString('hex') + Buffer.from('pptpd').toString('hex'));
  const resp = p.sentBy('client')[0];
  assert.ok(resp);
  const r = decodeChap(resp);
  assert.ok('value' in r && r.code === ChapCode.Response);
  assert.equal(r.identifier, 0x42);
  assert.deepEqual(r.value, chapMd5Response(0x42, 'secret', challenge));
  assert.equal(r.name.toString(), 'alice');
  assert.deepEqual(p.verifies[0]?.credentials, { method: 'chap-md5', identifier: 0x42, challenge, response: r.value });
  assert.equal(succ?.toString('hex'), '0342' + '0012' + Buffer.from('Access granted').toString('hex'));
  assert.equal(p.serverOutcome?.type, 'success');
  assert.deepEqual(p.clientOutcome, { type: 'success', userName: 'alice' });
});

test('CHAP-MD5 wrong password → Failure; both sides fail; no mschapError', () => {
  const p = new Pair(server(), client('wrong'), users).start().run();
  assert.deepEqual(p.serverOutcome, { type: 'failure', reason: 'chap-md5: rejected: bad credentials' });
  assert.equal(p.sentBy('server')[1]?.[0], ChapCode.Failure);
  assert.equal(p.sentBy('server')[1]?.subarray(4).toString(), 'Access denied');
  assert.equal(p.clientOutcome?.type, 'failure');
});

test('lost Challenge: retransmitted identically after retransmitMs; lost Success: duplicate Response gets it again', () => {
  const p = new Pair(server(), client(), users);
  p.drop = ({ from, index }) => from === 'server' && (index === 0 || index === 3);
  p.start().run(50, 10_000);
  const s = p.sentBy('server');
  assert.deepEqual(s[0], s[1], 'same Identifier and Value');
  assert.equal(p.wire[1]?.at, 3000);
  assert.equal(p.serverOutcome?.type, 'success');
  assert.equal(p.outcome('client'), null, 'the Success was lost');
  // A peer that missed the Success sends its Response again (as it would for a repeated
  // Challenge); the server answers with the same Success, without a second verify.
  const resp = p.sentBy('client')[0];
  assert.ok(resp);
  const again = p.inject('server', resp);
  assert.deepEqual(again, [{ type: 'send', protocol: PppProtocol.CHAP, payload: s[2] }]);
  p.run();
  assert.equal(p.clientOutcome?.type, 'success');
  assert.equal(p.verifies.length, 1);
});

test('no Response: gives up after maxRetransmits Challenges', () => {
  const p = new Pair(server({ maxRetransmits: 3, retransmitMs: 500 }), client(), users);
  p.drop = ({ from }) => from === 'server';
  p.start().run();
  assert.equal(p.sentBy('server').length, 3);
  assert.equal(p.serverOutcome?.type, 'failure');
  assert.match(p.serverOutcome?.type === 'failure' ? p.serverOutcome.reason : '', /no CHAP Response after 3/);
  assert.equal(p.now, 60_000, 'the client gave up at its own 60 s deadline');
});

test('Responses with a wrong Identifier, a non-16-octet Value, or garbage are ignored', () => {
  const s = server();
  s.start(0);
  const resp = (id: number, v: Buffer) => encodeChapValue(ChapCode.Response, id, v, Buffer.from('alice'));
  assert.deepEqual(s.input(resp(0x43, chapMd5Response(0x43, 'secret', challenge)), 1), []);
  assert.deepEqual(s.input(resp(0x42, Buffer.alloc(15)), 1), []);
  assert.deepEqual(s.input(Buffer.from('0242ffff00', 'hex'), 1), []);
  assert.deepEqual(s.input(Buffer.from('0342000400', 'hex'), 1), [], 'a Success sent to the server');
  const ok = s.input(resp(0x42, chapMd5Response(0x42, 'secret', challenge)), 2);
  assert.equal(ok.at(-1)?.type, 'verify');
});

test('while verifying, a duplicate Response is not verified again; a stale verdict is ignored', () => {
  const s = server();
  s.start(0);
  const r = encodeChapValue(ChapCode.Response, 0x42, chapMd5Response(0x42, 'secret', challenge), Buffer.from('alice'));
  assert.equal(s.input(r, 1).filter((a) => a.type === 'verify').length, 1);
  assert.deepEqual(s.input(r, 2), []);
  assert.deepEqual(s.handleTimeout(3000), [], 'no Challenge retransmission while verifying');
  const out = s.handleVerdict({ verdict: 'accept', userName: 'alice', attributes: { replyMessage: 'Welcome' }, plugin: 'x' }, 5);
  assert.equal(out.filter((a) => a.type === 'send').length, 1);
  const sent = out.find((a) => a.type === 'send');
  assert.equal(sent?.type === 'send' && sent.payload.subarray(4).toString(), 'Welcome');
  assert.deepEqual(s.handleVerdict({ verdict: 'reject', reason: 'late' }, 6), []);
});

test('the client answers a repeated Challenge with the cached Response and ignores unrelated status packets', () => {
  const c = client();
  c.start(0);
  const chal = encodeChapValue(ChapCode.Challenge, 9, challenge, Buffer.from('srv'));
  const a = c.input(chal, 1);
  const b = c.input(chal, 2);
  assert.deepEqual(a, b);
  assert.deepEqual(c.input(Buffer.from('030a0004', 'hex'), 3), [], 'Success for another Identifier');
  assert.deepEqual(c.input(Buffer.from('0109000500', 'hex'), 3), [], 'malformed Challenge');
  assert.equal(c.input(Buffer.from('03090004', 'hex'), 4).at(-1)?.type, 'success');
  assert.deepEqual(c.input(Buffer.from('04090004', 'hex'), 5), [], 'done');
});

test('an early or superseded timeout is ignored; the real one retransmits', () => {
  const s = server();
  const start = s.start(100);
  assert.deepEqual(start.at(-1), { type: 'timer', at: 3100 });
  assert.deepEqual(s.handleTimeout(3099), []);
  const out = s.handleTimeout(3100);
  assert.equal(out[0]?.type, 'send');
  assert.deepEqual(out.at(-1), { type: 'timer', at: 6100 });
  assert.deepEqual(s.handleTimeout(3100), [], 'the same deadline does not fire twice');
});
