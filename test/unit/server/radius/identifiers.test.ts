import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IdentifierPool } from '../../../../server/radius/identifiers.js';

describe('IdentifierPool', () => {
  it('hands out all 256 identifiers once, round-robin, then none', () => {
    const pool = new IdentifierPool();
    const got = Array.from({ length: 256 }, () => pool.tryAcquire());
    assert.deepEqual(got, Array.from({ length: 256 }, (_, i) => i));
    assert.equal(pool.tryAcquire(), undefined);
    assert.equal(pool.inFlight, 256);
  });

  it('does not reuse a released identifier at once', () => {
    const pool = new IdentifierPool();
    const a = pool.tryAcquire()!;
    pool.release(a);
    assert.notEqual(pool.tryAcquire(), a);
  });

  it('makes the 257th caller wait until an identifier is released (FIFO)', async () => {
    const pool = new IdentifierPool();
    for (let i = 0; i < 256; i++) pool.tryAcquire();
    const order: number[] = [];
    const w1 = pool.acquire().then((id) => order.push(id));
    const w2 = pool.acquire().then((id) => order.push(id));
    assert.equal(pool.waiting, 2);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, []);
    pool.release(17);
    pool.release(99);
    await Promise.all([w1, w2]);
    assert.deepEqual(order, [17, 99]);
    assert.equal(pool.inFlight, 256);
  });

  it('withdraws a wait when its signal aborts; a release then frees the identifier', async () => {
    const pool = new IdentifierPool();
    for (let i = 0; i < 256; i++) pool.tryAcquire();
    const ac = new AbortController();
    const w = pool.acquire(ac.signal);
    ac.abort(new Error('gone'));
    await assert.rejects(w, /gone/);
    assert.equal(pool.waiting, 0);
    pool.release(3);
    assert.equal(pool.inFlight, 255);
    assert.equal(pool.isInUse(3), false);
    pool.release(3); // double release is a no-op
    assert.equal(pool.inFlight, 255);
  });
});
