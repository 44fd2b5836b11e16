import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Channel, publish, subscribe, subscribed, type ControlUpEvent } from '../../../server/events.js';

test('subscribed() is true exactly while someone listens; publish reaches the listener', () => {
  assert.equal(subscribed(Channel.controlUp), false);
  const got: ControlUpEvent[] = [];
  const off = subscribe<ControlUpEvent>(Channel.controlUp, (e) => got.push(e));
  assert.equal(subscribed(Channel.controlUp), true);
  assert.equal(subscribed(Channel.controlDown), false, 'per channel');
  publish(Channel.controlUp, { peer: '192.0.2.7' });
  off();
  assert.equal(subscribed(Channel.controlUp), false);
  publish(Channel.controlUp, { peer: '192.0.2.8' });
  assert.deepEqual(got, [{ peer: '192.0.2.7' }]);
});
