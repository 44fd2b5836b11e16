import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { AuthChain } from '../../../auth-plugins/chain.js';
import { Throttle } from '../../../auth-plugins/throttle.js';
import { memoryLog, pap, request, secretPlugin } from './fixtures.js';

const limit = (maxFailures: number, windowSeconds = 60, lockoutSeconds = 60) => ({ maxFailures, windowSeconds, lockoutSeconds });

test('per user: after maxFailures the user is rejected without asking any plugin; the log says so once', async () => {
  const log = memoryLog();
  const source = secretPlugin('file', 'right');
  const chain = new AuthChain({
    entries: [source],
    throttle: { user: limit(3), address: false },
    logger: pino({ level: 'info' }, log.stream),
  });
  try {
    for (let i = 0; i < 3; i++) {
      const r = await chain.authenticate(request(pap('wrong'), { peerName: 'alice', peerAddress: `192.0.2.${i + 1}` }));
      assert.equal(r.verdict, 'reject');
    }
    assert.equal(source.seen.length, 3);
    // Locked: even the right password from a new address is refused, and the plugin is not asked.
    const r = await chain.authenticate(request(pap('right'), { peerName: 'alice', peerAddress: '192.0.2.99' }));
    assert.equal(r.verdict, 'reject');
    assert.match(r.verdict === 'reject' ? r.reason : '', /^throttled: too many failed logins for user alice/);
    assert.equal(source.seen.length, 3);
    // Other forms of the same name share the counter.
    const r2 = await chain.authenticate(request(pap('right'), { peerName: 'CORP\\Alice' }));
    assert.equal(r2.verdict, 'reject');
    // Another user is unaffected.
    const r3 = await chain.authenticate(request(pap('right'), { peerName: 'bob' }));
    assert.equal(r3.verdict, 'accept');
    const starts = log.lines.filter((l) => l.includes('auth throttling started'));
    assert.equal(starts.length, 1);
    assert.match(starts[0]!, /"scope":"user"/);
    assert.match(starts[0]!, /"key":"alice"/);
  } finally {
    await chain.close();
  }
});

test('per address: many users from one address get the address locked out', async () => {
  const chain = new AuthChain({ entries: [secretPlugin('file', 'right')], throttle: { user: false, address: limit(4) } });
  try {
    for (let i = 0; i < 4; i++) {
      await chain.authenticate(request(pap('wrong'), { peerName: `user${i}`, peerAddress: '203.0.113.5' }));
    }
    const r = await chain.authenticate(request(pap('right'), { peerName: 'carol', peerAddress: '203.0.113.5' }));
    assert.match(r.verdict === 'reject' ? r.reason : '', /for address 203\.0\.113\.5/);
    const ok = await chain.authenticate(request(pap('right'), { peerName: 'carol', peerAddress: '203.0.113.6' }));
    assert.equal(ok.verdict, 'accept');
  } finally {
    await chain.close();
  }
});

test('a success clears the user counter, not the address counter', () => {
  const t = new Throttle({ user: limit(3), address: limit(3) });
  try {
    const bad = request(pap('x'), { peerName: 'dave', peerAddress: '198.51.100.7' });
    t.recordFailure(bad);
    t.recordFailure(bad);
    assert.equal(t.failures('user', 'dave'), 2);
    t.recordSuccess(bad);
    assert.equal(t.failures('user', 'dave'), 0);
    assert.equal(t.failures('address', '198.51.100.7'), 2);
  } finally {
    t.close();
  }
});

// Time is the mocked Date (the throttle reads Date.now()): real sleeps overshoot on a busy
// machine, and an overshoot of 80 ms turned "within the window" into "after it".
test('failures expire after the window; a lockout ends after lockoutSeconds', (ctx) => {
  ctx.mock.timers.enable({ apis: ['Date'], now: 1_700_000_000_000 });
  const t = new Throttle({ user: limit(2, 0.15, 0.25), address: false });
  try {
    const req = request(pap('x'), { peerName: 'erin' });
    t.recordFailure(req);
    ctx.mock.timers.tick(200); // window over: the first failure is forgotten
    t.recordFailure(req);
    assert.equal(t.check(req).throttled, false);
    assert.equal(t.failures('user', 'erin'), 1);
    t.recordFailure(req); // second within the window → lockout
    const c = t.check(req);
    assert.equal(c.throttled, true);
    assert.equal(c.throttled && c.retryAfterSeconds, 1);
    ctx.mock.timers.tick(240);
    assert.equal(t.check(req).throttled, true, 'still locked out 10 ms before the end');
    ctx.mock.timers.tick(20);
    assert.equal(t.check(req).throttled, false);
    assert.equal(t.failures('user', 'erin'), 0, 'the counter restarts after a lockout');
  } finally {
    t.close();
  }
});

test('the window is not extended by later failures', (ctx) => {
  ctx.mock.timers.enable({ apis: ['Date'], now: 1_700_000_000_000 });
  const t = new Throttle({ user: limit(3, 0.2, 10), address: false });
  try {
    const req = request(pap('x'), { peerName: 'frank' });
    t.recordFailure(req);
    ctx.mock.timers.tick(120);
    t.recordFailure(req);
    assert.equal(t.failures('user', 'frank'), 2);
    ctx.mock.timers.tick(120); // 240 ms after the first: the window (200 ms) is over
    assert.equal(t.failures('user', 'frank'), 0);
    t.recordFailure(req);
    assert.equal(t.check(req).throttled, false);
  } finally {
    t.close();
  }
});
