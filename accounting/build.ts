// Composition of accounting from the configuration (config.accounting):
//
//   sinks   wtmp/utmp (accounting.wtmp / .utmp), journal (accounting.journal),
//           RADIUS accounting (accounting.radius), plus any the caller adds;
//   path    every event is appended to the spool (accounting.spoolDir) first. Without Redis,
//           one in-process lane per sink delivers from there. With accounting.redis, the
//           sinks every server can reach (RADIUS) move to BullMQ queues shared by the fleet,
//           while the machine-local ones (wtmp/utmp, the SQLite journal) stay in-process.
//
// start() runs crash recovery and sends Accounting-On; shutdown() sends Accounting-Off,
// waits a little for the sinks to catch up, and closes everything (what is left stays in
// the spool, or in Redis, for the next start).
import type { Config } from '../config/schema.js';
import type { Logger } from '../server/log.js';
import { silentLogger } from '../server/log.js';
import { RadiusClient } from '../server/radius/client.js';
import { serversWithSecrets } from '../auth-plugins/radius/options.js';
import { AccountingDispatcher, nasEvent, type DeliveryTarget } from './dispatcher.js';
import { JournalSink } from './journal/sink.js';
import { ThreadedJournal } from './journal/threaded.js';
import type { BackoffOptions } from './queue/backoff.js';
import { BullmqTransport } from './queue/bullmq.js';
import { RadiusAcctSink } from './radius-acct/sink.js';
import type { AccountingRecorder, AccountingSink } from './record.js';
import { recoverOpenSessions, type RecoveryReport } from './recovery.js';
import { newSessionId } from './session-id.js';
import { WtmpSink } from './wtmp/sink.js';

export type AccountingConfig = Config['accounting'];

export interface BuildAccountingDeps {
  readonly log?: Logger;
  /** NAS identity for Accounting-On/-Off when accounting.radius does not give one. */
  readonly nasIdentifier?: string;
  readonly nasIpAddress?: string;
  /** More machine-local sinks (delivered in-process). */
  readonly extraSinks?: readonly AccountingSink[];
  /** More sinks any server of the fleet can deliver to (through BullMQ when Redis is configured). */
  readonly extraSharedSinks?: readonly AccountingSink[];
  readonly backoff?: BackoffOptions;
  /** Run BullMQ workers in this process (default true). */
  readonly runQueueWorkers?: boolean;
  /** BullMQ worker lock and stall-check timings (see queue/bullmq.ts); tests shorten them. */
  readonly queueTimings?: { readonly lockDurationMs?: number; readonly stalledIntervalMs?: number };
  /** Local address of the RADIUS sockets (default 0.0.0.0). */
  readonly radiusBindAddress?: string;
}

export interface AccountingService {
  readonly recorder: AccountingRecorder;
  readonly dispatcher: AccountingDispatcher;
  /** Null without Redis. */
  readonly transport: BullmqTransport | null;
  /** Unique per run; names this run's Accounting-On/-Off. */
  readonly bootId: string;
  readonly nas: { readonly nasIdentifier: string; readonly nasIpAddress: string };
  /** Closes sessions a crash left open, then records Accounting-On. Call once, before sessions start. */
  start(): RecoveryReport;
  /** Records Accounting-Off, waits up to drainMs (default 5 s) for delivery, closes. */
  shutdown(opts?: { drainMs?: number }): Promise<void>;
}

/** The sinks of the configuration, split into machine-local and fleet-shareable ones. */
export function buildSinks(cfg: AccountingConfig, deps: BuildAccountingDeps = {}): { local: AccountingSink[]; shared: AccountingSink[] } {
  const local: AccountingSink[] = [];
  const shared: AccountingSink[] = [];
  // Read defensively: the schema gives every key a default, but a hand-built object may not.
  const wtmp = cfg.wtmp?.enabled === true ? cfg.wtmp.file : null;
  const utmp = cfg.utmp?.enabled === true ? cfg.utmp.file : null;
  if (wtmp !== null || utmp !== null) local.push(new WtmpSink({ wtmpPath: wtmp, utmpPath: utmp }));
  if (cfg.journal?.enabled === true) local.push(new JournalSink(new ThreadedJournal(cfg.journal.path)));
  const r = cfg.radius;
  if (r !== undefined && r.servers.length > 0) {
    const client = new RadiusClient({
      servers: serversWithSecrets(r.servers, 'accounting.radius').map((s) => ({ host: s.host, port: s.port, secret: s.secret })),
      timeoutMs: (r.timeout ?? 3) * 1000,
      retries: r.retries ?? 3,
      ...(deps.radiusBindAddress !== undefined ? { bindAddress: deps.radiusBindAddress } : {}),
      ...(deps.log !== undefined ? { logger: deps.log.child({ component: 'radius-acct' }) } : {}),
    });
    shared.push(
      new RadiusAcctSink({
        client,
        ...(r.nasIdentifier !== undefined ? { nasIdentifier: r.nasIdentifier } : {}),
        ...(r.nasIpAddress !== undefined ? { nasIpAddress: r.nasIpAddress } : {}),
      }),
    );
  }
  local.push(...(deps.extraSinks ?? []));
  shared.push(...(deps.extraSharedSinks ?? []));
  return { local, shared };
}

export function buildAccounting(cfg: AccountingConfig, deps: BuildAccountingDeps = {}): AccountingService {
  const log = (deps.log ?? silentLogger()).child({ component: 'accounting' });
  const { local, shared } = buildSinks(cfg, deps);
  let transport: BullmqTransport | null = null;
  const targets: DeliveryTarget[] = [...local];
  if (cfg.redis !== undefined && shared.length > 0) {
    transport = new BullmqTransport({
      url: cfg.redis.url,
      prefix: cfg.redis.prefix ?? 'pptpd-ts',
      sinks: shared,
      log,
      ...(deps.backoff !== undefined ? { backoff: deps.backoff } : {}),
      ...(deps.runQueueWorkers !== undefined ? { runWorkers: deps.runQueueWorkers } : {}),
      ...deps.queueTimings,
    });
    targets.push(transport.forwarder);
  } else {
    targets.push(...shared);
  }
  const dispatcher = AccountingDispatcher.open({
    spoolDir: cfg.spoolDir,
    targets,
    log,
    // Redis down must not park the forwarder for long: its add() fails fast anyway.
    lane: { ...(deps.backoff !== undefined ? { backoff: deps.backoff } : {}) },
  });
  const nas = {
    nasIdentifier: cfg.radius?.nasIdentifier ?? deps.nasIdentifier ?? 'pptpd-ts',
    nasIpAddress: cfg.radius?.nasIpAddress ?? deps.nasIpAddress ?? '',
  };
  const bootId = newSessionId();
  let started = false;
  let stopped = false;
  return {
    recorder: dispatcher,
    dispatcher,
    transport,
    bootId,
    nas,
    start(): RecoveryReport {
      if (started) throw new Error('accounting already started');
      started = true;
      const report = recoverOpenSessions(dispatcher, { log });
      // RFC 2866 §5.1: Accounting-On marks the start of accounting on this NAS.
      dispatcher.record(nasEvent('accounting-on', nas, bootId, Date.now()));
      log.info({ sinks: dispatcher.targetNames, shared: transport ? shared.map((s) => s.name) : [], closed: report.closed, pending: report.pending }, 'accounting started');
      return report;
    },
    async shutdown(opts = {}): Promise<void> {
      if (stopped) return;
      stopped = true;
      if (started) dispatcher.record(nasEvent('accounting-off', nas, bootId, Date.now()));
      await dispatcher.close({ drainMs: opts.drainMs ?? 5000 });
    },
  };
}
