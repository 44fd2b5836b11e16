// Once our Configure-Request is answered its options are let go (a link that stays Opened
// for days should not pin them): late replies to it are still discarded, and a
// renegotiation builds and checks a fresh request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CpState } from '../../../../../server/ppp/fsm/automaton.js';
import { decodeCp, encodeCp } from '../../../../../server/ppp/fsm/cp-codec.js';
import { ACK, Negotiator, type OptionHandler } from '../../../../../server/ppp/fsm/negotiator.js';
import { RFC1661_DEFAULTS } from '../../../../../server/ppp/fsm/restart.js';
import { CpCode } from '../../../../../server/ppp/protocols.js';

function side(): { fsm: Negotiator; sent: Buffer[]; log: string[] } {
  const sent: Buffer[] = [];
  const log: string[] = [];
  const h: OptionHandler = { type: 1, name: 'mru', request: () => Buffer.from([0x05, 0xdc]), check: () => ACK };
  const fsm = new Negotiator({
    name: 'lcp',
    handlers: [h],
    restart: RFC1661_DEFAULTS,
    hooks: { send: (p) => sent.push(p), up: () => log.push('tlu'), down: () => log.push('tld'), notice: (m) => log.push(m) },
  });
  return { fsm, sent, log };
}

const held = (fsm: Negotiator) => (fsm as unknown as { reqOptions: Buffer }).reqOptions.length;

test('after the Ack our request options are dropped; a replayed Ack/Reject is discarded; renegotiation works', () => {
  const s = side();
  s.fsm.open(0);
  s.fsm.up(0);
  const req = decodeCp(s.sent[0]!, 'lcp');
  assert.ok(!('kind' in req) && req.code === CpCode.ConfigureRequest);
  assert.equal(held(s.fsm), 4, 'kept while the request is outstanding');
  s.fsm.input(encodeCp(CpCode.ConfigureRequest, 50, Buffer.alloc(0)), 0); // peer asks for nothing: Ack
  s.fsm.input(encodeCp(CpCode.ConfigureAck, req.identifier, req.data), 0);
  assert.equal(s.fsm.state, CpState.Opened);
  assert.equal(held(s.fsm), 0, 'dropped once answered');

  // Late duplicates of the answer to the old request: discarded, the link stays up.
  s.fsm.input(encodeCp(CpCode.ConfigureAck, req.identifier, req.data), 1);
  s.fsm.input(encodeCp(CpCode.ConfigureReject, req.identifier, req.data), 1);
  assert.equal(s.fsm.state, CpState.Opened);
  assert.deepEqual(s.log.filter((l) => l === 'tlu' || l === 'tld'), ['tlu']);

  // The peer renegotiates: tld, a fresh Configure-Request with our options, Ack → Opened again.
  const before = s.sent.length;
  s.fsm.input(encodeCp(CpCode.ConfigureRequest, 51, Buffer.alloc(0)), 2);
  const again = s.sent.slice(before).map((b) => decodeCp(b, 'lcp')).find((p) => !('kind' in p) && p.code === CpCode.ConfigureRequest);
  assert.ok(again && !('kind' in again));
  assert.equal(again.data.toString('hex'), '010405dc');
  assert.equal(held(s.fsm), 4);
  // An Ack that does not match the new request is still refused.
  s.fsm.input(encodeCp(CpCode.ConfigureAck, again.identifier, Buffer.alloc(0)), 2);
  assert.notEqual(s.fsm.state, CpState.Opened);
  s.fsm.input(encodeCp(CpCode.ConfigureAck, again.identifier, again.data), 2);
  assert.equal(s.fsm.state, CpState.Opened);
  assert.equal(held(s.fsm), 0);
});
