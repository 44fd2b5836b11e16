// Server and client sessions back to back (test/helpers/ppp-pair.ts), real MS-CHAPv2,
// real MPPE, virtual clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MppeCcpPolicy } from '../../../../server/ppp/ccp/mppe-option.js';
import { isDecodeError } from '../../../../server/errors.js';
import { decodeFrame } from '../../../../server/ppp/frame.js';
import { Protocol } from '../../../../server/ppp/protocols.js';
import { PppPair } from '../../../helpers/ppp-pair.js';

/** A small IPv4/UDP-looking packet with a recognisable payload. */
function ipPacket(tag: string): Buffer {
  const payload = Buffer.from(`hello ${tag} ${'x'.repeat(40)}`);
  const h = Buffer.from('45000000000000004011000a0a0800170a080001', 'hex');
  h.writeUInt16BE(20 + payload.length, 2);
  return Buffer.concat([h, payload]);
}

function up(p: PppPair) {
  p.start();
  p.drive({ until: p.now + 30_000 });
  const s = p.eventsOf('server', 'network-up')[0];
  const c = p.eventsOf('client', 'network-up')[0];
  assert.ok(s, `server not up: ${JSON.stringify(p.events.server)}`);
  assert.ok(c, `client not up: ${JSON.stringify(p.events.client)}`);
  return { s, c };
}

function roundTrip(p: PppPair, n = 5): void {
  for (let i = 0; i < n; i++) {
    const a = ipPacket(`c${i}`);
    const b = ipPacket(`s${i}`);
    p.sendIp('client', a);
    p.sendIp('server', b);
    p.drive({ until: p.now });
    assert.deepEqual(p.delivered.server.at(-1), a);
    assert.deepEqual(p.delivered.client.at(-1), b);
  }
}

/** No frame on the wire after network-up carries plain IP or our plaintext. */
function assertEncrypted(p: PppPair): void {
  for (const side of ['server', 'client'] as const) {
    for (const f of p.wire[side]) {
      const d = decodeFrame(f);
      assert.ok(!isDecodeError(d));
      assert.notEqual(d.protocol, Protocol.IP, 'plain IP on the wire');
      assert.ok(!f.includes(Buffer.from('hello')), 'plaintext on the wire');
    }
  }
}

const policy = (p: Partial<MppeCcpPolicy>): MppeCcpPolicy => ({ required: true, bits: [128, 56, 40], stateful: 'deny', ...p });

test('MS-CHAPv2 + MPPE-128 stateless: network-up both sides, IP round trips encrypted', () => {
  const p = new PppPair();
  const { s, c } = up(p);
  assert.equal(s.remote, '10.8.0.23');
  assert.equal(c.local, '10.8.0.23');
  assert.deepEqual(c.dns, ['10.0.0.53']);
  assert.deepEqual(s.mppe, { send: { bits: 128, stateless: true }, recv: { bits: 128, stateless: true } });
  assert.deepEqual(c.mppe, s.mppe);
  assert.equal(p.eventsOf('server', 'authenticated')[0]?.userName, 'alice');
  roundTrip(p);
  assertEncrypted(p);
  assert.equal(p.server.stats.rxIpPackets, 5);
  assert.equal(p.server.stats.txIpPackets, 5);
  assert.equal(p.server.stats.rxIpOctets, p.delivered.server.reduce((n, b) => n + b.length, 0));
  assert.ok(p.server.stats.txOctets > p.server.stats.txIpOctets);
});

test('after LCP opens both ends compress ACF and protocol on data (PFC/ACFC), never on LCP', () => {
  const p = new PppPair();
  up(p);
  roundTrip(p, 1);
  const data = p.wire.server.at(-1)!;
  assert.equal(data[0], 0xfd, 'MPPE frame with 1-octet protocol and no FF03');
  for (const f of p.wire.server) if (f[0] === 0xff) assert.equal(f[1], 0x03);
  const lcp = p.wire.server.filter((f) => f.readUInt16BE(0) === 0xff03 && f.readUInt16BE(2) === Protocol.LCP);
  assert.ok(lcp.length >= 2);
});

test('MPPE-128 stateful (server allows, client prefers), with packet loss → CCP Reset-Request → resync', () => {
  const p = new PppPair({ server: { mppe: policy({ bits: [128], stateful: 'allow' }) }, client: { mppe: policy({ bits: [128], stateful: 'prefer' }) } });
  const { s } = up(p);
  assert.deepEqual(s.mppe, { send: { bits: 128, stateless: false }, recv: { bits: 128, stateless: false } });
  roundTrip(p, 3);
  // Lose one client→server MPPE frame.
  let dropped = 0;
  p.filter = (from, f) => {
    if (from === 'client' && dropped === 0 && (f[0] === 0xfd || f.readUInt16BE(2) === 0xfd)) {
      dropped++;
      return false;
    }
    return true;
  };
  p.sendIp('client', ipPacket('lost'));
  p.drive({ until: p.now });
  const before = p.delivered.server.length;
  p.sendIp('client', ipPacket('after-loss'));
  p.drive({ until: p.now });
  assert.equal(p.delivered.server.length, before, 'the packet after the gap is dropped');
  const resetReq = p.wire.server.filter((f) => {
    const d = decodeFrame(f);
    return !isDecodeError(d) && d.protocol === Protocol.CCP && d.info[0] === 14;
  });
  assert.equal(resetReq.length, 1, 'one CCP Reset-Request');
  const resetAck = p.wire.client.filter((f) => {
    const d = decodeFrame(f);
    return !isDecodeError(d) && d.protocol === Protocol.CCP && d.info[0] === 15;
  });
  assert.equal(resetAck.length, 1);
  const next = ipPacket('resynced');
  p.sendIp('client', next);
  p.drive({ until: p.now });
  assert.deepEqual(p.delivered.server.at(-1), next, 'flushed packet decrypts');
  assert.ok(p.server.stats.rxDropped >= 1);
  assertEncrypted(p);
});

test('MPPE-40 when the server allows only 40-bit', () => {
  const p = new PppPair({ server: { mppe: policy({ bits: [40] }) } });
  const { s } = up(p);
  assert.deepEqual(s.mppe, { send: { bits: 40, stateless: true }, recv: { bits: 40, stateless: true } });
  roundTrip(p, 2);
  assertEncrypted(p);
});

test('no MPPE: PAP, no CCP at all, plain IP', () => {
  const none: MppeCcpPolicy = { required: false, bits: [], stateful: 'deny' };
  const p = new PppPair({ server: { authMethods: ['pap'], mppe: none }, client: { mppe: none } });
  const { s } = up(p);
  assert.equal(s.mppe, null);
  assert.equal(p.eventsOf('server', 'authenticated')[0]?.method, 'pap');
  roundTrip(p, 2);
  const d = decodeFrame(p.wire.client.at(-1)!);
  assert.ok(!isDecodeError(d));
  assert.equal(d.protocol, Protocol.IP);
  assert.ok(!p.wire.server.some((f) => f.includes(Buffer.from([0x80, 0xfd]))), 'no CCP sent');
});

test('server requires MPPE, client has none: CCP Protocol-Rejected → down mppe-refused with a clear reason', () => {
  const p = new PppPair({ client: { mppe: { required: false, bits: [], stateful: 'deny' } } });
  p.start();
  p.drive({ until: p.now + 30_000 });
  const down = p.eventsOf('server', 'down')[0];
  assert.equal(down?.cause, 'mppe-refused');
  assert.match(down?.message ?? '', /peer rejected CCP but require-mppe \(128\/56\/40-bit\) is set/);
  assert.equal(p.eventsOf('server', 'network-up').length, 0);
  assert.equal(p.eventsOf('client', 'down')[0]?.cause, 'peer-terminate');
});

test('require-mppe-128 vs a client allowing only 40-bit: refused, link ends', () => {
  const p = new PppPair({ server: { mppe: policy({ bits: [128] }) }, client: { mppe: policy({ bits: [40] }) } });
  p.start();
  p.drive({ until: p.now + 30_000 });
  const down = p.eventsOf('server', 'down')[0];
  assert.equal(down?.cause, 'mppe-refused');
  assert.match(down?.message ?? '', /require-mppe-128/);
  assert.equal(p.server.stats.txIpPackets + p.server.stats.rxIpPackets, 0);
});

test('wrong password: auth-failed, both sessions dead', () => {
  const p = new PppPair({ secret: 'other' });
  p.start();
  p.drive({ until: p.now + 30_000 });
  assert.equal(p.eventsOf('server', 'down')[0]?.cause, 'auth-failed');
  assert.ok(p.server.isDead);
  assert.ok(p.client.isDead);
});

test('the server waits for setNetwork(); IP before network-up is dropped and counted', () => {
  const p = new PppPair({ autoNetwork: false });
  p.start();
  p.drive({ until: p.now + 5_000 });
  assert.equal(p.eventsOf('server', 'authenticated').length, 1);
  assert.equal(p.eventsOf('server', 'network-up').length, 0);
  p.sendIp('server', ipPacket('early'));
  assert.equal(p.server.stats.txDropped, 1);
  p.server.setNetwork({ local: '10.9.0.1', remote: '10.9.0.2' }, p.now);
  p.collect('server');
  p.drive({ until: p.now + 5_000 });
  assert.equal(p.eventsOf('client', 'network-up')[0]?.local, '10.9.0.2');
  assert.deepEqual(p.eventsOf('client', 'network-up')[0]?.dns, []);
  assert.throws(() => p.server.setNetwork({ local: 'x', remote: '10.9.0.2' }, p.now), /not an IPv4/);
});

test('network deadline: no setNetwork() → negotiation-timeout', () => {
  const p = new PppPair({ autoNetwork: false, server: { deadlines: { networkMs: 10_000 } } });
  p.start();
  p.drive({ until: p.now + 20_000 });
  assert.equal(p.eventsOf('server', 'down')[0]?.cause, 'negotiation-timeout');
});

test('client closes: server sees peer-terminate, client admin; Terminate-Ack exchanged', () => {
  const p = new PppPair();
  up(p);
  p.client.close('admin', p.now, 'user request');
  p.collect('client');
  p.drive({ until: p.now + 10_000 });
  assert.equal(p.eventsOf('client', 'down')[0]?.cause, 'admin');
  assert.equal(p.eventsOf('server', 'down')[0]?.cause, 'peer-terminate');
  assert.ok(p.client.isDead && p.server.isDead);
  const phases = p.eventsOf('server', 'phase').map((e) => e.phase);
  assert.deepEqual(phases, ['establish', 'authenticate', 'network', 'terminate', 'dead']);
});

test('LCP keepalive: the peer goes silent → echo-timeout', () => {
  const p = new PppPair({ server: { echoIntervalMs: 1_000, echoFailure: 3 } });
  up(p);
  p.filter = (from) => from !== 'client';
  p.drive({ until: p.now + 20_000 });
  assert.equal(p.eventsOf('server', 'down')[0]?.cause, 'echo-timeout');
});

test('LCP keepalive answered: the link stays up', () => {
  const p = new PppPair({ server: { echoIntervalMs: 1_000, echoFailure: 3 } });
  up(p);
  p.drive({ until: p.now + 10_000 });
  assert.equal(p.eventsOf('server', 'down').length, 0);
  assert.ok(p.wire.server.filter((f) => f.readUInt16BE(2) === Protocol.LCP && f[4] === 9).length >= 9);
});

test('silent peer from the start: LCP gives up after Max-Configure → negotiation-timeout', () => {
  const p = new PppPair();
  p.filter = (from) => from !== 'client';
  p.start();
  p.drive({ until: p.now + 60_000 });
  assert.equal(p.eventsOf('server', 'down')[0]?.cause, 'negotiation-timeout');
});

test('lowerDown: dead at once with lower-down; later input ignored', () => {
  const p = new PppPair();
  up(p);
  p.server.lowerDown(p.now);
  const acts = p.server.drain();
  assert.ok(acts.some((a) => a.type === 'event' && a.event.type === 'down' && a.event.cause === 'lower-down'));
  p.server.handleFrame(Buffer.from('ff03c02101010004', 'hex'), p.now);
  assert.deepEqual(p.server.drain(), []);
});
