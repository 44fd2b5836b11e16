import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { LOCK_FILE, Spool, SPOOL_FILE } from '../../../../accounting/queue/spool.js';
import { lifecycle, session, tempDir, until } from './fakes.js';
import { pino } from 'pino';

function tmp(): string {
  return tempDir('spool');
}

/** A logger that keeps messages in memory. */
function memLog(): { log: pino.Logger; lines: { level: number; msg: string }[] } {
  const lines: { level: number; msg: string }[] = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { log, lines };
}

test('appended events survive reopening until every target acknowledged them', () => {
  const dir = tmp();
  const [start, interim, stop] = lifecycle(1);
  let s = Spool.open(dir);
  assert.ok(s.append(start!, ['radius', 'journal']));
  assert.ok(s.append(interim!, ['radius', 'journal']));
  assert.equal(s.ack(start!.id, 'journal'), false, 'radius still owes it');
  assert.equal(s.ack(start!.id, 'radius'), true);
  s.close();

  s = Spool.open(dir);
  assert.deepEqual(s.pending().map((e) => [e.event.id, [...e.pending]]), [[interim!.id, ['radius', 'journal']]]);
  assert.equal(s.pending()[0]!.prev, start!.id, 'the interim names its predecessor');
  assert.deepEqual(s.openSessions().map((o) => [o.session.sessionId, o.lastEventId]), [['S0001', interim!.id]]);
  s.append(stop!, ['radius', 'journal']);
  assert.equal(s.pending()[1]!.prev, interim!.id);
  assert.deepEqual(s.openSessions(), [], 'a Stop closes the session');
  s.close();
  assert.equal(Spool.open(dir).openSessions().length, 0);
});

test('a replayed id still pending is refused; after full acknowledgement it is a new event', () => {
  const dir = tmp();
  const [start] = lifecycle(2);
  const s = Spool.open(dir);
  assert.ok(s.append(start!, ['a']));
  assert.equal(s.append(start!, ['a']), undefined);
  s.ack(start!.id, 'a');
  assert.equal(s.size, 0);
  s.close();
});

test('a torn last line (crash mid-write) is skipped with a warning, and appends continue on a clean line', () => {
  const dir = tmp();
  const [start, interim] = lifecycle(3);
  let s = Spool.open(dir);
  s.append(start!, ['radius']);
  s.close();
  const file = path.join(dir, SPOOL_FILE);
  const good = fs.readFileSync(file, 'utf8');
  const torn = JSON.stringify({ k: 'e', ev: interim, to: ['radius'] }).slice(0, 57);
  fs.appendFileSync(file, torn);

  const { log, lines } = memLog();
  s = Spool.open(dir, { log });
  assert.deepEqual(s.pending().map((e) => e.event.id), [start!.id]);
  assert.ok(lines.some((l) => l.level === 40 && /torn last line/.test(l.msg)));
  const text = fs.readFileSync(file, 'utf8');
  assert.ok(good.length > 0 && text.endsWith('\n'));
  for (const line of text.trimEnd().split('\n')) JSON.parse(line); // the torn bytes are gone after the rewrite
  s.append(interim!, ['radius']);
  s.close();
  assert.deepEqual(Spool.open(dir).pending().map((e) => e.event.id), [start!.id, interim!.id]);
});

test('an unreadable line in the middle is reported and skipped, the rest is kept', () => {
  const dir = tmp();
  const evs = lifecycle(4, 2);
  const file = path.join(dir, SPOOL_FILE);
  const l = (ev: unknown) => JSON.stringify({ k: 'e', ev, to: ['x'] }) + '\n';
  fs.writeFileSync(file, l(evs[0]) + '{"k":"e","ev":17}\n' + 'garbage\n' + l(evs[1]) + '{"k":"a","id":' + JSON.stringify(evs[0]!.id) + ',"to":"x"}\n');
  const { log, lines } = memLog();
  const s = Spool.open(dir, { log });
  assert.deepEqual(s.pending().map((e) => e.event.id), [evs[1]!.id]);
  assert.equal(lines.filter((x) => x.level === 50 && /unreadable line/.test(x.msg)).length, 2);
  s.close();
});

test('compaction keeps pending events and open sessions (with their last counters), drops the rest', () => {
  const dir = tmp();
  const s = Spool.open(dir, { compactMinBytes: 1 });
  const a = lifecycle(5, 2); // start, interim1, interim2, stop
  const b = lifecycle(6, 1);
  for (const ev of [a[0]!, a[1]!, b[0]!, a[2]!]) s.append(ev, ['r']);
  for (const ev of [a[0]!, a[1]!, b[0]!]) s.ack(ev.id, 'r');
  const before = s.fileBytes;
  s.compact();
  assert.ok(s.fileBytes < before);
  s.close();
  const r = Spool.open(dir);
  assert.deepEqual(r.pending().map((e) => e.event.id), [a[2]!.id]);
  const open = new Map(r.openSessions().map((o) => [o.session.sessionId, o]));
  assert.deepEqual([...open.keys()].sort(), ['S0005', 'S0006']);
  assert.equal(open.get('S0005')!.lastEventId, a[2]!.id);
  assert.equal(open.get('S0005')!.counters!.inputOctets, 2000);
  assert.equal(open.get('S0006')!.counters, undefined);
  r.close();
});

test('the file is compacted automatically once everything is acknowledged', () => {
  const dir = tmp();
  const s = Spool.open(dir, { compactMinBytes: 4096 });
  for (let n = 0; n < 40; n++) for (const ev of lifecycle(n, 0)) s.append(ev, ['r']);
  assert.ok(s.fileBytes > 4096);
  for (let n = 0; n < 40; n++) for (const ev of lifecycle(n, 0)) s.ack(ev.id, 'r');
  assert.equal(s.size, 0);
  assert.equal(s.fileBytes, 0, 'nothing pending, nothing open: an empty file');
  assert.equal(fs.statSync(path.join(dir, SPOOL_FILE)).size, 0);
  s.close();
});

test('one process per spool: a live holder is refused, a dead one (kill -9) is taken over', () => {
  const dir = tmp();
  const s = Spool.open(dir);
  fs.writeFileSync(path.join(dir, LOCK_FILE), `${process.ppid}\n`); // a live process that is not us
  assert.throws(() => Spool.open(dir), /in use by process/);
  fs.writeFileSync(path.join(dir, LOCK_FILE), '2147483646\n'); // no such process
  const t = Spool.open(dir);
  assert.equal(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8').trim(), String(process.pid));
  t.close();
  assert.equal(fs.existsSync(path.join(dir, LOCK_FILE)), false);
  s.close();
});

test('an Interim-Update alone marks a session open (so a crash closes it)', () => {
  const dir = tmp();
  const s = Spool.open(dir);
  const [, interim] = lifecycle(7);
  s.append(interim!, ['r']);
  assert.deepEqual(s.openSessions().map((o) => o.session.sessionId), [session(7).sessionId]);
  s.close();
});

/** An fdatasync that only counts and parks its callbacks until the test releases them. */
function heldSync(): { fn: (fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => void; calls: number; release(): void } {
  const held: (() => void)[] = [];
  const h = {
    calls: 0,
    fn: (fd: number, cb: (err: NodeJS.ErrnoException | null) => void): void => {
      h.calls++;
      held.push(() => fs.fdatasync(fd, cb));
    },
    release: (): void => {
      for (const f of held.splice(0)) f();
    },
  };
  return h;
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

test('group commit: appends of one event-loop turn share one fdatasync, written (not yet durable) at once', async () => {
  const dir = tmp();
  const sync = heldSync();
  const s = Spool.open(dir, { fdatasync: sync.fn });
  const events = Array.from({ length: 40 }, (_, i) => lifecycle(100 + i)[0]!);
  const order: string[] = [];
  for (const ev of events) {
    s.append(ev, ['radius']);
    s.afterDurable(() => order.push(ev.id));
  }
  // write() happened synchronously: a kill -9 now would lose nothing.
  const text = fs.readFileSync(path.join(dir, SPOOL_FILE), 'utf8');
  for (const ev of events) assert.ok(text.includes(ev.id));
  assert.equal(s.durable, false);
  assert.equal(sync.calls, 0, 'the fdatasync starts at the end of the turn, not per append');
  await turn();
  assert.equal(sync.calls, 1, 'one fdatasync for the 40 appends of the turn');
  // More appends while that fdatasync is in flight wait for the next one (at most one in flight).
  const late = lifecycle(200)[0]!;
  s.append(late, ['radius']);
  s.afterDurable(() => order.push(late.id));
  await turn();
  await turn();
  assert.equal(sync.calls, 1, 'no second fdatasync while one is in flight');
  assert.deepEqual(order, [], 'nothing reported durable before its fdatasync completed');
  sync.release();
  await until(() => order.length === 40);
  assert.deepEqual(order, events.map((e) => e.id), 'in append order, the late one not covered');
  await until(() => sync.calls === 2);
  sync.release();
  await until(() => order.length === 41);
  assert.equal(order[40], late.id);
  assert.equal(s.durable, true);
  let now = false;
  s.afterDurable(() => (now = true));
  assert.equal(now, true, 'nothing pending: runs at once');
  s.close();
});

test('group commit: compaction during an fdatasync makes everything durable; close flushes what is left', async () => {
  const dir = tmp();
  const sync = heldSync();
  const s = Spool.open(dir, { fdatasync: sync.fn });
  const [start, , stop] = lifecycle(300);
  s.append(start!, ['a']);
  let durable = false;
  s.afterDurable(() => (durable = true));
  await turn();
  assert.equal(sync.calls, 1);
  s.compact(); // fsyncs the new file: the pending Start is on disk through it
  assert.equal(s.durable, true);
  await until(() => durable);
  sync.release(); // the old fd's fdatasync completes after the rename, and closes that fd
  s.append(stop!, ['a']);
  assert.equal(s.durable, false);
  s.close(); // a synchronous fdatasync, no waiting for the group commit
  const again = Spool.open(dir);
  assert.deepEqual(again.pending().map((e) => e.event.id), [start!.id, stop!.id]);
  again.close();
});
