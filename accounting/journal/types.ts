// The session journal's contract: one row per session, built from the accounting
// events, and the audit questions asked of it. SqliteJournal (sqlite.ts) is the embedded
// store; a fleet-wide store (a SQL server shared by several pptpd-ts) would implement the
// same interface, which is why every method is async even though SQLite is not.
import type { AccountingEvent, TerminateCause } from '../record.js';

/** One session as the journal knows it. Times are ms since the epoch. */
export interface SessionRow {
  readonly sessionId: string;
  readonly userName: string;
  readonly peerName: string;
  readonly nasIdentifier: string;
  readonly nasIpAddress: string;
  readonly callId: number;
  readonly line: string;
  /** Client's public address (Calling-Station-Id). */
  readonly clientAddress: string;
  readonly serverAddress: string;
  /** Tunnel address the client held (Framed-IP-Address): what the abuse desk asks about. */
  readonly framedIpAddress: string;
  readonly localIpAddress: string;
  readonly startTime: number;
  /** null while the session is live. */
  readonly stopTime: number | null;
  /** Whole seconds (Acct-Session-Time); null while live. */
  readonly duration: number | null;
  readonly inputOctets: number;
  readonly outputOctets: number;
  readonly inputPackets: number;
  readonly outputPackets: number;
  readonly terminateCause: TerminateCause | null;
  readonly authMethod: string;
  readonly encryption: string;
  /** RADIUS Class attributes, hex. */
  readonly class: readonly string[];
  /** Time of the newest event applied (start, interim or stop). */
  readonly updatedAt: number;
  /** True when the stop came from closeOpenSessions (crash recovery), not from a Stop event. */
  readonly closedByRecovery: boolean;
}

export interface LastQuery {
  readonly user?: string;
  /** Sessions active at some moment in [since, until]: start <= until and (live or stop >= since). */
  readonly since?: number;
  readonly until?: number;
  /** Default: no limit. */
  readonly limit?: number;
}

export interface SessionJournal {
  /** Apply one accounting event; idempotent (a replayed event changes nothing). Durable when it resolves. */
  apply(event: AccountingEvent): Promise<void>;
  /** Sessions newest first (by start, then session id). */
  last(q?: LastQuery): Promise<SessionRow[]>;
  /** Sessions without a stop, newest first; optionally only one NAS's. */
  live(opts?: { nasIdentifier?: string }): Promise<SessionRow[]>;
  /** Who held `ip` at `at`: start <= at and (stop is null or stop >= at), newest first. */
  whoisIp(ip: string, at: number): Promise<SessionRow[]>;
  get(sessionId: string): Promise<SessionRow | undefined>;
  /**
   * Crash recovery: give every open session (of one NAS, when named) a stop at `time` with
   * `cause`, and return them as they were before (so the caller can send their Stops to
   * the other sinks). A later real Stop event for one of them still replaces this stop.
   */
  closeOpenSessions(cause: TerminateCause, time: number, opts?: { nasIdentifier?: string }): Promise<SessionRow[]>;
  close(): Promise<void>;
}
