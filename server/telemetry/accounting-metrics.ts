// Accounting metrics:
//  - polled when a reader collects: records waiting per target in the dispatcher (the
//    spool) and the age of the oldest of them — the two numbers that say "RADIUS
//    accounting is down and the backlog is growing";
//  - from the delivery events accounting/dispatcher.ts publishes: attempts by target, record
//    type and result, and how old a record was when a target finally took it.
// Targets are the configured sinks (wtmp, journal, radius) or, with Redis, the forwarder
// into the shared queue (`redis`): bounded label values.

import type { BatchObservableCallback, Meter } from '@opentelemetry/api';
import { Channel, subscribe, type AccountingDeliveryEvent } from '../events.js';

/** What metrics read of the accounting dispatcher (accounting/dispatcher.ts). */
export interface AccountingQueueView {
  readonly targetNames: readonly string[];
  /** Records waiting for `target` (in flight included). */
  pending(target?: string): number;
  /** When the oldest record waiting for `target` was made, ms since the epoch. */
  oldestPendingTime(target?: string): number | undefined;
}

/** The part of the server this module reads: PptpServer's `accounting` getter. */
export interface AccountingMetricsHost {
  readonly accounting?: { readonly dispatcher: AccountingQueueView } | undefined;
}

/** Seconds from a record being made to a target taking it: at once, or after an outage. */
const DELAY_BUCKETS = [0.01, 0.05, 0.25, 1, 5, 30, 60, 300, 900, 3600, 4 * 3600, 24 * 3600];

export function registerAccountingMetrics(meter: Meter, host: AccountingMetricsHost, clock: () => number = Date.now): () => void {
  const depth = meter.createObservableGauge('pptpd.accounting.queue.depth', {
    description: 'Accounting records waiting for a target (sink, or the redis forwarder), delivery in flight included',
  });
  const age = meter.createObservableGauge('pptpd.accounting.queue.oldest_age_seconds', {
    unit: 's',
    description: 'Age of the oldest accounting record waiting for a target (0 when none waits)',
  });
  const attempts = meter.createCounter('pptpd.accounting.deliveries', {
    description: 'Attempts to deliver an accounting record to a target, by target, record type and result (ok, failed)',
  });
  const delay = meter.createHistogram('pptpd.accounting.delivery_delay_seconds', {
    unit: 's',
    description: 'From a record being made to a target taking it, by target',
    advice: { explicitBucketBoundaries: DELAY_BUCKETS },
  });

  const unsubscribe = subscribe<AccountingDeliveryEvent>(Channel.accountingDelivery, (e) => {
    attempts.add(1, { sink: e.sink, type: e.type, result: e.ok ? 'ok' : 'failed' });
    if (e.ok) delay.record(Math.max(0, e.startTime + e.ms - e.recordTime) / 1000, { sink: e.sink });
  });

  const batch: BatchObservableCallback = (result) => {
    const d = host.accounting?.dispatcher;
    if (d === undefined) return;
    const now = clock();
    for (const sink of d.targetNames) {
      result.observe(depth, d.pending(sink), { sink });
      const oldest = d.oldestPendingTime(sink);
      result.observe(age, oldest === undefined ? 0 : Math.max(0, now - oldest) / 1000, { sink });
    }
  };
  meter.addBatchObservableCallback(batch, [depth, age]);
  return () => {
    unsubscribe();
    meter.removeBatchObservableCallback(batch, [depth, age]);
  };
}
