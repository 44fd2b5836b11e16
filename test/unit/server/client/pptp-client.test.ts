// PptpClient against the server's own runtime binding (ControlLink + CallSession), in
// memory (world.ts): every method and MPPE mode connects and pings, failures are clean
// and bounded, close() runs the RFC sequence, and the server side sees the same.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PptpClient } from '../../../../server/client/pptp-client.js';
import { ClientError } from '../../../../server/client/types.js';
import { buildEchoRequest, parseEcho } from '../../../../server/client/icmp.js';
import { ipv4FromString } from '../../../../server/gre/ipv4.js';
import { isDecodeError } from '../../../../server/errors.js';
import { OcrpResult } from '../../../../server/pptp/constants.js';
import { eventually, TUNNEL_LOCAL, World, type WorldOptions } from './world.js';
import type { ConnectOptions } from '../../../../server/client/types.js';

async function up(w: WorldOptions, c: Partial<ConnectOptions> = {}) {
  const world = new World(w);
  const client = new PptpClient({ gre: world.gre, dialer: world.dialer });
  const result = await client.connect({ server: '192.0.2.1', user: 'alice', password: 'secret', timeoutMs: 5000, ...c });
  return { world, client, result };
}

async function pingAndClose(world: World, client: PptpClient): Promise<void> {
  const r = await client.ping(TUNNEL_LOCAL, { count: 3, timeoutMs: 1000 });
  assert.equal(r.sent, 3);
  assert.equal(r.received, 3);
  assert.equal(r.rttMs.length, 3);
  assert.ok(r.rttMs.every((t) => t >= 0 && t < 1000));
  // The server really received our ICMP from our tunnel address.
  const local = ipv4FromString(client.result!.local);
  const echo = world.tunPackets.map((p) => parseEcho(p)).filter((m) => !isDecodeError(m));
  assert.equal(echo.length, 3);
  assert.ok(echo.every((m) => !isDecodeError(m) && m.src === local));
  await client.close();
  assert.equal(client.state, 'closed');
  assert.ok(await eventually(() => world.registry.size === 0), 'server session ended');
  assert.equal(world.gre.size, 0, 'call id released');
}

describe('PptpClient against the server binding (in memory)', () => {
  test('MS-CHAPv2 + MPPE-128 stateless: connects, pings, closes with LCP Terminate then StopCCRQ', async () => {
    const { world, client, result } = await up({});
    assert.equal(result.method, 'mschap-v2');
    assert.deepEqual(result.mppe?.send, { bits: 128, stateless: true });
    assert.deepEqual(result.mppe?.recv, { bits: 128, stateless: true });
    assert.equal(result.remote, TUNNEL_LOCAL);
    assert.match(result.local, /^10\.8\.0\.(\d+)$/);
    assert.deepEqual(result.dns, ['10.0.0.53']);
    assert.ok(result.setupMs > 0 && result.setupMs < 5000);
    const s = world.sessions[0]!;
    assert.equal(s.state, 'up');
    assert.equal(s.encryption, 'MPPE-128 stateless');
    assert.equal(s.peerCallId, result.callId, 'server sends GRE to our call id');
    assert.equal(s.callId, result.peerCallId);
    await pingAndClose(world, client);
    assert.deepEqual(world.sent('client').slice(0, 2), ['SCCRQ', 'OCRQ']);
    assert.equal(world.sent('client').at(-1), 'StopCCRQ');
    assert.ok(world.sent('server').includes('CDN'), 'the call was cleared');
    assert.equal(world.sent('server').at(-1), 'StopCCRP');
    assert.equal(s.endCause, 'User-Request', 'server saw our LCP Terminate-Request');
    const c = client.counters();
    assert.equal(c.echoRepliesReceived, 3);
    assert.ok(c.ppp.txIpPackets >= 3 && c.ppp.rxIpPackets >= 3);
    assert.equal(c.gre?.duplicate, 0);
  });

  test('MS-CHAPv2 + MPPE-128 stateful when the server prefers it', async () => {
    const { world, client, result } = await up(
      { serverMppe: { required: true, bits: [128], stateful: 'prefer' } },
      { mppe: { required: true, bits: [128], stateful: 'allow' } },
    );
    assert.deepEqual(result.mppe?.send, { bits: 128, stateless: false });
    assert.equal(world.sessions[0]!.encryption, 'MPPE-128 stateful');
    await pingAndClose(world, client);
  });

  test('MS-CHAPv1 + MPPE-128', async () => {
    const { world, client, result } = await up({ serverMethods: ['mschap-v1'] }, { method: 'mschap-v1' });
    assert.equal(result.method, 'mschap-v1');
    assert.equal(result.mppe?.send?.bits, 128);
    await pingAndClose(world, client);
  });

  test('MS-CHAPv2 + MPPE-40', async () => {
    const { world, client, result } = await up(
      { serverMppe: { required: true, bits: [40], stateful: 'deny' } },
      { mppe: { required: true, bits: [40] } },
    );
    assert.deepEqual(result.mppe?.send, { bits: 40, stateless: true });
    await pingAndClose(world, client);
  });

  test('CHAP-MD5 without MPPE', async () => {
    const { world, client, result } = await up(
      { serverMethods: ['chap-md5'], serverMppe: { required: false, bits: [], stateful: 'deny' } },
      { method: 'chap-md5', mppe: { required: false, bits: [] } },
    );
    assert.equal(result.method, 'chap-md5');
    assert.equal(result.mppe, null);
    await pingAndClose(world, client);
  });

  test('PAP without MPPE (only when asked for: not among the default methods)', async () => {
    const w = { serverMethods: ['pap'] as const, serverMppe: { required: false, bits: [], stateful: 'deny' } as const };
    const { world, client, result } = await up(w, { method: 'pap' });
    assert.equal(result.method, 'pap');
    await pingAndClose(world, client);
    // Default methods leave PAP out: our LCP Naks PAP, the server gives up and terminates.
    const world2 = new World(w);
    const c2 = new PptpClient({ gre: world2.gre, dialer: world2.dialer });
    await assert.rejects(c2.connect({ server: '192.0.2.1', user: 'alice', password: 'secret', timeoutMs: 5000 }), (e: unknown) => {
      assert.ok(e instanceof ClientError);
      assert.equal(e.reason, 'ppp', e.message);
      assert.match(e.message, /peer-terminate/);
      return true;
    });
    assert.equal(world2.tunPackets.length, 0);
  });

  test('a wrong password fails cleanly: auth-failed, nothing left on either side', async () => {
    const world = new World({});
    const client = new PptpClient({ gre: world.gre, dialer: world.dialer });
    const t0 = Date.now();
    await assert.rejects(client.connect({ server: '192.0.2.1', user: 'alice', password: 'wrong', timeoutMs: 5000 }), (e: unknown) => {
      assert.ok(e instanceof ClientError);
      assert.equal(e.reason, 'auth-failed');
      assert.match(e.message, /691/);
      return true;
    });
    assert.ok(Date.now() - t0 < 4000);
    assert.equal(client.state, 'closed');
    assert.ok(await eventually(() => world.registry.size === 0 && world.gre.size === 0));
    assert.equal(world.sessions[0]?.state, 'ended');
  });

  test('a refused call rejects with call-rejected and the OCRP result', async () => {
    const world = new World({ refuseCalls: OcrpResult.Busy });
    const client = new PptpClient({ gre: world.gre, dialer: world.dialer });
    await assert.rejects(client.connect({ server: '192.0.2.1', user: 'alice', password: 'secret', timeoutMs: 5000 }), (e: unknown) => {
      assert.ok(e instanceof ClientError);
      assert.equal(e.reason, 'call-rejected');
      assert.match(e.message, new RegExp(`result ${OcrpResult.Busy}`));
      return true;
    });
    assert.ok(await eventually(() => world.gre.size === 0));
  });

  test('a silent server: connect() times out within its bound', async () => {
    const world = new World({ silentServer: true });
    const client = new PptpClient({ gre: world.gre, dialer: world.dialer });
    const t0 = Date.now();
    await assert.rejects(client.connect({ server: '192.0.2.1', user: 'alice', password: 'secret', timeoutMs: 300 }), (e: unknown) => {
      assert.ok(e instanceof ClientError);
      assert.equal(e.reason, 'timeout');
      assert.match(e.message, /control connection wait-ctl-reply/);
      return true;
    });
    assert.ok(Date.now() - t0 < 1500);
  });

  test('not an IPv4 server address: usage error, nothing opened', async () => {
    const world = new World({});
    const client = new PptpClient({ gre: world.gre, dialer: world.dialer });
    await assert.rejects(client.connect({ server: 'vpn.example', user: 'a', password: 'b' }), /IPv4/);
  });

  test('the server ends the session: the client emits down once, with the cause', async () => {
    const { world, client } = await up({});
    const downs: string[] = [];
    client.on('down', (d) => downs.push(d.cause));
    world.sessions[0]!.terminate('Admin-Reset', 'kicked');
    assert.ok(await eventually(() => downs.length > 0));
    assert.equal(downs[0], 'peer-terminate');
    assert.ok(await eventually(() => client.state === 'closed' && world.gre.size === 0));
    assert.equal(client.sendIp(Buffer.alloc(20)), false);
    await client.close(); // idempotent after down
    assert.equal(downs.length, 1);
  });

  test('answers the server side\'s ICMP Echo to our tunnel address; onIp sees every packet', async () => {
    const { world, client, result } = await up({});
    const seen: number[] = [];
    client.onIp((p) => seen.push(p.length));
    const req = buildEchoRequest({ src: ipv4FromString(TUNNEL_LOCAL)!, dst: ipv4FromString(result.local)!, id: 77, seq: 1, size: 100 });
    world.sessions[0]!.sendIp(req, performance.now());
    assert.ok(await eventually(() => world.tunPackets.length === 1));
    const reply = parseEcho(world.tunPackets[0]!);
    assert.ok(!isDecodeError(reply));
    assert.equal(reply.type, 0);
    assert.equal(reply.id, 77);
    assert.equal(reply.data.length, 100);
    assert.deepEqual(seen, [128]);
    assert.equal(client.counters().echoRequestsAnswered, 1);
    await client.close();
  });

  test('onIp: several subscribers each see every packet; an unsubscribed one sees no more', async () => {
    const { world, client, result } = await up({});
    const a: number[] = [];
    const b: number[] = [];
    const c: number[] = [];
    const offA = client.onIp((p) => a.push(p.length));
    const offB = client.onIp((p) => b.push(p.length));
    const send = async (n: number): Promise<void> => {
      const req = buildEchoRequest({ src: ipv4FromString(TUNNEL_LOCAL)!, dst: ipv4FromString(result.local)!, id: 5, seq: n, size: 20 });
      world.sessions[0]!.sendIp(req, performance.now());
      assert.ok(await eventually(() => world.tunPackets.length === n), `echo ${n} answered`);
    };
    await send(1);
    assert.deepEqual([a.length, b.length], [1, 1]);
    offA();
    await send(2);
    assert.deepEqual([a.length, b.length], [1, 2]);
    const offC = client.onIp((p) => c.push(p.length));
    offB();
    await send(3);
    assert.deepEqual([a.length, b.length, c.length], [1, 2, 1]);
    offC();
    await send(4);
    assert.deepEqual([a.length, b.length, c.length], [1, 2, 1]);
    assert.equal(client.counters().echoRequestsSent, 0, 'no pinger made for a client that never pinged');
    await client.close();
  });

  test('several clients share one ClientGre: distinct call ids, traffic kept apart', async () => {
    const world = new World({});
    const clients = [0, 1, 2].map(() => new PptpClient({ gre: world.gre, dialer: world.dialer }));
    const results = await Promise.all(clients.map((c) => c.connect({ server: '192.0.2.1', user: 'alice', password: 'secret', timeoutMs: 5000 })));
    assert.equal(new Set(results.map((r) => r.callId)).size, 3);
    assert.equal(new Set(results.map((r) => r.local)).size, 3);
    assert.equal(world.gre.size, 3);
    const pings = await Promise.all(clients.map((c) => c.ping(TUNNEL_LOCAL, { count: 2 })));
    assert.deepEqual(pings.map((p) => p.received), [2, 2, 2]);
    assert.deepEqual(clients.map((c) => c.counters().echoRepliesReceived), [2, 2, 2]);
    await Promise.all(clients.map((c) => c.close()));
    assert.equal(world.gre.size, 0);
    assert.equal(world.gre.counters.unknownCall, 0);
  });

  test('close() during connect() rejects the connect with "closed"', async () => {
    const world = new World({ silentServer: true });
    const client = new PptpClient({ gre: world.gre, dialer: world.dialer });
    const outcome = client.connect({ server: '192.0.2.1', user: 'alice', password: 'secret', timeoutMs: 5000 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    await new Promise((r) => setTimeout(r, 20));
    await client.close(500);
    const e = await outcome;
    assert.ok(e instanceof ClientError && e.reason === 'closed', String(e));
    assert.equal(client.state, 'closed');
  });
});
