import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RestartState, RFC1661_DEFAULTS } from '../../../../../server/ppp/fsm/restart.js';
import { Keepalive } from '../../../../../server/ppp/lcp/keepalive.js';

test('RFC 1661 §4.6 defaults: 3 s, Max-Configure 10, Max-Terminate 2, Max-Failure 5', () => {
  assert.deepEqual(RFC1661_DEFAULTS, { restartMs: 3000, maxConfigure: 10, maxTerminate: 2, maxFailure: 5 });
});

test('counter: irc for configure/terminate, decrement per transmission, TO+ then TO-', () => {
  const r = new RestartState({ ...RFC1661_DEFAULTS, maxTerminate: 2 });
  r.initialize(true);
  r.transmitted(0);
  assert.equal(r.deadline, 3000);
  assert.ok(!r.expired(2999));
  assert.ok(r.expired(3000));
  assert.ok(r.timeoutIsPlus());
  r.transmitted(3000);
  assert.ok(!r.timeoutIsPlus());
  r.initialize(false);
  assert.equal(r.count, 10);
  r.zero(100);
  assert.equal(r.count, 0);
  assert.equal(r.deadline, 3100);
  r.stop();
  assert.ok(!r.expired(1e9));
  r.failures = 5;
  assert.ok(r.naksExhausted());
});

test('keepalive: disabled at interval 0; counts outstanding; reply resets; 0 failures = never dead', () => {
  const off = new Keepalive(0, 4);
  off.start(0);
  assert.equal(off.deadline, null);
  const k = new Keepalive(1000, 2);
  k.start(0);
  assert.equal(k.poll(999), null);
  assert.equal(k.poll(1000), 'send-echo');
  assert.equal(k.poll(2000), 'send-echo');
  assert.equal(k.poll(3000), 'dead');
  const forever = new Keepalive(1000, 0);
  forever.start(0);
  for (let t = 1000; t <= 10_000; t += 1000) assert.equal(forever.poll(t), 'send-echo');
  k.start(0);
  k.poll(1000);
  k.replied();
  assert.equal(k.outstanding, 0);
  k.stop();
  assert.equal(k.poll(5000), null);
});
