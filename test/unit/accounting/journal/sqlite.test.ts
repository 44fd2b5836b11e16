import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SqliteJournal } from '../../../../accounting/journal/sqlite.js';
import { JournalSink } from '../../../../accounting/journal/sink.js';
import { MIN, T0, interim, session, start, stop } from './fixtures.js';

function withJournal(fn: (j: SqliteJournal, dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'journal-'));
    const j = new SqliteJournal(path.join(dir, 'journal.sqlite'));
    try {
      await fn(j, dir);
    } finally {
      await j.close();
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test('WAL and synchronous=FULL on the writer', withJournal(async (j) => {
  assert.equal(j.db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(j.db.pragma('synchronous', { simple: true }), 2); // FULL
}));

test('start → interim → stop builds one row; every field lands', withJournal(async (j) => {
  const s = session('s1', 'alice', '10.8.0.23', T0);
  await j.apply(start(s));
  let r = await j.get('s1');
  assert.equal(r?.stopTime, null);
  assert.equal(r?.inputOctets, 0);
  await j.apply(interim(s, 1, T0 + 5 * MIN, 1000));
  r = await j.get('s1');
  assert.equal(r?.inputOctets, 1000);
  assert.equal(r?.updatedAt, T0 + 5 * MIN);
  await j.apply(stop(s, T0 + 62 * MIN + 3500, 5_000_000_000)); // past 4 GiB: 64-bit counters
  r = await j.get('s1');
  assert.deepEqual(r, {
    sessionId: 's1', userName: 'alice', peerName: 'CORP\\alice', nasIdentifier: 'vpn1', nasIpAddress: '192.0.2.1',
    callId: 7, line: 'pptp7', clientAddress: '198.51.100.7', serverAddress: '192.0.2.1', framedIpAddress: '10.8.0.23',
    localIpAddress: '10.8.0.1', startTime: T0, stopTime: T0 + 62 * MIN + 3500, duration: 62 * 60 + 3,
    inputOctets: 5_000_000_000, outputOctets: 10_000_000_000, inputPackets: 312_500_000,
    outputPackets: 625_000_000, terminateCause: 'User-Request', authMethod: 'MS-CHAPv2',
    encryption: 'MPPE-128 stateless', class: ['c0ffee'], updatedAt: T0 + 62 * MIN + 3500, closedByRecovery: false,
  });
}));

test('replays change nothing: Start, Interim and Stop delivered again (and out of order)', withJournal(async (j) => {
  const s = session('s1', 'alice', '10.8.0.23', T0);
  const events = [start(s), interim(s, 1, T0 + MIN, 100), interim(s, 2, T0 + 2 * MIN, 200), stop(s, T0 + 3 * MIN, 300)];
  for (const e of events) await j.apply(e);
  const before = await j.get('s1');
  for (const e of [...events].reverse()) await j.apply(e);
  await j.apply(stop(s, T0 + 9 * MIN, 999, 'Admin-Reset')); // a second, different Stop for the same session
  assert.deepEqual(await j.get('s1'), before);
  assert.equal(j.db.prepare('SELECT count(*) FROM sessions').pluck().get(), 1);
}));

test('a late interim never rolls counters back; a Stop before its Start still makes the row', withJournal(async (j) => {
  const s = session('s1', 'alice', '10.8.0.23', T0);
  await j.apply(interim(s, 2, T0 + 2 * MIN, 200));
  await j.apply(interim(s, 1, T0 + MIN, 100));
  assert.equal((await j.get('s1'))?.inputOctets, 200);
  const b = session('s2', 'bob', '10.8.0.24', T0);
  await j.apply(stop(b, T0 + MIN, 50));
  await j.apply(start(b));
  const r = await j.get('s2');
  assert.equal(r?.stopTime, T0 + MIN);
  assert.equal(r?.userName, 'bob');
  assert.equal(r?.inputOctets, 50);
}));

test('last: newest first, by user, limit, and the --since/--until window (overlap)', withJournal(async (j) => {
  // alice: 14:00-15:00, 16:00-16:30, 18:00-live; bob: 15:30-17:00; carol: 10:00 (open since morning)
  const a1 = session('a1', 'alice', '10.8.0.2', T0);
  const a2 = session('a2', 'alice', '10.8.0.3', T0 + 120 * MIN);
  const a3 = session('a3', 'alice', '10.8.0.4', T0 + 240 * MIN);
  const b1 = session('b1', 'bob', '10.8.0.2', T0 + 90 * MIN);
  const c1 = session('c1', 'carol', '10.8.0.9', T0 - 240 * MIN);
  j.applyMany([start(c1), start(a1), stop(a1, T0 + 60 * MIN, 1), start(b1), start(a2), stop(a2, T0 + 150 * MIN, 1),
    stop(b1, T0 + 180 * MIN, 1), start(a3)]);
  const ids = async (q: Parameters<SqliteJournal['last']>[0]) => (await j.last(q)).map((r) => r.sessionId);
  assert.deepEqual(await ids({}), ['a3', 'a2', 'b1', 'a1', 'c1']);
  assert.deepEqual(await ids({ user: 'alice' }), ['a3', 'a2', 'a1']);
  assert.deepEqual(await ids({ limit: 2 }), ['a3', 'a2']);
  // 15:45–16:10: bob (15:30–17:00), alice a2 (16:00–16:30), carol (open since 10:00)
  assert.deepEqual(await ids({ since: T0 + 105 * MIN, until: T0 + 130 * MIN }), ['a2', 'b1', 'c1']);
  // window ending exactly at a1's stop includes it (stop >= since)
  assert.deepEqual(await ids({ since: T0 + 60 * MIN, until: T0 + 60 * MIN }), ['a1', 'c1']);
  assert.deepEqual(await ids({ until: T0 - MIN }), ['c1']);
  assert.deepEqual(await ids({ user: 'alice', since: T0 + 200 * MIN }), ['a3']);
  assert.deepEqual(await ids({ since: T0 + 10 * MIN, until: T0 }), []); // an empty window
}));

test('whoisIp: the session holding the address at that moment, bounds included', withJournal(async (j) => {
  const a = session('a', 'alice', '10.8.0.23', T0);
  const b = session('b', 'bob', '10.8.0.23', T0 + 30 * MIN);
  const long = session('l', 'lena', '10.8.0.50', T0 - 3 * 24 * 60 * MIN); // live for three days
  j.applyMany([start(long), start(a), stop(a, T0 + 20 * MIN, 1), start(b), stop(b, T0 + 50 * MIN, 1)]);
  const who = async (ip: string, at: number) => (await j.whoisIp(ip, at)).map((r) => r.userName);
  assert.deepEqual(await who('10.8.0.23', T0 + 2 * MIN), ['alice']);
  assert.deepEqual(await who('10.8.0.23', T0), ['alice']);
  assert.deepEqual(await who('10.8.0.23', T0 + 20 * MIN), ['alice']);
  assert.deepEqual(await who('10.8.0.23', T0 + 25 * MIN), []);
  assert.deepEqual(await who('10.8.0.23', T0 + 30 * MIN), ['bob']);
  assert.deepEqual(await who('10.8.0.23', T0 - MIN), []);
  assert.deepEqual(await who('10.8.0.50', T0), ['lena']);
  assert.deepEqual(await who('10.8.0.99', T0), []);
}));

test('closeOpenSessions: closes one NAS\'s open rows; a real Stop later replaces the recovery stop', withJournal(async (j) => {
  const a = session('a', 'alice', '10.8.0.2', T0);
  const b = session('b', 'bob', '10.8.0.3', T0, { nasIdentifier: 'vpn2' });
  const c = session('c', 'carol', '10.8.0.4', T0);
  j.applyMany([start(a), start(b), start(c), interim(a, 1, T0 + MIN, 10), stop(c, T0 + MIN, 5)]);
  const closed = await j.closeOpenSessions('NAS-Reboot', T0 + 10 * MIN, { nasIdentifier: 'vpn1' });
  assert.deepEqual(closed.map((r) => r.sessionId), ['a']);
  assert.equal(closed[0]?.stopTime, null); // as it was before
  const ra = await j.get('a');
  assert.equal(ra?.stopTime, T0 + 10 * MIN);
  assert.equal(ra?.terminateCause, 'NAS-Reboot');
  assert.equal(ra?.closedByRecovery, true);
  assert.equal(ra?.inputOctets, 10);
  assert.deepEqual((await j.live()).map((r) => r.sessionId), ['b']);
  assert.deepEqual(await j.closeOpenSessions('NAS-Reboot', T0 + 11 * MIN, { nasIdentifier: 'vpn1' }), []);
  // the spool still held a's real Stop: it wins over the recovery stop, once
  await j.apply(stop(a, T0 + 5 * MIN, 77, 'Lost-Carrier'));
  await j.apply(stop(a, T0 + 6 * MIN, 88, 'User-Request'));
  const again = await j.get('a');
  assert.equal(again?.terminateCause, 'Lost-Carrier');
  assert.equal(again?.inputOctets, 77);
  assert.equal(again?.closedByRecovery, false);
}));

test('the sink delivers into the journal; Accounting-On/Off are kept once', withJournal(async (j) => {
  const sink = new JournalSink(j);
  assert.equal(sink.name, 'journal');
  await sink.deliver({ type: 'accounting-on', id: 'vpn1:on:1', time: T0, nasIdentifier: 'vpn1', nasIpAddress: '192.0.2.1' });
  await sink.deliver({ type: 'accounting-on', id: 'vpn1:on:1', time: T0, nasIdentifier: 'vpn1', nasIpAddress: '192.0.2.1' });
  await sink.deliver(start(session('s', 'alice', '10.8.0.2', T0)));
  assert.equal(j.db.prepare('SELECT count(*) FROM nas_events').pluck().get(), 1);
  assert.equal((await j.live()).length, 1);
}));

test('committed events survive reopening; read-only opening refuses files that are not journals', withJournal(async (j, dir) => {
  await j.apply(start(session('s', 'alice', '10.8.0.2', T0)));
  const ro = new SqliteJournal(j.path, { readonly: true });
  assert.equal((await ro.live()).length, 1);
  await ro.close();
  const other = path.join(dir, 'other.sqlite');
  writeFileSync(other, '');
  assert.throws(() => new SqliteJournal(other, { readonly: true }), /not a pptpd-ts journal/);
  assert.throws(() => new SqliteJournal(path.join(dir, 'missing.sqlite'), { readonly: true }), /cannot open/);
}));

test('query plans use the indexes (no full scan of the sessions table)', withJournal(async (j) => {
  const plan = (sql: string, params: Record<string, unknown>): string =>
    (j.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as { detail: string }[]).map((r) => r.detail).join('\n');
  const byUser = plan('SELECT * FROM sessions WHERE user_name = @u AND start_time <= @t ORDER BY start_time DESC, session_id DESC', { u: 'a', t: 1 });
  assert.match(byUser, /USING INDEX sessions_user_start/);
  const ip = plan('SELECT * FROM sessions WHERE framed_ip = @ip AND start_time BETWEEN @lo AND @at AND (stop_time IS NULL OR stop_time >= @at)', { ip: 'x', lo: 0, at: 1 });
  assert.match(ip, /USING INDEX sessions_ip_start/);
  const live = plan('SELECT * FROM sessions WHERE stop_time IS NULL ORDER BY start_time DESC, session_id DESC', {});
  assert.match(live, /USING INDEX sessions_open/);
  for (const p of [byUser, ip, live]) assert.doesNotMatch(p, /SCAN sessions(?! USING)/);
}));

test('group commit: events delivered together share one transaction; a failing batch rejects every one', withJournal(async (j) => {
  const a = session('a', 'alice', '10.8.0.2', T0);
  const b = session('b', 'bob', '10.8.0.3', T0);
  let commits = 0;
  const orig = j.applyMany.bind(j);
  j.applyMany = (events) => {
    commits++;
    orig(events);
  };
  await Promise.all([j.apply(start(a)), j.apply(start(b)), j.apply(stop(a, T0 + MIN, 5))]);
  assert.equal(commits, 1);
  assert.equal((await j.get('a'))?.stopTime, T0 + MIN);
  j.db.exec('CREATE TRIGGER no_carol BEFORE INSERT ON sessions WHEN NEW.user_name = \'carol\' BEGIN SELECT RAISE(ABORT, \'refused\'); END');
  const c = session('c', 'carol', '10.8.0.4', T0);
  const d = session('d', 'dave', '10.8.0.5', T0);
  const results = await Promise.allSettled([j.apply(start(d)), j.apply(start(c))]);
  assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
  assert.equal(await j.get('d'), undefined); // rolled back with the batch
}));
