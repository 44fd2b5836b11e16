// The RADIUS accounting sink over the real RadiusClient, against a tiny accounting server on
// loopback (the FreeRADIUS run is in test/integration/accounting).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import radius from 'radius';
import { RadiusClient } from '../../../../server/radius/client.js';
import { ensureRadiusDictionary } from '../../../../server/radius/dictionary.js';
import { RadiusAcctSink } from '../../../../accounting/radius-acct/sink.js';
import { AccountingDispatcher, startEvent, stopEvent } from '../../../../accounting/dispatcher.js';
import { session, tempDir, until } from '../queue/fakes.js';

const SECRET = 'acct-secret';

interface Seen {
  status: string;
  sessionId: string;
  delay: number;
}

/** An accounting server that answers unless `drop` says otherwise. */
async function fakeServer(drop: (n: number) => boolean): Promise<{ port: number; seen: Seen[]; close(): Promise<void> }> {
  ensureRadiusDictionary();
  const sock = dgram.createSocket('udp4');
  const seen: Seen[] = [];
  let n = 0;
  sock.on('message', (msg, rinfo) => {
    const req = radius.decode({ packet: msg, secret: SECRET });
    const a = req.attributes as Record<string, unknown>;
    seen.push({ status: String(a['Acct-Status-Type']), sessionId: String(a['Acct-Session-Id']), delay: Number(a['Acct-Delay-Time']) });
    if (drop(n++)) return;
    const reply = radius.encode_response({ packet: req, code: 'Accounting-Response', secret: SECRET });
    sock.send(reply, rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  return { port: sock.address().port, seen, close: () => new Promise((r) => sock.close(() => r())) };
}

test('deliver() resolves on the Accounting-Response; the client retransmits with a rebuilt packet', async () => {
  const srv = await fakeServer((n) => n === 0); // drop the first transmission
  const client = new RadiusClient({ servers: [{ host: '127.0.0.1', port: srv.port, secret: SECRET }], timeoutMs: 150, retries: 2, deadTimeSeconds: 0 });
  const sink = new RadiusAcctSink({ client });
  const s = session(1);
  await sink.deliver(startEvent(s, Date.now()));
  assert.equal(srv.seen.length, 2);
  assert.deepEqual(srv.seen.map((x) => x.status), ['Start', 'Start']);
  await sink.close();
  await srv.close();
});

test('no server answering: deliver() rejects, the queue retries and Acct-Delay-Time grows until it is acknowledged', async () => {
  const started = Date.now();
  const srv = await fakeServer((n) => n < 3); // silent for the first 3 transmissions
  const client = new RadiusClient({ servers: [{ host: '127.0.0.1', port: srv.port, secret: SECRET }], timeoutMs: 100, retries: 0, deadTimeSeconds: 0 });
  const sink = new RadiusAcctSink({ client });
  const dir = tempDir('racct');
  const d = AccountingDispatcher.open({ spoolDir: dir, targets: [sink], heartbeatMs: 0, lane: { backoff: { initialMs: 400, maxMs: 800, factor: 2, jitter: 0 } } });
  const s = session(2, { startTime: started - 3000 });
  d.record(stopEvent(s, { inputOctets: 1, outputOctets: 2, inputPackets: 1, outputPackets: 1 }, 'User-Request', started - 3000));
  await until(() => d.pending() === 0, 6000);
  assert.equal(srv.seen.length, 4);
  const delays = srv.seen.map((x) => x.delay);
  assert.equal(delays[0], 3);
  for (let i = 1; i < delays.length; i++) assert.ok(delays[i]! >= delays[i - 1]!, `delays never shrink: ${delays}`);
  assert.ok(delays[3]! > delays[0]!, `the delay grew: ${delays}`);
  await d.close();
  await srv.close();
});
