import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PptpdError, ErrorCode, decodeError, isDecodeError } from '../../../server/errors.js';

test('PptpdError carries a stable code and survives instanceof', () => {
  const e = new PptpdError(ErrorCode.CONFIG_INVALID, 'bad');
  assert.equal(e.code, 'PPTPD_ERR_CONFIG_INVALID');
  assert.ok(e instanceof PptpdError);
  assert.ok(!(new Error('x') instanceof PptpdError));
});

test('decodeError is a value, recognised by isDecodeError', () => {
  const d = decodeError('gre', 'short');
  assert.ok(isDecodeError(d));
  assert.ok(!isDecodeError({ kind: 'other' }));
  assert.ok(!isDecodeError(null));
});
