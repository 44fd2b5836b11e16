// Issue 11's MPPE strength matrix, fast: our CCP (server/ppp/ccp) against a sans-I/O
// model of pppd 2.4.9's MPPE negotiation (pppd-mppe-model.ts) in every cell, with each
// side's stateful setting on its own (48 cells). The outcomes must be PoPToP's, as the
// real client saw them (recorded in test/helpers/mppe-matrix.ts and checked against live
// PoPToP by test/interop/mppe-matrix.test.ts). The model itself must give those outcomes
// when it plays both ends (pppd client against PoPToP's pppd).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ccp, type CcpResult } from '../../../../../server/ppp/ccp/ccp.js';
import type { MppeCcpPolicy } from '../../../../../server/ppp/ccp/mppe-option.js';
import { decodeCp, decodeOptions, encodeCp, encodeOptions } from '../../../../../server/ppp/fsm/cp-codec.js';
import { RFC1661_DEFAULTS } from '../../../../../server/ppp/fsm/restart.js';
import { cellKey, matrixCells, poptopOutcome, type MatrixCell, type MatrixOutcome } from '../../../../helpers/mppe-matrix.js';
import { PppdMppePeer, pppdAllow, type PppdVerdict } from './pppd-mppe-model.js';

const opt = (v: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0);
  return encodeOptions([{ type: 18, data: b }]);
};
const mppeValue = (data: Buffer): number => {
  const o = decodeOptions(data, 'ccp');
  assert.ok(Array.isArray(o));
  const m = o.find((x) => x.type === 18);
  assert.ok(m && m.data.length === 4, 'an MPPE option');
  return m.data.readUInt32BE(0);
};

const clientOf = (c: MatrixCell): PppdMppePeer =>
  new PppdMppePeer({ allow: c.client === 'require-mppe' ? [40, 128] : c.client === 'require-mppe-40' ? [40] : [128], stateful: c.clientStateful });
const policyOf = (c: MatrixCell): MppeCcpPolicy => ({ required: true, bits: c.serverBits, stateful: c.serverStateful ? 'allow' : 'deny' });

/** Our server CCP against the pppd client model, packet by packet, until both are quiet. */
function againstOurServer(c: MatrixCell): { outcome: MatrixOutcome; ours: CcpResult | undefined; peer: PppdMppePeer } {
  const peer = clientOf(c);
  const toPeer: Buffer[] = [];
  const ups: CcpResult[] = [];
  const ccp = new Ccp(policyOf(c), RFC1661_DEFAULTS, {
    send: (p) => toPeer.push(p), up: (r) => ups.push(r), down: () => undefined, finished: () => undefined, resetRequested: () => undefined,
  });
  ccp.fsm.open(0);
  ccp.fsm.up(0);
  const toUs: Buffer[] = [];
  let peerId = 0x40;
  let peerReqId = -1;
  const peerRequest = (): void => {
    const v = peer.request();
    if (v === null) return;
    peerReqId = ++peerId;
    toUs.push(encodeCp(1, peerReqId, opt(v)));
  };
  peerRequest();
  for (let round = 0; round < 40 && (toPeer.length > 0 || toUs.length > 0) && !peer.closed; round++) {
    for (const p of toUs.splice(0)) ccp.input(p, 0);
    for (const raw of toPeer.splice(0)) {
      const p = decodeCp(raw, 'ccp');
      assert.ok(!('kind' in p));
      if (p.code === 1) {
        const verdict: PppdVerdict = peer.onRequest(mppeValue(p.data));
        if (verdict.code === 'rej') toUs.push(encodeCp(4, p.identifier, p.data));
        else toUs.push(encodeCp(verdict.code === 'ack' ? 2 : 3, p.identifier, opt(verdict.value)));
      } else if (p.identifier === peerReqId && p.code === 2) peer.onAck(mppeValue(p.data));
      else if (p.identifier === peerReqId && p.code === 3) {
        peer.onNak(mppeValue(p.data));
        peerRequest();
      } else if (p.identifier === peerReqId && p.code === 4) peer.onReject();
      else if (p.code === 5) peer.closed = 'CCP terminated by peer';
    }
  }
  const ours = ups[0];
  const up = ours !== undefined && ccp.mppe.refused === null && ours.send !== null && ours.recv !== null && peer.mppe !== null;
  return { outcome: { up, mppe: up ? peer.mppe : null }, ours, peer };
}

/** pppd against pppd (the real client against PoPToP), in the model. */
function pppdAgainstPppd(c: MatrixCell): MatrixOutcome {
  const client = clientOf(c);
  const server = new PppdMppePeer({ allow: pppdAllow(c.serverBits), stateful: c.serverStateful });
  const ends = [client, server] as const;
  const pending: { from: 0 | 1; value: number }[] = [{ from: 0, value: client.request()! }, { from: 1, value: server.request()! }];
  for (let round = 0; round < 40 && pending.length > 0 && !client.closed && !server.closed; round++) {
    const { from, value } = pending.shift()!;
    const [me, other] = [ends[from], ends[1 - from]!];
    const verdict = other.onRequest(value);
    if (verdict.code === 'ack') me.onAck(verdict.value);
    else if (verdict.code === 'rej') me.onReject();
    else {
      me.onNak(verdict.value);
      const next = me.request();
      if (next !== null) pending.push({ from, value: next });
    }
  }
  const mppe = client.mppe;
  return server.mppe !== null && mppe !== null ? { up: true, mppe } : { up: false, mppe: null };
}

test('the pppd model, at both ends, gives what the real client and PoPToP did in every cell', () => {
  for (const c of matrixCells({ crossStateful: true })) assert.deepEqual(pppdAgainstPppd(c), poptopOutcome(c), cellKey(c));
});

test('pptpd-ts against the pppd client model ends where PoPToP does in every cell (48: stateful on each side apart)', () => {
  for (const c of matrixCells({ crossStateful: true })) {
    const { outcome, ours, peer } = againstOurServer(c);
    assert.deepEqual(outcome, poptopOutcome(c), `${cellKey(c)}: ${peer.closed ?? ''}`);
    if (outcome.up) {
      // Both ends agree on each direction, and both directions use the same strength.
      const strength = Number(/(\d+)-bit/.exec(outcome.mppe!)![1]);
      assert.deepEqual(ours?.recv, { bits: strength, stateless: true }, cellKey(c));
      assert.deepEqual(ours?.send, { bits: strength, stateless: true }, cellKey(c));
    }
  }
});

test('before the fix, 40-bit-only clients could not reach a server allowing 40 and 128 (a request naming only 128)', () => {
  // pppd Rejects a request naming one strength it does not allow, and then hangs up.
  const peer = new PppdMppePeer({ allow: [40], stateful: false });
  assert.deepEqual(peer.onRequest(0x01000040), { code: 'rej' });
  assert.equal(peer.closed, 'MPPE required but peer negotiation failed');
  // Offered both, it Naks to the one it allows.
  assert.deepEqual(new PppdMppePeer({ allow: [40], stateful: false }).onRequest(0x01000060), { code: 'nak', value: 0x01000020 });
});
