// TimerSlot: every slot shares one Node timer through a min-heap. What must hold is what a
// Node timer per slot gave: each armed slot fires once, not before its deadline, in deadline
// order; clear() and re-set() take effect even for a slot already due in the same turn.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { earliest, now, TimerSlot } from '../../../server/timers.js';
import { WAIT_MS, waitFor } from '../../helpers/wait.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('slots fire once each, in deadline order, not before their deadline', async () => {
  const fired: [string, number, number][] = [];
  const t0 = now();
  const mk = (name: string, d: number) => {
    const s = new TimerSlot(() => fired.push([name, now(), t0 + d]));
    s.set(t0 + d);
    return s;
  };
  const c = mk('c', 60);
  mk('a', 20);
  mk('b', 40);
  assert.equal(c.deadline, t0 + 60);
  await waitFor('the slots to fire', () => fired.length === 3, WAIT_MS, { stepMs: 5 });
  assert.deepEqual(fired.map((f) => f[0]), ['a', 'b', 'c']);
  for (const [, at, due] of fired) assert.ok(at >= due - 1, `fired ${due - at} ms early`);
  assert.equal(c.deadline, undefined);
  await sleep(30);
  assert.equal(fired.length, 3);
});

test('clear() stops a slot; set() moves it earlier or later; the same deadline twice is one firing', async () => {
  const fired: string[] = [];
  const t0 = now();
  const a = new TimerSlot(() => fired.push('a'));
  const b = new TimerSlot(() => fired.push('b'));
  const c = new TimerSlot(() => fired.push('c'));
  a.set(t0 + 20);
  a.clear();
  assert.equal(a.deadline, undefined);
  b.set(t0 + 500);
  b.set(t0 + 10); // earlier: the shared timer must be re-armed for it
  c.set(t0 + 15);
  c.set(t0 + 15);
  c.set(null);
  c.set(t0 + 40); // later
  await waitFor('the slots to fire', () => fired.length === 2, WAIT_MS, { stepMs: 5 });
  await sleep(40);
  assert.deepEqual(fired, ['b', 'c']);
});

test('a callback that clears another slot due in the same turn stops it; one re-arming itself fires again later', async () => {
  const fired: string[] = [];
  const t0 = now();
  let again = 0;
  const b = new TimerSlot(() => fired.push('b'));
  const a = new TimerSlot(() => {
    fired.push('a');
    b.clear();
  });
  const r: TimerSlot = new TimerSlot(() => {
    fired.push('r');
    if (again++ === 0) r.set(now() - 5); // already past: next turn, not this one
  });
  a.set(t0 + 10);
  b.set(t0 + 10.001); // due in the same turn as a (after it: later deadline)
  r.set(t0 + 11);
  await waitFor('the slots to fire', () => fired.filter((f) => f === 'r').length === 2, WAIT_MS, { stepMs: 5 });
  await sleep(20);
  assert.deepEqual(fired, ['a', 'r', 'r']);
});

test('many slots with cleared and moved ones: heap order holds, each live slot fires exactly once', async () => {
  const n = 400;
  const t0 = now();
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const fired = new Map<number, number>();
  const order: number[] = [];
  const want = new Map<number, number>();
  const slots: TimerSlot[] = [];
  for (let i = 0; i < n; i++) {
    const s = new TimerSlot(() => {
      fired.set(i, (fired.get(i) ?? 0) + 1);
      order.push(want.get(i)!);
    });
    slots.push(s);
    const at = t0 + 5 + rnd() * 80;
    want.set(i, at);
    s.set(at);
  }
  for (let i = 0; i < n; i += 3) {
    slots[i]!.clear();
    want.delete(i);
  }
  for (let i = 1; i < n; i += 7) {
    const at = t0 + 5 + rnd() * 80;
    want.set(i, at);
    slots[i]!.set(at);
  }
  await waitFor('the slots to fire', () => fired.size === want.size, WAIT_MS, { stepMs: 5 });
  await sleep(30);
  assert.equal(fired.size, want.size);
  for (const [i, k] of fired) {
    assert.ok(want.has(i), `cleared slot ${i} fired`);
    assert.equal(k, 1);
  }
  for (let i = 1; i < order.length; i++) assert.ok(order[i]! >= order[i - 1]!, 'out of deadline order');
});

test('earliest() ignores null and undefined', () => {
  assert.equal(earliest(null, undefined), undefined);
  assert.equal(earliest(5, null, 3, undefined), 3);
  assert.equal(earliest(undefined, 7, null, 2), 2, 'the last argument counts');
  assert.equal(earliest(null, null, 4), 4);
  assert.equal(earliest(9), 9);
  assert.equal(earliest(0, 1), 0, 'zero is a deadline, not "none"');
  assert.equal(earliest(), undefined);
});

test('a deadline moved later (kept at its old place until then) fires once, at the new time, in order', async () => {
  const fired: [string, number][] = [];
  const t0 = now();
  const a = new TimerSlot(() => fired.push(['a', now()]));
  const b = new TimerSlot(() => fired.push(['b', now()]));
  const c = new TimerSlot(() => fired.push(['c', now()]));
  a.set(t0 + 10);
  for (let d = 11; d <= 40; d++) a.set(t0 + d); // pushed later step by step: ends at +40
  b.set(t0 + 25);
  c.set(t0 + 5);
  c.set(t0 + 30); // later than b now
  c.set(t0 + 28); // earlier again, still after b
  assert.equal(a.deadline, t0 + 40);
  await waitFor('the slots to fire', () => fired.length === 3, WAIT_MS, { stepMs: 5 });
  await sleep(20);
  assert.deepEqual(fired.map((f) => f[0]), ['b', 'c', 'a']);
  const at = Object.fromEntries(fired.map(([n, t]) => [n, t - t0]));
  assert.ok(at['a']! >= 39 && at['b']! >= 24 && at['c']! >= 27, `fired early: ${JSON.stringify(at)}`);
  assert.equal(fired.length, 3);
});

test('a slot moved later then cleared does not fire; slots moved later past each other fire in deadline order', async () => {
  const order: number[] = [];
  const t0 = now();
  const gone = new TimerSlot(() => order.push(-1));
  gone.set(t0 + 5);
  gone.set(t0 + 15);
  gone.clear();
  const slots = Array.from({ length: 20 }, (_, i) => new TimerSlot(() => order.push(i)));
  // Placed in one order, then all moved later so that the order reverses.
  slots.forEach((s, i) => s.set(t0 + 5 + i));
  slots.forEach((s, i) => s.set(t0 + 60 - i));
  await waitFor('the slots to fire', () => order.length === 20, WAIT_MS, { stepMs: 5 });
  await sleep(20);
  assert.deepEqual(order, Array.from({ length: 20 }, (_, i) => 19 - i));
});
