// The on-disk spool: the durable outbox of accounting events, one per server.
//
// Rules of the file (`accounting.spool`, JSON lines, append-only between compactions):
// - `{"k":"e","ev":EVENT,"to":[TARGET…],"prev":ID?}`: an event and the targets (sinks, or
//   the shared queue) that still have to take it. `append()` write()s it before returning
//   (in the page cache: survives a kill -9 of the process); the fdatasync that makes it
//   survive a power cut is a group commit (below).
// Group commit: at most one fdatasync in flight, run on the thread pool, covering every line
// written before it started; it starts on the next setImmediate after an append, so all
// appends of one event-loop turn share it. `afterDurable(fn)` runs `fn` once every line
// written so far is on disk: the dispatcher hands an event to its sinks only then, so no sink
// acknowledges (and no compaction drops) an event that a power cut could still lose.
// - `{"k":"a","id":ID,"to":TARGET}`: TARGET acknowledged event ID. Written without fsync: a
//   lost acknowledgement only means one more delivery, which every sink tolerates
//   (AccountingSink contract: "must tolerate a replay of the same id").
// - `{"k":"o","s":SESSION,"last":ID,"c":COUNTERS?,"t":MS}`: an open session, written only by
//   compaction (otherwise the open set is derived from start/interim/stop events). This is
//   the "open sessions" record recovery uses after a crash, independent of any sink.
// - The last line may be torn by a crash (no final newline, or not JSON): it is skipped with
//   a warning, and the file is rewritten at once so the next append starts on a clean line.
// Compaction writes the live state (pending events, then open sessions) to a temp file,
// fsyncs it, renames it over the spool and fsyncs the directory: a crash leaves either the
// old or the new file, both complete.
import fs from 'node:fs';
import path from 'node:path';
import type { AccountingEvent, SessionCounters, SessionInfo } from '../record.js';
import { ErrorCode, PptpdError } from '../../server/errors.js';
import type { Logger } from '../../server/log.js';
import { silentLogger } from '../../server/log.js';
import { releaseLock, takeLock } from './spool-lock.js';

export const SPOOL_FILE = 'accounting.spool';
export { LOCK_FILE } from './spool-lock.js';
/** Rough size of one open-session line, for deciding when compaction pays. */
const OPEN_LINE_ESTIMATE = 600;

/** One event waiting for at least one target. */
export interface SpoolEntry {
  readonly event: AccountingEvent;
  /** Id of the previous event of the same session, if any (ordering in shared queues). */
  readonly prev: string | undefined;
  /** Targets that have not acknowledged yet. */
  readonly pending: Set<string>;
}

/** A session whose Start was recorded and whose Stop was not. */
export interface OpenSession {
  readonly session: SessionInfo;
  /** Id of the last event recorded for it (Start or the latest Interim-Update). */
  readonly lastEventId: string;
  /** Counters of the latest Interim-Update, if any. */
  readonly counters: SessionCounters | undefined;
  /** Time of the last event recorded for it (ms since the epoch). */
  readonly lastTime: number;
}

export interface SpoolOptions {
  readonly log?: Logger;
  /** fdatasync appended events (group commit; default true; false only for tests of other things). */
  readonly fsync?: boolean;
  /** The asynchronous fdatasync (default fs.fdatasync); tests inject one to count or delay calls. */
  readonly fdatasync?: (fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => void;
  /** Compact when fully acknowledged and the file is at least this big (default 256 KiB). */
  readonly compactMinBytes?: number;
}

type Line =
  | { k: 'e'; ev: AccountingEvent; to: string[]; prev?: string }
  | { k: 'a'; id: string; to: string }
  | { k: 'o'; s: SessionInfo; last: string; c?: SessionCounters; t: number };

function sessionOf(ev: AccountingEvent): SessionInfo | undefined {
  return ev.type === 'start' || ev.type === 'interim' || ev.type === 'stop' ? ev.session : undefined;
}

export class Spool {
  readonly dir: string;
  readonly #file: string;
  readonly #log: Logger;
  readonly #fsync: boolean;
  readonly #compactMinBytes: number;
  readonly #entries = new Map<string, SpoolEntry>(); // insertion order = append order
  readonly #open = new Map<string, OpenSession>();
  #fd: number;
  #bytes = 0;
  #compactedBytes = 0;
  #closed = false;
  // Group commit state: lines are numbered by #written; #durable is the highest number known
  // to be on disk. #syncFd is the fd of the fdatasync in flight (-1: none).
  readonly #fdatasync: (fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => void;
  readonly #waiters: { seq: number; fn: () => void }[] = [];
  #written = 0;
  #durable = 0;
  #syncFd = -1;
  #syncScheduled = false;
  #closeAfterSync = false;
  #syncs = 0;

  private constructor(dir: string, opts: SpoolOptions) {
    this.dir = dir;
    this.#file = path.join(dir, SPOOL_FILE);
    this.#log = opts.log ?? silentLogger();
    this.#fsync = opts.fsync ?? true;
    this.#compactMinBytes = opts.compactMinBytes ?? 256 * 1024;
    this.#fd = -1;
    this.#fdatasync = opts.fdatasync ?? fs.fdatasync;
  }

  /** Opens (creating if needed) the spool in `dir`, replays it and takes the lock. */
  static open(dir: string, opts: SpoolOptions = {}): Spool {
    fs.mkdirSync(dir, { recursive: true, mode: 0o750 });
    const spool = new Spool(dir, opts);
    takeLock(dir, spool.#log);
    spool.#replay();
    // Always start from a clean, compacted file: drops a torn tail and acknowledged events.
    spool.compact();
    return spool;
  }

  /** Pending events in append order. */
  pending(): SpoolEntry[] {
    return [...this.#entries.values()];
  }

  /** Sessions open according to the spool (Start recorded, no Stop). */
  openSessions(): OpenSession[] {
    return [...this.#open.values()];
  }

  isOpen(sessionId: string): boolean {
    return this.#open.has(sessionId);
  }

  get size(): number {
    return this.#entries.size;
  }

  get fileBytes(): number {
    return this.#bytes;
  }

  /** fdatasync calls started so far (group commits; metrics and tests). */
  get syncCount(): number {
    return this.#syncs;
  }

  /** True when every appended line is known to be on disk. */
  get durable(): boolean {
    return this.#durable >= this.#written;
  }

  /**
   * Runs `fn` once every line written so far is on disk: at once (synchronously) if it
   * already is or fsync is off, otherwise after the group commit covering it. Callbacks run
   * in the order they were registered. Never runs after close().
   */
  afterDurable(fn: () => void): void {
    if (!this.#fsync || this.#durable >= this.#written) {
      fn();
      return;
    }
    this.#waiters.push({ seq: this.#written, fn });
    this.#scheduleSync();
  }

  /** Resolves once every line written so far is on disk (or the spool is closed). */
  whenDurable(): Promise<void> {
    return new Promise((resolve) => (this.#closed ? resolve() : this.afterDurable(resolve)));
  }

  /**
   * Writes `event` for `targets` (a synchronous write(); the fdatasync follows as a group
   * commit, see afterDurable) and returns its entry, or undefined if an event with the same
   * id is still pending (a replay by the caller).
   */
  append(event: AccountingEvent, targets: readonly string[]): SpoolEntry | undefined {
    this.#assertOpen();
    if (this.#entries.has(event.id)) return undefined;
    const s = sessionOf(event);
    const prev = s ? this.#open.get(s.sessionId)?.lastEventId : undefined;
    const line: Line = prev === undefined ? { k: 'e', ev: event, to: [...targets] } : { k: 'e', ev: event, to: [...targets], prev };
    this.#write(JSON.stringify(line) + '\n');
    if (this.#fsync) {
      this.#written++;
      this.#scheduleSync();
    }
    return this.#apply(line);
  }

  /** Records that `target` has event `id`. True when no target is left for it. */
  ack(id: string, target: string): boolean {
    this.#assertOpen();
    const entry = this.#entries.get(id);
    if (!entry || !entry.pending.has(target)) return entry === undefined;
    this.#write(JSON.stringify({ k: 'a', id, to: target } satisfies Line) + '\n');
    this.#apply({ k: 'a', id, to: target });
    const done = !this.#entries.has(id);
    // Fully acknowledged: the rewrite holds only the open sessions (~0.5 KiB each), so it is
    // cheap as long as the log has grown well past that. Otherwise compact only when the log
    // is several times what the last compaction wrote (amortised linear cost).
    if (this.#entries.size === 0) {
      if (this.#bytes >= Math.max(this.#compactMinBytes, 2 * OPEN_LINE_ESTIMATE * this.#open.size)) this.compact();
    } else if (this.#bytes >= Math.max(8 * this.#compactMinBytes, 4 * this.#compactedBytes)) this.compact();
    return done;
  }

  /** Rewrites the file with only the live state (see the rules at the top). */
  compact(): void {
    this.#assertOpen();
    let out = '';
    for (const e of this.#entries.values()) {
      const line: Line = e.prev === undefined ? { k: 'e', ev: e.event, to: [...e.pending] } : { k: 'e', ev: e.event, to: [...e.pending], prev: e.prev };
      out += JSON.stringify(line) + '\n';
    }
    for (const o of this.#open.values()) {
      const line: Line = o.counters
        ? { k: 'o', s: o.session, last: o.lastEventId, c: o.counters, t: o.lastTime }
        : { k: 'o', s: o.session, last: o.lastEventId, t: o.lastTime };
      out += JSON.stringify(line) + '\n';
    }
    const tmp = this.#file + '.tmp';
    const fd = fs.openSync(tmp, 'w', 0o640);
    try {
      fs.writeSync(fd, out);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    this.#closeFd();
    fs.renameSync(tmp, this.#file);
    fsyncDir(this.dir);
    this.#fd = fs.openSync(this.#file, 'a', 0o640);
    this.#bytes = Buffer.byteLength(out);
    this.#compactedBytes = this.#bytes;
    // The new file holds every pending event and was fsynced: all written so far is on disk.
    // Waiters are released on the next turn, not inside compact() (it runs inside ack()).
    this.#durable = this.#written;
    if (this.#waiters.length > 0) setImmediate(() => this.#markDurable(0));
  }

  /** Closes the file and releases the lock. Pending events stay on disk for the next start. */
  close(): void {
    if (this.#closed) return;
    // A clean shutdown leaves nothing to a later power cut: one last synchronous flush.
    if (this.#fsync && this.#fd >= 0 && this.#durable < this.#written) {
      try {
        fs.fdatasyncSync(this.#fd);
      } catch (err) {
        this.#log.error({ err, file: this.#file }, 'accounting spool: final fdatasync failed');
      }
    }
    this.#closed = true;
    this.#waiters.length = 0; // nobody delivers any more; the events stay in the file
    this.#closeFd();
    this.#fd = -1;
    releaseLock(this.dir);
  }

  /** Closes the current fd, or leaves that to the fdatasync still running on it. */
  #closeFd(): void {
    if (this.#fd < 0) return;
    if (this.#fd === this.#syncFd) this.#closeAfterSync = true;
    else fs.closeSync(this.#fd);
  }

  #scheduleSync(): void {
    if (this.#syncScheduled || this.#syncFd >= 0 || this.#closed) return;
    this.#syncScheduled = true;
    // Deferred to the end of this event-loop turn so every append of the turn shares it.
    setImmediate(() => {
      this.#syncScheduled = false;
      this.#startSync();
    });
  }

  #startSync(): void {
    if (this.#closed || this.#syncFd >= 0 || this.#durable >= this.#written) return;
    const fd = this.#fd;
    const upTo = this.#written; // everything written before this call is covered
    this.#syncFd = fd;
    this.#syncs++;
    this.#fdatasync(fd, (err) => {
      this.#syncFd = -1;
      if (this.#closeAfterSync) {
        this.#closeAfterSync = false;
        fs.close(fd, () => undefined);
      }
      if (err) {
        // Same policy as a failing write: deliver anyway rather than hold records forever.
        this.#log.error({ err, file: this.#file }, 'accounting spool: fdatasync failed, delivering without power-loss durability');
      }
      if (this.#closed) return;
      this.#markDurable(upTo);
      if (this.#durable < this.#written) this.#scheduleSync();
    });
  }

  #markDurable(upTo: number): void {
    if (upTo > this.#durable) this.#durable = upTo;
    let n = 0;
    while (n < this.#waiters.length && this.#waiters[n]!.seq <= this.#durable) n++;
    if (n === 0) return;
    for (const w of this.#waiters.splice(0, n)) {
      try {
        w.fn();
      } catch (err) {
        this.#log.error({ err }, 'accounting spool: afterDurable callback failed');
      }
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new PptpdError(ErrorCode.STATE, `accounting spool ${this.dir} is closed`);
  }

  #write(s: string): void {
    const buf = Buffer.from(s);
    let off = 0;
    while (off < buf.length) off += fs.writeSync(this.#fd, buf, off);
    this.#bytes += buf.length;
  }

  /** Applies one line to the in-memory state; returns the entry for an 'e' line. */
  #apply(line: Line): SpoolEntry | undefined {
    switch (line.k) {
      case 'e': {
        const ev = line.ev;
        if (this.#entries.has(ev.id)) return undefined;
        const entry: SpoolEntry = { event: ev, prev: line.prev, pending: new Set(line.to) };
        if (entry.pending.size > 0) this.#entries.set(ev.id, entry);
        const s = sessionOf(ev);
        if (s && ev.type === 'stop') this.#open.delete(s.sessionId);
        else if (s && ev.type === 'start') this.#open.set(s.sessionId, { session: s, lastEventId: ev.id, counters: undefined, lastTime: ev.time });
        else if (s && ev.type === 'interim') {
          const o = this.#open.get(s.sessionId);
          // An Interim-Update for a session we never saw start still marks it open, so a crash closes it.
          this.#open.set(s.sessionId, { session: o?.session ?? s, lastEventId: ev.id, counters: ev.counters, lastTime: ev.time });
        }
        return entry;
      }
      case 'a': {
        const entry = this.#entries.get(line.id);
        if (!entry) return undefined;
        entry.pending.delete(line.to);
        if (entry.pending.size === 0) this.#entries.delete(line.id);
        return undefined;
      }
      case 'o':
        this.#open.set(line.s.sessionId, { session: line.s, lastEventId: line.last, counters: line.c, lastTime: line.t });
        return undefined;
    }
  }

  #replay(): void {
    let text: string;
    try {
      text = fs.readFileSync(this.#file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw new PptpdError(ErrorCode.CONFIG_IO, `cannot read accounting spool ${this.#file}: ${(err as Error).message}`, { cause: err });
    }
    const lines = text.split('\n');
    // split() leaves '' after a final newline; anything else there is a line cut by a crash.
    const tail = lines.pop() ?? '';
    if (tail !== '') this.#log.warn({ file: this.#file, bytes: tail.length }, 'accounting spool: torn last line after a crash, skipped');
    lines.forEach((raw, i) => {
      if (raw === '') return;
      const line = parseLine(raw);
      if (line) this.#apply(line);
      else if (i === lines.length - 1) this.#log.warn({ file: this.#file, line: i + 1 }, 'accounting spool: torn last line after a crash, skipped');
      else this.#log.error({ file: this.#file, line: i + 1 }, 'accounting spool: unreadable line skipped');
    });
    this.#log.info({ file: this.#file, pending: this.#entries.size, open: this.#open.size }, 'accounting spool replayed');
  }
}

function parseLine(raw: string): Line | undefined {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;
  if (o['k'] === 'e' && isObj(o['ev']) && typeof o['ev']['id'] === 'string' && typeof o['ev']['type'] === 'string' && Array.isArray(o['to'])) {
    if (!o['to'].every((t) => typeof t === 'string')) return undefined;
    if (o['prev'] !== undefined && typeof o['prev'] !== 'string') return undefined;
    return o as unknown as Line;
  }
  if (o['k'] === 'a' && typeof o['id'] === 'string' && typeof o['to'] === 'string') return o as unknown as Line;
  if (o['k'] === 'o' && isObj(o['s']) && typeof o['s']['sessionId'] === 'string' && typeof o['last'] === 'string' && typeof o['t'] === 'number')
    return o as unknown as Line;
  return undefined;
}

function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
