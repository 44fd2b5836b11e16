// Once MPPE is up, CCP may never go down or renegotiate (issue 12): new coders from the
// same master keys would restart the coherency count under the same keystream, and with
// `ppp.mppe.required: false` a CCP Terminate-Request used to make the server send IP in
// clear for the rest of the session. pppd ends the link in both cases; so do we.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDecodeError } from '../../../../server/errors.js';
import { decodeFrame, encodeFrame } from '../../../../server/ppp/frame.js';
import { encodeCp } from '../../../../server/ppp/fsm/cp-codec.js';
import { Protocol } from '../../../../server/ppp/protocols.js';
import { terminateCauseOf } from '../../../../server/runtime/causes.js';
import { PppPair } from '../../../helpers/ppp-pair.js';

const optional = { required: false, bits: [128, 40] as (40 | 56 | 128)[], stateful: 'deny' as const };

function upPair(): PppPair {
  const p = new PppPair({ server: { mppe: optional }, client: { mppe: { ...optional, required: true } } });
  p.start();
  p.drive({ until: p.now + 30_000 });
  assert.ok(p.eventsOf('server', 'network-up')[0]?.mppe, 'MPPE up');
  return p;
}

function inject(p: PppPair, frame: Buffer): void {
  p.server.handleFrame(frame, p.now);
  p.collect('server');
  p.drive({ until: p.now + 5_000 });
}

function plainIpFromServer(p: PppPair, since: number): number {
  return p.wire.server.slice(since).filter((f) => {
    const d = decodeFrame(f);
    return !isDecodeError(d) && d.protocol === Protocol.IP;
  }).length;
}

const ip = Buffer.from('4500001c000000004011000a0a0800170a0800010035003500080000', 'hex');

test('CCP Terminate-Request after MPPE is up ends the link (never IP in clear), even with MPPE optional', () => {
  const p = upPair();
  const mark = p.wire.server.length;
  inject(p, encodeFrame(Protocol.CCP, encodeCp(5, 0x77)));
  const down = p.eventsOf('server', 'down')[0];
  assert.equal(down?.cause, 'mppe-lost');
  assert.match(down?.message ?? '', /CCP went down after MPPE was up/);
  assert.equal(terminateCauseOf(down!.cause), 'User-Error');
  p.sendIp('server', ip);
  p.drive({ until: p.now + 1_000 });
  assert.equal(plainIpFromServer(p, mark), 0, 'no plain IP after CCP went down');
});

test('a CCP Configure-Request after MPPE is up (renegotiation) ends the link: the keystream is never restarted', () => {
  const p = upPair();
  const req = p.wire.client.find((f) => {
    const d = decodeFrame(f);
    return !isDecodeError(d) && d.protocol === Protocol.CCP && d.info[0] === 1;
  });
  assert.ok(req, 'the client sent a CCP Configure-Request');
  inject(p, req);
  const down = p.eventsOf('server', 'down')[0];
  assert.equal(down?.cause, 'mppe-lost');
  assert.equal(p.eventsOf('server', 'network-up').length, 1, 'never up twice');
});

test('without MPPE ever up, CCP going away is not an error (MPPE optional, peer has none)', () => {
  const p = new PppPair({ server: { mppe: optional }, client: { mppe: { required: false, bits: [], stateful: 'deny' } } });
  p.start();
  p.drive({ until: p.now + 30_000 });
  assert.equal(p.eventsOf('server', 'network-up').length, 1);
  assert.equal(p.eventsOf('server', 'down').length, 0);
});
