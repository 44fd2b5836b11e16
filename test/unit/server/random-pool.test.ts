import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RandomPool, pooledRandomBytes, pooledRandomUint32 } from '../../../server/random-pool.js';

test('takes distinct bytes across refills; each result is its own buffer', () => {
  const pool = new RandomPool(64);
  const seen = new Set<string>();
  const taken: Buffer[] = [];
  for (let i = 0; i < 100; i++) {
    const b = pool.take(10); // 6 per pool of 64, then a refill
    assert.equal(b.length, 10);
    seen.add(b.toString('hex'));
    taken.push(b);
  }
  assert.equal(seen.size, 100, '80-bit values do not repeat');
  const copy = Buffer.from(taken[0]!);
  pool.take(10);
  assert.deepEqual(taken[0], copy, 'later takes do not change what was handed out');
});

test('larger than the pool: served directly', () => {
  const pool = new RandomPool(16);
  assert.equal(pool.take(100).length, 100);
  assert.equal(pooledRandomBytes(4096).length, 4096);
  assert.equal(pooledRandomBytes(0).length, 0);
});

test('the bytes are not constant (a broken pool would hand out zeros)', () => {
  const all = Buffer.concat(Array.from({ length: 50 }, () => pooledRandomBytes(16)));
  const ones = [...all].reduce((a, v) => a + v.toString(2).split('1').length - 1, 0);
  const bits = all.length * 8;
  assert.ok(ones > bits * 0.4 && ones < bits * 0.6, `${ones} of ${bits} bits set`);
});

test('uint32 draws 32-bit values from the pool and shares its refills with take()', () => {
  const pool = new RandomPool(16);
  const seen = new Set<number>();
  for (let i = 0; i < 200; i++) {
    const v = i % 3 === 0 ? pool.take(5).readUInt32BE(0) : pool.uint32(); // mixed sizes force uneven refills
    assert.ok(Number.isInteger(v) && v >= 0 && v <= 0xffffffff, `${v} is a uint32`);
    seen.add(v);
  }
  assert.ok(seen.size >= 198, `values repeat: ${seen.size} distinct of 200`);
  let or = 0;
  for (let i = 0; i < 64; i++) or |= pooledRandomUint32();
  assert.equal(or >>> 0, 0xffffffff, 'every bit position is set by some draw');
});
