// RADIUS client metrics, from the exchanges server/radius/client.ts publishes
// (server/radius/events.ts): requests by server, request code and result; transmissions
// that timed out; and the latency of answered exchanges. One client serves both the
// radius auth plugin and RADIUS accounting: `code` (Access-Request, Accounting-Request)
// tells them apart. `server` is host:port of a configured server, so it is bounded.

import type { Meter } from '@opentelemetry/api';
import { ExchangeResult, subscribeExchange } from '../radius/events.js';

/** Seconds: loopback answers in a millisecond, a far server in tens, a retried one in seconds. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Registers the instruments and subscribes; returns the unsubscribe. */
export function registerRadiusMetrics(meter: Meter): () => void {
  const requests = meter.createCounter('pptpd.radius.requests', {
    description: 'RADIUS exchanges with one server, by server, code and result (answered, no_answer, unreachable, busy, aborted)',
  });
  const timeouts = meter.createCounter('pptpd.radius.timeouts', {
    description: 'RADIUS transmissions whose wait for a reply ran out, by server and code',
  });
  const retransmissions = meter.createCounter('pptpd.radius.retransmissions', {
    description: 'RADIUS transmissions after the first of an exchange, by server and code',
  });
  const latency = meter.createHistogram('pptpd.radius.duration_seconds', {
    unit: 's',
    description: 'From the first transmission to the reply, answered exchanges only, by server and code',
    advice: { explicitBucketBoundaries: LATENCY_BUCKETS },
  });
  return subscribeExchange((e) => {
    const attrs = { server: e.server, code: e.code };
    requests.add(1, { ...attrs, result: e.result });
    if (e.timeouts > 0) timeouts.add(e.timeouts, attrs);
    if (e.transmissions > 1) retransmissions.add(e.transmissions - 1, attrs);
    if (e.result === ExchangeResult.Answered) latency.record(e.ms / 1000, attrs);
  });
}
