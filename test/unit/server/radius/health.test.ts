import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ServerHealth } from '../../../../server/radius/health.js';

describe('ServerHealth', () => {
  it('skips a dead server for the dead time, then asks it again', () => {
    const h = new ServerHealth(3, 30);
    assert.deepEqual(h.order(0), [0, 1, 2]);
    h.markDead(0, 1000);
    assert.deepEqual(h.order(1000), [1, 2]);
    assert.deepEqual(h.order(30_999), [1, 2]);
    assert.deepEqual(h.order(31_000), [0, 1, 2]);
    h.markDead(1, 2000);
    h.markAlive(1);
    assert.deepEqual(h.order(2000), [1, 2]);
  });

  it('asks every server when all are dead, and never marks with a dead time of 0', () => {
    const h = new ServerHealth(2, 60);
    h.markDead(0, 0);
    h.markDead(1, 0);
    assert.deepEqual(h.order(1), [0, 1]);
    const never = new ServerHealth(2, 0);
    never.markDead(0, 0);
    assert.equal(never.isDead(0, 0), false);
    assert.deepEqual(never.order(0), [0, 1]);
  });
});
