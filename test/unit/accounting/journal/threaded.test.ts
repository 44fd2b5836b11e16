import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ThreadedJournal } from '../../../../accounting/journal/threaded.js';
import { SqliteJournal } from '../../../../accounting/journal/sqlite.js';
import { MIN, T0, interim, session, start, stop } from './fixtures.js';

function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'journal-thr-'));
}

test('events applied in one turn are committed by the worker; queries answer from it', async () => {
  const dir = tempDir();
  try {
    const file = path.join(dir, 'sub', 'journal.sqlite');
    const j = new ThreadedJournal(file);
    const a = session('a', 'alice', '10.8.0.2', T0);
    const b = session('b', 'bob', '10.8.0.3', T0 + MIN);
    await Promise.all([j.apply(start(a)), j.apply(start(b)), j.apply(interim(a, 1, T0 + 2 * MIN, 500))]);
    await j.apply(stop(b, T0 + 3 * MIN, 700, 'Idle-Timeout'));
    assert.equal((await j.get('a'))?.inputOctets, 500);
    assert.equal(await j.get('nope'), undefined);
    assert.deepEqual((await j.live()).map((r) => r.sessionId), ['a']);
    assert.deepEqual((await j.last({ user: 'bob' })).map((r) => [r.sessionId, r.terminateCause]), [['b', 'Idle-Timeout']]);
    assert.deepEqual((await j.whoisIp('10.8.0.3', T0 + 2 * MIN)).map((r) => r.sessionId), ['b']);
    const closed = await j.closeOpenSessions('NAS-Reboot', T0 + 10 * MIN);
    assert.deepEqual(closed.map((r) => r.sessionId), ['a']);
    // Applied without awaiting, then close(): close commits the batch first.
    const c = session('c', 'carol', '10.8.0.4', T0 + 4 * MIN);
    const applied = j.apply(start(c));
    await j.close();
    await applied;
    await assert.rejects(j.get('a'), /closed/);

    const ro = new SqliteJournal(file, { readonly: true });
    assert.equal((await ro.get('a'))?.terminateCause, 'NAS-Reboot');
    assert.equal((await ro.get('a'))?.closedByRecovery, true);
    assert.equal((await ro.get('c'))?.startTime, T0 + 4 * MIN);
    await ro.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a file that is not a journal fails in the constructor, not later', () => {
  const dir = tempDir();
  try {
    const file = path.join(dir, 'bad.sqlite');
    writeFileSync(file, 'not a database at all, just text that is long enough to be read as a header');
    assert.throws(() => new ThreadedJournal(file), /cannot open/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a failing batch rejects every event of it (the lanes retry)', async () => {
  const dir = tempDir();
  try {
    const j = new ThreadedJournal(path.join(dir, 'j.sqlite'));
    const broken = { ...start(session('x', 'x', '10.8.0.9', T0)), session: { ...session('x', 'x', '10.8.0.9', T0), userName: null } };
    const ok = start(session('y', 'y', '10.8.0.8', T0));
    const rs = await Promise.allSettled([j.apply(ok), j.apply(broken as never)]);
    assert.deepEqual(rs.map((r) => r.status), ['rejected', 'rejected']);
    assert.equal(await j.get('y'), undefined, 'the batch is one transaction');
    await j.apply(ok);
    assert.equal((await j.get('y'))?.userName, 'y');
    await j.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('events arriving over a few milliseconds share a batch: 600 events, a handful of messages', async () => {
  const dir = tempDir();
  try {
    const j = new ThreadedJournal(path.join(dir, 'j.sqlite'));
    const sessions = Array.from({ length: 300 }, (_, i) => session(`s${i}`, `u${i}`, `10.9.${i >> 8}.${i & 255}`, T0 + i));
    const all: Promise<void>[] = [];
    // 300 Starts spread over 30 turns of the event loop, then 300 Stops in one turn.
    for (let k = 0; k < 30; k++) {
      for (const s of sessions.slice(k * 10, k * 10 + 10)) all.push(j.apply(start(s)));
      await new Promise((r) => setImmediate(r));
    }
    for (const s of sessions) all.push(j.apply(stop(s, s.startTime + MIN, 10)));
    await Promise.all(all);
    assert.ok(j.batchesSent <= 12, `${j.batchesSent} batches`);
    assert.equal((await j.live()).length, 0);
    assert.equal((await j.last()).length, 300);
    await j.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
