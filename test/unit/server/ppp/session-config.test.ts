import { test } from 'node:test';
import assert from 'node:assert/strict';
import { derivedOf } from '../../../../server/ppp/session-config.js';
import type { PppSessionOptions } from '../../../../server/ppp/session-types.js';
import { PppSession } from '../../../../server/ppp/session.js';

const base: PppSessionOptions = { role: 'server', authMethods: ['pap', 'mschap-v2'], mppe: { bits: [], stateful: 'deny', required: false } };

test('derivedOf: one derived configuration per options object, defaults and overrides applied', () => {
  const a = derivedOf(base);
  assert.equal(derivedOf(base), a, 'shared by every session made with the same options');
  assert.deepEqual(a.lcp.authMethods, ['mschap-v2', 'pap'], 'our fixed preference order');
  assert.equal(a.lcp.mru, 1500);
  assert.equal(a.lcp.echoIntervalMs, 30_000);
  assert.equal(a.deadlines.authenticateMs, 60_000);
  const o: PppSessionOptions = { ...base, mru: 1400, restart: { maxConfigure: 3 }, deadlines: { networkMs: 5 }, random: (n) => Buffer.alloc(n, 0xab) };
  const b = derivedOf(o);
  assert.notEqual(b, a);
  assert.equal(b.lcp.mru, 1400);
  assert.equal(b.restart.maxConfigure, 3);
  assert.equal(b.lcp.restart, b.restart);
  assert.equal(b.deadlines.networkMs, 5);
  assert.equal(b.deadlines.establishMs, 60_000);
  assert.equal(b.lcp.newMagic(), 0xabababab, 'magic numbers come from the injected source');
});

test('sessions sharing options still negotiate on their own (own magic numbers, own state)', () => {
  let n = 0;
  const opts: PppSessionOptions = { ...base, random: (k) => Buffer.alloc(k, ++n) };
  const s1 = new PppSession(opts);
  const s2 = new PppSession(opts);
  s1.start(0);
  s2.start(0);
  const f1 = s1.drain().find((a) => a.type === 'transmit');
  const f2 = s2.drain().find((a) => a.type === 'transmit');
  assert.ok(f1?.type === 'transmit' && f2?.type === 'transmit');
  assert.notDeepEqual(f1.frame, f2.frame, 'different magic numbers in the two Configure-Requests');
  assert.equal(s1.phase, 'establish');
  s1.close('admin', 1);
  assert.equal(s2.phase, 'establish');
});
