// Traces of accounting delivery, built from the events accounting/dispatcher.ts publishes
// (server/events.ts Channel.accountingDelivery) — accounting never imports OpenTelemetry.
//
// One trace per delivery attempt of one record to one target: a root span
//   pptpd.accounting.deliver   sink, record type and id, session id, attempt, record age
// from the attempt's start to its end, status OK when the target took the record, ERROR
// with the reason otherwise (the record is then retried: another trace, attempt + 1).
// Spans are made after the fact with explicit start and end times, so nothing is held
// open while a sink is down, however long the backlog.

import { SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { Channel, subscribe, type AccountingDeliveryEvent } from '../events.js';

export const ACCOUNTING_SPAN = 'pptpd.accounting.deliver';

export class AccountingSpans {
  readonly #tracer: Tracer;
  readonly #unsubscribe: () => void;

  constructor(tracer: Tracer) {
    this.#tracer = tracer;
    this.#unsubscribe = subscribe<AccountingDeliveryEvent>(Channel.accountingDelivery, (e) => this.#delivered(e));
  }

  #delivered(e: AccountingDeliveryEvent): void {
    const span = this.#tracer.startSpan(ACCOUNTING_SPAN, {
      root: true,
      startTime: e.startTime,
      attributes: {
        'pptpd.accounting.sink': e.sink,
        'pptpd.accounting.record.type': e.type,
        'pptpd.accounting.record.id': e.eventId,
        'pptpd.accounting.attempt': e.attempt,
        // How long the record had waited when this attempt began.
        'pptpd.accounting.record.age_ms': Math.max(0, e.startTime - e.recordTime),
        ...(e.sessionId !== undefined ? { 'pptpd.session.id': e.sessionId } : {}),
      },
    });
    if (e.ok) span.setStatus({ code: SpanStatusCode.OK });
    else span.setStatus({ code: SpanStatusCode.ERROR, message: e.error ?? 'delivery failed' });
    span.end(e.startTime + e.ms);
  }

  dispose(): void {
    this.#unsubscribe();
  }
}
