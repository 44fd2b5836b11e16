// Accounting metrics and traces through a real AccountingDispatcher (spool on disk) whose
// RADIUS stand-in is down, then comes back: queue depth and the oldest record's age per
// target on the Prometheus endpoint, delivery attempts by result, and one trace per
// delivery attempt recorded with an in-memory exporter.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { SpanStatusCode } from '@opentelemetry/api';
import { AccountingDispatcher, startEvent, stopEvent, ZERO_COUNTERS } from '../../../../accounting/dispatcher.js';
import { silentLogger } from '../../../../server/log.js';
import { startTelemetry, type Telemetry } from '../../../../server/telemetry/sdk.js';
import { ACCOUNTING_SPAN } from '../../../../server/telemetry/accounting-spans.js';
import { MemorySink, session, tempDir, until } from '../../accounting/queue/fakes.js';
import { FakeHost } from '../control/fake-host.js';
import { scrape, value } from './prometheus.js';
import { WAIT_MS } from '../../../helpers/wait.js';

const FAST = { backoff: { initialMs: 20, maxMs: 50, factor: 2, jitter: 0 } };
let telemetry: Telemetry | undefined;
let dispatcher: AccountingDispatcher | undefined;
afterEach(async () => {
  await telemetry?.stop();
  await dispatcher?.close();
  telemetry = undefined;
  dispatcher = undefined;
});

function open(...targets: MemorySink[]): AccountingDispatcher {
  dispatcher = AccountingDispatcher.open({ spoolDir: tempDir('telemetry-acct'), targets, heartbeatMs: 0, lane: FAST });
  return dispatcher;
}

test('queue depth and oldest record age per target while the sink is down, zero once it drains; attempts by result; delivery delay', async () => {
  const radius = new MemorySink('radius');
  const journal = new MemorySink('journal');
  radius.down = true;
  const d = open(radius, journal);
  telemetry = await startTelemetry({
    options: { serviceName: 'pptpd-test', prometheus: { enabled: true, host: '127.0.0.1', port: 0 }, otlp: undefined },
    host: Object.assign(new FakeHost(), { accounting: { dispatcher: d } }),
    log: silentLogger(),
  });
  const url = `http://127.0.0.1:${telemetry.prometheusAddress!.port}/metrics`;

  const t = Date.now();
  const s1 = session(1, { startTime: t - 120_000 });
  d.record(startEvent(s1));
  d.record(startEvent(session(2, { startTime: t - 60_000 })));
  d.record(startEvent(session(3, { startTime: t - 30_000 })));
  d.record(stopEvent(s1, ZERO_COUNTERS, 'User-Request', t - 10_000));
  await until(() => journal.delivered.length === 4 && radius.attempts.length >= 4);

  let s = await scrape(url);
  assert.equal(value(s, 'pptpd_accounting_queue_depth', { sink: 'radius' }), 4);
  assert.equal(value(s, 'pptpd_accounting_queue_depth', { sink: 'journal' }), 0);
  const age = value(s, 'pptpd_accounting_queue_oldest_age_seconds', { sink: 'radius' })!;
  assert.ok(age >= 120 && age < 130, `oldest waiting record is ~120 s old: ${age}`);
  assert.equal(value(s, 'pptpd_accounting_queue_oldest_age_seconds', { sink: 'journal' }), 0);
  assert.ok(value(s, 'pptpd_accounting_deliveries_total', { sink: 'radius', type: 'start', result: 'failed' })! >= 3);
  assert.equal(value(s, 'pptpd_accounting_deliveries_total', { sink: 'radius', type: 'start', result: 'ok' }), undefined);
  assert.equal(value(s, 'pptpd_accounting_deliveries_total', { sink: 'journal', type: 'start', result: 'ok' }), 3);
  assert.equal(value(s, 'pptpd_accounting_deliveries_total', { sink: 'journal', type: 'stop', result: 'ok' }), 1);

  radius.down = false;
  assert.equal(await d.whenIdle(WAIT_MS), true);
  s = await scrape(url);
  assert.equal(value(s, 'pptpd_accounting_queue_depth', { sink: 'radius' }), 0);
  assert.equal(value(s, 'pptpd_accounting_queue_oldest_age_seconds', { sink: 'radius' }), 0);
  assert.equal(value(s, 'pptpd_accounting_deliveries_total', { sink: 'radius', type: 'start', result: 'ok' }), 3);
  assert.equal(value(s, 'pptpd_accounting_deliveries_total', { sink: 'radius', type: 'stop', result: 'ok' }), 1);
  // Each record's age when RADIUS took it: at least 120 + 60 + 30 + 10 s in all.
  assert.equal(value(s, 'pptpd_accounting_delivery_delay_seconds_count', { sink: 'radius' }), 4);
  assert.ok(value(s, 'pptpd_accounting_delivery_delay_seconds_sum', { sink: 'radius' })! >= 220);
  assert.equal(value(s, 'pptpd_accounting_delivery_delay_seconds_bucket', { sink: 'radius', le: '60' }), 2, 'the 30 s Start and the 10 s Stop within 60 s');
  // No session ids or user names in metric labels.
  assert.ok(!s.some((x) => Object.values(x.labels).some((v) => /S000|user/.test(v))));
});

test('without an accounting service the queue gauges are absent, not zero', async () => {
  telemetry = await startTelemetry({
    options: { serviceName: 'pptpd-test', prometheus: { enabled: true, host: '127.0.0.1', port: 0 }, otlp: undefined },
    host: new FakeHost(),
    log: silentLogger(),
  });
  const s = await scrape(`http://127.0.0.1:${telemetry.prometheusAddress!.port}/metrics`);
  assert.equal(s.filter((x) => x.name.startsWith('pptpd_accounting_queue')).length, 0);
});

test('one trace per delivery attempt: a failed attempt (ERROR, the reason) then the one that delivered (OK)', async () => {
  const exporter = new InMemorySpanExporter();
  telemetry = await startTelemetry({
    options: { serviceName: 'pptpd-test', prometheus: undefined, otlp: undefined },
    host: new FakeHost(),
    log: silentLogger(),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const radius = new MemorySink('radius');
  const journal = new MemorySink('journal');
  radius.down = true;
  const d = open(radius, journal);
  const s = session(7, { startTime: Date.now() - 5000 });
  d.record(startEvent(s));
  await until(() => radius.attempts.length >= 1);
  radius.down = false;
  assert.equal(await d.whenIdle(WAIT_MS), true);

  const spans = exporter.getFinishedSpans().filter((x) => x.name === ACCOUNTING_SPAN);
  const of = (sink: string): ReadableSpan[] =>
    spans.filter((x) => x.attributes['pptpd.accounting.sink'] === sink).sort((a, b) => Number(a.attributes['pptpd.accounting.attempt']) - Number(b.attributes['pptpd.accounting.attempt']));
  const r = of('radius');
  assert.equal(r.length, radius.attempts.length, 'a span per attempt');
  assert.ok(r.length >= 2);
  assert.equal(r[0]!.status.code, SpanStatusCode.ERROR);
  assert.equal(r[0]!.status.message, 'radius is down');
  assert.equal(r.at(-1)!.status.code, SpanStatusCode.OK);
  assert.equal(r.at(-1)!.attributes['pptpd.accounting.attempt'], r.length);
  for (const x of r) {
    assert.equal(x.parentSpanContext, undefined, 'each attempt is its own trace');
    assert.equal(x.attributes['pptpd.accounting.record.type'], 'start');
    assert.equal(x.attributes['pptpd.accounting.record.id'], `${s.sessionId}:start`);
    assert.equal(x.attributes['pptpd.session.id'], s.sessionId);
    assert.ok(Number(x.attributes['pptpd.accounting.record.age_ms']) >= 5000);
  }
  assert.equal(new Set(r.map((x) => x.spanContext().traceId)).size, r.length);
  const j = of('journal');
  assert.equal(j.length, 1);
  assert.equal(j[0]!.status.code, SpanStatusCode.OK);
});
