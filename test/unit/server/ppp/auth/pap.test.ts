import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PapCode, PppProtocol } from '../../../../../server/ppp/auth/constants.js';
import { encodePapRequest } from '../../../../../server/ppp/auth/pap-codec.js';
import { createAuthClient, createAuthServer } from '../../../../../server/ppp/auth/types.js';
import { Pair } from './harness.js';

const users = { alice: 'secret' };
const server = () => createAuthServer('pap', { serverName: 'pptpd' });
const client = (password = 'secret') => createAuthClient('pap', { userName: 'alice', password });

test('PAP back to back: Request → verify → Ack; both sides succeed', () => {
  const p = new Pair(server(), client(), users).start().run();
  assert.equal(p.server.protocol, PppProtocol.PAP);
  assert.equal(p.verifies.length, 1);
  assert.equal(p.verifies[0]?.peerName, 'alice');
  assert.deepEqual(p.verifies[0]?.credentials, { method: 'pap', password: 'secret' });
  assert.equal(p.serverOutcome?.type, 'success');
  assert.equal(p.serverOutcome?.type === 'success' && p.serverOutcome.userName, 'alice');
  assert.equal(p.serverOutcome?.type === 'success' && p.serverOutcome.result?.verdict, 'accept');
  assert.deepEqual(p.clientOutcome, { type: 'success', userName: 'alice' });
  const ack = p.sentBy('server')[0];
  assert.equal(ack?.[0], PapCode.AuthenticateAck);
  assert.equal(ack?.subarray(5).toString(), 'Login ok');
  assert.equal(p.serverTimer, null);
  assert.equal(p.clientTimer, null);
});

test('PAP wrong password: Nak with message; server fails, client fails; reasons carry no password', () => {
  const p = new Pair(server(), client('hunter2'), users).start().run();
  assert.equal(p.serverOutcome?.type, 'failure');
  assert.equal(p.clientOutcome?.type, 'failure');
  const nak = p.sentBy('server')[0];
  assert.equal(nak?.[0], PapCode.AuthenticateNak);
  assert.equal(nak?.subarray(5).toString(), 'Login incorrect');
  for (const o of [p.serverOutcome, p.clientOutcome]) {
    assert.ok(o?.type === 'failure' && !o.reason.includes('hunter2') && !o.reason.includes('secret'), JSON.stringify(o));
  }
});

test('PAP lost Ack: the client retransmits with a new Identifier and gets the same answer again', () => {
  const p = new Pair(server(), client(), users);
  p.drop = ({ from, index }) => from === 'server' && index <= 1; // the first Ack is lost
  p.start().run();
  assert.equal(p.clientOutcome?.type, 'success');
  assert.equal(p.verifies.length, 1, 'no second verify for a repeated Request');
  const [req1, req2] = p.sentBy('client');
  assert.ok(req1 && req2);
  assert.notEqual(req1[1], req2[1], 'RFC 1334 §2.2.1: Identifier changes per transmission');
  const acks = p.sentBy('server');
  assert.equal(acks.length, 2);
  assert.equal(acks[1]?.[0], PapCode.AuthenticateAck);
  assert.equal(acks[1]?.[1], req2[1], 'reply copies the Identifier of the Request it answers');
  assert.equal(p.wire[2]?.at, 3000, 'retransmitted after the 3 s restart timer');
});

test('PAP Request repeated while the verdict is outstanding: answered once, to the newest Identifier', () => {
  const s = server();
  s.start(0);
  const first = s.input(encodePapRequest(5, Buffer.from('alice'), Buffer.from('secret')), 10);
  assert.equal(first.filter((a) => a.type === 'verify').length, 1);
  assert.deepEqual(s.input(encodePapRequest(6, Buffer.from('alice'), Buffer.from('secret')), 20), []);
  const out = s.handleVerdict({ verdict: 'accept', userName: 'alice', attributes: {}, plugin: 'stub' }, 30);
  const sends = out.filter((a) => a.type === 'send');
  assert.equal(sends.length, 1);
  assert.equal(sends[0]?.type === 'send' && sends[0].payload[1], 6);
  // A verdict after the answer is stale.
  assert.deepEqual(s.handleVerdict({ verdict: 'reject', reason: 'x' }, 40), []);
});

test('PAP server deadline: no Request within retransmitMs × maxRetransmits → failure', () => {
  const s = createAuthServer('pap', { serverName: 'pptpd', retransmitMs: 1000, maxRetransmits: 5 });
  assert.deepEqual(s.start(100), [{ type: 'timer', at: 5100 }]);
  const out = s.handleTimeout(5100);
  assert.equal(out.at(-1)?.type, 'failure');
  assert.deepEqual(s.handleTimeout(9000), [], 'a second timeout does nothing');
  assert.deepEqual(s.input(encodePapRequest(1, Buffer.from('alice'), Buffer.from('secret')), 9001).length, 0);
});

test('PAP client gives up after maxRetransmits Requests', () => {
  const s = server();
  const p = new Pair(s, createAuthClient('pap', { userName: 'alice', password: 'secret', maxRetransmits: 4 }), users);
  p.drop = ({ from }) => from === 'client';
  p.start().run();
  assert.equal(p.sentBy('client').length, 4);
  assert.equal(p.clientOutcome?.type, 'failure');
  assert.match(p.clientOutcome?.type === 'failure' ? p.clientOutcome.reason : '', /no reply after 4/);
});

test('PAP client ignores replies that do not answer one of its Identifiers, and garbage', () => {
  const c = client();
  const [send] = c.start(0);
  assert.ok(send?.type === 'send');
  const id = send.payload[1] as number;
  assert.deepEqual(c.input(Buffer.from([PapCode.AuthenticateAck, (id + 7) & 0xff, 0, 5, 0]), 1), []);
  assert.deepEqual(c.input(Buffer.from('0201ffff', 'hex'), 1), []);
  assert.deepEqual(c.input(Buffer.alloc(0), 1), []);
  const ok = c.input(Buffer.from([PapCode.AuthenticateAck, id, 0, 5, 0]), 2);
  assert.equal(ok.at(-1)?.type, 'success');
});

test('PAP server ignores malformed Requests without throwing', () => {
  const s = server();
  s.start(0);
  for (const hex of ['', '01', '0101000603ff', '01010007016105', '02010005' + '00', 'ffffffff']) {
    assert.deepEqual(s.input(Buffer.from(hex, 'hex'), 1), [], hex);
  }
});
