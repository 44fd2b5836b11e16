import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatBytes, formatDuration, formatTable, formatTime, parseAuditTime, rowToJson } from '../../../../accounting/journal/audit-format.js';

process.env['TZ'] = 'UTC';

const ms = (s: string): number => {
  const r = parseAuditTime(s, 42);
  assert.ok(r.ok, `${s}: ${r.ok ? '' : r.reason}`);
  return r.ms;
};

test('times: ISO 8601 with and without zone, space form, date only, now, @epoch', () => {
  assert.equal(ms('2024-05-03T14:02:00Z'), Date.UTC(2024, 4, 3, 14, 2));
  assert.equal(ms('2024-05-03T14:02:00+02:00'), Date.UTC(2024, 4, 3, 12, 2));
  assert.equal(ms('2024-05-03T14:02-0130'), Date.UTC(2024, 4, 3, 15, 32));
  assert.equal(ms('2024-05-03 14:02'), Date.UTC(2024, 4, 3, 14, 2)); // local = UTC here
  assert.equal(ms('2024-05-03 14:02:09.5'), Date.UTC(2024, 4, 3, 14, 2, 9, 500));
  assert.equal(ms('2024-05-03'), Date.UTC(2024, 4, 3));
  assert.equal(ms(' now '), 42);
  assert.equal(ms('@1714744920'), 1714744920_000);
});

test('times: local time follows TZ', () => {
  const before = process.env['TZ'];
  process.env['TZ'] = 'Europe/Berlin';
  try {
    assert.equal(ms('2024-05-03 14:02'), Date.UTC(2024, 4, 3, 12, 2)); // CEST = UTC+2
  } finally {
    process.env['TZ'] = before;
  }
});

test('times: rejects what is not a time or out of range', () => {
  for (const bad of ['yesterday', '2024-5-3', '2024-13-01', '2024-02-30', '2024-05-03 24:00', '2024-05-03 14:60', '2024-05-03T14:02+25:00', '', '@x']) {
    const r = parseAuditTime(bad);
    assert.equal(r.ok, false, bad);
  }
});

test('formatting: time, duration, bytes, aligned table, JSON row', () => {
  assert.equal(formatTime(Date.UTC(2024, 4, 3, 4, 5, 6)), '2024-05-03 04:05:06');
  assert.equal(formatDuration(3723), '01:02:03');
  assert.equal(formatDuration(90061), '1d 01:01:01');
  assert.equal(formatBytes(512), '512');
  assert.equal(formatBytes(1536), '1.5K');
  assert.equal(formatBytes(5 * 2 ** 30), '5.0G');
  assert.deepEqual(formatTable(['A', 'BB', 'C'], [['xxx', 'y', 'z'], ['', 'long value', '']]), [
    'A    BB          C',
    'xxx  y           z',
    '     long value',
  ]);
  const j = rowToJson({ startTime: 0, stopTime: null, updatedAt: 1000 } as never);
  assert.deepEqual(j, { startTime: '1970-01-01T00:00:00.000Z', stopTime: null, updatedAt: '1970-01-01T00:00:01.000Z' });
});
