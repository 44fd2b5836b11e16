// The in-process worker: one Lane per target (a sink, or the shared-queue forwarder).
//
// Rules:
// - Events of one session form a chain and go out strictly in order: the next one is not
//   tried before the target has acknowledged the previous one (a Stop never overtakes its
//   Start). Different sessions go out concurrently, up to `concurrency` at a time.
// - A failed delivery is retried after an exponential backoff kept per chain; the rest of
//   the lane keeps going. Lanes share nothing, so a dead RADIUS server never delays the
//   journal.
// - Delivery is at-least-once: an event leaves the lane only when deliver() resolved.
import type { AccountingEvent } from '../record.js';
import type { Logger } from '../../server/log.js';
import { silentLogger } from '../../server/log.js';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import type { SpoolEntry } from './spool.js';

/** What a target learns about an event besides the event itself. */
export interface DeliveryMeta {
  /** Previous event id of the same session (shared queues use it to keep order). */
  readonly prev: string | undefined;
  /** 1 for the first try. */
  readonly attempt: number;
}

/** A destination of a lane. Every AccountingSink is one (it ignores `meta`). */
export interface DeliveryTarget {
  readonly name: string;
  /** Sessions it takes at once, overriding the lane's default (a sink that batches internally wants many). */
  readonly concurrency?: number;
  deliver(event: AccountingEvent, meta: DeliveryMeta): Promise<void>;
  close?(): Promise<void>;
}

export interface LaneOptions {
  /** Sessions delivered at the same time (default 16). */
  readonly concurrency?: number;
  readonly backoff?: BackoffOptions;
  /** A delivery not settled after this long counts as failed (default 120 s). */
  readonly deliveryTimeoutMs?: number;
  readonly log?: Logger;
  /** Called once the target has the event. */
  readonly onAck: (entry: SpoolEntry) => void;
}

/** Order is kept per session; NAS-wide events (Accounting-On/-Off) form one chain per NAS. */
export function chainKey(ev: AccountingEvent): string {
  return 'session' in ev ? ev.session.sessionId : `nas:${ev.nasIdentifier}`;
}

interface Chain {
  readonly key: string;
  readonly queue: SpoolEntry[];
  attempts: number;
  busy: boolean;
  timer: NodeJS.Timeout | undefined;
}

export class Lane {
  readonly target: DeliveryTarget;
  readonly #chains = new Map<string, Chain>();
  readonly #ready = new Set<string>(); // chains whose head may be tried now, oldest first
  readonly #concurrency: number;
  readonly #backoff: BackoffOptions;
  readonly #timeoutMs: number;
  readonly #log: Logger;
  readonly #onAck: (entry: SpoolEntry) => void;
  readonly #idleWaiters: (() => void)[] = [];
  #inFlight = 0;
  #size = 0;
  #stopped = false;
  #delivered = 0;
  #failures = 0;

  constructor(target: DeliveryTarget, opts: LaneOptions) {
    this.target = target;
    this.#concurrency = Math.max(1, opts.concurrency ?? 16);
    this.#backoff = opts.backoff ?? DEFAULT_BACKOFF;
    this.#timeoutMs = opts.deliveryTimeoutMs ?? 120_000;
    this.#log = (opts.log ?? silentLogger()).child({ sink: target.name });
    this.#onAck = opts.onAck;
  }

  /** Events waiting for this target (in flight included). */
  get size(): number {
    return this.#size;
  }

  get stats(): { delivered: number; failures: number; pending: number; inFlight: number } {
    return { delivered: this.#delivered, failures: this.#failures, pending: this.#size, inFlight: this.#inFlight };
  }

  push(entry: SpoolEntry): void {
    if (this.#stopped) return;
    const key = chainKey(entry.event);
    let chain = this.#chains.get(key);
    if (!chain) {
      chain = { key, queue: [], attempts: 0, busy: false, timer: undefined };
      this.#chains.set(key, chain);
    }
    chain.queue.push(entry);
    this.#size++;
    if (!chain.busy && chain.timer === undefined) this.#ready.add(key);
    this.#pump();
  }

  /** Resolves when nothing is waiting for this target. */
  whenIdle(): Promise<void> {
    if (this.#size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** No new attempt starts after this; deliveries in flight finish on their own. */
  stop(): void {
    this.#stopped = true;
    for (const c of this.#chains.values()) if (c.timer) clearTimeout(c.timer);
    this.#ready.clear();
  }

  #pump(): void {
    while (!this.#stopped && this.#inFlight < this.#concurrency && this.#ready.size > 0) {
      const key = this.#ready.values().next().value as string;
      this.#ready.delete(key);
      const chain = this.#chains.get(key);
      if (chain && chain.queue.length > 0 && !chain.busy) this.#start(chain);
    }
  }

  #start(chain: Chain): void {
    const entry = chain.queue[0];
    if (!entry) return;
    chain.busy = true;
    this.#inFlight++;
    const attempt = chain.attempts + 1;
    let settled = false;
    const timer = setTimeout(() => finish(new Error(`no answer from ${this.target.name} after ${this.#timeoutMs} ms`)), this.#timeoutMs);
    timer.unref();
    const finish = (err: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      this.#inFlight--;
      chain.busy = false;
      if (err === undefined) this.#succeeded(chain, entry);
      else this.#failed(chain, entry, err);
      this.#pump();
    };
    let p: Promise<void>;
    try {
      p = this.target.deliver(entry.event, { prev: entry.prev, attempt });
    } catch (err) {
      p = Promise.reject(err);
    }
    p.then(
      () => finish(undefined),
      (err: unknown) => finish(err ?? new Error('delivery rejected')),
    );
  }

  #succeeded(chain: Chain, entry: SpoolEntry): void {
    if (chain.attempts > 0) this.#log.info({ id: entry.event.id, attempts: chain.attempts + 1 }, 'accounting: delivered after retries');
    chain.queue.shift();
    chain.attempts = 0;
    this.#size--;
    this.#delivered++;
    try {
      this.#onAck(entry);
    } catch (err) {
      this.#log.error({ err, id: entry.event.id }, 'accounting: acknowledging a delivered event failed');
    }
    if (chain.queue.length > 0) this.#ready.add(chain.key);
    else this.#chains.delete(chain.key);
    if (this.#size === 0) for (const w of this.#idleWaiters.splice(0)) w();
  }

  #failed(chain: Chain, entry: SpoolEntry, err: unknown): void {
    chain.attempts++;
    this.#failures++;
    const delay = backoffDelay(chain.attempts, this.#backoff);
    // Log the first failure and then only every 10th, so a long outage does not flood the log.
    if (chain.attempts === 1 || chain.attempts % 10 === 0) {
      this.#log.warn({ id: entry.event.id, attempt: chain.attempts, retryInMs: delay, err: (err as Error)?.message ?? String(err) }, 'accounting: delivery failed, will retry');
    }
    if (this.#stopped) return;
    chain.timer = setTimeout(() => {
      chain.timer = undefined;
      this.#ready.add(chain.key);
      this.#pump();
    }, delay);
    chain.timer.unref();
  }
}
