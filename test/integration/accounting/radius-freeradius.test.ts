// RADIUS accounting against a real FreeRADIUS 3.2 (test/helpers/freeradius.ts): the records
// in its detail file, and the "RADIUS down + kill -9" scenario with the spool and with BullMQ.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { canRunFreeradius, freeUdpPorts, startFreeradius, type Freeradius } from '../../helpers/freeradius.js';
import { redisAvailable, startRedis } from '../../helpers/redis.js';
import { RadiusClient } from '../../../server/radius/client.js';
import { RadiusAcctSink } from '../../../accounting/radius-acct/sink.js';
import { AccountingDispatcher, interimEvent, nasEvent, startEvent, stopEvent } from '../../../accounting/dispatcher.js';
import { readDetails, one, type DetailRecord } from './detail.js';
import { killAllChildren, startChild } from './fixtures/run-child.js';
import { childCounters, childSession, GIB4 } from './fixtures/sessions.js';
import { waitFor } from '../../helpers/wait.js';

const skipRadius = canRunFreeradius();

function byStatus(recs: DetailRecord[], status: string): DetailRecord[] {
  return recs.filter((r) => one(r, 'Acct-Status-Type') === status);
}

describe('RADIUS accounting into FreeRADIUS', { skip: skipRadius ?? false }, () => {
  let fr: Freeradius;
  before(async () => {
    fr = await startFreeradius({ users: [] });
  });
  after(async () => {
    await fr?.stop();
  });

  test('Start, Interim-Update and Stop arrive with their attributes; counters past 4 GiB use Gigawords', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pptpd-acct-fr-'));
    const client = new RadiusClient({ servers: [{ host: '127.0.0.1', port: fr.acctPort, secret: fr.secret }], timeoutMs: 1000, retries: 1, bindAddress: '127.0.0.1' });
    const sink = new RadiusAcctSink({ client, nasIdentifier: 'pptpd-it' });
    const d = AccountingDispatcher.open({ spoolDir: dir, targets: [sink], heartbeatMs: 0 });
    const s = { ...childSession('FR', 1), startTime: Date.now() - 600_000, class: ['0123456789abcdef'] };
    const interimCounters = { inputOctets: 3 * GIB4 + 17, outputOctets: 12345, inputPackets: 1000, outputPackets: 2000 };
    const stopCounters = { inputOctets: 7 * GIB4 + 4242, outputOctets: GIB4 + 1, inputPackets: 5000, outputPackets: 6000 };
    d.record(nasEvent('accounting-on', { nasIdentifier: 'pptpd-it', nasIpAddress: '127.0.0.1' }, 'BOOT', Date.now()));
    d.record(startEvent(s));
    d.record(interimEvent(s, interimCounters, 1, s.startTime + 300_000));
    d.record(stopEvent(s, stopCounters, 'Idle-Timeout', s.startTime + 600_000));
    assert.equal(await d.whenIdle(30_000), true);
    await d.close();

    const recs = readDetails(fr.detailFiles()).filter((r) => one(r, 'Acct-Session-Id') === s.sessionId);
    assert.deepEqual(recs.map((r) => one(r, 'Acct-Status-Type')), ['Start', 'Interim-Update', 'Stop']);
    for (const r of recs) {
      assert.equal(one(r, 'User-Name'), 'user1');
      assert.equal(one(r, 'NAS-IP-Address'), '127.0.0.1');
      assert.equal(one(r, 'NAS-Identifier'), 'pptpd-it');
      assert.equal(one(r, 'NAS-Port'), '1001');
      assert.equal(one(r, 'NAS-Port-Type'), 'Virtual');
      assert.equal(one(r, 'Service-Type'), 'Framed-User');
      assert.equal(one(r, 'Framed-Protocol'), 'PPP');
      assert.equal(one(r, 'Framed-IP-Address'), s.framedIpAddress);
      assert.equal(one(r, 'Calling-Station-Id'), s.clientAddress);
      assert.equal(one(r, 'Called-Station-Id'), s.serverAddress);
      assert.equal(one(r, 'Class'), '0x0123456789abcdef');
      assert.ok(one(r, 'Event-Timestamp'));
      assert.ok(one(r, 'Acct-Delay-Time') !== undefined);
    }
    const [start, interim, stop] = recs as [DetailRecord, DetailRecord, DetailRecord];
    assert.equal(one(start, 'Acct-Input-Octets'), undefined);
    assert.equal(one(interim, 'Acct-Session-Time'), '300');
    assert.equal(one(interim, 'Acct-Input-Octets'), '17');
    assert.equal(one(interim, 'Acct-Input-Gigawords'), '3');
    assert.equal(one(interim, 'Acct-Output-Octets'), '12345');
    assert.equal(one(interim, 'Acct-Output-Gigawords'), '0');
    assert.equal(one(stop, 'Acct-Session-Time'), '600');
    assert.equal(one(stop, 'Acct-Input-Octets'), '4242');
    assert.equal(one(stop, 'Acct-Input-Gigawords'), '7');
    assert.equal(one(stop, 'Acct-Output-Octets'), '1');
    assert.equal(one(stop, 'Acct-Output-Gigawords'), '1');
    assert.equal(one(stop, 'Acct-Input-Packets'), '5000');
    assert.equal(one(stop, 'Acct-Output-Packets'), '6000');
    assert.equal(one(stop, 'Acct-Terminate-Cause'), 'Idle-Timeout');
    // Event-Timestamp is when the event happened (the Start: 10 minutes before it was sent).
    const stamp = Date.parse(one(start, 'Event-Timestamp')!);
    assert.equal(stamp, Math.floor(s.startTime / 1000) * 1000, one(start, 'Event-Timestamp'));
    assert.ok(Number(one(start, 'Acct-Delay-Time')) >= 599, 'the Start was sent ~600 s after the session started');
    const on = readDetails(fr.detailFiles()).filter((r) => one(r, 'Acct-Session-Id') === 'pptpd-it.BOOT');
    assert.deepEqual(on.map((r) => one(r, 'Acct-Status-Type')), ['Accounting-On']);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

/**
 * The scenario: FreeRADIUS is down while 20 sessions start (12 of them also stop),
 * the server is killed with SIGKILL, then everything is restarted.
 */
async function downKillRestart(mode: 'spool' | 'bullmq'): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `pptpd-acct-${mode}-`));
  const spoolDir = path.join(dir, 'spool');
  const redis = mode === 'bullmq' ? await startRedis({ persistent: true }) : undefined;
  const redisCfg = redis ? { url: redis.url, prefix: 'it' } : undefined;
  let fr: Freeradius | undefined;
  try {
    // Phase 1: nothing listens on the RADIUS port.
    const [deadPort] = await freeUdpPorts(1);
    const tag = mode === 'spool' ? 'SP' : 'BQ';
    const first = startChild({ spoolDir, recordedLog: path.join(dir, 'rec1.log'), radius: { port: deadPort!, secret: 'testing123' }, ...(redisCfg ? { redis: redisCfg } : {}), plan: { kind: 'sessions', count: 20, stopped: 12, tag }, logFile: path.join(dir, 'run1.log') });
    await first.line('PLAN-DONE');
    await new Promise((r) => setTimeout(r, 1500)); // a few failed attempts (and, with Redis, jobs in the queue)
    await first.kill9();

    // Phase 2: FreeRADIUS (and Redis, from its append-only file) come back, then the server.
    await redis?.stop();
    await redis?.start();
    fr = await startFreeradius({ users: [] });
    const second = startChild({ spoolDir, recordedLog: path.join(dir, 'rec2.log'), radius: { port: fr.acctPort, secret: fr.secret }, ...(redisCfg ? { redis: redisCfg } : {}), plan: { kind: 'none' }, logFile: path.join(dir, 'run2.log') });
    assert.match(await second.line('READY'), /closed=8 /);
    const mine = (): DetailRecord[] => readDetails(fr!.detailFiles()).filter((r) => one(r, 'Acct-Session-Id')?.startsWith(tag));
    await waitFor('all Starts and Stops', () => byStatus(mine(), 'Stop').length >= 20 && byStatus(mine(), 'Start').length >= 20, 60_000);
    // Let any straggler (a duplicate would be one) arrive before counting.
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await second.stop(), 0);

    const recs = mine();
    const count = (status: string) => {
      const m = new Map<string, number>();
      for (const r of byStatus(recs, status)) m.set(one(r, 'Acct-Session-Id')!, (m.get(one(r, 'Acct-Session-Id')!) ?? 0) + 1);
      return m;
    };
    const starts = count('Start');
    const stops = count('Stop');
    assert.equal(starts.size, 20);
    assert.equal(stops.size, 20);
    assert.ok([...starts.values(), ...stops.values()].every((n) => n === 1), 'exactly once');
    assert.equal(byStatus(recs, 'Interim-Update').length, 20);
    const causes = byStatus(recs, 'Stop').map((r) => [one(r, 'Acct-Session-Id'), one(r, 'Acct-Terminate-Cause')] as const);
    assert.equal(causes.filter(([, c]) => c === 'NAS-Reboot').length, 8);
    for (let n = 0; n < 20; n++) {
      const sid = childSession(tag, n).sessionId;
      const cause = causes.find(([s]) => s === sid)?.[1];
      assert.equal(cause, n < 12 ? 'User-Request' : 'NAS-Reboot', sid);
      const stop = byStatus(recs, 'Stop').find((r) => one(r, 'Acct-Session-Id') === sid)!;
      const c = childCounters(n);
      // NAS-Reboot Stops carry the last Interim-Update's counters.
      assert.equal(Number(one(stop, 'Acct-Input-Gigawords')) * GIB4 + Number(one(stop, 'Acct-Input-Octets')), c.inputOctets, sid);
      assert.ok(Number(one(stop, 'Acct-Delay-Time')) >= 1, 'it waited: Acct-Delay-Time > 0');
    }
    const nas = readDetails(fr.detailFiles()).filter((r) => one(r, 'NAS-Identifier') === 'pptpd-it' && !one(r, 'User-Name'));
    assert.equal(byStatus(nas, 'Accounting-On').length, 2, 'both runs sent Accounting-On');
    assert.equal(byStatus(nas, 'Accounting-Off').length, 1, 'the graceful stop sent Accounting-Off');
  } finally {
    await killAllChildren();
    await fr?.stop();
    await redis?.dispose();
    if (process.env['PPTPD_KEEP_ACCT'] === undefined) fs.rmSync(dir, { recursive: true, force: true });
    else console.log('kept', dir);
  }
}

describe('FreeRADIUS down during 20 sessions, server killed with SIGKILL, everything restarted', { skip: skipRadius ?? false }, () => {
  test('with the embedded spool: every Start and Stop exactly once, open sessions closed with NAS-Reboot', { timeout: 240_000 }, async () => {
    await downKillRestart('spool');
  });
  test('with Redis + BullMQ: the same', { timeout: 240_000, skip: redisAvailable() ? false : 'redis-server is not installed' }, async () => {
    await downKillRestart('bullmq');
  });
});
