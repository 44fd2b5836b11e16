import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSessionIdGenerator, isSessionId, newSessionId, sessionIdTime } from '../../../accounting/session-id.js';

test('ids are 26 Crockford base32 characters and carry their creation time', () => {
  const t = Date.UTC(2026, 4, 3, 14, 2, 0);
  const gen = createSessionIdGenerator(() => t);
  const id = gen();
  assert.equal(id.length, 26);
  assert.ok(isSessionId(id));
  assert.equal(sessionIdTime(id), t);
  assert.ok(isSessionId(newSessionId()));
  assert.equal(isSessionId('not-an-id'), false);
  assert.equal(sessionIdTime('ILOU0000000000000000000000'), undefined);
});

test('many ids in the same millisecond are distinct and sorted (monotonic random part)', () => {
  const gen = createSessionIdGenerator(() => 1_700_000_000_000);
  const ids = Array.from({ length: 10_000 }, () => gen());
  assert.equal(new Set(ids).size, ids.length);
  assert.deepEqual([...ids].sort(), ids);
});

test('a clock stepping back never repeats an id', () => {
  let t = 1_700_000_000_500;
  const gen = createSessionIdGenerator(() => t);
  const a = gen();
  t -= 400;
  const b = gen();
  assert.notEqual(a, b);
  assert.ok(b > a);
});

test('two generators (two servers, or a restart) in the same millisecond differ by their random bits', () => {
  const t = () => 1_700_000_000_000;
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) seen.add(createSessionIdGenerator(t)());
  assert.equal(seen.size, 200);
});

test('the random part overflowing moves the time on instead of wrapping', () => {
  const gen = createSessionIdGenerator(() => 5, (n) => new Uint8Array(n).fill(0xff));
  const a = gen();
  const b = gen();
  assert.equal(sessionIdTime(a), 5);
  assert.equal(sessionIdTime(b), 6);
  assert.ok(b > a);
});
