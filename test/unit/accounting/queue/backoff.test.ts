import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay, DEFAULT_BACKOFF } from '../../../../accounting/queue/backoff.js';

test('without jitter the delay doubles from initialMs and stops at maxMs', () => {
  const o = { initialMs: 100, maxMs: 1000, factor: 2, jitter: 0 };
  assert.deepEqual([1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, o)), [100, 200, 400, 800, 1000, 1000]);
  assert.equal(backoffDelay(10_000, o), 1000, 'a huge attempt count does not overflow');
  assert.equal(backoffDelay(0, o), 100, 'attempt < 1 counts as the first');
});

test('full jitter keeps each delay within [raw/2, raw] and still grows', () => {
  const lo = (a: number) => backoffDelay(a, DEFAULT_BACKOFF, () => 0);
  const hi = (a: number) => backoffDelay(a, DEFAULT_BACKOFF, () => 0.999999);
  assert.equal(lo(1), 500);
  assert.equal(hi(1), 1000);
  assert.equal(lo(3), 2000);
  assert.equal(hi(3), 4000);
  assert.equal(hi(20), 60_000);
  assert.ok(lo(2) >= hi(1));
});
