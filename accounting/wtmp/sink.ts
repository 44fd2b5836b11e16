// The utmp/wtmp sink: what PoPToP's `logwtmp` option did (a login record when the link
// comes up, a logout when it goes down), in glibc's binary format, so `last`, `who` and
// `utmpdump` read our sessions like any other login.
//
// Records
// - start → USER_PROCESS: ut_line = session.line ("pptp7"), ut_id = its last 4 bytes,
//   ut_user, ut_host = client address (also in ut_addr_v6), ut_pid = server pid,
//   ut_tv = start time, ut_session = marker(session id).
// - stop → DEAD_PROCESS for the same line, user and host cleared (as glibc's logout()
//   does), ut_tv = stop time, ut_session = marker(session id).
// - interim, accounting-on/-off → nothing. A BOOT_TIME record would make `last` print
//   "reboot"/"crash" for the whole machine, which a server restart is not; sessions left
//   open by a crash are closed by the Stop events recovery sends.
//
// Idempotency (deliver() may see the same event twice): ut_session carries a 31-bit hash
// of the session id, and the newest record per line tells what was already written.
// - utmp: start writes the slot unless it already holds USER_PROCESS with this marker;
//   stop turns the slot DEAD only if it holds USER_PROCESS with this marker (so a late
//   Stop never logs out a newer session that reuses the line).
// - wtmp: we remember the newest (type, marker) per line, read from the last
//   `tailRecords` records of the file on first use (and again after rotation). A start is
//   skipped when the line's newest record is this session's login; a stop is skipped when
//   it is this session's logout, or when a different session has logged in on the line
//   since (its logout would end the newer session in `last`). A replay older than the
//   scanned tail is written again: replays come from a crash moments before, so the tail
//   (8192 records by default, 3 MiB) covers them.
import type { AccountingEvent, AccountingSink, SessionInfo } from '../record.js';
import { decodeUtmp, encodeUtmp, utIdForLine, utmpRecord, UtmpType, UTMP_SIZE, type UtmpRecord } from './utmp-codec.js';
import { appendRecords, readTail, SlotFile, type FileIdentity } from './files.js';
import { isIP } from 'node:net';

export interface WtmpSinkOptions {
  /** wtmp to append to (PoPToP's `logwtmp`); null or omitted = off. Usually /var/log/wtmp. */
  readonly wtmpPath?: string | null;
  /** utmp to keep current (`who`); null or omitted = off. Usually /var/run/utmp. */
  readonly utmpPath?: string | null;
  /** fdatasync after each write so a resolved deliver() survives power loss (default true). */
  readonly sync?: boolean;
  /** How many wtmp records to scan for the per-line state on first use (default 8192). */
  readonly tailRecords?: number;
}

export const DEFAULT_WTMP = '/var/log/wtmp';
export const DEFAULT_UTMP = '/var/run/utmp';

/** Sink options from the configuration's accounting.wtmp / accounting.utmp; undefined when both are off. */
export function wtmpSinkOptions(a: {
  readonly wtmp: { readonly enabled: boolean; readonly file: string };
  readonly utmp: { readonly enabled: boolean; readonly file: string };
}): WtmpSinkOptions | undefined {
  if (!a.wtmp.enabled && !a.utmp.enabled) return undefined;
  return { wtmpPath: a.wtmp.enabled ? a.wtmp.file : null, utmpPath: a.utmp.enabled ? a.utmp.file : null };
}

interface LineState {
  readonly type: number;
  readonly marker: number;
}

/** 31-bit FNV-1a of the session id, never 0 (0 = "no marker", as other programs leave it). */
export function sessionMarker(sessionId: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(sessionId, 'utf8')) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h & 0x7fffffff || 1;
}

/** The login record for a session (also what utmp holds while it lives). */
export function loginRecord(s: SessionInfo, time: number): UtmpRecord {
  return utmpRecord({
    type: UtmpType.USER_PROCESS,
    pid: s.pid,
    line: s.line,
    id: utIdForLine(s.line),
    user: s.userName,
    host: s.clientAddress,
    addr: isIP(s.clientAddress) !== 0 && !s.clientAddress.includes('%') ? s.clientAddress : '',
    session: sessionMarker(s.sessionId),
    ...tv(time),
  });
}

/** The logout record: DEAD_PROCESS on the same line/id, user and host cleared. */
export function logoutRecord(s: SessionInfo, time: number): UtmpRecord {
  return utmpRecord({
    type: UtmpType.DEAD_PROCESS,
    pid: s.pid,
    line: s.line,
    id: utIdForLine(s.line),
    session: sessionMarker(s.sessionId),
    ...tv(time),
  });
}

function tv(ms: number): { tvSec: number; tvUsec: number } {
  const sec = Math.floor(ms / 1000);
  return { tvSec: sec, tvUsec: Math.floor(ms - sec * 1000) * 1000 };
}

export class WtmpSink implements AccountingSink {
  readonly name = 'wtmp';
  private readonly wtmpPath: string | null;
  private readonly utmpPath: string | null;
  private readonly sync: boolean;
  private readonly tailRecords: number;
  private queue: Promise<unknown> = Promise.resolve();
  private wtmpState: { id: FileIdentity; lines: Map<string, LineState> } | undefined;

  constructor(opts: WtmpSinkOptions) {
    this.wtmpPath = opts.wtmpPath ?? null;
    this.utmpPath = opts.utmpPath ?? null;
    this.sync = opts.sync ?? true;
    this.tailRecords = opts.tailRecords ?? 8192;
  }

  deliver(event: AccountingEvent): Promise<void> {
    // One event at a time: utmp is read-modify-write and the wtmp line state must follow the file.
    const run = this.queue.then(() => this.apply(event));
    this.queue = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    await this.queue;
  }

  private async apply(event: AccountingEvent): Promise<void> {
    if (event.type !== 'start' && event.type !== 'stop') return;
    const s = event.session;
    const rec = event.type === 'start' ? loginRecord(s, s.startTime) : logoutRecord(s, event.time);
    if (this.utmpPath !== null) await this.updateUtmp(this.utmpPath, rec);
    if (this.wtmpPath !== null) await this.appendWtmp(this.wtmpPath, rec);
  }

  private async appendWtmp(path: string, rec: UtmpRecord): Promise<void> {
    const lines = await this.wtmpLines(path);
    const prev = lines.get(rec.line);
    if (prev !== undefined && prev.marker === rec.session && prev.type === rec.type) return; // a replay
    if (rec.type === UtmpType.DEAD_PROCESS && prev?.type === UtmpType.USER_PROCESS && prev.marker !== rec.session) return;
    const id = await appendRecords(path, encodeUtmp(rec), this.sync);
    const state = this.wtmpState;
    if (state !== undefined && state.id.dev === id.dev && state.id.ino === id.ino) {
      state.lines.set(rec.line, { type: rec.type, marker: rec.session });
      this.wtmpState = { id, lines: state.lines };
    } else this.wtmpState = undefined; // rotated under us: rescan next time
  }

  /** Newest (type, marker) per line, from the file's tail; rescanned when the file was rotated or truncated. */
  private async wtmpLines(path: string): Promise<Map<string, LineState>> {
    const cached = this.wtmpState;
    if (cached !== undefined) {
      const tail = await readTail(path, 0);
      if (tail !== undefined && tail.id.dev === cached.id.dev && tail.id.ino === cached.id.ino && tail.id.size === cached.id.size) {
        return cached.lines;
      }
    }
    const lines = new Map<string, LineState>();
    const tail = await readTail(path, this.tailRecords);
    if (tail !== undefined) {
      for (let at = 0; at + UTMP_SIZE <= tail.buf.length; at += UTMP_SIZE) {
        const r = decodeUtmp(tail.buf, at);
        if ('kind' in r || r.line === '') continue;
        if (r.type === UtmpType.USER_PROCESS || r.type === UtmpType.DEAD_PROCESS) lines.set(r.line, { type: r.type, marker: r.session });
      }
      this.wtmpState = { id: tail.id, lines };
    }
    return lines;
  }

  private async updateUtmp(path: string, rec: UtmpRecord): Promise<void> {
    const f = await SlotFile.open(path);
    try {
      const buf = await f.readAll();
      const slots = Math.floor(buf.length / UTMP_SIZE);
      let own = -1;
      let free = -1;
      const prefix = linePrefix(rec.line);
      for (let i = 0; i < slots && own === -1; i++) {
        const r = decodeUtmp(buf, i * UTMP_SIZE);
        if ('kind' in r) continue; // not ours to touch
        if (r.line === rec.line && r.id === rec.id && r.type >= UtmpType.INIT_PROCESS && r.type <= UtmpType.DEAD_PROCESS) own = i;
        else if (free === -1 && (r.type === UtmpType.EMPTY || (r.type === UtmpType.DEAD_PROCESS && linePrefix(r.line) === prefix && prefix !== ''))) {
          free = i;
        }
      }
      const current = own === -1 ? undefined : (decodeUtmp(buf, own * UTMP_SIZE) as UtmpRecord);
      if (rec.type === UtmpType.USER_PROCESS) {
        if (current?.type === UtmpType.USER_PROCESS && current.session === rec.session) return; // a replay
        const slot = own !== -1 ? own : free;
        if (slot !== -1) await f.writeSlot(slot, encodeUtmp(rec), this.sync);
        else await f.appendSlot(encodeUtmp(rec), this.sync);
        return;
      }
      // Logout: only the slot this very session holds.
      if (current?.type === UtmpType.USER_PROCESS && current.session === rec.session) {
        await f.writeSlot(own, encodeUtmp(rec), this.sync);
      }
    } finally {
      await f.close();
    }
  }
}

/** "pptp17" → "pptp": lines of the same kind, whose dead slots we may reuse. */
function linePrefix(line: string): string {
  return line.replace(/\d+$/, '');
}
