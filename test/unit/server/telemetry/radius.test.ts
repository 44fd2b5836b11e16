// RADIUS client metrics after real exchanges with FreeRADIUS (test/helpers/freeradius.ts),
// a server that never answers and a port nobody listens on; then RADIUS accounting queued
// while FreeRADIUS is down and drained once it is up, all read from the Prometheus endpoint.
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { after, afterEach, before, describe, test } from 'node:test';
import { AccountingDispatcher, nasEvent, startEvent } from '../../../../accounting/dispatcher.js';
import { RadiusAcctSink } from '../../../../accounting/radius-acct/sink.js';
import { RadiusClient } from '../../../../server/radius/client.js';
import { silentLogger } from '../../../../server/log.js';
import { startTelemetry, type Telemetry } from '../../../../server/telemetry/sdk.js';
import { canRunFreeradius, freeUdpPorts, startFreeradius, type Freeradius } from '../../../helpers/freeradius.js';
import { session, tempDir } from '../../accounting/queue/fakes.js';
import { FakeHost } from '../control/fake-host.js';
import { scrape, value, type Sample } from './prometheus.js';
import { WAIT_MS } from '../../../helpers/wait.js';

const skip = canRunFreeradius() ?? false;
let telemetry: Telemetry | undefined;
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
  await telemetry?.stop();
  telemetry = undefined;
});

async function start(host = new FakeHost()): Promise<() => Promise<Sample[]>> {
  telemetry = await startTelemetry({
    options: { serviceName: 'pptpd-test', prometheus: { enabled: true, host: '127.0.0.1', port: 0 }, otlp: undefined },
    host,
    log: silentLogger(),
  });
  const url = `http://127.0.0.1:${telemetry.prometheusAddress!.port}/metrics`;
  return () => scrape(url);
}

function client(port: number, secret: string, over: { timeoutMs?: number; retries?: number } = {}): RadiusClient {
  const c = new RadiusClient({
    servers: [{ host: '127.0.0.1', port, secret, requireMessageAuthenticator: false }],
    timeoutMs: over.timeoutMs ?? 1000,
    retries: over.retries ?? 1,
    deadTimeSeconds: 0,
    bindAddress: '127.0.0.1',
  });
  closers.push(() => c.close());
  return c;
}

const pap = (user: string, password: string) => (a: { hide(p: Buffer): Buffer }) =>
  [['User-Name', user], ['User-Password', a.hide(Buffer.from(password))]] as const;

describe('RADIUS client metrics', { skip }, () => {
  let fr: Freeradius;
  let silent: Socket;
  before(async () => {
    fr = await startFreeradius({ users: [{ name: 'alice', password: 'secret' }] });
    // A "server" that takes every request and answers none.
    silent = createSocket('udp4');
    await new Promise<void>((r) => silent.bind(0, '127.0.0.1', () => r()));
  });
  after(async () => {
    silent?.close();
    await fr?.stop();
  });

  test('requests by server, code and result; latency of answered ones; timeouts and retransmissions', async () => {
    const read = await start();
    const auth = client(fr.authPort, fr.secret);
    for (let i = 0; i < 3; i++) assert.equal((await auth.send('Access-Request', pap('alice', 'secret'))).ok, true);
    const reject = await auth.send('Access-Request', pap('alice', 'wrong'));
    assert.ok(reject.ok && reject.reply.codeName === 'Access-Reject');
    const acct = client(fr.acctPort, fr.secret);
    for (let i = 0; i < 2; i++) {
      const r = await acct.send('Accounting-Request', (a) => [
        ['Acct-Status-Type', 'Start'], ['Acct-Session-Id', `metrics-${i}`], ['User-Name', 'alice'], ['NAS-IP-Address', '127.0.0.1'], ['Acct-Delay-Time', a.delaySeconds],
      ]);
      assert.equal(r.ok, true);
    }
    const silentPort = silent.address().port;
    const lost = await client(silentPort, 'x', { timeoutMs: 150, retries: 2 }).send('Access-Request', pap('alice', 'secret'));
    assert.equal(lost.ok, false);
    const [closedPort] = await freeUdpPorts(1);
    const refused = await client(closedPort!, 'x').send('Access-Request', pap('alice', 'secret'));
    assert.equal(refused.ok, false);

    const s = await read();
    const authServer = `127.0.0.1:${fr.authPort}`;
    const acctServer = `127.0.0.1:${fr.acctPort}`;
    const silentServer = `127.0.0.1:${silentPort}`;
    assert.equal(value(s, 'pptpd_radius_requests_total', { server: authServer, code: 'Access-Request', result: 'answered' }), 4, 'Accept ×3 and Reject');
    assert.equal(value(s, 'pptpd_radius_requests_total', { server: acctServer, code: 'Accounting-Request', result: 'answered' }), 2);
    assert.equal(value(s, 'pptpd_radius_requests_total', { server: silentServer, code: 'Access-Request', result: 'no_answer' }), 1);
    assert.equal(value(s, 'pptpd_radius_requests_total', { server: `127.0.0.1:${closedPort}`, code: 'Access-Request', result: 'unreachable' }), 1);
    assert.equal(value(s, 'pptpd_radius_timeouts_total', { server: silentServer, code: 'Access-Request' }), 3, '1 + 2 retries, each timed out');
    assert.equal(value(s, 'pptpd_radius_retransmissions_total', { server: silentServer, code: 'Access-Request' }), 2);
    assert.equal(value(s, 'pptpd_radius_timeouts_total', { server: authServer, code: 'Access-Request' }), undefined, 'FreeRADIUS answered every time');
    assert.equal(value(s, 'pptpd_radius_duration_seconds_count', { server: authServer, code: 'Access-Request' }), 4);
    assert.equal(value(s, 'pptpd_radius_duration_seconds_count', { server: acctServer, code: 'Accounting-Request' }), 2);
    const sum = value(s, 'pptpd_radius_duration_seconds_sum', { server: authServer, code: 'Access-Request' })!;
    assert.ok(sum > 0 && sum < 4, `4 loopback answers in ${sum} s`);
    assert.equal(value(s, 'pptpd_radius_duration_seconds_bucket', { server: authServer, code: 'Access-Request', le: '+Inf' }), 4);
    assert.equal(value(s, 'pptpd_radius_duration_seconds_count', { server: silentServer, code: 'Access-Request' }), undefined, 'latency counts answers only');
  });
});

describe('RADIUS accounting queued while FreeRADIUS is down', { skip }, () => {
  test('queue depth and age grow while it is down, requests fail as unreachable; all drain and are answered once it is up', async () => {
    const [authPort, acctPort] = await freeUdpPorts(2);
    const secret = 'testing123';
    const sink = new RadiusAcctSink({ client: client(acctPort!, secret, { timeoutMs: 300, retries: 0 }), nasIdentifier: 'metrics-test' });
    const d = AccountingDispatcher.open({ spoolDir: tempDir('telemetry-radius'), targets: [sink], heartbeatMs: 0, lane: { backoff: { initialMs: 50, maxMs: 200, factor: 2, jitter: 0 } } });
    closers.push(() => d.close());
    const read = await start(Object.assign(new FakeHost(), { accounting: { dispatcher: d } }));
    const t = Date.now();
    d.record(nasEvent('accounting-on', { nasIdentifier: 'metrics-test', nasIpAddress: '127.0.0.1' }, 'BOOT', t - 90_000));
    for (let n = 1; n <= 3; n++) d.record(startEvent(session(n, { startTime: t - 30_000 })));
    const acctServer = `127.0.0.1:${acctPort}`;
    let s: Sample[] = [];
    // Wait for a few failed attempts to show up.
    const end = Date.now() + 10_000;
    for (;;) {
      s = await read();
      if ((value(s, 'pptpd_radius_requests_total', { server: acctServer, code: 'Accounting-Request', result: 'unreachable' }) ?? 0) >= 4) break;
      assert.ok(Date.now() < end, 'failed attempts were counted');
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(value(s, 'pptpd_accounting_queue_depth', { sink: 'radius' }), 4);
    const age = value(s, 'pptpd_accounting_queue_oldest_age_seconds', { sink: 'radius' })!;
    assert.ok(age >= 90 && age < 100, `the Accounting-On is the oldest, ~90 s: ${age}`);
    assert.equal(value(s, 'pptpd_radius_requests_total', { server: acctServer, code: 'Accounting-Request', result: 'answered' }), undefined);

    const fr = await startFreeradius({ users: [], ports: { auth: authPort!, acct: acctPort! }, secret });
    closers.push(() => fr.stop());
    assert.equal(await d.whenIdle(WAIT_MS), true);
    s = await read();
    assert.equal(value(s, 'pptpd_accounting_queue_depth', { sink: 'radius' }), 0);
    assert.equal(value(s, 'pptpd_accounting_queue_oldest_age_seconds', { sink: 'radius' }), 0);
    assert.equal(value(s, 'pptpd_radius_requests_total', { server: acctServer, code: 'Accounting-Request', result: 'answered' }), 4);
    assert.equal(value(s, 'pptpd_accounting_deliveries_total', { sink: 'radius', type: 'start', result: 'ok' }), 3);
    assert.equal(value(s, 'pptpd_accounting_deliveries_total', { sink: 'radius', type: 'accounting-on', result: 'ok' }), 1);
    assert.equal(fr.detailFiles().length, 1, 'FreeRADIUS wrote the records');
  });
});
