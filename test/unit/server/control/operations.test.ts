// startOperations: telemetry + control socket + DM/CoA together against a typed fake
// server, and clean failure when one part cannot start.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { controlRequest } from '../../../../server/control/client.js';
import { startOperations } from '../../../../server/control/index.js';
import { ConfigSchema } from '../../../../config/schema.js';
import { silentLogger } from '../../../../server/log.js';
import { scrape, value } from '../telemetry/prometheus.js';
import { FakeHost, view } from './fake-host.js';
import { hasRadclient, radclient } from './dmcoa/radclient.js';

/** A configuration as serve gets it: parsed and defaulted by the schema. */
const parse = (raw: unknown) => ConfigSchema.parse(raw);

const dir = mkdtempSync(path.join(os.tmpdir(), 'ptd-ops-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('all three parts run from one configuration and are counted in the metrics', { skip: hasRadclient ? false : 'radclient is not installed' }, async () => {
  const host = new FakeHost([view({ sessionId: 'S1', userName: 'alice', address: '10.8.0.2' }), view({ sessionId: 'S2', userName: 'bob', address: '10.8.0.3' })]);
  const socket = path.join(dir, 'a', 'control.sock');
  const ops = await startOperations({
    server: host,
    log: silentLogger(),
    config: parse({
      control: { enabled: true, socket },
      telemetry: { prometheus: { host: '127.0.0.1', port: 0 } },
      dynamicAuthorization: { address: '127.0.0.1', port: 0, clients: [{ address: '127.0.0.1', secret: 'dm-secret' }], requireMessageAuthenticator: false },
    }),
  });
  try {
    const url = `http://127.0.0.1:${ops.telemetry.prometheusAddress!.port}/metrics`;
    const list = await controlRequest(socket, { cmd: 'sessions' });
    assert.ok(list.ok && 'sessions' in list && list.sessions.length === 2);
    const r = await radclient(`127.0.0.1:${ops.dynAuth!.address.port}`, 'disconnect', 'User-Name = "bob"\n', 'dm-secret');
    assert.equal(r.code, 'Disconnect-ACK', r.out);
    assert.deepEqual(host.list.map((s) => s.userName), ['alice']);
    const s = await scrape(url);
    assert.equal(value(s, 'pptpd_dynauth_requests_total', { kind: 'disconnect', result: 'ack' }), 1);
    assert.equal(value(s, 'pptpd_control_socket_requests_total', { cmd: 'sessions', ok: 'true' }), 1);
    assert.equal(value(s, 'pptpd_sessions_active', { state: 'up' }), 1);
  } finally {
    await ops.stop();
  }
  assert.equal(existsSync(socket), false);
  await ops.stop(); // idempotent
});

test('a part that cannot start undoes the others (DM/CoA port taken)', async () => {
  const taken = dgram.createSocket('udp4');
  await new Promise<void>((r) => taken.bind(0, '127.0.0.1', () => r()));
  const socket = path.join(dir, 'b', 'control.sock');
  try {
    await assert.rejects(
      startOperations({
        server: new FakeHost(),
        log: silentLogger(),
        config: parse({
          control: { socket },
          telemetry: { prometheus: { port: 0 } },
          dynamicAuthorization: { address: '127.0.0.1', port: taken.address().port, clients: [{ address: '127.0.0.1', secret: 'x' }] },
        }),
      }),
      /EADDRINUSE/,
    );
    assert.equal(existsSync(socket), false, 'the control socket was removed again');
  } finally {
    taken.close();
  }
});

test('control.enabled: false → no socket', async () => {
  const socket = path.join(dir, 'c', 'control.sock');
  const ops = await startOperations({ server: new FakeHost(), log: silentLogger(), config: parse({ control: { enabled: false, socket } }) });
  assert.equal(ops.control, undefined);
  assert.equal(ops.dynAuth, undefined);
  assert.equal(existsSync(socket), false);
  await ops.stop();
});
