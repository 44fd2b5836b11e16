// The radius plugin against a local responder: what it sends per method and
// how it maps replies (keys, authenticator response, attributes, errors).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { createRadiusPlugin, radiusScheme, type RadiusPlugin } from '../../../../auth-plugins/radius/plugin.js';
import { radiusOptions, type RadiusOptionsInput } from '../../../../auth-plugins/radius/options.js';
import { createDefaultRegistry } from '../../../../auth-plugins/build.js';
import { parseChap2Success } from '../../../../auth-plugins/radius/reply.js';
import type { PluginContext, PluginOutcome } from '../../../../auth-plugins/plugin.js';
import { msAttr } from '../../../../server/radius/attributes.js';
import { hide } from '../../../../server/radius/hiding.js';
import { encryptMsMppeKey } from '../../../../server/crypto/ms-mppe-attr.js';
import { mppeKeysV1, mppeKeysV1FromHashHash } from '../../../../server/crypto/mppe-keys.js';
import { hashNtPasswordHash, ntPasswordHash } from '../../../../server/crypto/mschap.js';
import { freeUdpPorts } from '../../../helpers/freeradius.js';
import { reply, startFakeServer, type FakeServer, type Received } from '../../server/radius/fake-server.js';
import { chapMd5, memoryLog, mschapV1, mschapV2, pap, request } from '../fixtures.js';

const SECRET = 'plugin-secret';
const cleanup: Array<() => Promise<void> | void> = [];
after(async () => { for (const f of cleanup) await f(); });

function ctx(): PluginContext {
  return { signal: new AbortController().signal, logger: pino({ level: 'silent' }) };
}

async function setup(respond: (r: Received) => Buffer[], extra: Partial<RadiusOptionsInput> = {}): Promise<{ plugin: RadiusPlugin; server: FakeServer }> {
  const server = await startFakeServer(SECRET, respond);
  const plugin = createRadiusPlugin(radiusOptions.parse({ servers: [{ host: '127.0.0.1', port: server.port, secret: SECRET }], replyTimeoutMs: 200, retries: 0, bindAddress: '127.0.0.1', ...extra }));
  cleanup.push(() => server.close(), () => plugin.close?.());
  return { plugin, server };
}

const vsa = (r: Received): Record<string, Buffer> => r.packet.attributes['Vendor-Specific'] ?? {};

describe('radius plugin: the Access-Request', () => {
  it('carries the NAS and station attributes and the rewritten user name', async () => {
    const { plugin, server } = await setup((r) => [reply(r, SECRET, 'Access-Reject')], { nasIdentifier: 'vpn1' });
    await plugin.handle(request(pap('pw'), { peerName: 'CORP\\alice', userName: 'alice', callId: 4242, peerAddress: '192.0.2.10', localAddress: '198.51.100.1' }), ctx());
    const a = server.received[0]!.packet.attributes;
    assert.equal(a['User-Name'], 'alice');
    assert.equal(a['NAS-Identifier'], 'vpn1');
    assert.equal(a['NAS-IP-Address'], '198.51.100.1');
    assert.equal(a['NAS-Port'], 4242);
    assert.equal(a['NAS-Port-Type'], 'Virtual');
    assert.equal(a['Service-Type'], 'Framed-User');
    assert.equal(a['Framed-Protocol'], 'PPP');
    assert.equal(a['Calling-Station-Id'], '192.0.2.10');
    assert.equal(a['Called-Station-Id'], '198.51.100.1');
    assert.equal(a['User-Password'], 'pw');
  });

  it('sends the name as the client sent it with userName: as-sent', async () => {
    const { plugin, server } = await setup((r) => [reply(r, SECRET, 'Access-Reject')], { userName: 'as-sent', nasIpAddress: '10.0.0.1' });
    await plugin.handle(request(pap('pw'), { peerName: 'CORP\\alice', userName: 'alice' }), ctx());
    assert.equal(server.received[0]!.packet.attributes['User-Name'], 'CORP\\alice');
    assert.equal(server.received[0]!.packet.attributes['NAS-IP-Address'], '10.0.0.1');
  });

  it('encodes CHAP-MD5, MS-CHAPv1 and MS-CHAPv2 per RFC 2865 / RFC 2548', async () => {
    const { plugin, server } = await setup((r) => [reply(r, SECRET, 'Access-Reject')]);
    const chap = chapMd5('pw', 9, Buffer.alloc(16, 3));
    await plugin.handle(request(chap), ctx());
    const a0 = server.received[0]!.packet.attributes;
    assert.deepEqual(a0['CHAP-Password'], Buffer.concat([Buffer.of(9), chap.method === 'chap-md5' ? chap.response : Buffer.alloc(0)]));
    assert.deepEqual(a0['CHAP-Challenge'], Buffer.alloc(16, 3));

    const v1 = mschapV1('pw', Buffer.alloc(8, 5));
    await plugin.handle(request(v1), ctx());
    const m1 = vsa(server.received[1]!);
    assert.deepEqual(m1['MS-CHAP-Challenge'], Buffer.alloc(8, 5));
    assert.equal(m1['MS-CHAP-Response']!.length, 50);
    assert.equal(m1['MS-CHAP-Response']![1], 1, 'Flags: use the NT response');
    assert.deepEqual(m1['MS-CHAP-Response']!.subarray(26), v1.method === 'mschap-v1' ? v1.ntResponse : null);

    const v2 = mschapV2('alice', 'pw', Buffer.alloc(16, 7), Buffer.alloc(16, 8));
    await plugin.handle(request(v2), ctx());
    const m2 = vsa(server.received[2]!);
    assert.deepEqual(m2['MS-CHAP-Challenge'], Buffer.alloc(16, 7));
    const resp = m2['MS-CHAP2-Response']!;
    assert.equal(resp.length, 50);
    assert.deepEqual(resp.subarray(2, 18), Buffer.alloc(16, 8));
    assert.deepEqual(resp.subarray(18, 26), Buffer.alloc(8));
    assert.deepEqual(resp.subarray(26), v2.ntResponse);
    // One VSA per Microsoft attribute.
    const raw = server.received[2]!.raw;
    assert.equal(countVsas(raw), 2);
  });

  it('rejects without asking when the request cannot be expressed', async () => {
    const { plugin, server } = await setup(() => []);
    const out = await plugin.handle(request(pap('x'.repeat(129))), ctx());
    assert.equal(out.type, 'reject');
    assert.match(out.type === 'reject' ? out.reason : '', /128 octets/);
    assert.equal(server.received.length, 0);
  });
});

describe('radius plugin: replies', () => {
  it('maps an MS-CHAPv2 accept: S= string, decrypted keys, attributes', async () => {
    const send = Buffer.alloc(16, 0x11);
    const recv = Buffer.alloc(16, 0x22);
    const { plugin } = await setup((r) => [reply(r, SECRET, 'Access-Accept', [
      msAttr('MS-CHAP2-Success', Buffer.from(`\x00S=${'ab'.repeat(20)}`, 'latin1')),
      msAttr('MS-MPPE-Send-Key', encryptMsMppeKey(send, SECRET, r.packet.authenticator)),
      msAttr('MS-MPPE-Recv-Key', encryptMsMppeKey(recv, SECRET, r.packet.authenticator)),
      msAttr('MS-MPPE-Encryption-Policy', 2), msAttr('MS-MPPE-Encryption-Types', 4),
      ['Framed-IP-Address', '10.20.30.40'], ['Session-Timeout', 3600], ['Idle-Timeout', 600], ['Acct-Interim-Interval', 300],
      ['Class', Buffer.from('c1')], ['Class', Buffer.from('c2')], ['Reply-Message', 'welcome'],
    ])]);
    const out = await plugin.handle(request(mschapV2('alice', 'pw')), ctx());
    assert.equal(out.type, 'accept');
    if (out.type !== 'accept') return;
    assert.equal(out.authenticatorResponse, `S=${'AB'.repeat(20)}`);
    assert.deepEqual(out.mppeKeys, { sendKey: send, recvKey: recv });
    assert.deepEqual(out.attributes, {
      framedIpAddress: '10.20.30.40', sessionTimeout: 3600, idleTimeout: 600, acctInterimInterval: 300,
      class: [Buffer.from('c1'), Buffer.from('c2')], replyMessage: 'welcome', mppePolicy: { required: true, types: 4 },
    });
  });

  it('rejects an MS-CHAPv2 accept without a well-formed MS-CHAP2-Success or with undecryptable keys', async () => {
    const { plugin: p1 } = await setup((r) => [reply(r, SECRET, 'Access-Accept')]);
    const o1 = await p1.handle(request(mschapV2('alice', 'pw')), ctx());
    assert.match(o1.type === 'reject' ? o1.reason : '', /without MS-CHAP2-Success/);
    const { plugin: p2 } = await setup((r) => [reply(r, SECRET, 'Access-Accept', [msAttr('MS-CHAP2-Success', Buffer.from('\x00S=12'))])]);
    const o2 = await p2.handle(request(mschapV2('alice', 'pw')), ctx());
    assert.match(o2.type === 'reject' ? o2.reason : '', /40 hex/);
    const { plugin: p3 } = await setup((r) => [reply(r, SECRET, 'Access-Accept', [
      msAttr('MS-CHAP2-Success', Buffer.from(`\x00S=${'0'.repeat(40)}`)),
      msAttr('MS-MPPE-Send-Key', Buffer.alloc(17, 0x80)), msAttr('MS-MPPE-Recv-Key', Buffer.alloc(18, 0x80)),
    ])]);
    const o3 = await p3.handle(request(mschapV2('alice', 'pw')), ctx());
    assert.match(o3.type === 'reject' ? o3.reason : '', /MS-MPPE keys/);
  });

  it('derives MS-CHAPv1 keys from MS-CHAP-MPPE-Keys (NT-Key = PasswordHashHash)', async () => {
    const challenge = Buffer.alloc(8, 0x42);
    const hashHash = hashNtPasswordHash(ntPasswordHash('pw'));
    const { plugin } = await setup((r) => [reply(r, SECRET, 'Access-Accept', [
      msAttr('MS-CHAP-MPPE-Keys', hide(Buffer.concat([Buffer.alloc(8, 9), hashHash, Buffer.alloc(8)]), Buffer.from(SECRET), r.packet.authenticator)),
    ])]);
    const out = await plugin.handle(request(mschapV1('pw', challenge)), ctx());
    assert.equal(out.type, 'accept');
    if (out.type !== 'accept') return;
    assert.deepEqual(out.mppeKeys, mppeKeysV1FromHashHash(hashHash, challenge));
    assert.deepEqual(out.mppeKeys, mppeKeysV1(ntPasswordHash('pw'), challenge));
  });

  it('relays MS-CHAP-Error and Reply-Message from an Access-Reject', async () => {
    const { plugin } = await setup((r) => [reply(r, SECRET, 'Access-Reject', [
      msAttr('MS-CHAP-Error', '\x00E=649 R=0 C=00000000000000000000000000000000 V=3 M=no dial-in'), ['Reply-Message', 'Account disabled'],
    ])]);
    const out = await plugin.handle(request(mschapV2('alice', 'pw')), ctx());
    assert.deepEqual(out.type === 'reject' ? [out.mschapError, out.replyMessage] : [], [649, 'Account disabled']);
    assert.match(out.type === 'reject' ? out.reason : '', /rejected alice \(E=649\)/);
  });

  it('takes the User-Name of an accept as the name to account under', async () => {
    const { plugin } = await setup((r) => [reply(r, SECRET, 'Access-Accept', [['User-Name', 'alice@realm']])]);
    const out = await plugin.handle(request(pap('pw')), ctx());
    assert.equal(out.type === 'accept' ? out.userName : '', 'alice@realm');
  });

  it('treats an Access-Challenge as a reject', async () => {
    const { plugin } = await setup((r) => [reply(r, SECRET, 'Access-Challenge')]);
    const out = await plugin.handle(request(pap('pw')), ctx());
    assert.match(out.type === 'reject' ? out.reason : '', /Access-Challenge/);
  });

  it('parseChap2Success accepts "S=<40 hex>" with an optional " M=" and nothing else', () => {
    assert.equal(parseChap2Success(Buffer.from(`\x01S=${'a'.repeat(40)} M=ok`)), `S=${'A'.repeat(40)}`);
    assert.equal(parseChap2Success(Buffer.from(`\x01S=${'a'.repeat(39)}`)), undefined);
    assert.equal(parseChap2Success(Buffer.from(`\x01S=${'g'.repeat(40)}`)), undefined);
    assert.equal(parseChap2Success(Buffer.alloc(0)), undefined);
  });
});

describe('radius plugin: unreachable servers and options', () => {
  it('rejects (default) or passes when no server answers, naming the servers but never the secret', async () => {
    const [dead] = await freeUdpPorts(1);
    const base = { servers: [{ host: '127.0.0.1', port: dead!, secret: 'top-secret-value' }], replyTimeoutMs: 100, retries: 0, bindAddress: '127.0.0.1' };
    const log = memoryLog();
    const logger = pino({ level: 'debug' }, log.stream);
    const reject = createRadiusPlugin(radiusOptions.parse(base), 'radius', logger);
    const pass = createRadiusPlugin(radiusOptions.parse({ ...base, onUnreachable: 'pass' }));
    cleanup.push(() => reject.close?.(), () => pass.close?.());
    const c = { signal: new AbortController().signal, logger };
    const r1: PluginOutcome = await reject.handle(request(pap('pw')), c);
    assert.equal(r1.type, 'reject');
    assert.match(r1.type === 'reject' ? r1.reason : '', new RegExp(`no RADIUS server answered the Access-Request \\(127\\.0\\.0\\.1:${dead}: port unreachable\\)`));
    const r2 = await pass.handle(request(pap('pw')), c);
    assert.equal(r2.type, 'pass');
    assert.ok(log.lines.length > 0);
    assert.ok(log.lines.every((l) => !l.includes('top-secret-value')), 'no secret in the log');
  });

  it('validates options through the registry without echoing the secret', () => {
    const registry = createDefaultRegistry();
    assert.ok(registry.has('radius'));
    const logger = pino({ level: 'silent' });
    assert.throws(
      () => registry.create({ plugin: 'radius', servers: [{ host: 'h', secret: 'hunter2-secret', port: 70000 }], bogus: 1 }, 'auth.chain[0]', logger),
      (err: Error) => /auth\.chain\[0\] \(radius\): servers\.0\.port/.test(err.message) && /bogus/.test(err.message) && !err.message.includes('hunter2-secret'),
    );
    assert.throws(() => registry.create({ plugin: 'radius', servers: [] }, 'x', logger), /servers/);
    const entry = registry.create({ plugin: 'radius', servers: [{ host: '127.0.0.1', secret: 's' }] }, 'x', logger);
    assert.equal(entry.plugin.kind, 'radius');
    void entry.plugin.close?.();
    assert.equal(radiusScheme.kind, 'radius');
    const parsed = radiusOptions.parse({ servers: [{ host: 'h', secret: 's' }] });
    assert.deepEqual([parsed.servers[0]!.port, parsed.servers[0]!.requireMessageAuthenticator, parsed.userName, parsed.onUnreachable], [1812, true, 'rewritten', 'reject']);
  });
});

/** Vendor-Specific attributes at top level of a packet. */
function countVsas(p: Buffer): number {
  let n = 0;
  for (let off = 20; off + 2 <= p.length; off += p[off + 1]!) if (p[off] === 26) n++;
  return n;
}
