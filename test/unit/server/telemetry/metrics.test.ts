// Metrics from published lifecycle events and from polling the server, scraped over HTTP
// from the Prometheus endpoint on 127.0.0.1.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { Channel, publish, type SessionDownEvent } from '../../../../server/events.js';
import { silentLogger } from '../../../../server/log.js';
import { startTelemetry, type Telemetry } from '../../../../server/telemetry/sdk.js';
import { FakeHost, view } from '../control/fake-host.js';
import { scrape, value } from './prometheus.js';

let telemetry: Telemetry | undefined;
afterEach(async () => {
  await telemetry?.stop();
  telemetry = undefined;
});

async function start(host: FakeHost): Promise<string> {
  telemetry = await startTelemetry({
    options: { serviceName: 'pptpd-test', prometheus: { enabled: true, host: '127.0.0.1', port: 0 }, otlp: undefined },
    host,
    log: silentLogger(),
  });
  return `http://127.0.0.1:${telemetry.prometheusAddress!.port}/metrics`;
}

const down = (sessionId: string, over: Partial<SessionDownEvent> = {}): SessionDownEvent => ({
  sessionId,
  cause: 'User-Request',
  wasUp: true,
  inputOctets: 0,
  outputOctets: 0,
  inputPackets: 0,
  outputPackets: 0,
  durationSeconds: 10,
  ...over,
});

test('event counters: sessions started/ended by cause, auth attempts by method/result/plugin, set-up time, control connections, refusals', async () => {
  const url = await start(new FakeHost());
  for (let i = 0; i < 3; i++) publish(Channel.controlUp, { peer: '192.0.2.1' });
  publish(Channel.callRefused, { peer: '192.0.2.1', reason: 'pool exhausted' });
  publish(Channel.auth, { sessionId: 'a', peerName: 'alice', method: 'mschap-v2', result: 'accept', plugin: 'chap-secrets', ms: 4 });
  publish(Channel.auth, { sessionId: 'b', peerName: 'bob', method: 'mschap-v2', result: 'reject', plugin: 'chap-secrets', reason: 'wrong password', ms: 2 });
  publish(Channel.auth, { sessionId: 'c', peerName: 'carol', method: 'mschap-v2', result: 'reject', plugin: 'chap-secrets', ms: 2 });
  publish(Channel.auth, { sessionId: 'd', peerName: 'dave', method: 'pap', result: 'reject', ms: 1 });
  publish(Channel.sessionUp, { sessionId: 'a', userName: 'alice', address: '10.8.0.2', method: 'mschap-v2', encryption: 'MPPE-128 stateless', setupMs: 250 });
  publish(Channel.sessionUp, { sessionId: 'e', userName: 'eve', address: '10.8.0.3', method: 'mschap-v2', encryption: 'MPPE-128 stateless', setupMs: 1500 });
  publish(Channel.sessionDown, down('a', { cause: 'Admin-Reset', durationSeconds: 120 }));
  publish(Channel.sessionDown, down('b', { cause: 'User-Error', wasUp: false }));
  publish(Channel.sessionDown, down('c', { cause: 'User-Error', wasUp: false }));

  const s = await scrape(url);
  assert.equal(value(s, 'pptpd_control_connections_opened_total'), 3);
  assert.equal(value(s, 'pptpd_calls_refused_total'), 1);
  assert.equal(value(s, 'pptpd_auth_attempts_total', { method: 'mschap-v2', result: 'accept', plugin: 'chap-secrets' }), 1);
  assert.equal(value(s, 'pptpd_auth_attempts_total', { method: 'mschap-v2', result: 'reject', plugin: 'chap-secrets' }), 2);
  assert.equal(value(s, 'pptpd_auth_attempts_total', { method: 'pap', result: 'reject', plugin: 'none' }), 1);
  assert.equal(value(s, 'pptpd_sessions_started_total', { method: 'mschap-v2', encryption: 'MPPE-128 stateless' }), 2);
  assert.equal(value(s, 'pptpd_sessions_ended_total', { cause: 'Admin-Reset', was_up: 'true' }), 1);
  assert.equal(value(s, 'pptpd_sessions_ended_total', { cause: 'User-Error', was_up: 'false' }), 2);
  assert.equal(value(s, 'pptpd_session_setup_duration_seconds_count', { method: 'mschap-v2' }), 2);
  assert.equal(value(s, 'pptpd_session_setup_duration_seconds_sum', { method: 'mschap-v2' }), 1.75);
  assert.equal(value(s, 'pptpd_session_setup_duration_seconds_bucket', { method: 'mschap-v2', le: '0.25' }), 1);
  assert.equal(value(s, 'pptpd_session_setup_duration_seconds_bucket', { method: 'mschap-v2', le: '2' }), 2);
  assert.equal(value(s, 'pptpd_session_duration_seconds_count'), 1);
  assert.equal(value(s, 'pptpd_auth_duration_seconds_count', { method: 'mschap-v2', result: 'reject' }), 2);
  // no user names or addresses in any label
  assert.ok(!s.some((x) => Object.values(x.labels).some((v) => /alice|bob|10\.8\.0|192\.0\.2/.test(v))));
});

test('polled gauges: live sessions by state, pool usage, data-path drops, open control connections', async () => {
  const host = new FakeHost([view({ sessionId: 'a', state: 'up' }), view({ sessionId: 'b', state: 'up' }), view({ sessionId: 'c', state: 'starting' })]);
  const url = await start(host);
  let s = await scrape(url);
  assert.equal(value(s, 'pptpd_sessions_active', { state: 'up' }), 2);
  assert.equal(value(s, 'pptpd_sessions_active', { state: 'starting' }), 1);
  assert.equal(value(s, 'pptpd_pool_size'), 10);
  assert.equal(value(s, 'pptpd_pool_addresses', { state: 'in_use' }), 2);
  assert.equal(value(s, 'pptpd_pool_addresses', { state: 'free' }), 8);
  assert.equal(value(s, 'pptpd_dataplane_drops_total', { reason: 'gre_malformed' }), 3);
  assert.equal(value(s, 'pptpd_dataplane_drops_total', { reason: 'tun_no_session' }), 7);
  assert.equal(value(s, 'pptpd_control_connections_active'), 2);
  host.list = [];
  host.dataPath.drops.greMalformed = 5;
  host.pool.inUse = 0;
  s = await scrape(url);
  assert.equal(value(s, 'pptpd_sessions_active', { state: 'up' }), 0);
  assert.equal(value(s, 'pptpd_dataplane_drops_total', { reason: 'gre_malformed' }), 5);
  assert.equal(value(s, 'pptpd_pool_addresses', { state: 'in_use' }), 0);
});

test('traffic totals = ended sessions + live ones, and stay monotonic when a session ends', async () => {
  const host = new FakeHost([view({ sessionId: 'a', inputOctets: 1000, outputOctets: 5000, inputPackets: 10, outputPackets: 20 })]);
  const url = await start(host);
  publish(Channel.sessionDown, down('old', { inputOctets: 1, outputOctets: 2, inputPackets: 3, outputPackets: 4 }));
  let s = await scrape(url);
  assert.equal(value(s, 'pptpd_traffic_bytes_total', { direction: 'in' }), 1001);
  assert.equal(value(s, 'pptpd_traffic_bytes_total', { direction: 'out' }), 5002);
  assert.equal(value(s, 'pptpd_traffic_packets_total', { direction: 'in' }), 13);
  // 'a' moves on a little, then ends: the total does not drop.
  host.list = [];
  publish(Channel.sessionDown, down('a', { inputOctets: 1200, outputOctets: 5100, inputPackets: 12, outputPackets: 21 }));
  s = await scrape(url);
  assert.equal(value(s, 'pptpd_traffic_bytes_total', { direction: 'in' }), 1201);
  assert.equal(value(s, 'pptpd_traffic_bytes_total', { direction: 'out' }), 5102);
  assert.equal(value(s, 'pptpd_traffic_packets_total', { direction: 'out' }), 25);
});

test('only /metrics is served; stop() closes the port and unsubscribes', async () => {
  const url = await start(new FakeHost());
  const other = await fetch(url.replace('/metrics', '/'), { signal: AbortSignal.timeout(5000) });
  assert.equal(other.status, 404);
  await other.text();
  await telemetry!.stop();
  telemetry = undefined;
  await assert.rejects(fetch(url, { signal: AbortSignal.timeout(2000) }));
});

test('a taken port is a clear start-up error', async () => {
  const url = await start(new FakeHost());
  const port = Number(new URL(url).port);
  await assert.rejects(
    startTelemetry({ options: { serviceName: 'x', prometheus: { enabled: true, host: '127.0.0.1', port }, otlp: undefined }, host: new FakeHost(), log: silentLogger() }),
    /telemetry\.prometheus: cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE/,
  );
});
