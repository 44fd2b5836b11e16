// The journal's worker thread: it alone writes the SQLite database, so the synchronous
// commits (synchronous=FULL: an fsync of the WAL per transaction, see schema.ts) never block
// the server's event loop. Queries run here too, so the server's own audit questions see the
// rows it wrote.
//
// Group commit: while a transaction (and its fsync) runs, the main thread keeps posting
// batches. Before committing, the worker drains every request already queued; consecutive
// 'apply' batches share one transaction, and each is answered after that commit. Requests
// are answered in the order they came.
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import type { AccountingEvent } from '../record.js';
import { SqliteJournal } from './sqlite.js';
import type { JournalReply, JournalRequest, JournalWorkerData } from './worker-protocol.js';

const port = parentPort;
if (port === null) throw new Error('accounting/journal/worker.ts runs as a worker thread');
const journal = new SqliteJournal((workerData as JournalWorkerData).path);
/** Bounds one drain (and so one transaction) when the main thread posts faster than we commit. */
const MAX_DRAIN = 256;

type ApplyRequest = Extract<JournalRequest, { op: 'apply' }>;

function query(m: Exclude<JournalRequest, ApplyRequest>): JournalReply {
  try {
    switch (m.op) {
      case 'last': return { id: m.id, ok: true, value: journal.lastSync(m.q) };
      case 'live': return { id: m.id, ok: true, value: journal.liveSync(m.nasIdentifier) };
      case 'whoisIp': return { id: m.id, ok: true, value: journal.whoisIpSync(m.ip, m.at) };
      case 'get': {
        const row = journal.getSync(m.sessionId);
        return row === undefined ? { id: m.id, ok: true } : { id: m.id, ok: true, value: row };
      }
      case 'closeOpenSessions': return { id: m.id, ok: true, value: journal.closeOpenSessionsSync(m.cause, m.time, m.nasIdentifier) };
      case 'close':
        journal.db.close();
        return { id: m.id, ok: true };
    }
  } catch (e) {
    return { id: m.id, ok: false, message: (e as Error).message };
  }
}

/** Commits the batches in one transaction; on failure, each batch is retried alone so one bad event fails only its own batch. */
function commit(batches: ApplyRequest[]): void {
  const parsed = batches.map((b) => JSON.parse(b.events) as AccountingEvent[]);
  try {
    journal.applyMany(parsed.flat());
    for (const b of batches) port!.postMessage({ id: b.id, ok: true } satisfies JournalReply);
    return;
  } catch (e) {
    if (batches.length === 1) {
      port!.postMessage({ id: batches[0]!.id, ok: false, message: (e as Error).message } satisfies JournalReply);
      return;
    }
  }
  for (let i = 0; i < batches.length; i++) {
    try {
      journal.applyMany(parsed[i]!);
      port!.postMessage({ id: batches[i]!.id, ok: true } satisfies JournalReply);
    } catch (e) {
      port!.postMessage({ id: batches[i]!.id, ok: false, message: (e as Error).message } satisfies JournalReply);
    }
  }
}

port.on('message', (first: JournalRequest) => {
  const queue: JournalRequest[] = [first];
  for (let i = 0; i < MAX_DRAIN; i++) {
    const next = receiveMessageOnPort(port);
    if (next === undefined) break;
    queue.push(next.message as JournalRequest);
  }
  let applies: ApplyRequest[] = [];
  for (const m of queue) {
    if (m.op === 'apply') {
      applies.push(m);
      continue;
    }
    if (applies.length > 0) commit(applies);
    applies = [];
    port.postMessage(query(m));
    if (m.op === 'close') {
      port.close();
      return;
    }
  }
  if (applies.length > 0) commit(applies);
});
