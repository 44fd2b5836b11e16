// The session journal for the server: the same SQLite file as SqliteJournal, but the database
// lives in a worker thread (worker.ts) so its transactions, each ending in an fsync of the WAL,
// run beside the event loop instead of on it.
//
// apply() batches the events of one event-loop turn into one message, which the worker commits
// in one transaction; every promise of the batch resolves when that commit is done (durable,
// as SqliteJournal's apply), or all reject. Nothing is lost if the process dies meanwhile: the
// spool is the durable record, and an event leaves it only after this sink resolved (see
// accounting.md, "Delivery"), so it is delivered again on the next start. Replays change nothing.
//
// The constructor opens (and migrates) the file once on the calling thread, so a bad path
// fails at start-up as before; then the worker opens its own connection. A worker that dies
// fails what it had in flight (the delivery lanes retry) and is started again on next use.
import { Worker } from 'node:worker_threads';
import type { AccountingEvent, TerminateCause } from '../record.js';
import { SqliteJournal } from './sqlite.js';
import type { LastQuery, SessionJournal, SessionRow } from './types.js';
import type { JournalReply, JournalRequest, JournalWorkerData } from './worker-protocol.js';

type Body = JournalRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/**
 * How long the first event of a batch waits for others. A message to the worker and its
 * answer cost ~20-40 µs of CPU whatever they carry, and the journal's rows need not appear
 * within milliseconds (the spool already holds every event), so events of a few ms travel
 * together: at 2,000 events/s that is ~10 per message instead of ~1.
 */
const BATCH_WINDOW_MS = 5;
/** A batch this large goes at once (when none is in flight). */
const MAX_BATCH = 256;

interface Waiter {
  resolve(value: JournalReply): void;
  reject(e: unknown): void;
}

export class ThreadedJournal implements SessionJournal {
  #worker: Worker | null = null;
  #nextId = 1;
  readonly #waiting = new Map<number, Waiter>();
  #batch: { event: AccountingEvent; resolve: () => void; reject: (e: unknown) => void }[] = [];
  #closed = false;
  #applying = false;
  #timer: NodeJS.Timeout | undefined;
  #batchesSent = 0;

  constructor(readonly path: string) {
    // Creates the directory and schema, or throws PptpdError for a file we cannot use.
    new SqliteJournal(path).db.close();
  }

  /** Batches posted to the worker so far (each one transaction); for tests and metrics. */
  get batchesSent(): number {
    return this.#batchesSent;
  }

  apply(event: AccountingEvent): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#batch.push({ event, resolve, reject });
      if (this.#batch.length >= MAX_BATCH) this.#flush();
      else this.#timer ??= setTimeout(() => this.#flush(), BATCH_WINDOW_MS);
    });
  }

  /**
   * At most one batch in flight: events that come while the worker commits wait for its
   * answer and then go together (one message, one transaction, one fsync), so the number of
   * messages and commits falls as the load rises. A batch goes when its window ends, when it
   * reaches MAX_BATCH, or at close().
   */
  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#applying) return; // sent when the batch in flight is answered
    const batch = this.#batch;
    this.#batch = [];
    if (batch.length === 0) return;
    this.#applying = true;
    this.#batchesSent++;
    const done = (): void => {
      this.#applying = false;
      // Its own timer sends a batch still inside its window; one whose timer fired meanwhile goes now.
      if (this.#batch.length > 0 && this.#timer === undefined) this.#flush();
    };
    this.#call({ op: 'apply', events: JSON.stringify(batch.map((b) => b.event)) }).then(
      () => { done(); for (const b of batch) b.resolve(); },
      (e: unknown) => { done(); for (const b of batch) b.reject(e); },
    );
  }

  async last(q: LastQuery = {}): Promise<SessionRow[]> {
    return (await this.#call({ op: 'last', q: stripUndefined(q) })) as SessionRow[];
  }

  async live(opts: { nasIdentifier?: string } = {}): Promise<SessionRow[]> {
    return (await this.#call({ op: 'live', ...(opts.nasIdentifier !== undefined ? { nasIdentifier: opts.nasIdentifier } : {}) })) as SessionRow[];
  }

  async whoisIp(ip: string, at: number): Promise<SessionRow[]> {
    return (await this.#call({ op: 'whoisIp', ip, at })) as SessionRow[];
  }

  async get(sessionId: string): Promise<SessionRow | undefined> {
    return (await this.#call({ op: 'get', sessionId })) as SessionRow | undefined;
  }

  async closeOpenSessions(cause: TerminateCause, time: number, opts: { nasIdentifier?: string } = {}): Promise<SessionRow[]> {
    const nas = opts.nasIdentifier !== undefined ? { nasIdentifier: opts.nasIdentifier } : {};
    return (await this.#call({ op: 'closeOpenSessions', cause, time, ...nas })) as SessionRow[];
  }

  /** Commits what is batched, then closes the database and ends the worker. */
  async close(): Promise<void> {
    if (this.#closed) return;
    // Commit what is batched before the close below (requests are answered in order).
    this.#applying = false;
    this.#flush(); // may start the worker
    this.#closed = true;
    const w = this.#worker;
    if (w === null) return;
    try {
      await this.#send(w, { op: 'close' });
    } finally {
      await w.terminate();
      this.#worker = null;
    }
  }

  async #call(body: Body): Promise<SessionRow[] | SessionRow | undefined> {
    if (this.#closed) throw new Error(`journal ${this.path}: closed`);
    const r = await this.#send(this.#worker ?? this.#start(), body);
    if (!r.ok) throw new Error(`journal ${this.path}: ${r.message}`);
    return r.value;
  }

  #send(w: Worker, body: Body): Promise<JournalReply> {
    const id = this.#nextId++;
    return new Promise<JournalReply>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      if (this.#waiting.size === 1) w.ref(); // a reply is due: keep the process alive for it
      w.postMessage({ id, ...body });
    });
  }

  #start(): Worker {
    const data: JournalWorkerData = { path: this.path };
    const w = spawnWorker(data);
    w.unref(); // an idle journal does not keep the process alive
    w.on('message', (r: JournalReply) => {
      const waiter = this.#waiting.get(r.id);
      if (waiter === undefined) return;
      this.#waiting.delete(r.id);
      if (this.#waiting.size === 0) w.unref();
      waiter.resolve(r);
    });
    const fail = (e: unknown): void => {
      if (this.#worker === w) this.#worker = null;
      const waiting = [...this.#waiting.values()];
      this.#waiting.clear();
      for (const waiter of waiting) waiter.reject(e);
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`journal ${this.path}: worker exited (code ${code})`)));
    this.#worker = w;
    return w;
  }
}

/**
 * The compiled server runs worker.js directly. Under tsx (tests, `node --import tsx`) this
 * module is worker.ts, and a worker thread does not inherit tsx's loader hooks on Node 20,
 * so the worker first loads tsx and then imports worker.ts through it.
 */
function spawnWorker(workerData: JournalWorkerData): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./worker.js', import.meta.url), { workerData });
  const api = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./worker.ts', import.meta.url).href;
  const code = `import(${JSON.stringify(api)}).then((m) => m.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(import.meta.url)}))`;
  return new Worker(code, { eval: true, workerData, execArgv: [] });
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
