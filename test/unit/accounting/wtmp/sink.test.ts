import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { WtmpSink, sessionMarker, wtmpSinkOptions } from '../../../../accounting/wtmp/sink.js';
import { decodeUtmpFile, encodeUtmp, utmpRecord, UtmpType, UTMP_SIZE } from '../../../../accounting/wtmp/utmp-codec.js';
import { eventId, type AccountingEvent, type SessionInfo } from '../../../../accounting/record.js';
import { waitFor } from '../../../helpers/wait.js';

const hasTools = existsSync('/usr/bin/last') && existsSync('/usr/bin/utmpdump') && existsSync('/usr/bin/who');
const env = { ...process.env, TZ: 'UTC', LC_ALL: 'C' };
const run = (cmd: string, args: string[]): string =>
  execFileSync(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] }).toString();

function session(n: number, user: string, start: number, over: Partial<SessionInfo> = {}): SessionInfo {
  return {
    sessionId: `sess-${n}-${start}`, userName: user, peerName: user, nasIdentifier: 'vpn1', nasIpAddress: '192.0.2.1',
    callId: n, line: `pptp${n}`, clientAddress: `198.51.100.${n}`, serverAddress: '192.0.2.1',
    framedIpAddress: `10.8.0.${n + 1}`, localIpAddress: '10.8.0.1', startTime: start, authMethod: 'MS-CHAPv2',
    encryption: 'MPPE-128 stateless', pid: process.pid, ...over,
  };
}
const start = (s: SessionInfo): AccountingEvent => ({ type: 'start', id: eventId(s.sessionId, 'start'), time: s.startTime, session: s });
const stop = (s: SessionInfo, time: number): AccountingEvent => ({
  type: 'stop', id: eventId(s.sessionId, 'stop'), time, session: s, cause: 'User-Request',
  counters: { inputOctets: 1000, outputOctets: 2000, inputPackets: 10, outputPackets: 20 },
});

function withDir(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'wtmp-sink-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}
const records = (file: string) => decodeUtmpFile(readFileSync(file)).records.map((r) => r.record);

const T0 = Date.UTC(2024, 4, 3, 14, 2, 0); // 3 May 2024 14:02 UTC

test('last, utmpdump and who show logins, logouts and live sessions', { skip: !hasTools && 'util-linux/coreutils tools missing' }, withDir(async (dir) => {
  const wtmp = path.join(dir, 'wtmp');
  const utmp = path.join(dir, 'utmp');
  const sink = new WtmpSink({ wtmpPath: wtmp, utmpPath: utmp });
  const alice = session(7, 'alice', T0);
  const bob = session(8, 'bob', T0 + 60_000);
  await sink.deliver(start(alice));
  await sink.deliver(start(bob));
  await sink.deliver(stop(alice, T0 + 3_723_000)); // 1 h 2 min 3 s later
  await sink.close();

  const last = run('last', ['-w', '--time-format', 'iso', '-f', wtmp]).split('\n');
  // Newest first. bob is not a Unix user, so last's liveness probe calls his open session "gone - no logout".
  assert.match(last[0]!, /^bob\s+pptp8\s+198\.51\.100\.8\s+2024-05-03T14:03:00\+00:00\s+gone - no logout$/);
  assert.match(last[1]!, /^alice\s+pptp7\s+198\.51\.100\.7\s+2024-05-03T14:02:00\+00:00 - 2024-05-03T15:04:03\+00:00\s+\(01:02\)$/);
  assert.match(last.join('\n'), /wtmp begins 2024-05-03T14:02:00\+00:00/);

  const dump = run('utmpdump', [wtmp]).trim().split('\n');
  assert.equal(dump.length, 3);
  assert.match(dump[0]!, /^\[7\] \[\d+\] \[ptp7\] \[alice\s*\] \[pptp7\s*\] \[198\.51\.100\.7\s*\] \[198\.51\.100\.7\s*\] \[2024-05-03T14:02:00,000000\+00:00\]$/);
  assert.match(dump[2]!, /^\[8\] \[\d+\] \[ptp7\] \[\s*\] \[pptp7\s*\] \[\s*\] \[0\.0\.0\.0\s*\] \[2024-05-03T15:04:03,000000\+00:00\]$/);

  const who = run('who', [utmp]).trim().split('\n');
  assert.deepEqual(who.length, 1);
  assert.match(who[0]!, /^bob\s+pptp8\s+May  3 14:03 \(198\.51\.100\.8\)$/);
}));

test('last says "still logged in" for a live session whose process the kernel ties to the user', { skip: !hasTools && 'tools missing' }, (t) => withDir(async (dir) => {
  // last(1) checks /proc/<ut_pid>/loginuid against the user's uid; give a child loginuid 0 and log in as root.
  const child = spawn('sh', ['-c', 'echo 0 > /proc/self/loginuid && exec sleep 30'], { stdio: 'ignore' });
  try {
    // The child sets its loginuid once it runs (later on a busy machine): wait for it, bounded;
    // a kernel without audit support never shows 0, and the test says so.
    const loginuid = (): string => {
      try {
        return readFileSync(`/proc/${child.pid}/loginuid`, 'utf8').trim();
      } catch {
        return ''; /* no audit support */
      }
    };
    const set = await waitFor('loginuid 0', () => loginuid() === '0', 10_000).catch(() => false);
    if (!set) return t.skip('cannot set a loginuid here (needs root / CAP_AUDIT_CONTROL)');
    const wtmp = path.join(dir, 'wtmp');
    const sink = new WtmpSink({ wtmpPath: wtmp });
    const now = Math.floor(Date.now() / 1000) * 1000;
    await sink.deliver(start(session(3, 'root', now, { pid: child.pid! })));
    assert.match(run('last', ['-w', '-f', wtmp]), /^root\s+pptp3\s+198\.51\.100\.3\s+.*still logged in$/m);
  } finally {
    child.kill();
  }
})());

test('replays write nothing twice; a late Stop never logs out a newer session on the same line', withDir(async (dir) => {
  const wtmp = path.join(dir, 'wtmp');
  const utmp = path.join(dir, 'utmp');
  const sink = new WtmpSink({ wtmpPath: wtmp, utmpPath: utmp });
  const a = session(5, 'alice', T0);
  await sink.deliver(start(a));
  await sink.deliver(start(a));
  await sink.deliver(stop(a, T0 + 1000));
  await sink.deliver(stop(a, T0 + 1000));
  assert.deepEqual(records(wtmp).map((r) => r.type), [UtmpType.USER_PROCESS, UtmpType.DEAD_PROCESS]);

  // The line is reused by a new session; then A's Stop is delivered once more (a queue replay).
  const b = session(5, 'bob', T0 + 5000);
  await sink.deliver(start(b));
  await sink.deliver(stop(a, T0 + 1000));
  const w = records(wtmp);
  assert.deepEqual(w.map((r) => [r.type, r.user]), [[7, 'alice'], [8, ''], [7, 'bob']]);
  const u = records(utmp);
  assert.equal(u.length, 1);
  assert.equal(u[0]!.type, UtmpType.USER_PROCESS);
  assert.equal(u[0]!.user, 'bob');
  assert.equal(u[0]!.session, sessionMarker(b.sessionId));

  // A fresh sink (the server restarted) learns the per-line state from the file's tail.
  const again = new WtmpSink({ wtmpPath: wtmp, utmpPath: utmp });
  await again.deliver(start(b));
  await again.deliver(stop(b, T0 + 9000));
  await again.deliver(stop(b, T0 + 9000));
  assert.deepEqual(records(wtmp).map((r) => r.type), [7, 8, 7, 8]);
  assert.equal(records(utmp)[0]!.type, UtmpType.DEAD_PROCESS);
}));

test('utmp: other programs\' slots are left alone; our dead slots are reused; file stays small', withDir(async (dir) => {
  const utmp = path.join(dir, 'utmp');
  const ssh = utmpRecord({ type: UtmpType.USER_PROCESS, pid: 1, line: 'pts/0', id: 'ts/0', user: 'admin', host: '203.0.113.9', tvSec: 100 });
  const sshDead = utmpRecord({ type: UtmpType.DEAD_PROCESS, pid: 2, line: 'pts/1', id: 'ts/1', tvSec: 100 });
  writeFileSync(utmp, Buffer.concat([encodeUtmp(ssh), encodeUtmp(sshDead)]));
  const sink = new WtmpSink({ utmpPath: utmp });
  const s1 = session(1, 'u1', T0);
  const s2 = session(2, 'u2', T0);
  await sink.deliver(start(s1));
  await sink.deliver(start(s2));
  assert.equal(statSync(utmp).size, 4 * UTMP_SIZE);
  await sink.deliver(stop(s1, T0 + 10));
  const s3 = session(3, 'u3', T0 + 20); // pptp3 takes pptp1's dead slot, not pts/1's
  await sink.deliver(start(s3));
  const u = records(utmp);
  assert.equal(u.length, 4);
  assert.deepEqual(u.map((r) => [r.line, r.type]), [['pts/0', 7], ['pts/1', 8], ['pptp3', 7], ['pptp2', 7]]);
  assert.deepEqual(u[0], ssh);
  assert.deepEqual(u[1], sshDead);
}));

test('a torn wtmp (partial last record) is padded so later records stay aligned', withDir(async (dir) => {
  const wtmp = path.join(dir, 'wtmp');
  const a = session(1, 'alice', T0);
  writeFileSync(wtmp, encodeUtmp(utmpRecord({ type: UtmpType.USER_PROCESS, line: 'pts/4', id: 'ts/4', user: 'x', tvSec: 1 })));
  appendFileSync(wtmp, Buffer.alloc(100, 0x41));
  await new WtmpSink({ wtmpPath: wtmp }).deliver(start(a));
  assert.equal(statSync(wtmp).size, 3 * UTMP_SIZE);
  const last = records(wtmp).at(-1)!;
  assert.equal(last.user, 'alice');
  assert.equal(last.line, 'pptp1');
}));

test('rotation: after wtmp is moved away, records go to the new file', withDir(async (dir) => {
  const wtmp = path.join(dir, 'wtmp');
  const sink = new WtmpSink({ wtmpPath: wtmp });
  const a = session(1, 'alice', T0);
  await sink.deliver(start(a));
  renameSync(wtmp, `${wtmp}.1`);
  await sink.deliver(stop(a, T0 + 1000));
  assert.deepEqual(records(wtmp).map((r) => r.type), [UtmpType.DEAD_PROCESS]);
  assert.deepEqual(records(`${wtmp}.1`).map((r) => r.type), [UtmpType.USER_PROCESS]);
}));

test('interim and Accounting-On/Off write nothing; no paths means no files', withDir(async (dir) => {
  const wtmp = path.join(dir, 'wtmp');
  const utmp = path.join(dir, 'utmp');
  const sink = new WtmpSink({ wtmpPath: wtmp, utmpPath: utmp });
  const a = session(1, 'alice', T0);
  await sink.deliver({ type: 'interim', id: eventId(a.sessionId, 'interim', 1), time: T0 + 5, session: a, counters: { inputOctets: 1, outputOctets: 1, inputPackets: 1, outputPackets: 1 } });
  await sink.deliver({ type: 'accounting-on', id: 'on', time: T0, nasIdentifier: 'vpn1', nasIpAddress: '192.0.2.1' });
  assert.equal(existsSync(wtmp), false);
  assert.equal(existsSync(utmp), false);
  await new WtmpSink({}).deliver(start(a));
  assert.equal(existsSync(wtmp), false);
}));

test('IPv6 client address goes into ut_addr_v6; a failing write rejects deliver() and the next one still runs', withDir(async (dir) => {
  const wtmp = path.join(dir, 'wtmp');
  const sink = new WtmpSink({ wtmpPath: wtmp });
  await sink.deliver(start(session(1, 'v6', T0, { clientAddress: '2001:db8::7' })));
  assert.equal(records(wtmp)[0]!.addr, '2001:db8::7');
  const broken = new WtmpSink({ wtmpPath: path.join(dir, 'missing', 'wtmp') });
  await assert.rejects(broken.deliver(start(session(2, 'x', T0))), /ENOENT/);
  await assert.rejects(broken.deliver(start(session(3, 'y', T0))), /ENOENT/);
}));

test('options from the configuration: logwtmp turns on wtmp only', () => {
  const off = { enabled: false, file: '/var/run/utmp' };
  assert.equal(wtmpSinkOptions({ wtmp: { enabled: false, file: '/var/log/wtmp' }, utmp: off }), undefined);
  assert.deepEqual(wtmpSinkOptions({ wtmp: { enabled: true, file: '/var/log/wtmp' }, utmp: off }), { wtmpPath: '/var/log/wtmp', utmpPath: null });
  assert.deepEqual(wtmpSinkOptions({ wtmp: { enabled: true, file: '/w' }, utmp: { enabled: true, file: '/u' } }), { wtmpPath: '/w', utmpPath: '/u' });
});
