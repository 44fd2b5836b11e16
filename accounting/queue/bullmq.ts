// Shared delivery through BullMQ on Redis: a fleet of pptpd-ts servers feeds the same queues,
// and every server's workers deliver from them to the shared sinks (RADIUS accounting).
//
// Rules:
// - One queue per shared sink (`acct-<sink>` under the configured key prefix), so sinks stay
//   independent: a dead RADIUS server only fills its own queue.
// - The job id is derived from the event id, and completed jobs are kept for `retentionS`:
//   adding an event again (the spool replaying after a crash, two servers recovering) finds
//   the existing job and adds nothing, so a Stop is never sent twice.
// - Per-session order: each job names its session's previous event (`prev`, from the spool).
//   A worker that picks a job whose predecessor has not completed puts it back as delayed,
//   so a Stop never overtakes its Start even with many workers.
// - Failures are retried "forever" with the shared capped exponential backoff.
// - The producer side is a DeliveryTarget (`forwarder`): the local spool + lane in front of
//   it make record() durable and retry while Redis itself is unreachable.
import { DelayedError, Queue, Worker, type Job } from 'bullmq';
import type { AccountingEvent, AccountingSink } from '../record.js';
import type { Logger } from '../../server/log.js';
import { silentLogger } from '../../server/log.js';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import type { DeliveryMeta, DeliveryTarget } from './lane.js';

/** Name of the forwarder target in the spool. */
export const FORWARDER_NAME = 'redis';

export interface BullmqOptions {
  /** redis:// or rediss:// URL (config accounting.redis.url). */
  readonly url: string;
  /** Key prefix shared by the fleet (config accounting.redis.prefix). */
  readonly prefix: string;
  /** Sinks every server can deliver to (RADIUS accounting); one queue each. */
  readonly sinks: readonly AccountingSink[];
  /** Run workers in this process (default true). A server may be a producer only. */
  readonly runWorkers?: boolean;
  /** Jobs per worker at a time (default 16). */
  readonly concurrency?: number;
  readonly backoff?: BackoffOptions;
  /** Delay before looking again when a job's predecessor is not done (default 500 ms). */
  readonly orderDelayMs?: number;
  /** How long completed jobs are kept: the window in which a replay is recognised (default 7 days). */
  readonly retentionS?: number;
  /**
   * A job whose worker died (kill -9) stays "active" until its lock expires, then the stall
   * check puts it back to wait. Locks are renewed while the worker lives, so a slow RADIUS
   * exchange is never mistaken for a dead worker. Defaults 30 s and 15 s.
   */
  readonly lockDurationMs?: number;
  readonly stalledIntervalMs?: number;
  readonly log?: Logger;
}

export interface JobData {
  readonly event: AccountingEvent;
  /** Job id of the previous event of the same session in this queue. */
  readonly prev: string | null;
}

/**
 * BullMQ refuses ':' in custom job ids (it separates key parts) and purely numeric ids;
 * event ids have ':' (record.ts eventId). Percent-encode ':' and '%' (reversible), and
 * prefix 'e' so the id is never numeric.
 */
export function jobIdFor(eventId: string): string {
  return 'e' + eventId.replace(/%/g, '%25').replace(/:/g, '%3A');
}

export function queueNameFor(sinkName: string): string {
  if (sinkName.includes(':')) throw new Error(`sink name "${sinkName}" must not contain ':'`);
  return `acct-${sinkName}`;
}

/** Effectively unlimited: a record is retried until the sink takes it. */
const ATTEMPTS = 2 ** 31 - 1;

export class BullmqTransport {
  readonly forwarder: DeliveryTarget;
  readonly #queues = new Map<string, Queue<JobData>>();
  readonly #workers: Worker<JobData>[] = [];
  readonly #sinks: readonly AccountingSink[];
  readonly #opts: BullmqOptions;
  readonly #log: Logger;
  #closed = false;

  constructor(opts: BullmqOptions) {
    this.#opts = opts;
    this.#sinks = opts.sinks;
    this.#log = (opts.log ?? silentLogger()).child({ queue: 'bullmq' });
    const backoff = opts.backoff ?? DEFAULT_BACKOFF;
    for (const sink of opts.sinks) {
      const name = queueNameFor(sink.name);
      // Producer connection fails fast while Redis is away (no offline queue): the lane retries.
      const queue = new Queue<JobData>(name, {
        connection: { url: opts.url, enableOfflineQueue: false },
        prefix: opts.prefix,
      });
      queue.on('error', (err) => this.#log.warn({ err: err.message, queue: name }, 'accounting queue: redis error'));
      this.#queues.set(sink.name, queue);
      if (opts.runWorkers ?? true) {
        const worker = new Worker<JobData>(name, (job, token) => this.#process(sink, queue, job, token), {
          connection: { url: opts.url, maxRetriesPerRequest: null },
          prefix: opts.prefix,
          concurrency: opts.concurrency ?? 16,
          lockDuration: opts.lockDurationMs ?? 30_000,
          stalledInterval: opts.stalledIntervalMs ?? 15_000,
          // BullMQ fails a job that stalled more than maxStalledCount times (default 1), which
          // would drop a record after two crashes in a row. Never give up on a record.
          maxStalledCount: Number.MAX_SAFE_INTEGER,
          settings: { backoffStrategy: (attemptsMade: number) => backoffDelay(attemptsMade, backoff) },
        });
        worker.on('error', (err) => this.#log.warn({ err: err.message, queue: name }, 'accounting worker: redis error'));
        worker.on('failed', (job, err) => {
          const n = job?.attemptsMade ?? 0;
          if (n === 1 || n % 10 === 0) this.#log.warn({ id: job?.data.event.id, sink: sink.name, attempt: n, err: err.message }, 'accounting: delivery failed, will retry');
        });
        this.#workers.push(worker);
      }
    }
    this.forwarder = {
      name: FORWARDER_NAME,
      deliver: (event, meta) => this.#add(event, meta),
      close: () => this.close(),
    };
  }

  /** The queue of a sink (tests, metrics). */
  queue(sinkName: string): Queue<JobData> | undefined {
    return this.#queues.get(sinkName);
  }

  /** Adds the event to every sink's queue; resolves when Redis has them all. */
  async #add(event: AccountingEvent, meta: DeliveryMeta): Promise<void> {
    const retention = this.#opts.retentionS ?? 7 * 24 * 3600;
    const data: JobData = { event, prev: meta.prev === undefined ? null : jobIdFor(meta.prev) };
    await Promise.all(
      [...this.#queues.values()].map((q) =>
        q.add(event.type, data, {
          jobId: jobIdFor(event.id),
          attempts: ATTEMPTS,
          backoff: { type: 'custom' },
          removeOnComplete: { age: retention },
          removeOnFail: false,
        }),
      ),
    );
  }

  async #process(sink: AccountingSink, queue: Queue<JobData>, job: Job<JobData>, token: string | undefined): Promise<void> {
    const { event, prev } = job.data;
    if (prev !== null) {
      // 'unknown' = never added or completed long ago and removed: either way nothing to wait for.
      const state = await queue.getJobState(prev);
      if (state !== 'completed' && state !== 'unknown') {
        await job.moveToDelayed(Date.now() + (this.#opts.orderDelayMs ?? 500), token);
        throw new DelayedError();
      }
    }
    await sink.deliver(event);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled(this.#workers.map((w) => w.close()));
    await Promise.allSettled([...this.#queues.values()].map((q) => q.close()));
    for (const s of this.#sinks) {
      try {
        await s.close?.();
      } catch (err) {
        this.#log.warn({ err, sink: s.name }, 'accounting: closing a sink failed');
      }
    }
  }
}
