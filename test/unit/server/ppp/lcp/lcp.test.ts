import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AuthMethod } from '../../../../../auth-plugins/types.js';
import { CpState } from '../../../../../server/ppp/fsm/automaton.js';
import { type CpPacket, decodeCp, decodeOptions, encodeCp } from '../../../../../server/ppp/fsm/cp-codec.js';
import { RFC1661_DEFAULTS } from '../../../../../server/ppp/fsm/restart.js';
import { Lcp, type LcpFatalCause } from '../../../../../server/ppp/lcp/lcp.js';
import { decodeAuthOption, encodeAuthOption } from '../../../../../server/ppp/lcp/options.js';

const OUR_MAGIC = 0x11223344;

function make(role: 'server' | 'client', authMethods: AuthMethod[] = ['mschap-v2'], extra: { echoIntervalMs?: number; echoFailure?: number } = {}) {
  const sent: CpPacket[] = [];
  const fatal: { cause: LcpFatalCause; message: string }[] = [];
  const rejected: number[] = [];
  const idents: string[] = [];
  let magics = [OUR_MAGIC, 0x55667788, 0x99aabbcc, 0x0badf00d, 0x12345678, 0x1357 , 0x2468, 0x3579];
  const lcp = new Lcp(
    {
      role,
      authMethods,
      mru: 1500,
      accm: 0,
      requestPfc: true,
      requestAcfc: true,
      newMagic: () => {
        const m = magics[0]!;
        magics = [...magics.slice(1), m];
        return m;
      },
      loopbackLimit: 5,
      restart: RFC1661_DEFAULTS,
      echoIntervalMs: extra.echoIntervalMs ?? 0,
      echoFailure: extra.echoFailure ?? 4,
    },
    {
      send: (p) => {
        const d = decodeCp(p, 'lcp');
        assert.ok(!('kind' in d));
        sent.push(d);
      },
      up: () => undefined,
      down: () => undefined,
      finished: () => undefined,
      protocolRejected: (p) => rejected.push(p),
      fatal: (cause, message) => fatal.push({ cause, message }),
      identification: (m) => idents.push(m.toString('latin1')),
    },
  );
  lcp.fsm.open(0);
  lcp.fsm.up(0);
  return { lcp, sent, fatal, rejected, idents };
}

const opts = (p: CpPacket): [number, string][] => {
  const o = decodeOptions(p.data, 'lcp');
  assert.ok(Array.isArray(o));
  return o.map((x) => [x.type, x.data.toString('hex')]);
};

/** Bring LCP to Opened: peer Acks our request and sends a plain one we Ack. */
function open(t: ReturnType<typeof make>): void {
  const ours = t.sent[0]!;
  t.lcp.input(encodeCp(2, ours.identifier, ours.data), 0);
  t.lcp.input(encodeCp(1, 1, Buffer.from('0506cafebabe', 'hex')), 0);
  assert.equal(t.lcp.fsm.state, CpState.Opened);
  t.sent.length = 0;
}

test("server's Configure-Request: asyncmap 0, auth chap MS-v2, magic, pcomp, accomp (pppd's order)", () => {
  const t = make('server');
  assert.equal(t.sent[0]!.code, 1);
  assert.deepEqual(opts(t.sent[0]!), [
    [2, '00000000'],
    [3, 'c22381'],
    [5, '11223344'],
    [7, ''],
    [8, ''],
  ]);
});

test('Windows XP/7/10 request: Callback (CBCP) rejected alone, then the resend is Acked', () => {
  const t = make('server');
  t.lcp.input(Buffer.from('01000015010405780506 08dd6215 0702 0802 0d0306'.replace(/ /g, ''), 'hex'), 0);
  const rej = t.sent.at(-1)!;
  assert.equal(rej.code, 4);
  assert.equal(rej.identifier, 0);
  assert.deepEqual(opts(rej), [[13, '06']]);
  const resend = Buffer.from('01010012010405780506 08dd6215 0702 0802'.replace(/ /g, ''), 'hex');
  t.lcp.input(resend, 0);
  const ack = t.sent.at(-1)!;
  assert.equal(ack.code, 2);
  assert.deepEqual(ack.data, resend.subarray(4));
  assert.equal(t.lcp.options.peerMru, 1400);
  assert.equal(t.lcp.options.peerPfc, true);
  assert.equal(t.lcp.options.peerAcfc, true);
});

test('Windows NT/2000 (multilink) request: Callback, MRRU 1614 and Endpoint-Discriminator rejected', () => {
  const t = make('server');
  const ed = '1317' + '01' + '48384ca38ec84afe900ba9a87a6a59330000000022'.slice(0, 40);
  const body = '05066f593c72' + '0702' + '0802' + '0d0306' + '1104064e' + ed;
  const pkt = Buffer.concat([Buffer.from([1, 0, 0, 4 + body.length / 2]), Buffer.from(body, 'hex')]);
  t.lcp.input(pkt, 0);
  const rej = t.sent.at(-1)!;
  assert.equal(rej.code, 4);
  assert.deepEqual(
    opts(rej).map(([ty]) => ty),
    [13, 17, 19],
  );
});

test('Quality-Protocol, unknown options and a bad-length MRU are rejected together', () => {
  const t = make('server');
  t.lcp.input(encodeCp(1, 7, Buffer.from('0408c025000003e8' + 'ff02' + '010305' + '0506cafebabe', 'hex')), 0);
  const rej = t.sent.at(-1)!;
  assert.equal(rej.code, 4);
  assert.deepEqual(opts(rej), [
    [4, 'c025000003e8'],
    [255, ''],
    [1, '05'],
  ]);
});

test('an MRU below 128 is Nak-ed to 128', () => {
  const t = make('server');
  t.lcp.input(encodeCp(1, 3, Buffer.from('01040040', 'hex')), 0);
  assert.equal(t.sent.at(-1)!.code, 3);
  assert.deepEqual(opts(t.sent.at(-1)!), [[1, '0080']]);
});

test('a client asking us (the server) to authenticate gets its auth option rejected', () => {
  const t = make('server');
  t.lcp.input(encodeCp(1, 3, Buffer.from('0305c22381', 'hex')), 0);
  assert.equal(t.sent.at(-1)!.code, 4);
});

test('auth Nak: switch to the allowed method the peer names, else to the next one; none left → auth-refused', () => {
  const t = make('server', ['mschap-v2', 'mschap-v1', 'pap']);
  let req = t.sent[0]!;
  t.lcp.input(encodeCp(3, req.identifier, Buffer.from('0304c023', 'hex')), 0);
  req = t.sent.at(-1)!;
  assert.deepEqual(opts(req)[1], [3, 'c023']);
  // Peer suggests EAP (c227), which we do not allow: drop PAP, next candidate.
  t.lcp.input(encodeCp(3, req.identifier, Buffer.from('0304c227', 'hex')), 0);
  req = t.sent.at(-1)!;
  assert.deepEqual(opts(req)[1], [3, 'c22381']);
  t.lcp.input(encodeCp(3, req.identifier, Buffer.from('0304c227', 'hex')), 0);
  req = t.sent.at(-1)!;
  t.lcp.input(encodeCp(3, req.identifier, Buffer.from('0304c227', 'hex')), 0);
  assert.equal(t.fatal[0]?.cause, 'auth-refused');
});

test('auth option rejected by the peer → auth-refused', () => {
  const t = make('server');
  const req = t.sent[0]!;
  t.lcp.input(encodeCp(4, req.identifier, Buffer.from('0305c22381', 'hex')), 0);
  assert.equal(t.fatal[0]?.cause, 'auth-refused');
});

test('client role: Ack the server’s allowed method, Nak a refused one with ours', () => {
  const t = make('client', ['mschap-v2']);
  assert.ok(!opts(t.sent[0]!).some(([ty]) => ty === 3), 'a client does not ask for auth');
  t.lcp.input(encodeCp(1, 1, Buffer.from('0305c22381', 'hex')), 0);
  assert.equal(t.sent.at(-1)!.code, 2);
  assert.equal(t.lcp.options.peerAuth, 'mschap-v2');
  t.lcp.input(encodeCp(1, 2, Buffer.from('0305c22305', 'hex')), 0);
  assert.equal(t.sent.at(-1)!.code, 3);
  assert.deepEqual(opts(t.sent.at(-1)!), [[3, 'c22381']]);
});

test('Authentication-Protocol codec', () => {
  for (const m of ['pap', 'chap-md5', 'mschap-v1', 'mschap-v2'] as const) assert.equal(decodeAuthOption(encodeAuthOption(m)), m);
  assert.equal(decodeAuthOption(Buffer.from('c22399', 'hex')), null);
  assert.equal(decodeAuthOption(Buffer.from('c227', 'hex')), null);
  assert.equal(decodeAuthOption(Buffer.from('c0', 'hex')), null);
});

test('our own magic coming back: Nak with another number; five times → loopback', () => {
  const t = make('server');
  for (let i = 0; i < 5; i++) {
    const mine = t.lcp.options.localMagic;
    t.lcp.input(encodeCp(1, 10 + i, Buffer.from(`0506${mine.toString(16).padStart(8, '0')}`, 'hex')), 0);
    const r = t.sent.at(-1)!;
    assert.equal(r.code, 3);
    assert.notEqual(opts(r)[0]![1], mine.toString(16).padStart(8, '0'));
    assert.notEqual(t.lcp.options.localMagic, mine, 'we pick a new magic too');
  }
  assert.equal(t.fatal[0]?.cause, 'loopback');
});

test('Opened: Identification taken silently, Echo-Request answered with our magic, Discard ignored', () => {
  const t = make('server');
  open(t);
  t.lcp.input(encodeCp(12, 2, Buffer.concat([Buffer.alloc(4), Buffer.from('MSRASV5.20')])), 0);
  t.lcp.input(encodeCp(12, 3, Buffer.concat([Buffer.alloc(4), Buffer.from('MSRAS-0-FALMER')])), 0);
  t.lcp.input(encodeCp(13, 4, Buffer.alloc(8)), 0);
  t.lcp.input(encodeCp(11, 5, Buffer.from('cafebabe', 'hex')), 0);
  assert.deepEqual(t.idents, ['MSRASV5.20', 'MSRAS-0-FALMER']);
  assert.equal(t.sent.length, 0, 'no Code-Reject');
  t.lcp.input(encodeCp(9, 6, Buffer.from('cafebabe0102', 'hex')), 0);
  const rep = t.sent.at(-1)!;
  assert.equal(rep.code, 10);
  assert.equal(rep.identifier, 6);
  assert.equal(rep.data.toString('hex'), '112233440102');
});

test('Echo-Request carrying our own magic → loopback', () => {
  const t = make('server');
  open(t);
  t.lcp.input(encodeCp(9, 6, Buffer.from('11223344', 'hex')), 0);
  assert.equal(t.fatal[0]?.cause, 'loopback');
});

test('Protocol-Reject: received for an NCP → hook; for LCP → RXJ-; sent only when Opened, trimmed to MRU', () => {
  const t = make('server');
  t.lcp.sendProtocolReject(0x8057, Buffer.alloc(10));
  assert.equal(t.sent.length, 1, 'only our Configure-Request so far');
  open(t);
  t.lcp.input(encodeCp(8, 9, Buffer.from('80fd0101000a', 'hex')), 0);
  assert.deepEqual(t.rejected, [0x80fd]);
  t.lcp.sendProtocolReject(0x8057, Buffer.alloc(3000, 1));
  const pr = t.sent.at(-1)!;
  assert.equal(pr.code, 8);
  assert.equal(pr.data.readUInt16BE(0), 0x8057);
  assert.equal(pr.data.length + 4, 1500);
  t.lcp.input(encodeCp(8, 10, Buffer.from('c021', 'hex')), 0);
  assert.equal(t.lcp.fsm.state, CpState.Stopping);
});

test('keepalive: Echo-Request every interval; after echoFailure unanswered → echo-timeout; a reply resets', () => {
  const t = make('server', ['mschap-v2'], { echoIntervalMs: 1000, echoFailure: 2 });
  open(t);
  t.lcp.handleTimeout(1000);
  t.lcp.handleTimeout(2000);
  assert.equal(t.sent.filter((p) => p.code === 9).length, 2);
  t.lcp.input(encodeCp(10, t.sent.at(-1)!.identifier, Buffer.from('cafebabe', 'hex')), 2100);
  t.lcp.handleTimeout(3000);
  t.lcp.handleTimeout(4000);
  assert.equal(t.fatal.length, 0);
  t.lcp.handleTimeout(5000);
  assert.equal(t.fatal[0]?.cause, 'echo-timeout');
});
