// Set-up traces from published lifecycle events, recorded with an in-memory exporter;
// the real auth chain's spans (one per plugin) land under the authenticate phase.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { AuthChain } from '../../../../auth-plugins/chain.js';
import type { AuthPlugin, PluginOutcome } from '../../../../auth-plugins/plugin.js';
import { Channel, publish } from '../../../../server/events.js';
import { silentLogger } from '../../../../server/log.js';
import { startTelemetry, type Telemetry } from '../../../../server/telemetry/sdk.js';
import { pap, request } from '../../auth-plugins/fixtures.js';
import { FakeHost, view } from '../control/fake-host.js';

let telemetry: Telemetry | undefined;
afterEach(async () => {
  await telemetry?.stop();
  telemetry = undefined;
});

function plugin(name: string, outcome: PluginOutcome): AuthPlugin {
  return { name, kind: 'test', handle: async () => outcome };
}

async function start(host: FakeHost): Promise<InMemorySpanExporter> {
  const exporter = new InMemorySpanExporter();
  telemetry = await startTelemetry({
    options: { serviceName: 'pptpd-test', prometheus: undefined, otlp: undefined },
    host,
    log: silentLogger(),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  return exporter;
}

const byName = (spans: readonly ReadableSpan[], name: string): ReadableSpan => {
  const s = spans.find((x) => x.name === name);
  assert.ok(s, `no span ${name} in ${spans.map((x) => x.name).join(', ')}`);
  return s;
};
const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;

test('a session that comes up: set-up span with establish/authenticate/network children, auth chain and every plugin under authenticate', async () => {
  const host = new FakeHost([view({ sessionId: 'T1', callId: 21, state: 'starting' })]);
  const exporter = await start(host);
  // Built after telemetry here; the real server builds it before — the chain's tracer is a
  // proxy resolved at first use either way.
  const chain = new AuthChain({
    entries: [plugin('strip-domain', { type: 'pass', reason: 'no domain' }), plugin('users', { type: 'accept', userName: 'alice' })],
    throttle: false,
  });
  const t0 = performance.now();
  publish(Channel.phase, { sessionId: 'T1', phase: 'establish', at: t0 });
  publish(Channel.phase, { sessionId: 'T1', phase: 'authenticate', at: t0 + 5 });
  const result = await chain.authenticate(request(pap('pw'), { callId: 21 }));
  assert.equal(result.verdict, 'accept');
  publish(Channel.auth, { sessionId: 'T1', peerName: 'alice', method: 'pap', result: 'accept', plugin: 'users', ms: 1 });
  publish(Channel.phase, { sessionId: 'T1', phase: 'network', at: performance.now() });
  publish(Channel.sessionUp, { sessionId: 'T1', userName: 'alice', address: '10.8.0.2', method: 'pap', encryption: 'none', setupMs: 12 });
  // After set-up: later phases start no new trace.
  publish(Channel.phase, { sessionId: 'T1', phase: 'terminate', at: performance.now() });
  publish(Channel.phase, { sessionId: 'T1', phase: 'dead', at: performance.now() });
  publish(Channel.sessionDown, { sessionId: 'T1', userName: 'alice', cause: 'User-Request', wasUp: true, inputOctets: 0, outputOctets: 0, inputPackets: 0, outputPackets: 0, durationSeconds: 1 });

  const spans = exporter.getFinishedSpans();
  assert.deepEqual(spans.map((s) => s.name).sort(), [
    'pptpd.auth',
    'pptpd.auth.plugin strip-domain',
    'pptpd.auth.plugin users',
    'pptpd.ppp.authenticate',
    'pptpd.ppp.establish',
    'pptpd.ppp.network',
    'pptpd.session.setup',
  ]);
  const setup = byName(spans, 'pptpd.session.setup');
  assert.equal(parentOf(setup), undefined);
  assert.equal(setup.status.code, 1); // OK
  assert.equal(setup.attributes['pptpd.session.user'], 'alice');
  assert.equal(setup.attributes['pptpd.session.address'], '10.8.0.2');
  for (const p of ['establish', 'authenticate', 'network']) assert.equal(parentOf(byName(spans, `pptpd.ppp.${p}`)), setup.spanContext().spanId, p);
  const authPhase = byName(spans, 'pptpd.ppp.authenticate');
  assert.equal(authPhase.attributes['pptpd.auth.result'], 'accept');
  assert.equal(authPhase.attributes['pptpd.auth.plugin'], 'users');
  const auth = byName(spans, 'pptpd.auth');
  assert.equal(parentOf(auth), authPhase.spanContext().spanId);
  for (const p of ['strip-domain', 'users']) assert.equal(parentOf(byName(spans, `pptpd.auth.plugin ${p}`)), auth.spanContext().spanId);
  assert.equal(new Set(spans.map((s) => s.spanContext().traceId)).size, 1, 'one trace');
  // establish ends where authenticate starts (phase event times)
  const est = byName(spans, 'pptpd.ppp.establish');
  const endMs = est.endTime[0] * 1000 + est.endTime[1] / 1e6;
  const startMs = authPhase.startTime[0] * 1000 + authPhase.startTime[1] / 1e6;
  assert.ok(Math.abs(endMs - startMs) < 1, `${endMs} vs ${startMs}`);
  assert.equal(telemetry!.spans!.tracked, 0);
});

test('a session that fails authentication: set-up span ends with ERROR and the end cause', async () => {
  const host = new FakeHost([view({ sessionId: 'T2', callId: 22, state: 'starting' })]);
  const exporter = await start(host);
  const chain = new AuthChain({ entries: [plugin('users', { type: 'reject', reason: 'bad password' })], throttle: false });
  const t0 = performance.now();
  publish(Channel.phase, { sessionId: 'T2', phase: 'establish', at: t0 });
  publish(Channel.phase, { sessionId: 'T2', phase: 'authenticate', at: t0 + 1 });
  await chain.authenticate(request(pap('x'), { callId: 22 }));
  publish(Channel.auth, { sessionId: 'T2', peerName: 'alice', method: 'pap', result: 'reject', plugin: 'users', reason: 'bad password', ms: 1 });
  publish(Channel.phase, { sessionId: 'T2', phase: 'terminate', at: performance.now() });
  publish(Channel.sessionDown, { sessionId: 'T2', cause: 'User-Error', wasUp: false, inputOctets: 0, outputOctets: 0, inputPackets: 0, outputPackets: 0, durationSeconds: 0 });
  const spans = exporter.getFinishedSpans();
  const setup = byName(spans, 'pptpd.session.setup');
  assert.equal(setup.status.code, 2); // ERROR
  assert.equal(setup.attributes['pptpd.session.end_cause'], 'User-Error');
  assert.equal(byName(spans, 'pptpd.ppp.authenticate').status.message, 'bad password');
  assert.equal(parentOf(byName(spans, 'pptpd.auth.plugin users')), byName(spans, 'pptpd.auth').spanContext().spanId);
  assert.equal(parentOf(byName(spans, 'pptpd.auth')), byName(spans, 'pptpd.ppp.authenticate').spanContext().spanId);
  assert.equal(telemetry!.spans!.tracked, 0);
});

test('an auth span for a call id no session owns stays a root span (no wrong parent)', async () => {
  const exporter = await start(new FakeHost([]));
  const chain = new AuthChain({ entries: [plugin('users', { type: 'accept' })], throttle: false });
  await chain.authenticate(request(pap('x'), { callId: 999 }));
  const auth = byName(exporter.getFinishedSpans(), 'pptpd.auth');
  assert.equal(parentOf(auth), undefined);
});
