import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallIdAllocator } from '../../../../server/pptp/call-ids.js';
import { PptpdError } from '../../../../server/errors.js';

test('hands out unique ids from the start, skipping 0, and wraps', () => {
  const a = new CallIdAllocator({ start: 0xfffe });
  assert.deepEqual([a.allocate(), a.allocate(), a.allocate()], [0xfffe, 0xffff, 1]);
  assert.equal(a.inUse, 3);
});

test('0 is handed out when skipZero is false', () => {
  const a = new CallIdAllocator({ start: 0xffff, skipZero: false });
  assert.deepEqual([a.allocate(), a.allocate()], [0xffff, 0]);
});

test('all 65535 ids unique, then exhausted; a released id comes back', () => {
  const a = new CallIdAllocator({ start: 1234 });
  const seen = new Set<number>();
  for (let i = 0; i < 65535; i++) {
    const id = a.allocate();
    assert.ok(id !== undefined && id > 0 && id <= 0xffff);
    seen.add(id);
  }
  assert.equal(seen.size, 65535);
  assert.equal(a.allocate(), undefined);
  a.release(777);
  assert.equal(a.isUsed(777), false);
  assert.equal(a.allocate(), 777);
});

test('a released id is not reused before the cursor comes round', () => {
  const a = new CallIdAllocator({ start: 10 });
  const first = a.allocate()!;
  a.release(first);
  assert.notEqual(a.allocate(), first);
});

test('releasing an id that is not allocated is our bug: PptpdError', () => {
  const a = new CallIdAllocator({ start: 10 });
  assert.throws(() => a.release(10), PptpdError);
  a.allocate();
  a.release(10);
  assert.throws(() => a.release(10), PptpdError);
  assert.throws(() => a.release(70000), PptpdError);
});

test('by default Call IDs are unpredictable: no run of consecutive ids, all unique', () => {
  const a = new CallIdAllocator();
  const ids = Array.from({ length: 2000 }, () => a.allocate()!);
  assert.equal(new Set(ids).size, ids.length);
  assert.ok(ids.every((id) => id > 0 && id <= 0xffff));
  // 2000 random picks among 65 535: a next-is-previous+1 pair has odds ~1/65535 each.
  const consecutive = ids.slice(1).filter((id, i) => id === ((ids[i]! + 1) & 0xffff)).length;
  assert.ok(consecutive < 20, `${consecutive} consecutive pairs`);
  // Spread over the whole space, not one region.
  assert.ok(Math.max(...ids) - Math.min(...ids) > 50_000);
});

test('the random allocator still fills every id and then refuses', () => {
  const a = new CallIdAllocator();
  for (let i = 0; i < 65535; i++) assert.ok(a.allocate() !== undefined);
  assert.equal(a.allocate(), undefined);
  a.release(4242);
  assert.equal(a.allocate(), 4242);
});
