import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { AccountingDispatcher, HEARTBEAT_FILE, interimEvent, startEvent, stopEvent, ZERO_COUNTERS } from '../../../accounting/dispatcher.js';
import { crashStopTime, recoverOpenSessions } from '../../../accounting/recovery.js';
import type { AccountingEvent } from '../../../accounting/record.js';
import { MemorySink, session, tempDir } from './queue/fakes.js';
import { WAIT_MS } from '../../helpers/wait.js';

const lane = { backoff: { initialMs: 10, maxMs: 50, factor: 2, jitter: 0 } };

function stops(sink: MemorySink): Extract<AccountingEvent, { type: 'stop' }>[] {
  return sink.delivered.filter((e): e is Extract<AccountingEvent, { type: 'stop' }> => e.type === 'stop');
}

test('sessions open at a crash get exactly one NAS-Reboot Stop, with their last counters', async () => {
  const dir = tempDir('recov');
  const sink = new MemorySink('radius');
  const d1 = AccountingDispatcher.open({ spoolDir: dir, targets: [sink], heartbeatMs: 0, lane });
  const [a, b, c] = [session(1), session(2), session(3)];
  for (const s of [a, b, c]) d1.record(startEvent(s));
  const counters = { inputOctets: 5 * 2 ** 32 + 7, outputOctets: 11, inputPackets: 3, outputPackets: 4 };
  d1.record(interimEvent(b, counters, 1, b.startTime + 60_000));
  d1.record(stopEvent(c, ZERO_COUNTERS, 'User-Request', c.startTime + 1000));
  assert.equal(await d1.whenIdle(WAIT_MS), true);
  await d1.close(); // the process "dies" here: a and b never got a Stop
  fs.writeFileSync(path.join(dir, HEARTBEAT_FILE), `${b.startTime + 90_000}\n`);

  const sink2 = new MemorySink('radius');
  const d2 = AccountingDispatcher.open({ spoolDir: dir, targets: [sink2], heartbeatMs: 0, lane });
  const report = recoverOpenSessions(d2, { now: b.startTime + 500_000 });
  assert.equal(report.closed, 2);
  assert.equal(report.previousAlive, b.startTime + 90_000);
  assert.equal(await d2.whenIdle(WAIT_MS), true);
  const got = stops(sink2);
  assert.deepEqual(got.map((e) => [e.session.sessionId, e.cause]).sort(), [[a.sessionId, 'NAS-Reboot'], [b.sessionId, 'NAS-Reboot']]);
  const bStop = got.find((e) => e.session.sessionId === b.sessionId)!;
  assert.deepEqual(bStop.counters, counters);
  assert.equal(bStop.time, b.startTime + 90_000, 'stop time = last heartbeat');
  assert.equal(bStop.id, `${b.sessionId}:stop`);
  assert.deepEqual(d2.openSessions(), []);
  await d2.close();

  const d3 = AccountingDispatcher.open({ spoolDir: dir, targets: [new MemorySink('radius')], heartbeatMs: 0, lane });
  assert.equal(recoverOpenSessions(d3).closed, 0, 'a second start closes nothing again');
  await d3.close();
});

test('a crash during recovery leaves only the sessions not yet closed', async () => {
  const dir = tempDir('recov');
  const down = new MemorySink('radius');
  down.down = true;
  const d1 = AccountingDispatcher.open({ spoolDir: dir, targets: [down], heartbeatMs: 0, lane });
  for (let n = 1; n <= 3; n++) d1.record(startEvent(session(n)));
  await d1.close();
  const d2 = AccountingDispatcher.open({ spoolDir: dir, targets: [down], heartbeatMs: 0, lane });
  const first = d2.openSessions()[0]!;
  d2.record(stopEvent(first.session, ZERO_COUNTERS, 'NAS-Reboot', first.lastTime)); // then "dies"
  await d2.close();
  const up = new MemorySink('radius');
  const d3 = AccountingDispatcher.open({ spoolDir: dir, targets: [up], heartbeatMs: 0, lane });
  assert.equal(recoverOpenSessions(d3).closed, 2);
  assert.equal(await d3.whenIdle(WAIT_MS), true);
  const ids = up.ids();
  assert.equal(ids.filter((id) => id.endsWith(':start')).length, 3);
  assert.equal(ids.filter((id) => id.endsWith(':stop')).length, 3);
  assert.equal(new Set(ids).size, ids.length);
  await d3.close();
});

test('crashStopTime is the latest known sign of life, never in the future', () => {
  const s = session(9);
  const o = { session: s, lastEventId: 'x', counters: undefined, lastTime: s.startTime + 10 };
  assert.equal(crashStopTime(o, undefined, s.startTime + 100), s.startTime + 10);
  assert.equal(crashStopTime(o, s.startTime + 50, s.startTime + 100), s.startTime + 50);
  assert.equal(crashStopTime(o, s.startTime + 500, s.startTime + 100), s.startTime + 100);
});
