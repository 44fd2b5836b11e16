// Crash recovery, run once at start-up right after AccountingDispatcher.open() (which has
// already resumed delivery of everything the spool still held).
//
// Every session the spool knows as open — its Start was recorded and its Stop was not — was
// cut off when the previous run died. Each gets a Stop with Acct-Terminate-Cause NAS-Reboot
// (RFC 2866 §5.10), recorded through the dispatcher like any other event, so it reaches every
// sink (RADIUS Stop, wtmp logout, journal end) with the same guarantees.
//
// Exactly once: the Stop is appended to the spool before the next session is looked at, and
// appending a Stop closes the session in the spool; a crash during recovery leaves only the
// sessions not yet closed for the next start. Its event id is the session's ordinary Stop id
// (`<sid>:stop`), so a replay of it is recognised by the spool and by BullMQ job ids.
//
// When did the session end? Not known; our best bound is the later of the session's last
// recorded event and the previous run's last heartbeat (the dispatcher notes "alive" every
// 30 s), never later than now. Counters are those of the last Interim-Update, if any.
import { TerminateCause } from './record.js';
import type { AccountingDispatcher, OpenSession } from './dispatcher.js';
import { stopEvent, ZERO_COUNTERS } from './dispatcher.js';
import type { Logger } from '../server/log.js';
import { silentLogger } from '../server/log.js';

export interface RecoveryReport {
  /** Sessions closed with NAS-Reboot. */
  readonly closed: number;
  /** Events of the previous run still waiting for at least one sink (delivery resumed). */
  readonly pending: number;
  /** The previous run's last heartbeat, if any (ms since the epoch). */
  readonly previousAlive: number | undefined;
}

/** The stop time recovery gives an open session. */
export function crashStopTime(open: OpenSession, previousAlive: number | undefined, now: number): number {
  const last = Math.max(open.lastTime, open.session.startTime, previousAlive ?? 0);
  return Math.min(last, now);
}

export function recoverOpenSessions(dispatcher: AccountingDispatcher, opts: { log?: Logger; now?: number } = {}): RecoveryReport {
  const log = opts.log ?? silentLogger();
  const now = opts.now ?? Date.now();
  const pending = dispatcher.pending();
  const previousAlive = dispatcher.previousAlive;
  const open = dispatcher.openSessions();
  for (const o of open) {
    const time = crashStopTime(o, previousAlive, now);
    dispatcher.record(stopEvent(o.session, o.counters ?? ZERO_COUNTERS, TerminateCause.NasReboot, time));
    log.info({ sessionId: o.session.sessionId, user: o.session.userName, line: o.session.line }, 'accounting: session left open by a crash closed (NAS-Reboot)');
  }
  if (open.length > 0 || pending > 0) log.warn({ closed: open.length, pending }, 'accounting: recovered after an unclean stop');
  return { closed: open.length, pending, previousAlive };
}
