import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultConfig } from '../../../../config/schema.js';
import { readOperationsOptions } from '../../../../server/control/options.js';

test('the embedded configuration: control socket on, no Prometheus, no OTLP, no DM/CoA', () => {
  const o = readOperationsOptions(defaultConfig());
  assert.deepEqual(o.control, { enabled: true, socket: '/run/pptpd-ts/control.sock', mode: 0o660, group: undefined });
  assert.equal(o.telemetry.prometheus, undefined);
  assert.equal(o.telemetry.otlp, undefined);
  assert.equal(o.dynamicAuthorization, undefined);
});

test('all keys, with defaults filled in', () => {
  const o = readOperationsOptions({
    control: { socket: '/tmp/x.sock', group: 'pptpd', mode: '0600' },
    telemetry: { prometheus: {}, otlp: { endpoint: 'http://127.0.0.1:4318/', headers: { authorization: 'Bearer t' }, interval: 15 } },
    dynamicAuthorization: { clients: [{ address: '192.0.2.5', secret: 's' }], nasIdentifier: 'nas1' },
  });
  assert.deepEqual(o.control, { enabled: true, socket: '/tmp/x.sock', mode: 0o600, group: 'pptpd' });
  assert.deepEqual(o.telemetry.prometheus, { host: '127.0.0.1', port: 9464 });
  assert.deepEqual(o.telemetry.otlp, { endpoint: 'http://127.0.0.1:4318', headers: { authorization: 'Bearer t' }, traces: true, metrics: true, intervalMs: 15_000 });
  assert.deepEqual(o.dynamicAuthorization, {
    address: '0.0.0.0',
    port: 3799,
    clients: [{ address: '192.0.2.5', secret: 's' }],
    requireMessageAuthenticator: true,
    nasIdentifier: 'nas1',
  });
  assert.equal(readOperationsOptions({ telemetry: { prometheus: { enabled: false } } }).telemetry.prometheus, undefined);
  assert.equal(readOperationsOptions({ dynamicAuthorization: { enabled: false } }).dynamicAuthorization, undefined);
});

test('wrong values name the key', () => {
  const cases: [unknown, RegExp][] = [
    [{ telemetry: { prometheus: { port: 70000 } } }, /telemetry\.prometheus\.port: must be a port number/],
    [{ telemetry: { prometheus: { host: 'localhost' } } }, /telemetry\.prometheus\.host: "localhost" is not an IP address/],
    [{ telemetry: { otlp: { endpoint: 'collector:4318' } } }, /telemetry\.otlp\.endpoint: must be an http/],
    [{ dynamicAuthorization: { clients: [] } }, /dynamicAuthorization\.clients: must list at least one/],
    [{ dynamicAuthorization: { clients: [{ address: '10.0.0.1' }] } }, /dynamicAuthorization\.clients\[0\]\.secret/],
    [{ dynamicAuthorization: { clients: [{ address: 'radius', secret: 'x' }] } }, /clients\[0\]\.address: "radius" is not an IP address/],
    [{ control: { mode: 'rw' } }, /control\.mode/],
    [{ control: { group: -1 } }, /control\.group/],
  ];
  for (const [cfg, re] of cases) assert.throws(() => readOperationsOptions(cfg), re);
});
