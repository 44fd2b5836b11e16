// Messages between ThreadedJournal (main thread, threaded.ts) and the worker that owns the
// SQLite database (worker.ts). Every request carries an id; the worker answers each one once,
// in order, with the same id.
import type { TerminateCause } from '../record.js';
import type { LastQuery, SessionRow } from './types.js';

export type JournalRequest =
  /**
   * `events`: the batch as JSON text (an array of AccountingEvent). One string crosses the
   * thread boundary far cheaper than the structured clone of as many nested objects.
   */
  | { readonly id: number; readonly op: 'apply'; readonly events: string }
  | { readonly id: number; readonly op: 'last'; readonly q: LastQuery }
  | { readonly id: number; readonly op: 'live'; readonly nasIdentifier?: string }
  | { readonly id: number; readonly op: 'whoisIp'; readonly ip: string; readonly at: number }
  | { readonly id: number; readonly op: 'get'; readonly sessionId: string }
  | { readonly id: number; readonly op: 'closeOpenSessions'; readonly cause: TerminateCause; readonly time: number; readonly nasIdentifier?: string }
  | { readonly id: number; readonly op: 'close' };

export type JournalReply =
  | { readonly id: number; readonly ok: true; readonly value?: SessionRow[] | SessionRow }
  | { readonly id: number; readonly ok: false; readonly message: string };

export interface JournalWorkerData {
  readonly path: string;
}
