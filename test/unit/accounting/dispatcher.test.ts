import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { AccountingDispatcher, nextInterimAt, nasEvent } from '../../../accounting/dispatcher.js';
import { SPOOL_FILE } from '../../../accounting/queue/spool.js';
import type { AccountingEvent } from '../../../accounting/record.js';
import { lifecycle, MemorySink, tempDir, until } from './queue/fakes.js';
import { WAIT_MS } from '../../helpers/wait.js';

const FAST = { initialMs: 10, maxMs: 80, factor: 2, jitter: 0 };

function tmp(): string {
  return tempDir('acct');
}

function open(dir: string, sinks: MemorySink[], lane: Record<string, unknown> = {}): AccountingDispatcher {
  return AccountingDispatcher.open({ spoolDir: dir, targets: sinks, heartbeatMs: 0, lane: { backoff: FAST, ...lane } });
}

test('record() is on disk when it returns, reaches every sink, and leaves the spool once all have it', async () => {
  const dir = tmp();
  const radius = new MemorySink('radius');
  const journal = new MemorySink('journal');
  const d = open(dir, [radius, journal]);
  const evs = lifecycle(1, 2);
  d.record(evs[0]!);
  assert.match(fs.readFileSync(path.join(dir, SPOOL_FILE), 'utf8'), new RegExp(evs[0]!.id), 'durable before record() returned');
  for (const ev of evs.slice(1)) d.record(ev);
  assert.equal(await d.whenIdle(WAIT_MS), true);
  assert.deepEqual(radius.ids(), evs.map((e) => e.id));
  assert.deepEqual(journal.ids(), evs.map((e) => e.id));
  assert.equal(d.pending(), 0);
  await d.close();
  assert.ok(radius.closed && journal.closed);
});

test('per session order holds with many sessions, random latency and random failures', async () => {
  const dir = tmp();
  const sink = new MemorySink('radius');
  let calls = 0;
  const flaky = {
    name: 'flaky',
    delivered: [] as AccountingEvent[],
    async deliver(ev: AccountingEvent): Promise<void> {
      calls++;
      await new Promise((r) => setTimeout(r, (calls * 7) % 5));
      if (calls % 3 === 0) throw new Error('flaky');
      this.delivered.push(ev);
    },
  };
  sink.latencyMs = 1;
  const d = AccountingDispatcher.open({ spoolDir: dir, targets: [sink, flaky], heartbeatMs: 0, lane: { backoff: FAST, concurrency: 8 } });
  const all: AccountingEvent[][] = [];
  for (let n = 0; n < 30; n++) all.push(lifecycle(n, 3));
  // Interleave sessions the way a busy server would.
  for (let step = 0; step < 5; step++) for (const evs of all) d.record(evs[step]!);
  assert.equal(await d.whenIdle(WAIT_MS), true);
  for (const delivered of [sink.delivered, flaky.delivered]) {
    assert.equal(delivered.length, 150);
    for (const evs of all) {
      const sid = (evs[0] as { session: { sessionId: string } }).session.sessionId;
      const got = delivered.filter((e) => 'session' in e && e.session.sessionId === sid).map((e) => e.id);
      assert.deepEqual(got, evs.map((e) => e.id), `order of ${sid}`);
    }
  }
  await d.close();
});

test('a Stop never overtakes a Start that keeps failing; retries back off exponentially', async () => {
  const dir = tmp();
  let failures = 4;
  const seen: { id: string; at: number }[] = [];
  const sink = {
    name: 'radius',
    async deliver(ev: AccountingEvent): Promise<void> {
      seen.push({ id: ev.id, at: Date.now() });
      if (failures-- > 0) throw new Error('down');
    },
  };
  const d = AccountingDispatcher.open({ spoolDir: dir, targets: [sink], heartbeatMs: 0, lane: { backoff: { initialMs: 40, maxMs: 1000, factor: 2, jitter: 0 } } });
  const [start, , stop] = lifecycle(2);
  d.record(start!);
  d.record(stop!);
  assert.equal(await d.whenIdle(WAIT_MS), true);
  assert.deepEqual(seen.map((s) => s.id), [start!.id, start!.id, start!.id, start!.id, start!.id, stop!.id]);
  const gaps = seen.slice(1, 5).map((s, i) => s.at - seen[i]!.at);
  // 40, 80, 160, 320 ms (timers may fire a little late, never early)
  [40, 80, 160, 320].forEach((want, i) => assert.ok(gaps[i]! >= want - 2 && gaps[i]! < want + 150, `gap ${i}: ${gaps[i]} vs ${want}`));
  await d.close();
});

test('a dead sink does not delay the others; it catches up when it comes back', async () => {
  const dir = tmp();
  const radius = new MemorySink('radius');
  const journal = new MemorySink('journal');
  radius.down = true;
  const d = open(dir, [radius, journal]);
  const evs = [...lifecycle(3), ...lifecycle(4)];
  const t0 = Date.now();
  for (const ev of evs) d.record(ev);
  await until(() => journal.delivered.length === evs.length, 1000);
  assert.ok(Date.now() - t0 < 500);
  assert.equal(radius.delivered.length, 0);
  assert.equal(d.pending('radius'), evs.length);
  assert.equal(d.pending('journal'), 0);
  assert.equal(d.pending(), evs.length, 'kept in the spool for radius');
  radius.down = false;
  assert.equal(await d.whenIdle(WAIT_MS), true);
  assert.equal(radius.delivered.length, evs.length);
  assert.equal(d.pending(), 0);
  await d.close();
});

test('after a restart only the sinks that had not acknowledged get the event again', async () => {
  const dir = tmp();
  const radius = new MemorySink('radius');
  const journal = new MemorySink('journal');
  radius.down = true;
  const d1 = open(dir, [radius, journal]);
  const evs = lifecycle(5);
  for (const ev of evs) d1.record(ev);
  await until(() => journal.delivered.length === evs.length);
  await d1.close();

  const radius2 = new MemorySink('radius');
  const journal2 = new MemorySink('journal');
  const d2 = open(dir, [radius2, journal2]);
  assert.equal(await d2.whenIdle(WAIT_MS), true);
  assert.deepEqual(radius2.ids(), evs.map((e) => e.id));
  assert.deepEqual(journal2.ids(), [], 'journal had them all');
  await d2.close();
});

test('events spooled for a sink that is no longer configured are kept, not dropped', async () => {
  const dir = tmp();
  const gone = new MemorySink('gone');
  gone.down = true;
  const d1 = open(dir, [gone]);
  const [start] = lifecycle(6);
  d1.record(start!);
  await d1.close();
  const other = new MemorySink('other');
  const d2 = open(dir, [other]);
  assert.equal(d2.pending(), 1);
  await d2.close();
  const back = new MemorySink('gone');
  const d3 = open(dir, [back]);
  assert.equal(await d3.whenIdle(WAIT_MS), true);
  assert.deepEqual(back.ids(), [start!.id]);
  await d3.close();
});

test('a delivery that never settles times out and is retried', async () => {
  const dir = tmp();
  let n = 0;
  const sink = {
    name: 'hang',
    deliver(): Promise<void> {
      return n++ === 0 ? new Promise<void>(() => {}) : Promise.resolve();
    },
  };
  const d = AccountingDispatcher.open({ spoolDir: dir, targets: [sink], heartbeatMs: 0, lane: { backoff: FAST, deliveryTimeoutMs: 50 } });
  d.record(lifecycle(7)[0]!);
  assert.equal(await d.whenIdle(WAIT_MS), true);
  assert.equal(n, 2);
  await d.close();
});

test('replaying an event id that is still pending does not send it twice', async () => {
  const dir = tmp();
  const sink = new MemorySink('radius');
  sink.down = true;
  const d = open(dir, [sink]);
  const [start] = lifecycle(8);
  d.record(start!);
  d.record(start!);
  sink.down = false;
  assert.equal(await d.whenIdle(WAIT_MS), true);
  assert.deepEqual(sink.ids(), [start!.id]);
  await d.close();
});

test('Accounting-On/-Off events go through like any other', async () => {
  const dir = tmp();
  const sink = new MemorySink('radius');
  const d = open(dir, [sink]);
  const on = nasEvent('accounting-on', { nasIdentifier: 'nas1', nasIpAddress: '127.0.0.1' }, 'BOOT1', 1000);
  d.record(on);
  assert.equal(await d.whenIdle(WAIT_MS), true);
  assert.equal(on.id, 'nas1.BOOT1:accounting-on');
  assert.deepEqual(sink.ids(), [on.id]);
  await d.close();
});

test('the heartbeat file records when the previous run was last alive', async () => {
  const dir = tmp();
  const d1 = AccountingDispatcher.open({ spoolDir: dir, targets: [], heartbeatMs: 10 });
  assert.equal(d1.previousAlive, undefined);
  const t = Date.now();
  await new Promise((r) => setTimeout(r, 30));
  await d1.close();
  const d2 = AccountingDispatcher.open({ spoolDir: dir, targets: [], heartbeatMs: 0 });
  assert.ok(d2.previousAlive! >= t);
  await d2.close();
});

test('nextInterimAt stays on the session grid, with the RFC 2869 60 s floor', () => {
  const start = 1_000_000;
  assert.equal(nextInterimAt(start, start, 300), start + 300_000);
  assert.equal(nextInterimAt(start, start + 299_999, 300), start + 300_000);
  assert.equal(nextInterimAt(start, start + 300_000, 300), start + 600_000);
  assert.equal(nextInterimAt(start, start + 950_000, 300), start + 1_200_000, 'late timer: next slot, not now+interval');
  assert.equal(nextInterimAt(start, start, 10), start + 60_000, 'floor of 60 s');
  assert.equal(nextInterimAt(start, start, 10, 1), start + 10_000);
  assert.equal(nextInterimAt(start, start, 0), undefined);
  assert.equal(nextInterimAt(start, start, undefined), undefined);
  assert.equal(nextInterimAt(start, start - 5000, 60), start + 60_000, 'clock before start');
});

test('group commit: a record reaches no sink before the fdatasync covering it completed; one fdatasync per turn', async () => {
  const dir = tmp();
  const sink = new MemorySink('journal');
  const held: (() => void)[] = [];
  let calls = 0;
  const d = AccountingDispatcher.open({
    spoolDir: dir,
    targets: [sink],
    heartbeatMs: 0,
    lane: { backoff: FAST },
    spool: {
      fdatasync: (fd, cb) => {
        calls++;
        held.push(() => fs.fdatasync(fd, cb));
      },
    },
  });
  const evs = Array.from({ length: 25 }, (_, i) => lifecycle(500 + i)).flatMap((l) => [l[0]!, l[2]!]);
  for (const ev of evs) d.record(ev); // one event-loop turn
  const text = fs.readFileSync(path.join(dir, SPOOL_FILE), 'utf8');
  for (const ev of evs) assert.ok(text.includes(ev.id), 'written before record() returned');
  await until(() => calls === 1);
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(calls, 1, '50 records, one fdatasync');
  assert.equal(sink.attempts.length, 0, 'not delivered while the fdatasync is in flight');
  assert.equal(d.pending(), evs.length, 'nothing acknowledged, nothing compacted away');
  for (const f of held.splice(0)) f();
  assert.equal(await d.whenIdle(WAIT_MS), true);
  assert.deepEqual(sink.ids().sort(), evs.map((e) => e.id).sort());
  assert.equal(d.pending(), 0);
  assert.equal(calls, 1);
  await d.close();
});
