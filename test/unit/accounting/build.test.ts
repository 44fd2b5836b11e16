// accounting/build.ts: the configuration becomes the right sinks and delivery path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { buildAccounting, buildSinks } from '../../../accounting/build.js';
import { startEvent, stopEvent } from '../../../accounting/dispatcher.js';
import { FORWARDER_NAME } from '../../../accounting/queue/bullmq.js';
import { SqliteJournal } from '../../../accounting/journal/sqlite.js';
import { decodeUtmpFile, UtmpType } from '../../../accounting/wtmp/utmp-codec.js';
import { ConfigSchema } from '../../../config/schema.js';
import { redisAvailable, startRedis } from '../../helpers/redis.js';
import { MemorySink, session, tempDir } from './queue/fakes.js';

function accountingConfig(dir: string, extra: Record<string, unknown> = {}) {
  return ConfigSchema.parse({
    accounting: {
      wtmp: { enabled: true, file: path.join(dir, 'wtmp') },
      utmp: { enabled: true, file: path.join(dir, 'utmp') },
      journal: { enabled: true, path: path.join(dir, 'journal.sqlite') },
      spoolDir: path.join(dir, 'spool'),
      ...extra,
    },
  }).accounting;
}

test('the default configuration gives the journal only (wtmp/utmp and RADIUS are opt-in)', () => {
  const dir = tempDir('build');
  const cfg = ConfigSchema.parse({ accounting: { journal: { path: path.join(dir, 'j.sqlite') }, spoolDir: path.join(dir, 'spool') } }).accounting;
  const { local, shared } = buildSinks(cfg);
  assert.deepEqual(local.map((s) => s.name), ['journal']);
  assert.deepEqual(shared, []);
  for (const s of local) void s.close?.();
});

test('wtmp/utmp + journal + RADIUS without Redis: all delivered in-process; start() recovers and sends Accounting-On', async () => {
  const dir = tempDir('build');
  const cfg = accountingConfig(dir, { radius: { servers: [{ host: '127.0.0.1', port: 9, secret: 's' }], nasIdentifier: 'edge-7' } });
  const extra = new MemorySink('audit-copy');
  const svc = buildAccounting(cfg, { extraSinks: [extra] });
  assert.equal(svc.transport, null);
  assert.deepEqual(svc.dispatcher.targetNames, ['wtmp', 'journal', 'audit-copy', 'radius']);
  assert.equal(svc.nas.nasIdentifier, 'edge-7');
  assert.equal(svc.start().closed, 0);
  const s = session(1, { startTime: Date.now() - 5000 });
  svc.recorder.record(startEvent(s));
  svc.recorder.record(stopEvent(s, { inputOctets: 10, outputOctets: 20, inputPackets: 1, outputPackets: 2 }, 'User-Request', Date.now()));
  const localDone = () => extra.delivered.length === 3 && svc.dispatcher.pending('wtmp') === 0 && svc.dispatcher.pending('journal') === 0;
  for (let i = 0; i < 250 && !localDone(); i++) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(extra.delivered.map((e) => e.type), ['accounting-on', 'start', 'stop']);
  assert.equal(svc.dispatcher.pending('wtmp'), 0);
  assert.equal(svc.dispatcher.pending('journal'), 0);
  assert.ok(svc.dispatcher.pending('radius') > 0, 'nothing answers on port 9: RADIUS keeps them');
  await svc.shutdown({ drainMs: 100 });

  const wtmp = decodeUtmpFile(fs.readFileSync(path.join(dir, 'wtmp')));
  assert.deepEqual(wtmp.records.map((r) => r.record.type), [UtmpType.USER_PROCESS, UtmpType.DEAD_PROCESS]);
  const j = new SqliteJournal(path.join(dir, 'journal.sqlite'), { readonly: true });
  const row = await j.get(s.sessionId);
  assert.equal(row?.terminateCause, 'User-Request');
  await j.close();
});

test('with Redis: RADIUS goes through the shared queue, wtmp/utmp and the journal stay local', { skip: redisAvailable() ? false : 'no redis-server' }, async () => {
  const redis = await startRedis();
  try {
    const dir = tempDir('build');
    const cfg = accountingConfig(dir, { radius: { servers: [{ host: '127.0.0.1', port: 9, secret: 's' }] }, redis: { url: redis.url } });
    const shared = new MemorySink('billing');
    const svc = buildAccounting(cfg, { extraSharedSinks: [shared] });
    assert.ok(svc.transport);
    assert.deepEqual(svc.dispatcher.targetNames, ['wtmp', 'journal', FORWARDER_NAME]);
    assert.ok(svc.transport.queue('radius') && svc.transport.queue('billing'));
    svc.start();
    svc.recorder.record(startEvent(session(2)));
    for (let i = 0; i < 200 && shared.delivered.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(shared.delivered.map((e) => e.type), ['accounting-on', 'start']);
    await svc.shutdown({ drainMs: 500 });
  } finally {
    await redis.dispose();
  }
});
