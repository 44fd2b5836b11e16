// The embedded session journal: one SQLite file, one row per session (see schema.ts).
//
// How events become rows (each event in its own transaction, so a row never shows half an event):
// - any session event first inserts the row from its SessionInfo if it is missing
//   (INSERT … ON CONFLICT DO NOTHING), so a Stop that arrives before its Start still counts;
// - start: nothing more (a replayed Start changes nothing);
// - interim: counters and updated_at, only while the session is open and only from an
//   event not older than the last one applied (a late or replayed interim changes nothing);
// - stop: stop time, duration, final counters, cause and the event id — only when the
//   row has no stop yet, or its stop was made by closeOpenSessions (recovery) and this is
//   the real Stop. A replayed Stop changes nothing.
// - accounting-on/-off: a row in nas_events (keyed by event id).
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { AccountingEvent, SessionCounters, SessionInfo, TerminateCause } from '../record.js';
import { configureWriter, migrate, SCHEMA_VERSION } from './schema.js';
import type { LastQuery, SessionJournal, SessionRow } from './types.js';
import { ErrorCode, PptpdError } from '../../server/errors.js';

export interface SqliteJournalOptions {
  /** Open for queries only (the CLI); the file must exist. */
  readonly readonly?: boolean;
}

const COLUMNS = `session_id, user_name, peer_name, nas_identifier, nas_ip_address, call_id, line, client_address,
  server_address, framed_ip, local_ip, start_time, stop_time, duration, input_octets, output_octets, input_packets,
  output_packets, terminate_cause, auth_method, encryption, class, updated_at, stop_event_id`;

interface Row {
  session_id: string; user_name: string; peer_name: string; nas_identifier: string; nas_ip_address: string;
  call_id: number; line: string; client_address: string; server_address: string; framed_ip: string; local_ip: string;
  start_time: number; stop_time: number | null; duration: number | null; input_octets: number; output_octets: number;
  input_packets: number; output_packets: number; terminate_cause: string | null; auth_method: string;
  encryption: string; class: string; updated_at: number; stop_event_id: string | null;
}

const NEWEST_FIRST = 'ORDER BY start_time DESC, session_id DESC';
const NO_LIMIT = -1; // SQLite: a negative LIMIT means none

export class SqliteJournal implements SessionJournal {
  readonly db: Database.Database;
  private readonly stmt;
  private readonly queries = new Map<string, Database.Statement>();
  private pending: { event: AccountingEvent; resolve: () => void; reject: (e: unknown) => void }[] = [];

  constructor(readonly path: string, opts: SqliteJournalOptions = {}) {
    this.db = openDatabase(path, opts.readonly === true);
    const db = this.db;
    const p = (sql: string) => db.prepare(sql);
    this.stmt = {
      insert: p(`INSERT INTO sessions (session_id, user_name, peer_name, nas_identifier, nas_ip_address, call_id, line,
          client_address, server_address, framed_ip, local_ip, start_time, auth_method, encryption, class, updated_at)
        VALUES (@sessionId, @userName, @peerName, @nasIdentifier, @nasIpAddress, @callId, @line, @clientAddress,
          @serverAddress, @framedIpAddress, @localIpAddress, @startTime, @authMethod, @encryption, @class, @startTime)
        ON CONFLICT (session_id) DO NOTHING`),
      interim: p(`UPDATE sessions SET input_octets = @inputOctets, output_octets = @outputOctets,
          input_packets = @inputPackets, output_packets = @outputPackets, updated_at = @time
        WHERE session_id = @sessionId AND stop_time IS NULL AND updated_at <= @time`),
      stop: p(`UPDATE sessions SET stop_time = @time, duration = max(0, CAST((@time - start_time) / 1000 AS INTEGER)),
          input_octets = @inputOctets, output_octets = @outputOctets, input_packets = @inputPackets,
          output_packets = @outputPackets, terminate_cause = @cause, stop_event_id = @eventId, updated_at = @time
        WHERE session_id = @sessionId AND (stop_time IS NULL OR stop_event_id IS NULL)`),
      maxClosed: p(`UPDATE meta SET value = max(value, @ms) WHERE key = 'max_closed_ms'`),
      nasEvent: p(`INSERT INTO nas_events (event_id, type, time, nas_identifier, nas_ip_address)
        VALUES (@id, @type, @time, @nasIdentifier, @nasIpAddress) ON CONFLICT (event_id) DO NOTHING`),
      getMaxClosed: p(`SELECT value FROM meta WHERE key = 'max_closed_ms'`).pluck(),
      get: p(`SELECT ${COLUMNS} FROM sessions WHERE session_id = ?`),
      open: p(`SELECT ${COLUMNS} FROM sessions WHERE stop_time IS NULL ${NEWEST_FIRST}`),
      openNas: p(`SELECT ${COLUMNS} FROM sessions WHERE stop_time IS NULL AND nas_identifier = ? ${NEWEST_FIRST}`),
      recoverStop: p(`UPDATE sessions SET stop_time = @time, duration = max(0, CAST((@time - start_time) / 1000 AS INTEGER)),
          terminate_cause = @cause, stop_event_id = NULL, updated_at = max(updated_at, @time)
        WHERE session_id = @sessionId AND stop_time IS NULL`),
    };
  }

  /** Apply one event in its own transaction (durable on return). */
  applySync(event: AccountingEvent): void {
    this.db.transaction(() => this.applyOne(event))();
  }

  /** Apply many events in one transaction (bulk loads, replays of a spool). */
  applyMany(events: Iterable<AccountingEvent>): void {
    this.db.transaction(() => {
      for (const e of events) this.applyOne(e);
    })();
  }

  /**
   * Group commit: events delivered in the same turn of the event loop share one
   * transaction (one fsync), which keeps the synchronous commit off the per-event path
   * when many sessions start or stop together. All of them resolve, or all reject (and
   * are retried by the queue: replays are harmless).
   */
  apply(event: AccountingEvent): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ event, resolve, reject });
      if (this.pending.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    try {
      this.applyMany(batch.map((p) => p.event));
    } catch (e) {
      for (const p of batch) p.reject(e);
      return;
    }
    for (const p of batch) p.resolve();
  }

  private applyOne(e: AccountingEvent): void {
    if (!('session' in e)) { // Accounting-On / -Off
      this.stmt.nasEvent.run({ id: e.id, type: e.type, time: e.time, nasIdentifier: e.nasIdentifier, nasIpAddress: e.nasIpAddress });
      return;
    }
    this.stmt.insert.run(sessionParams(e.session));
    if (e.type === 'interim') this.stmt.interim.run({ sessionId: e.session.sessionId, time: e.time, ...counters(e.counters) });
    else if (e.type === 'stop') {
      const r = this.stmt.stop.run({
        sessionId: e.session.sessionId, time: e.time, cause: e.cause, eventId: e.id, ...counters(e.counters),
      });
      if (r.changes > 0) this.stmt.maxClosed.run({ ms: Math.max(0, e.time - e.session.startTime) });
    }
  }

  async get(sessionId: string): Promise<SessionRow | undefined> {
    return this.getSync(sessionId);
  }

  getSync(sessionId: string): SessionRow | undefined {
    const r = this.stmt.get.get(sessionId) as Row | undefined;
    return r === undefined ? undefined : toSessionRow(r);
  }

  async last(q: LastQuery = {}): Promise<SessionRow[]> {
    return this.lastSync(q);
  }

  lastSync(q: LastQuery = {}): SessionRow[] {
    const until = q.until ?? Number.MAX_SAFE_INTEGER;
    if (q.since !== undefined && q.since > until) return [];
    const limit = q.limit ?? NO_LIMIT;
    const byUser = q.user !== undefined ? 'AND user_name = @user' : '';
    const params = { user: q.user, until, limit, since: q.since ?? 0, lo: 0 };
    let sql: string;
    if (q.since === undefined) {
      sql = `SELECT ${COLUMNS} FROM sessions WHERE start_time <= @until ${byUser} ${NEWEST_FIRST} LIMIT @limit`;
    } else {
      // Closed sessions active in the window started at most max_closed_ms before `since`;
      // older open ones come from the partial index.
      params.lo = q.since - this.maxClosedMs();
      sql = `SELECT ${COLUMNS} FROM sessions WHERE start_time BETWEEN @lo AND @until
          AND (stop_time IS NULL OR stop_time >= @since) ${byUser}
        UNION ALL
        SELECT ${COLUMNS} FROM sessions WHERE stop_time IS NULL AND start_time < @lo ${byUser}
        ${NEWEST_FIRST} LIMIT @limit`;
    }
    return (this.prepared(sql).all(stripUndefined(params)) as Row[]).map(toSessionRow);
  }

  async live(opts: { nasIdentifier?: string } = {}): Promise<SessionRow[]> {
    return this.liveSync(opts.nasIdentifier);
  }

  liveSync(nasIdentifier?: string): SessionRow[] {
    const rows = nasIdentifier === undefined ? this.stmt.open.all() : this.stmt.openNas.all(nasIdentifier);
    return (rows as Row[]).map(toSessionRow);
  }

  async whoisIp(ip: string, at: number): Promise<SessionRow[]> {
    return this.whoisIpSync(ip, at);
  }

  whoisIpSync(ip: string, at: number): SessionRow[] {
    const sql = `SELECT ${COLUMNS} FROM sessions WHERE framed_ip = @ip AND start_time BETWEEN @lo AND @at
        AND (stop_time IS NULL OR stop_time >= @at)
      UNION ALL
      SELECT ${COLUMNS} FROM sessions WHERE stop_time IS NULL AND start_time < @lo AND framed_ip = @ip
      ${NEWEST_FIRST}`;
    return (this.prepared(sql).all({ ip, at, lo: at - this.maxClosedMs() }) as Row[]).map(toSessionRow);
  }

  async closeOpenSessions(cause: TerminateCause, time: number, opts: { nasIdentifier?: string } = {}): Promise<SessionRow[]> {
    return this.closeOpenSessionsSync(cause, time, opts.nasIdentifier);
  }

  closeOpenSessionsSync(cause: TerminateCause, time: number, nasIdentifier?: string): SessionRow[] {
    return this.db.transaction(() => {
      const open = (nasIdentifier === undefined ? this.stmt.open.all() : this.stmt.openNas.all(nasIdentifier)) as Row[];
      for (const r of open) {
        const stopAt = Math.max(time, r.start_time);
        this.stmt.recoverStop.run({ sessionId: r.session_id, time: stopAt, cause });
        this.stmt.maxClosed.run({ ms: stopAt - r.start_time });
      }
      return open.map(toSessionRow);
    })();
  }

  async close(): Promise<void> {
    if (this.pending.length > 0) await new Promise((r) => setImmediate(r)); // let a scheduled flush run
    if (this.db.open) this.db.close();
  }

  private prepared(sql: string): Database.Statement {
    let st = this.queries.get(sql);
    if (st === undefined) this.queries.set(sql, (st = this.db.prepare(sql)));
    return st;
  }

  private maxClosedMs(): number {
    return (this.stmt.getMaxClosed.get() as number | undefined) ?? 0;
  }
}

function openDatabase(path: string, readonly: boolean): Database.Database {
  let db: Database.Database | undefined;
  try {
    if (!readonly && path !== ':memory:') mkdirSync(dirname(path), { recursive: true, mode: 0o750 });
    db = new Database(path, { readonly, fileMustExist: readonly });
    if (readonly) {
      db.pragma('busy_timeout = 5000');
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version !== SCHEMA_VERSION) throw new Error(`not a pptpd-ts journal (schema version ${version}, want ${SCHEMA_VERSION})`);
    } else {
      configureWriter(db);
      migrate(db);
    }
    return db;
  } catch (e) {
    db?.close();
    throw new PptpdError(ErrorCode.STATE, `journal ${path}: cannot open (${(e as Error).message})`, { cause: e });
  }
}

function sessionParams(s: SessionInfo): Record<string, unknown> {
  return {
    sessionId: s.sessionId, userName: s.userName, peerName: s.peerName, nasIdentifier: s.nasIdentifier,
    nasIpAddress: s.nasIpAddress, callId: s.callId, line: s.line, clientAddress: s.clientAddress,
    serverAddress: s.serverAddress, framedIpAddress: s.framedIpAddress, localIpAddress: s.localIpAddress,
    startTime: s.startTime, authMethod: s.authMethod, encryption: s.encryption, class: JSON.stringify(s.class ?? []),
  };
}

function counters(c: SessionCounters): Record<string, number> {
  return { inputOctets: c.inputOctets, outputOctets: c.outputOctets, inputPackets: c.inputPackets, outputPackets: c.outputPackets };
}

function stripUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

function toSessionRow(r: Row): SessionRow {
  let cls: string[] = [];
  try {
    const v = JSON.parse(r.class) as unknown;
    if (Array.isArray(v)) cls = v.filter((x): x is string => typeof x === 'string');
  } catch { /* a hand-edited row: show no Class rather than fail the query */ }
  return {
    sessionId: r.session_id, userName: r.user_name, peerName: r.peer_name, nasIdentifier: r.nas_identifier,
    nasIpAddress: r.nas_ip_address, callId: r.call_id, line: r.line, clientAddress: r.client_address,
    serverAddress: r.server_address, framedIpAddress: r.framed_ip, localIpAddress: r.local_ip,
    startTime: r.start_time, stopTime: r.stop_time, duration: r.duration, inputOctets: r.input_octets,
    outputOctets: r.output_octets, inputPackets: r.input_packets, outputPackets: r.output_packets,
    terminateCause: r.terminate_cause as TerminateCause | null, authMethod: r.auth_method, encryption: r.encryption,
    class: cls, updatedAt: r.updated_at, closedByRecovery: r.stop_time !== null && r.stop_event_id === null,
  };
}
