import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EchoKeepalive } from '../../../../server/pptp/keepalive.js';

test('no deadline before start() or after stop()', () => {
  const k = new EchoKeepalive(1000, 500);
  assert.equal(k.deadline(), undefined);
  k.start(0);
  assert.equal(k.deadline(), 1000);
  k.stop();
  assert.equal(k.deadline(), undefined);
  assert.equal(k.onTimeout(5000), undefined);
});

test('silence → Echo-Request with increasing identifiers; any traffic resets', () => {
  const k = new EchoKeepalive(1000, 500, 0xffffffff);
  k.start(0);
  assert.equal(k.onTimeout(999), undefined);
  assert.deepEqual(k.onTimeout(1000), { kind: 'send-echo-request', identifier: 0xffffffff });
  assert.equal(k.pendingIdentifier, 0xffffffff);
  assert.equal(k.deadline(), 1500);
  k.received(1200);
  assert.equal(k.pendingIdentifier, undefined);
  assert.equal(k.deadline(), 2200);
  assert.deepEqual(k.onTimeout(2200), { kind: 'send-echo-request', identifier: 0 });
});

test('no sign of life within the timeout → dead, once', () => {
  const k = new EchoKeepalive(1000, 500);
  k.start(0);
  k.onTimeout(1000);
  assert.equal(k.onTimeout(1499), undefined);
  assert.deepEqual(k.onTimeout(1500), { kind: 'dead' });
  assert.equal(k.onTimeout(5000), undefined);
});

test('interval 0 disables keepalive', () => {
  const k = new EchoKeepalive(0, 500);
  k.start(0);
  assert.equal(k.deadline(), undefined);
});
