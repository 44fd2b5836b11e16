import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OptionTypeSet } from '../../../../../server/ppp/fsm/option-set.js';

test('OptionTypeSet: add/has/delete like a Set of option types, duplicates ignored', () => {
  const s = new OptionTypeSet();
  assert.equal(s.size, 0);
  assert.equal(s.has(1), false);
  assert.equal(s.delete(1), false);
  s.add(1);
  s.add(129);
  s.add(1);
  assert.equal(s.size, 2);
  assert.ok(s.has(1) && s.has(129) && !s.has(0) && !s.has(130));
  assert.equal(s.delete(1), true);
  assert.equal(s.has(1), false);
  assert.equal(s.delete(1), false);
  assert.equal(s.size, 1);
  assert.equal(s.delete(129), true);
  assert.equal(s.size, 0);
  s.add(0);
  assert.ok(s.has(0));
});
