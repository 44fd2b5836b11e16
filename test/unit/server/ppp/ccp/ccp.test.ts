import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ccp, type CcpResult } from '../../../../../server/ppp/ccp/ccp.js';
import { decodeSingle, MppeBit, type MppeCcpPolicy, strengthsOf } from '../../../../../server/ppp/ccp/mppe-option.js';
import { CpState } from '../../../../../server/ppp/fsm/automaton.js';
import { type CpPacket, decodeCp, decodeOptions, encodeCp } from '../../../../../server/ppp/fsm/cp-codec.js';
import { RFC1661_DEFAULTS } from '../../../../../server/ppp/fsm/restart.js';

function make(policy: MppeCcpPolicy) {
  const sent: CpPacket[] = [];
  const ups: CcpResult[] = [];
  let resets = 0;
  const ccp = new Ccp(policy, RFC1661_DEFAULTS, {
    send: (p) => {
      const d = decodeCp(p, 'ccp');
      assert.ok(!('kind' in d));
      sent.push(d);
    },
    up: (r) => ups.push(r),
    down: () => undefined,
    finished: () => undefined,
    resetRequested: () => resets++,
  });
  ccp.fsm.open(0);
  ccp.fsm.up(0);
  return { ccp, sent, ups, resets: () => resets };
}
const mppeOf = (p: CpPacket): string => {
  const o = decodeOptions(p.data, 'ccp') as { type: number; data: Buffer }[];
  return o.map((x) => `${x.type}:${x.data.toString('hex')}`).join(' ');
};
const req = (id: number, hex: string): Buffer => encodeCp(1, id, Buffer.from(`1206${hex}`, 'hex'));
const REQUIRE_128: MppeCcpPolicy = { required: true, bits: [128], stateful: 'deny' };
const ANY: MppeCcpPolicy = { required: true, bits: [40, 56, 128], stateful: 'deny' };

test('our request offers every strength we allow + H; the peer\'s Nak picks one, and we ask for that one', () => {
  assert.equal(mppeOf(make(ANY).sent[0]!), '18:010000e0');
  assert.equal(mppeOf(make({ required: true, bits: [40, 128], stateful: 'deny' }).sent[0]!), '18:01000060');
  assert.equal(mppeOf(make({ required: true, bits: [40], stateful: 'deny' }).sent[0]!), '18:01000020');
  assert.equal(mppeOf(make({ required: true, bits: [128], stateful: 'prefer' }).sent[0]!), '18:00000040');
  // Windows Naks a request naming several strengths with one (windows-lcp.md §4), pppd too.
  const t = make(ANY);
  t.ccp.input(encodeCp(3, t.sent[0]!.identifier, Buffer.from('120601000020', 'hex')), 0);
  assert.equal(mppeOf(t.sent.at(-1)!), '18:01000020');
  t.ccp.input(encodeCp(2, t.sent.at(-1)!.identifier, t.sent.at(-1)!.data), 0);
  assert.deepEqual(t.ccp.mppe.recv, { bits: 40, stateless: true });
});

test('an Ack of our request naming several strengths means the strongest (as the Linux kernel takes it)', () => {
  const t = make({ required: true, bits: [40, 128], stateful: 'deny' });
  t.ccp.input(encodeCp(2, t.sent[0]!.identifier, t.sent[0]!.data), 0);
  assert.deepEqual(t.ccp.mppe.recv, { bits: 128, stateless: true });
});

test('each Windows CCP request leads to MPPE-128 stateless', () => {
  for (const [who, bits] of [
    ['XP +H +M +S +L +C', '010000e1'],
    ['Vista/7 +H +M +S +L', '010000e0'],
    ['Win10 +H only', '01000000'],
    ['pppd +H +S +L', '01000060'],
  ] as const) {
    const t = make(REQUIRE_128);
    t.ccp.input(req(5, bits), 0);
    const r = t.sent.at(-1)!;
    assert.equal(r.code, 3, who);
    assert.equal(mppeOf(r), '18:01000040', who);
    t.ccp.input(req(6, '01000040'), 0);
    assert.equal(t.sent.at(-1)!.code, 2, who);
    t.ccp.input(encodeCp(2, t.sent[0]!.identifier, t.sent[0]!.data), 0);
    assert.equal(t.ccp.fsm.state, CpState.Opened, who);
    assert.deepEqual(t.ups[0], { send: { bits: 128, stateless: true }, recv: { bits: 128, stateless: true } }, who);
  }
});

test('allowing 40, 56 and 128, Windows (which Naks a request with several strengths) still gets 128 both ways', () => {
  const t = make(ANY);
  assert.equal(mppeOf(t.sent[0]!), '18:010000e0');
  // Windows Naks our request with the strongest it names (windows-peer.ts, windows-lcp.md §4).
  t.ccp.input(encodeCp(3, t.sent[0]!.identifier, Buffer.from('120601000040', 'hex')), 0);
  const again = t.sent.at(-1)!;
  assert.equal(mppeOf(again), '18:01000040');
  t.ccp.input(req(5, '010000e0'), 0);
  assert.equal(mppeOf(t.sent.at(-1)!), '18:01000040', 'its +H +M +S +L request is Nak-ed to 128');
  t.ccp.input(req(6, '01000040'), 0);
  t.ccp.input(encodeCp(2, again.identifier, again.data), 0);
  assert.deepEqual(t.ups[0], { send: { bits: 128, stateless: true }, recv: { bits: 128, stateless: true } });
});

test('the MPPC bit is always refused; 40-bit only when that is all we allow', () => {
  const t = make({ required: true, bits: [40], stateful: 'deny' });
  t.ccp.input(req(1, '01000061'), 0);
  assert.equal(mppeOf(t.sent.at(-1)!), '18:01000020');
  t.ccp.input(req(2, '01000021'), 0);
  assert.equal(t.sent.at(-1)!.code, 3, 'C bit still set: Nak');
  assert.equal(mppeOf(t.sent.at(-1)!), '18:01000020');
});

test('56-bit is chosen over 40 when 128 is not allowed', () => {
  const t = make({ required: true, bits: [40, 56], stateful: 'deny' });
  assert.equal(mppeOf(t.sent[0]!), '18:010000a0');
  t.ccp.input(req(1, '010000e0'), 0);
  assert.equal(mppeOf(t.sent.at(-1)!), '18:01000080');
});

test('other CCP options (Deflate, BSD, Predictor, MPPC alone) are rejected', () => {
  const t = make(ANY);
  t.ccp.input(encodeCp(1, 1, Buffer.from('1a040f00' + '150341' + '0102' + '12060100 0040'.replace(' ', ''), 'hex')), 0);
  const r = t.sent.at(-1)!;
  assert.equal(r.code, 4);
  assert.equal(mppeOf(r), '26:0f00 21:41 1:');
});

test("stateful 'deny': a stateful request is Nak-ed with H; a Nak asking us for stateful refuses MPPE", () => {
  const t = make(REQUIRE_128);
  t.ccp.input(req(1, '00000040'), 0);
  assert.equal(mppeOf(t.sent.at(-1)!), '18:01000040');
  t.ccp.input(encodeCp(3, t.sent[0]!.identifier, Buffer.from('120600000040', 'hex')), 0);
  assert.match(t.ccp.mppe.refused ?? '', /stateful/);
});

test("stateful 'allow': the peer's stateful request is Acked; its Nak towards stateful is taken", () => {
  const t = make({ required: true, bits: [128], stateful: 'allow' });
  t.ccp.input(req(1, '00000040'), 0);
  assert.equal(t.sent.at(-1)!.code, 2);
  t.ccp.input(encodeCp(3, t.sent[0]!.identifier, Buffer.from('120600000040', 'hex')), 0);
  assert.equal(mppeOf(t.sent.at(-1)!), '18:00000040');
  t.ccp.input(encodeCp(2, t.sent.at(-1)!.identifier, t.sent.at(-1)!.data), 0);
  assert.deepEqual(t.ups[0], { send: { bits: 128, stateless: false }, recv: { bits: 128, stateless: false } });
});

test("stateful 'prefer': one Nak towards stateful; a peer insisting on stateless gets it", () => {
  const t = make({ required: true, bits: [128], stateful: 'prefer' });
  t.ccp.input(req(1, '01000040'), 0);
  assert.equal(t.sent.at(-1)!.code, 3);
  assert.equal(mppeOf(t.sent.at(-1)!), '18:00000040');
  t.ccp.input(req(2, '01000040'), 0);
  assert.equal(t.sent.at(-1)!.code, 2);
  // Peer Naks our stateful request with H: accept stateless.
  t.ccp.input(encodeCp(3, t.sent[0]!.identifier, Buffer.from('120601000040', 'hex')), 0);
  assert.equal(mppeOf(t.sent.at(-1)!), '18:01000040');
});

test('peer rejects MPPE → refused; peer suggests a strength we do not allow → refused', () => {
  const a = make(REQUIRE_128);
  a.ccp.input(encodeCp(4, a.sent[0]!.identifier, a.sent[0]!.data), 0);
  assert.equal(a.ccp.mppe.refused, 'peer rejected the MPPE option');
  const b = make(REQUIRE_128);
  b.ccp.input(encodeCp(3, b.sent[0]!.identifier, Buffer.from('120601000020', 'hex')), 0);
  assert.match(b.ccp.mppe.refused ?? '', /strengths/);
});

test('Reset-Request (14) → resetRequested + Reset-Ack with the same id; our Reset-Request is rate-limited', () => {
  const t = make(REQUIRE_128);
  t.ccp.input(req(1, '01000040'), 0);
  t.ccp.input(encodeCp(2, t.sent[0]!.identifier, t.sent[0]!.data), 0);
  assert.equal(t.ccp.fsm.state, CpState.Opened);
  t.ccp.input(encodeCp(14, 0x33), 0);
  assert.equal(t.resets(), 1);
  assert.equal(t.sent.at(-1)!.code, 15);
  assert.equal(t.sent.at(-1)!.identifier, 0x33);
  assert.equal(t.ccp.requestReset(100), true);
  assert.equal(t.sent.at(-1)!.code, 14);
  assert.equal(t.ccp.requestReset(200), false, 'one outstanding');
  t.ccp.input(encodeCp(15, t.sent.at(-1)!.identifier), 300);
  assert.equal(t.ccp.requestReset(400), true);
});

test('Supported Bits helpers', () => {
  assert.deepEqual(strengthsOf(0x010000e1), [128, 56, 40]);
  assert.deepEqual(decodeSingle(MppeBit.H | MppeBit.S), { bits: 128, stateless: true });
  assert.equal(decodeSingle(MppeBit.S | MppeBit.L), null);
  assert.equal(decodeSingle(MppeBit.S | MppeBit.C), null);
});
