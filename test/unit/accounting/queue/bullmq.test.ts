// BullMQ delivery against a real redis-server started by this test.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { BullmqTransport, FORWARDER_NAME, jobIdFor } from '../../../../accounting/queue/bullmq.js';
import { AccountingDispatcher } from '../../../../accounting/dispatcher.js';
import type { AccountingEvent } from '../../../../accounting/record.js';
import { redisAvailable, startRedis, type TestRedis } from '../../../helpers/redis.js';
import { lifecycle, MemorySink, tempDir, until } from './fakes.js';
import { WAIT_MS } from '../../../helpers/wait.js';

const FAST = { initialMs: 20, maxMs: 200, factor: 2, jitter: 0 };
const skip = redisAvailable() ? false : 'redis-server is not installed';
let redis: TestRedis;
let prefixN = 0;

before(async () => {
  if (!skip) redis = await startRedis();
});
after(async () => {
  await redis?.dispose();
});

function transport(sinks: MemorySink[] | { name: string; deliver(e: AccountingEvent): Promise<void> }[], prefix: string, extra: Partial<ConstructorParameters<typeof BullmqTransport>[0]> = {}): BullmqTransport {
  return new BullmqTransport({ url: redis.url, prefix, sinks, backoff: FAST, orderDelayMs: 20, ...extra });
}

test('job ids are valid BullMQ custom ids and reversible', { skip }, () => {
  assert.equal(jobIdFor('S1:interim:3'), 'eS1%3Ainterim%3A3');
  assert.equal(jobIdFor('a%b:stop'), 'ea%25b%3Astop');
  assert.notEqual(jobIdFor('1'), '1');
});

test('events reach the sink through the queue; a replayed add never duplicates (idempotent job ids)', { skip }, async () => {
  const sink = new MemorySink('radius');
  const t = transport([sink], `t${++prefixN}`);
  const evs = lifecycle(1, 1);
  let prev: string | undefined;
  for (const ev of evs) {
    await t.forwarder.deliver(ev, { prev, attempt: 1 });
    prev = ev.id;
  }
  await until(() => sink.delivered.length === 3);
  // Replays: the spool re-sending after a crash, with the jobs completed or not.
  for (const ev of evs) await t.forwarder.deliver(ev, { prev: undefined, attempt: 2 });
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(sink.ids(), evs.map((e) => e.id));
  const counts = await t.queue('radius')!.getJobCounts('completed', 'waiting', 'delayed', 'active', 'failed');
  assert.deepEqual(counts, { completed: 3, waiting: 0, delayed: 0, active: 0, failed: 0 });
  await t.close();
});

test('a Stop waits for its Start, which keeps failing, even with many concurrent workers', { skip }, async () => {
  let startFailures = 3;
  const order: string[] = [];
  const sink = {
    name: 'radius',
    async deliver(ev: AccountingEvent): Promise<void> {
      if (ev.type === 'start' && startFailures-- > 0) throw new Error('down');
      order.push(ev.id);
    },
  };
  const t = transport([sink], `t${++prefixN}`, { concurrency: 8 });
  const [start, interim, stop] = lifecycle(2);
  await t.forwarder.deliver(start!, { prev: undefined, attempt: 1 });
  await t.forwarder.deliver(interim!, { prev: start!.id, attempt: 1 });
  await t.forwarder.deliver(stop!, { prev: interim!.id, attempt: 1 });
  await until(() => order.length === 3, 10_000);
  assert.deepEqual(order, [start!.id, interim!.id, stop!.id]);
  await t.close();
});

test('one queue per sink: a dead sink does not hold up another', { skip }, async () => {
  const dead = new MemorySink('radius');
  dead.down = true;
  const live = new MemorySink('journal');
  const t = transport([dead, live], `t${++prefixN}`);
  const evs = lifecycle(3, 0);
  let prev: string | undefined;
  for (const ev of evs) {
    await t.forwarder.deliver(ev, { prev, attempt: 1 });
    prev = ev.id;
  }
  await until(() => live.delivered.length === 2);
  assert.equal(dead.delivered.length, 0);
  dead.down = false;
  await until(() => dead.delivered.length === 2, 10_000);
  assert.deepEqual(dead.ids(), evs.map((e) => e.id));
  await t.close();
});

test('two servers share the queue and its workers: every event delivered once', { skip }, async () => {
  const prefix = `t${++prefixN}`;
  const sinkA = new MemorySink('radius');
  const sinkB = new MemorySink('radius');
  sinkA.latencyMs = 2;
  sinkB.latencyMs = 2;
  const a = transport([sinkA], prefix, { concurrency: 4 });
  const b = transport([sinkB], prefix, { concurrency: 4 });
  const all: string[] = [];
  const feed = async (t: BullmqTransport, from: number): Promise<void> => {
    for (let n = from; n < from + 20; n++) {
      let prev: string | undefined;
      for (const ev of lifecycle(n, 1)) {
        all.push(ev.id);
        await t.forwarder.deliver(ev, { prev, attempt: 1 });
        prev = ev.id;
      }
    }
  };
  await Promise.all([feed(a, 100), feed(b, 200)]);
  await until(() => sinkA.delivered.length + sinkB.delivered.length === all.length, 10_000);
  const got = [...sinkA.ids(), ...sinkB.ids()];
  assert.equal(new Set(got).size, got.length, 'no duplicates');
  assert.deepEqual([...got].sort(), [...all].sort());
  assert.ok(sinkA.delivered.length > 0 && sinkB.delivered.length > 0, 'both servers worked');
  await Promise.all([a.close(), b.close()]);
});

test('with the dispatcher: local sinks in-process, shared ones through Redis, spool emptied when both have it', { skip }, async () => {
  const dir = tempDir('acct-bull');
  const radius = new MemorySink('radius');
  const wtmp = new MemorySink('wtmp');
  const t = transport([radius], `t${++prefixN}`);
  const d = AccountingDispatcher.open({ spoolDir: dir, targets: [wtmp, t.forwarder], heartbeatMs: 0, lane: { backoff: FAST } });
  assert.deepEqual(d.targetNames, ['wtmp', FORWARDER_NAME]);
  const evs = [...lifecycle(4, 2), ...lifecycle(5, 0)];
  for (const ev of evs) d.record(ev);
  assert.equal(await d.whenIdle(WAIT_MS), true);
  await until(() => radius.delivered.length === evs.length, 10_000);
  assert.equal(wtmp.delivered.length, evs.length);
  assert.equal(d.pending(), 0);
  await d.close();
});
