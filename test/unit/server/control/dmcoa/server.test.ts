// The DM/CoA listener against FreeRADIUS's radclient (a real Dynamic Authorization
// Client) on 127.0.0.1, with a typed fake server behind it.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, before, describe, test } from 'node:test';
import { Attr, DynAuthCode, encodeDynAuthRequest } from '../../../../../server/control/dmcoa/codec.js';
import { DynAuthServer, type DynAuthOutcome } from '../../../../../server/control/dmcoa/server.js';
import type { DynamicAuthorizationConfig as DynAuthOptions } from '../../../../../config/schema-operations.js';
import { silentLogger } from '../../../../../server/log.js';
import { FakeHost, view } from '../fake-host.js';
import { hasRadclient, radclient as runRadclient, type RadclientResult } from './radclient.js';

const SECRET = 's3cret-dm';
/** radclient against 127.0.0.1:port with the test secret unless another is given. */
function radclient(port: number, command: 'disconnect' | 'coa', attrs: string, secret = SECRET): Promise<RadclientResult> {
  return runRadclient(`127.0.0.1:${port}`, command, attrs, secret);
}

function sessions(): FakeHost {
  return new FakeHost([
    view({ sessionId: '01J0000000ALICE00000000000', callId: 7, userName: 'alice', address: '10.8.0.2' }),
    view({ sessionId: '01J0000000BOB0000000000000', callId: 8, userName: 'bob', address: '10.8.0.3' }),
  ]);
}

function options(clients: DynAuthOptions['clients'], requireMa = true, extra: Partial<DynAuthOptions> = {}): DynAuthOptions {
  return { enabled: true, address: '127.0.0.1', port: 0, clients, requireMessageAuthenticator: requireMa, eventTimestampWindow: 300, requireEventTimestamp: false, nasIdentifier: undefined, ...extra };
}

describe('DM/CoA server with radclient', { skip: hasRadclient ? false : 'radclient (freeradius-utils) is not installed' }, () => {
  let host: FakeHost;
  let server: DynAuthServer;
  const outcomes: DynAuthOutcome[] = [];
  before(async () => {
    host = sessions();
    server = await DynAuthServer.start({ options: options([{ address: '127.0.0.1', secret: SECRET }]), host, log: silentLogger(), onOutcome: (o) => outcomes.push(o) });
  });
  after(() => server.close());

  test('Disconnect-Request by User-Name → Disconnect-ACK and the session ends with Admin-Reset', async () => {
    const r = await radclient(server.address.port, 'disconnect', 'User-Name = "alice"\nMessage-Authenticator = 0x00\n');
    assert.equal(r.code, 'Disconnect-ACK', r.out);
    assert.deepEqual(host.killed.map((k) => [k.sel.session, k.cause]), [['01J0000000ALICE00000000000', 'Admin-Reset']]);
    assert.deepEqual(host.list.map((s) => s.userName), ['bob']);
  });

  test('CoA-Request with Session-Timeout and Idle-Timeout by Framed-IP-Address → CoA-ACK and new timeouts', async () => {
    const r = await radclient(server.address.port, 'coa', 'Framed-IP-Address = 10.8.0.3\nSession-Timeout = 900\nIdle-Timeout = 300\nMessage-Authenticator = 0x00\n');
    assert.equal(r.code, 'CoA-ACK', r.out);
    assert.deepEqual(host.changed.at(-1), { sel: { session: '01J0000000BOB0000000000000' }, t: { sessionTimeout: 900, idleTimeout: 300 } });
    assert.equal(host.list[0]!.sessionTimeLeft, 900);
  });

  test('Disconnect-Request for an unknown session → Disconnect-NAK with Error-Cause Session-Context-Not-Found', async () => {
    const r = await radclient(server.address.port, 'disconnect', 'Acct-Session-Id = "nope"\nMessage-Authenticator = 0x00\n');
    assert.equal(r.code, 'Disconnect-NAK', r.out);
    assert.match(r.out, /Error-Cause = Session-Context-Not-Found/);
  });

  test('CoA-Request with an unsupported attribute → CoA-NAK Unsupported-Attribute', async () => {
    const r = await radclient(server.address.port, 'coa', 'User-Name = "bob"\nFilter-Id = "gold"\nMessage-Authenticator = 0x00\n');
    assert.equal(r.code, 'CoA-NAK', r.out);
    assert.match(r.out, /Error-Cause = Unsupported-Attribute/);
  });

  test('wrong secret → no reply at all (silently dropped)', async () => {
    const before = host.changed.length;
    const r = await radclient(server.address.port, 'coa', 'User-Name = "bob"\nSession-Timeout = 1\nMessage-Authenticator = 0x00\n', 'wrong-secret');
    assert.equal(r.code, undefined, r.out);
    assert.match(r.out, /No reply from server/);
    assert.equal(host.changed.length, before);
    assert.ok(outcomes.some((o) => o.result === 'dropped' && o.reason === 'bad-packet'));
  });

  test('no Message-Authenticator while required → dropped', async () => {
    const r = await radclient(server.address.port, 'disconnect', 'User-Name = "bob"\n');
    assert.equal(r.code, undefined, r.out);
    assert.equal(host.list.length, 1);
  });
});

describe('DM/CoA server: sources', { skip: hasRadclient ? false : 'radclient (freeradius-utils) is not installed' }, () => {
  test('a request from an unlisted address is dropped: radclient from 127.0.0.1 when only 127.0.0.2 is a client', async () => {
    const host = sessions();
    const outcomes: DynAuthOutcome[] = [];
    const server = await DynAuthServer.start({ options: options([{ address: '127.0.0.2', secret: SECRET }]), host, log: silentLogger(), onOutcome: (o) => outcomes.push(o) });
    try {
      const r = await radclient(server.address.port, 'disconnect', 'User-Name = "alice"\nMessage-Authenticator = 0x00\n');
      assert.equal(r.code, undefined, r.out);
      assert.equal(host.killed.length, 0);
      assert.ok(outcomes.length >= 1);
      assert.ok(outcomes.every((o) => o.result === 'dropped' && o.reason === 'unknown-client' && o.kind === 'disconnect'));
    } finally {
      await server.close();
    }
  });
});

/** A UDP socket on `source` that sends datagrams and waits (bounded) for each reply. */
async function udpFrom(source: string): Promise<{ ask(port: number, pkt: Buffer, ms?: number): Promise<Buffer | undefined>; close(): void }> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, source, () => resolve()));
  let waiting: ((m: Buffer | undefined) => void) | undefined;
  s.on('message', (m) => waiting?.(m));
  return {
    ask: (port, pkt, ms = 500) =>
      new Promise((resolve) => {
        const timer = setTimeout(() => { waiting = undefined; resolve(undefined); }, ms);
        waiting = (m) => { clearTimeout(timer); waiting = undefined; resolve(m); };
        s.send(pkt, port, '127.0.0.1');
      }),
    close: () => s.close(),
  };
}

test('listed source 127.0.0.2: bad authenticator dropped, good request ACKed, a retransmission gets the same ACK without acting twice', async () => {
  const host = sessions();
  const server = await DynAuthServer.start({ options: options([{ address: '127.0.0.2', secret: SECRET }], false), host, log: silentLogger() });
  const udp = await udpFrom('127.0.0.2');
  try {
    const port = server.address.port;
    const userName = { type: Attr.UserName, value: Buffer.from('alice') };
    const bad = encodeDynAuthRequest({ code: DynAuthCode.DisconnectRequest, identifier: 4, attributes: [userName], secret: 'not-the-secret', messageAuthenticator: true });
    assert.equal(await udp.ask(port, bad), undefined);
    assert.equal(host.killed.length, 0);
    const good = encodeDynAuthRequest({ code: DynAuthCode.DisconnectRequest, identifier: 5, attributes: [userName], secret: SECRET, messageAuthenticator: false });
    const first = await udp.ask(port, good);
    assert.equal(first?.[0], DynAuthCode.DisconnectAck);
    assert.equal(host.killed.length, 1);
    // Same source port, Identifier and authenticator (as if the ACK was lost): the same ACK again.
    const again = await udp.ask(port, good);
    assert.deepEqual(again, first);
    assert.equal(host.killed.length, 1);
    // A new request (new Identifier) for the same user: alice is gone → NAK 503.
    const fresh = encodeDynAuthRequest({ code: DynAuthCode.DisconnectRequest, identifier: 6, attributes: [userName], secret: SECRET, messageAuthenticator: false });
    assert.equal((await udp.ask(port, fresh))?.[0], DynAuthCode.DisconnectNak);
  } finally {
    udp.close();
    await server.close();
  }
});

test('a valid request whose Proxy-State cannot fit in a reply is dropped before it acts; the server keeps answering', async () => {
  const host = sessions();
  const outcomes: DynAuthOutcome[] = [];
  const server = await DynAuthServer.start({ options: options([{ address: '127.0.0.2', secret: SECRET }]), host, log: silentLogger(), onOutcome: (o) => outcomes.push(o) });
  const udp = await udpFrom('127.0.0.2');
  try {
    const port = server.address.port;
    // A 4096-octet request: header, Message-Authenticator, a 1-letter User-Name (3 octets) and
    // 4055 octets of Proxy-State. Its NAK (Error-Cause is 6 octets) would need 4099.
    const proxy = [...Array.from({ length: 15 }, (_, i) => ({ type: Attr.ProxyState, value: Buffer.alloc(253, i) })), { type: Attr.ProxyState, value: Buffer.alloc(228, 9) }];
    const big = encodeDynAuthRequest({ code: DynAuthCode.DisconnectRequest, identifier: 9, attributes: [{ type: Attr.UserName, value: Buffer.from('a') }, ...proxy], secret: SECRET, messageAuthenticator: true });
    assert.equal(big.length, 4096);
    assert.equal(await udp.ask(port, big), undefined);
    assert.equal(host.killed.length, 0);
    assert.deepEqual(outcomes.at(-1), { kind: 'disconnect', result: 'dropped', reason: 'bad-packet' });
    // Still alive: a normal request gets its ACK.
    const userName = { type: Attr.UserName, value: Buffer.from('alice') };
    const good = encodeDynAuthRequest({ code: DynAuthCode.DisconnectRequest, identifier: 10, attributes: [userName, ...proxy.slice(0, 2)], secret: SECRET, messageAuthenticator: true });
    assert.equal((await udp.ask(port, good))?.[0], DynAuthCode.DisconnectAck);
    assert.equal(host.killed.length, 1);
  } finally {
    udp.close();
    await server.close();
  }
});

test('Event-Timestamp (RFC 5176 §3.3): a request outside the window is dropped unanswered; a fresh one acts; required when configured', async () => {
  const host = sessions();
  const outcomes: DynAuthOutcome[] = [];
  let clock = Date.UTC(2026, 11, 7, 12, 0, 0);
  const server = await DynAuthServer.start({
    options: options([{ address: '127.0.0.2', secret: SECRET }], true, { eventTimestampWindow: 300 }),
    host, log: silentLogger(), onOutcome: (o) => outcomes.push(o), now: () => clock,
  });
  const udp = await udpFrom('127.0.0.2');
  const ts = (secondsAgo: number) => {
    const v = Buffer.alloc(4);
    v.writeUInt32BE(Math.round(clock / 1000) - secondsAgo);
    return { type: Attr.EventTimestamp, value: v };
  };
  const req = (id: number, extra: { type: number; value: Buffer }[]) =>
    encodeDynAuthRequest({ code: DynAuthCode.DisconnectRequest, identifier: id, attributes: [{ type: Attr.UserName, value: Buffer.from('alice') }, ...extra], secret: SECRET, messageAuthenticator: true });
  try {
    const port = server.address.port;
    // Captured an hour ago and replayed now: dropped, alice stays.
    assert.equal(await udp.ask(port, req(1, [ts(3600)])), undefined);
    assert.deepEqual(outcomes.at(-1), { kind: 'disconnect', result: 'dropped', reason: 'stale' });
    // From a clock ten minutes ahead: dropped too.
    assert.equal(await udp.ask(port, req(2, [ts(-600)])), undefined);
    assert.equal(host.killed.length, 0);
    // Fresh (10 s old): acted on.
    assert.equal((await udp.ask(port, req(3, [ts(10)])))?.[0], DynAuthCode.DisconnectAck);
    assert.equal(host.killed.length, 1);
    clock += 1000;
  } finally {
    udp.close();
    await server.close();
  }
  // requireEventTimestamp: a request without one is dropped.
  const strict = await DynAuthServer.start({
    options: options([{ address: '127.0.0.2', secret: SECRET }], true, { requireEventTimestamp: true }),
    host: sessions(), log: silentLogger(), onOutcome: (o) => outcomes.push(o), now: () => clock,
  });
  const udp2 = await udpFrom('127.0.0.2');
  try {
    assert.equal(await udp2.ask(strict.address.port, req(4, [])), undefined);
    assert.deepEqual(outcomes.at(-1), { kind: 'disconnect', result: 'dropped', reason: 'stale' });
    assert.equal((await udp2.ask(strict.address.port, req(5, [ts(0)])))?.[0], DynAuthCode.DisconnectAck);
  } finally {
    udp2.close();
    await strict.close();
  }
});
