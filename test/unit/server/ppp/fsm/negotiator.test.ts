import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CpEvent, CpState } from '../../../../../server/ppp/fsm/automaton.js';
import { decodeCp, decodeOptions, encodeCp } from '../../../../../server/ppp/fsm/cp-codec.js';
import { ACK, nak, Negotiator, type OptionHandler, REJECT } from '../../../../../server/ppp/fsm/negotiator.js';
import { RFC1661_DEFAULTS } from '../../../../../server/ppp/fsm/restart.js';

interface Side {
  fsm: Negotiator;
  sent: Buffer[];
  log: string[];
}

function side(name: string, handlers: OptionHandler[], extra: Partial<{ rxr: number[] }> = {}): Side {
  const s: Side = { sent: [], log: [], fsm: null as unknown as Negotiator };
  s.fsm = new Negotiator({
    name,
    handlers,
    restart: RFC1661_DEFAULTS,
    rxrCodes: extra.rxr ?? [],
    hooks: {
      send: (p) => s.sent.push(p),
      up: () => s.log.push('tlu'),
      down: () => s.log.push('tld'),
      started: () => s.log.push('tls'),
      finished: (_n, ev) => s.log.push(`tlf:${ev}`),
      ser: (p) => s.log.push(`ser:${p.code}`),
    },
  });
  return s;
}

/** Exchange packets until both are quiet (bounded). */
function pump(a: Side, b: Side, now = 0): void {
  for (let i = 0; i < 100; i++) {
    const x = a.sent.shift();
    if (x) b.fsm.input(x, now);
    const y = b.sent.shift();
    if (y) a.fsm.input(y, now);
    if (!x && !y) return;
  }
  assert.fail('did not converge');
}

function flag(type: number, store: { on: boolean }): OptionHandler {
  return { type, name: `opt${type}`, request: () => Buffer.alloc(0), check: () => ACK, rejected: () => (store.on = false) };
}

test('two automata converge to Opened, tlu once each', () => {
  const a = side('a', [flag(7, { on: true })]);
  const b = side('b', [flag(7, { on: true })]);
  a.fsm.open(0);
  a.fsm.up(0);
  b.fsm.open(0);
  b.fsm.up(0);
  pump(a, b);
  assert.equal(a.fsm.state, CpState.Opened);
  assert.equal(b.fsm.state, CpState.Opened);
  assert.deepEqual(a.log, ['tls', 'tlu'], 'Open in Initial: tls/1; Up in Starting: irc,scr/6');
  assert.deepEqual(b.log, ['tls', 'tlu']);
  assert.equal(a.fsm.deadline, null, 'no Restart timer in Opened');
});

test('options without a handler are Configure-Rejected; a Reject beats a Nak', () => {
  const b = side('b', [{ type: 1, name: 'x', check: () => nak(Buffer.from([9])) }]);
  b.fsm.open(0);
  b.fsm.up(0);
  b.sent.length = 0;
  b.fsm.input(encodeCp(1, 5, Buffer.from('0103010d0306', 'hex')), 0);
  const r = decodeCp(b.sent[0]!, 'x');
  assert.ok(!('kind' in r));
  assert.equal(r.code, 4);
  assert.equal(r.identifier, 5);
  assert.equal(r.data.toString('hex'), '0d0306');
  b.fsm.input(encodeCp(1, 6, Buffer.from('010301', 'hex')), 0);
  const n = decodeCp(b.sent[1]!, 'x');
  assert.ok(!('kind' in n));
  assert.equal(n.code, 3);
  assert.equal(n.data.toString('hex'), '010309');
});

test('a Nak from the peer changes the next request; Max-Failure turns our Naks into Rejects', () => {
  let value = 1;
  const want = 5;
  const a = side('a', [{ type: 1, name: 'v', request: () => Buffer.from([value]), naked: (d) => (value = d[0]!), check: () => ACK }]);
  const picky = side('b', [{ type: 1, name: 'v', check: (d) => (d[0] === want ? ACK : nak(Buffer.from([want]))) }]);
  a.fsm.open(0);
  a.fsm.up(0);
  picky.fsm.open(0);
  picky.fsm.up(0);
  pump(a, picky);
  assert.equal(value, 5);
  assert.equal(picky.fsm.state, CpState.Opened);

  // A peer that never takes the suggestion: after maxFailure (5) Naks, a Reject.
  const stubborn = side('c', [{ type: 1, name: 'v', check: () => nak(Buffer.from([want])) }]);
  stubborn.fsm.open(0);
  stubborn.fsm.up(0);
  stubborn.sent.length = 0;
  const codes: number[] = [];
  for (let i = 0; i < 7; i++) {
    stubborn.fsm.input(encodeCp(1, i, Buffer.from('010301', 'hex')), 0);
    const r = decodeCp(stubborn.sent.shift()!, 'c');
    assert.ok(!('kind' in r));
    codes.push(r.code);
  }
  assert.deepEqual(codes, [3, 3, 3, 3, 3, 4, 4]);
});

test('invalid Acks are discarded: wrong id, different options, duplicate', () => {
  const a = side('a', [flag(7, { on: true })]);
  a.fsm.open(0);
  a.fsm.up(0);
  const req = decodeCp(a.sent[0]!, 'a');
  assert.ok(!('kind' in req));
  a.fsm.input(encodeCp(2, req.identifier + 1, req.data), 0);
  assert.equal(a.fsm.state, CpState.ReqSent);
  a.fsm.input(encodeCp(2, req.identifier, Buffer.from('0802', 'hex')), 0);
  assert.equal(a.fsm.state, CpState.ReqSent);
  a.fsm.input(encodeCp(2, req.identifier, req.data), 0);
  assert.equal(a.fsm.state, CpState.AckRcvd);
  a.fsm.input(encodeCp(2, req.identifier, req.data), 0);
  assert.equal(a.fsm.state, CpState.AckRcvd, 'duplicate Ack ignored (no crossed-connection restart)');
});

test('a Configure-Reject that is not a subset of our request is discarded', () => {
  const store = { on: true };
  const a = side('a', [flag(7, store)]);
  a.fsm.open(0);
  a.fsm.up(0);
  const req = decodeCp(a.sent[0]!, 'a');
  assert.ok(!('kind' in req));
  a.fsm.input(encodeCp(4, req.identifier, Buffer.from('0802', 'hex')), 0);
  assert.equal(store.on, true);
  a.fsm.input(encodeCp(4, req.identifier, Buffer.from('0702', 'hex')), 0);
  assert.equal(store.on, false);
});

test('silence: Max-Configure Configure-Requests 3 s apart, then TO- → tlf, Stopped', () => {
  const a = side('a', []);
  a.fsm.open(0);
  a.fsm.up(0);
  let now = 0;
  for (let i = 0; i < 20 && a.fsm.deadline !== null; i++) {
    now = a.fsm.deadline;
    a.fsm.handleTimeout(now);
  }
  assert.equal(a.sent.filter((p) => p[0] === 1).length, 10);
  assert.equal(now, 30_000);
  assert.equal(a.fsm.state, CpState.Stopped);
  assert.deepEqual(a.log, ['tls', `tlf:${CpEvent.TimeoutMinus}`]);
  assert.equal(a.fsm.deadline, null);
});

test('Close in Opened: tld, Terminate-Request; Terminate-Ack → Closed, tlf', () => {
  const a = side('a', []);
  const b = side('b', []);
  for (const s of [a, b]) {
    s.fsm.open(0);
    s.fsm.up(0);
  }
  pump(a, b);
  a.fsm.close(0, Buffer.from('bye'));
  assert.equal(a.fsm.state, CpState.Closing);
  const tr = decodeCp(a.sent[0]!, 'a');
  assert.ok(!('kind' in tr));
  assert.equal(tr.code, 5);
  assert.equal(tr.data.toString(), 'bye');
  pump(a, b);
  assert.equal(a.fsm.state, CpState.Closed);
  assert.deepEqual(a.log, ['tls', 'tlu', 'tld', `tlf:${CpEvent.Rta}`]);
  assert.equal(b.fsm.state, CpState.Stopping);
  b.fsm.handleTimeout(3000); // zrc: one Restart period, then TO-
  assert.equal(b.fsm.state, CpState.Stopped);
  assert.deepEqual(b.log, ['tls', 'tlu', 'tld', `tlf:${CpEvent.TimeoutMinus}`]);
});

test('Max-Terminate: two Terminate-Requests, then Closed', () => {
  const a = side('a', []);
  const b = side('b', []);
  for (const s of [a, b]) {
    s.fsm.open(0);
    s.fsm.up(0);
  }
  pump(a, b);
  a.fsm.close(0);
  a.fsm.handleTimeout(3000);
  a.fsm.handleTimeout(6000);
  assert.equal(a.sent.filter((p) => p[0] === 5).length, 2);
  assert.equal(a.fsm.state, CpState.Closed);
});

test('unknown code → Code-Reject carrying the packet; Code-Reject of Configure-Request → RXJ-', () => {
  const a = side('a', []);
  const b = side('b', []);
  for (const s of [a, b]) {
    s.fsm.open(0);
    s.fsm.up(0);
  }
  pump(a, b);
  const weird = encodeCp(0x42, 7, Buffer.from('abcd', 'hex'));
  a.fsm.input(weird, 0);
  const cj = decodeCp(a.sent[0]!, 'a');
  assert.ok(!('kind' in cj));
  assert.equal(cj.code, 7);
  assert.deepEqual(cj.data, weird);
  assert.equal(a.fsm.state, CpState.Opened);
  a.fsm.input(encodeCp(7, 1, encodeCp(1, 1)), 0);
  assert.equal(a.fsm.state, CpState.Stopping, 'RXJ- in Opened: tld, irc, str/5');
});

test('RXR codes reach ser only in Opened', () => {
  const a = side('a', [], { rxr: [9] });
  a.fsm.open(0);
  a.fsm.up(0);
  a.fsm.input(encodeCp(9, 1, Buffer.alloc(4)), 0);
  assert.deepEqual(a.log, ['tls']);
  const b = side('b', [], { rxr: [9] });
  b.fsm.open(0);
  b.fsm.up(0);
  pump(a, b);
  a.fsm.input(encodeCp(9, 1, Buffer.alloc(4)), 0);
  assert.deepEqual(a.log, ['tls', 'tlu', 'ser:9']);
});

test('packets before Up are ignored; malformed Configure-Request returns a DecodeError', () => {
  const a = side('a', []);
  a.fsm.open(0);
  assert.equal(a.fsm.input(encodeCp(1, 1), 0), null);
  assert.equal(a.sent.length, 0);
  a.fsm.up(0);
  const err = a.fsm.input(encodeCp(1, 1, Buffer.from('0109', 'hex')), 0);
  assert.ok(err && err.kind === 'decode-error');
  assert.ok(a.fsm.input(Buffer.from('01', 'hex'), 0));
});

test('Reject of an option we sent removes it from the next request', () => {
  const store = { on: true };
  const a = side('a', [{ type: 7, name: 'pfc', request: () => (store.on ? Buffer.alloc(0) : null), check: () => REJECT, rejected: () => (store.on = false) }]);
  a.fsm.open(0);
  a.fsm.up(0);
  const req = decodeCp(a.sent[0]!, 'a');
  assert.ok(!('kind' in req));
  a.fsm.input(encodeCp(4, req.identifier, req.data), 0);
  const next = decodeCp(a.sent[1]!, 'a');
  assert.ok(!('kind' in next));
  assert.deepEqual(decodeOptions(next.data, 'a'), []);
  assert.notEqual(next.identifier, req.identifier);
});
