// The AccountingRecorder the server runtime calls. record() appends the event to the spool
// (a synchronous write: it survives a kill -9 once record() returns); once the spool's group
// commit has fdatasync'ed it (power-loss durable), it goes to one Lane per target; each
// lane delivers in session order with its own retries, and the event leaves the spool once
// every target has acknowledged it. Targets are the local sinks and, with Redis, the
// BullMQ forwarder (queue/bullmq.ts), whose workers then deliver to the shared sinks.
//
// Scheduling Interim-Updates is the runtime's job; nextInterimAt() below computes when.
import fs from 'node:fs';
import path from 'node:path';
import type { AccountingEvent, AccountingRecorder, SessionCounters, SessionInfo, TerminateCause } from './record.js';
import { eventId } from './record.js';
import type { Logger } from '../server/log.js';
import { silentLogger } from '../server/log.js';
import { Channel, publish } from '../server/events.js';
import { Lane, type DeliveryTarget, type LaneOptions } from './queue/lane.js';
import { Spool, type OpenSession, type SpoolEntry, type SpoolOptions } from './queue/spool.js';

export type { DeliveryTarget, DeliveryMeta } from './queue/lane.js';
export type { OpenSession } from './queue/spool.js';

export const HEARTBEAT_FILE = 'alive';

export interface DispatcherOptions {
  /** Directory of the spool (config accounting.spoolDir). */
  readonly spoolDir: string;
  /** Sinks delivered in-process, and/or the shared-queue forwarder. Names must be unique. */
  readonly targets: readonly DeliveryTarget[];
  readonly log?: Logger;
  readonly lane?: Omit<LaneOptions, 'onAck' | 'log'>;
  readonly spool?: Omit<SpoolOptions, 'log'>;
  /** How often to note "still alive" in the spool directory (crash-time estimate); 0 = never. Default 30 s. */
  readonly heartbeatMs?: number;
}

export class AccountingDispatcher implements AccountingRecorder {
  readonly #spool: Spool;
  readonly #lanes = new Map<string, Lane>();
  readonly #log: Logger;
  readonly #heartbeatFile: string;
  readonly #previousAlive: number | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #closed = false;

  private constructor(spool: Spool, opts: DispatcherOptions, log: Logger) {
    this.#spool = spool;
    this.#log = log;
    this.#heartbeatFile = path.join(opts.spoolDir, HEARTBEAT_FILE);
    this.#previousAlive = readHeartbeat(this.#heartbeatFile);
    for (const t of opts.targets) {
      if (this.#lanes.has(t.name)) throw new Error(`accounting target "${t.name}" configured twice`);
      this.#lanes.set(
        t.name,
        new Lane(observed(t), {
          ...opts.lane,
          ...(t.concurrency !== undefined ? { concurrency: t.concurrency } : {}),
          log,
          onAck: (entry) => this.#acked(entry, t.name),
        }),
      );
    }
  }

  /** Opens the spool and resumes delivery of everything it still holds. */
  static open(opts: DispatcherOptions): AccountingDispatcher {
    const log = opts.log ?? silentLogger();
    const spool = Spool.open(opts.spoolDir, { ...opts.spool, log });
    const d = new AccountingDispatcher(spool, opts, log);
    d.#resume();
    d.#beat();
    const every = opts.heartbeatMs ?? 30_000;
    if (every > 0) {
      d.#heartbeat = setInterval(() => d.#beat(), every);
      d.#heartbeat.unref();
    }
    return d;
  }

  /**
   * Written to the spool before it returns (survives a crash of the process); delivered to
   * every target once the group commit has it on disk (survives a power cut), never before.
   */
  record(event: AccountingEvent): void {
    if (this.#closed) {
      this.#log.error({ id: event.id }, 'accounting: record() after close, event not recorded');
      return;
    }
    const targets = [...this.#lanes.keys()];
    let entry: SpoolEntry | undefined;
    try {
      entry = this.#spool.append(event, targets);
    } catch (err) {
      // Disk full or gone: deliver from memory rather than drop the record outright.
      this.#log.error({ err, id: event.id }, 'accounting: spool append failed, delivering without durability');
      entry = { event, prev: undefined, pending: new Set(targets) };
    }
    if (!entry) {
      this.#log.debug({ id: event.id }, 'accounting: event already pending, replay ignored');
      return;
    }
    const e = entry;
    this.#spool.afterDurable(() => {
      for (const name of e.pending) this.#lanes.get(name)?.push(e);
    });
  }

  /** Sessions the spool knows as open (Start recorded, Stop not). */
  openSessions(): OpenSession[] {
    return this.#spool.openSessions();
  }

  /** Last "alive" note of the previous run (ms since the epoch), if it left one. */
  get previousAlive(): number | undefined {
    return this.#previousAlive;
  }

  get targetNames(): string[] {
    return [...this.#lanes.keys()];
  }

  /** Events still waiting for `target`, or for any target (spool entries). */
  pending(target?: string): number {
    return target === undefined ? this.#spool.size : (this.#lanes.get(target)?.size ?? 0);
  }

  /**
   * When the oldest record still waiting for `target` (or for any target) was made, ms since
   * the epoch; undefined when nothing waits. Scans the pending records (metrics read it at
   * each scrape, not per record).
   */
  oldestPendingTime(target?: string): number | undefined {
    let oldest: number | undefined;
    for (const e of this.#spool.pending()) {
      if (target !== undefined && !e.pending.has(target)) continue;
      if (oldest === undefined || e.event.time < oldest) oldest = e.event.time;
    }
    return oldest;
  }

  laneStats(): Record<string, Lane['stats']> {
    return Object.fromEntries([...this.#lanes].map(([n, l]) => [n, l.stats]));
  }

  /** Resolves true once every target has everything, false if `timeoutMs` passes first. */
  async whenIdle(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    // Records still waiting for their fdatasync are in no lane yet.
    const idle = this.#spool.whenDurable().then(() => Promise.all([...this.#lanes.values()].map((l) => l.whenIdle()))).then(() => true);
    try {
      return await Promise.race([idle, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Stops delivering after waiting up to `drainMs` for the targets to catch up; whatever is
   * left stays in the spool for the next start. Closes the targets and the spool.
   */
  async close(opts: { drainMs?: number } = {}): Promise<void> {
    if (this.#closed) return;
    if ((opts.drainMs ?? 0) > 0) await this.whenIdle(opts.drainMs ?? 0);
    this.#closed = true;
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#beat(true);
    for (const lane of this.#lanes.values()) lane.stop();
    for (const lane of this.#lanes.values()) {
      try {
        await lane.target.close?.();
      } catch (err) {
        this.#log.warn({ err, sink: lane.target.name }, 'accounting: closing a sink failed');
      }
    }
    this.#spool.close();
  }

  #acked(entry: SpoolEntry, target: string): void {
    // The spool's entry is this same object: spool.ack() updates `pending` and writes the line.
    if (this.#closed) entry.pending.delete(target);
    else this.#spool.ack(entry.event.id, target);
  }

  #resume(): void {
    const unknown = new Map<string, number>();
    for (const entry of this.#spool.pending()) {
      for (const name of entry.pending) {
        const lane = this.#lanes.get(name);
        if (lane) lane.push(entry);
        else unknown.set(name, (unknown.get(name) ?? 0) + 1);
      }
    }
    // Kept, not dropped: they go out if that sink is configured again.
    for (const [name, n] of unknown) this.#log.warn({ sink: name, events: n }, 'accounting: spool holds events for a sink that is no longer configured');
    const pending = this.#spool.size;
    if (pending > 0) this.#log.info({ pending }, 'accounting: resuming delivery of spooled events');
  }

  #beat(final = false): void {
    try {
      // Plain write, no fsync: it only bounds the crash time of sessions that were open.
      fs.writeFileSync(this.#heartbeatFile, `${Date.now()}${final ? ' closed' : ''}\n`);
    } catch (err) {
      this.#log.debug({ err }, 'accounting: heartbeat write failed');
    }
  }
}

/** `t`, publishing every delivery attempt on diagnostics_channel (traces and metrics subscribe). */
function observed(t: DeliveryTarget): DeliveryTarget {
  const report = (event: AccountingEvent, attempt: number, startTime: number, t0: number, err: unknown): void =>
    publish(Channel.accountingDelivery, {
      sink: t.name,
      eventId: event.id,
      type: event.type,
      sessionId: 'session' in event ? event.session.sessionId : undefined,
      attempt,
      ok: err === undefined,
      error: err === undefined ? undefined : err instanceof Error ? err.message : String(err),
      recordTime: event.time,
      startTime,
      ms: performance.now() - t0,
    });
  return {
    name: t.name,
    deliver: (event, meta) => {
      const startTime = Date.now();
      const t0 = performance.now();
      let p: Promise<void>;
      try {
        p = t.deliver(event, meta);
      } catch (err) {
        report(event, meta.attempt, startTime, t0, err);
        throw err;
      }
      p.then(
        () => report(event, meta.attempt, startTime, t0, undefined),
        (err: unknown) => report(event, meta.attempt, startTime, t0, err ?? new Error('delivery rejected')),
      );
      return p;
    },
    ...(t.close !== undefined ? { close: () => t.close!() } : {}),
  };
}

function readHeartbeat(file: string): number | undefined {
  try {
    const n = Number.parseInt(fs.readFileSync(file, 'utf8'), 10);
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

// --- helpers for the producer (server runtime) -------------------------------------------

/** RFC 2869 §5.16: Acct-Interim-Interval "SHOULD NOT" be below 60 s; we enforce that floor. */
export const MIN_INTERIM_INTERVAL_S = 60;

/**
 * When the next Interim-Update is due (ms since the epoch): the first instant
 * startTime + k·interval (k ≥ 1) strictly after `now`, so updates stay on the session's
 * own grid even if one fired late. undefined when no interval is set.
 */
export function nextInterimAt(startTime: number, now: number, intervalS: number | undefined, minS = MIN_INTERIM_INTERVAL_S): number | undefined {
  if (intervalS === undefined || !Number.isFinite(intervalS) || intervalS <= 0) return undefined;
  const stepMs = Math.max(intervalS, minS) * 1000;
  const k = Math.max(1, Math.floor((now - startTime) / stepMs) + 1);
  return startTime + k * stepMs;
}

export function startEvent(session: SessionInfo, time = session.startTime): AccountingEvent {
  return { type: 'start', id: eventId(session.sessionId, 'start'), time, session };
}

/** `seq` numbers the session's Interim-Updates 1, 2, … (part of the event id). */
export function interimEvent(session: SessionInfo, counters: SessionCounters, seq: number, time: number): AccountingEvent {
  return { type: 'interim', id: eventId(session.sessionId, 'interim', seq), time, session, counters };
}

export function stopEvent(session: SessionInfo, counters: SessionCounters, cause: TerminateCause, time: number): AccountingEvent {
  return { type: 'stop', id: eventId(session.sessionId, 'stop'), time, session, counters, cause };
}

/** Accounting-On/-Off (RFC 2866 §5.1). `bootId` makes the id unique per run of the server. */
export function nasEvent(type: 'accounting-on' | 'accounting-off', nas: { nasIdentifier: string; nasIpAddress: string }, bootId: string, time: number): AccountingEvent {
  return { type, id: eventId(`${nas.nasIdentifier}.${bootId}`, type), time, nasIdentifier: nas.nasIdentifier, nasIpAddress: nas.nasIpAddress };
}

export const ZERO_COUNTERS: SessionCounters = { inputOctets: 0, outputOctets: 0, inputPackets: 0, outputPackets: 0 };
