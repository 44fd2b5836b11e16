// The session journal on a year of history: 1,000,000 sessions inserted through the same
// upsert path the sink uses (batched, one transaction per batch), then the audit queries
// timed: `last USER`, `last --since/--until` over an hour and over a day, `whois-ip` at a
// moment, and `who`. Sessions start every ~31.5 s for 365 days, last 1 min–8 h, come from
// 2,000 users and take addresses round-robin from a /22 (so one address is reused every
// ~9 h, never by two sessions at once); those still running at the end are live.
// JOURNAL_BENCH_COUNT changes the count. Runs in a temp dir that is deleted afterwards.
// Run alone with `node --import tsx test/bench/journal.bench.ts`.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { SqliteJournal } from '../../accounting/journal/sqlite.js';
import { eventId, type AccountingEvent, type SessionInfo } from '../../accounting/record.js';

export interface JournalBenchResult {
  sessions: number;
  insertPerSecond: number;
  fileMiB: number;
  queries: Record<string, { medianMs: number; maxMs: number; rows: number }>;
  cores: number;
}

const YEAR_MS = 365 * 24 * 3600_000;
const POOL = 1022; // 10.8.0.1 … 10.8.3.254
const USERS = 2000;
const BATCH = 20_000;

function ipOf(i: number): string {
  const n = (i % POOL) + 1;
  return `10.8.${n >> 8}.${n & 0xff}`;
}

function makeSession(i: number, t0: number, spacing: number): { s: SessionInfo; stop: number } {
  // A small LCG per session keeps the data the same on every run.
  const r = (Math.imul(i + 1, 2654435761) >>> 0) / 2 ** 32;
  const start = t0 + Math.floor(i * spacing);
  const s: SessionInfo = {
    sessionId: `bench-${i.toString(36).padStart(5, '0')}`, userName: `user${i % USERS}`, peerName: `CORP\\user${i % USERS}`,
    nasIdentifier: 'vpn1', nasIpAddress: '192.0.2.1', callId: i & 0xffff, line: `pptp${i & 0xffff}`,
    clientAddress: `198.51.${(i >> 8) & 0xff}.${i & 0xff}`, serverAddress: '192.0.2.1', framedIpAddress: ipOf(i),
    localIpAddress: '10.8.0.0', startTime: start, authMethod: 'MS-CHAPv2', encryption: 'MPPE-128 stateless', pid: 1,
  };
  return { s, stop: start + 60_000 + Math.floor(r * 8 * 3600_000 - 60_000) };
}

function time<T>(fn: () => T, repeat: number): { medianMs: number; maxMs: number; rows: number } {
  const times: number[] = [];
  let rows = 0;
  for (let i = 0; i < repeat; i++) {
    const t = performance.now();
    const out = fn();
    times.push(performance.now() - t);
    rows = Array.isArray(out) ? out.length : 0;
  }
  times.sort((a, b) => a - b);
  return { medianMs: round(times[Math.floor(times.length / 2)] ?? 0), maxMs: round(times[times.length - 1] ?? 0), rows };
}
const round = (x: number): number => Math.round(x * 1000) / 1000;

export async function run(): Promise<JournalBenchResult> {
  const count = Number(process.env['JOURNAL_BENCH_COUNT'] ?? 1_000_000);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'journal-bench-'));
  const cores = os.availableParallelism();
  try {
    const file = path.join(dir, 'journal.sqlite');
    const j = new SqliteJournal(file);
    const end = Date.UTC(2025, 0, 1);
    const t0 = end - YEAR_MS;
    const spacing = YEAR_MS / count;
    const tInsert = performance.now();
    for (let first = 0; first < count; first += BATCH) {
      const batch: AccountingEvent[] = [];
      for (let i = first; i < Math.min(count, first + BATCH); i++) {
        const { s, stop } = makeSession(i, t0, spacing);
        batch.push({ type: 'start', id: eventId(s.sessionId, 'start'), time: s.startTime, session: s });
        if (stop <= end) {
          const n = (i * 7919) % 50_000_000;
          batch.push({
            type: 'stop', id: eventId(s.sessionId, 'stop'), time: stop, session: s, cause: 'User-Request',
            counters: { inputOctets: n, outputOctets: 3 * n, inputPackets: n >> 10, outputPackets: n >> 9 },
          });
        }
      }
      j.applyMany(batch);
    }
    const insertSeconds = (performance.now() - tInsert) / 1000;
    j.db.pragma('wal_checkpoint(TRUNCATE)');
    const fileMiB = Math.round(statSync(file).size / 2 ** 20);
    await j.close();

    // Queries run as the CLI runs them: a read-only connection on the file.
    const ro = new SqliteJournal(file, { readonly: true });
    const mid = t0 + YEAR_MS / 2;
    const freeAt = makeSession(count >> 1, t0, spacing).stop + 1;
    const queries: JournalBenchResult['queries'] = {
      'last user42': time(() => ro.lastSync({ user: 'user42' }), 20),
      'last user42 -n 10': time(() => ro.lastSync({ user: 'user42', limit: 10 }), 20),
      'last --since/--until (1 hour)': time(() => ro.lastSync({ since: mid, until: mid + 3600_000 }), 20),
      'last --since/--until (1 day)': time(() => ro.lastSync({ since: mid, until: mid + 86_400_000 }), 20),
      'last -n 50': time(() => ro.lastSync({ limit: 50 }), 20),
      'whois-ip --at': time(() => ro.whoisIpSync(ipOf(count >> 1), mid + 1234_567), 20),
      // just after a session ended, before its address is given out again: nobody held it
      'whois-ip --at (address free then)': time(() => ro.whoisIpSync(ipOf(count >> 1), freeAt), 20),
    };
    // `who` (live()) is async in the interface; await it as the CLI does.
    const tWho: number[] = [];
    let liveRows = 0;
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      liveRows = (await ro.live()).length;
      tWho.push(performance.now() - t);
    }
    tWho.sort((a, b) => a - b);
    queries['who'] = { medianMs: round(tWho[10] ?? 0), maxMs: round(tWho[19] ?? 0), rows: liveRows };
    await ro.close();

    const result: JournalBenchResult = { sessions: count, insertPerSecond: Math.round(count / insertSeconds), fileMiB, queries, cores };
    console.log(`journal: ${count} sessions inserted in ${insertSeconds.toFixed(1)} s = ${result.insertPerSecond} sessions/s ` +
      `(start+stop upserts, ${BATCH} sessions per transaction), file ${fileMiB} MiB, ${cores} cores`);
    for (const [name, q] of Object.entries(queries)) {
      console.log(`  ${name.padEnd(34)} median ${q.medianMs.toFixed(3)} ms  max ${q.maxMs.toFixed(3)} ms  (${q.rows} rows)`);
    }
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
