// The radius plugin against a real FreeRADIUS 3.2 started on 127.0.0.1 by the
// test (test/helpers/freeradius.ts): every PPP method accepted and rejected,
// MPPE keys equal to the ones computed locally from the same password (RFC
// 3079), reply attributes, DOMAIN\user through the chain, failover, both
// servers down, misbehaving replies (through a relay), accounting.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { buildAuthChain } from '../../../auth-plugins/build.js';
import { createRadiusPlugin, type RadiusPlugin } from '../../../auth-plugins/radius/plugin.js';
import { radiusOptions, type RadiusOptionsInput } from '../../../auth-plugins/radius/options.js';
import type { PluginOutcome } from '../../../auth-plugins/plugin.js';
import { verifyLocal } from '../../../auth-plugins/verify-local.js';
import { RadiusClient } from '../../../server/radius/client.js';
import { mppeKeysV1, mppeKeysV2 } from '../../../server/crypto/mppe-keys.js';
import { ntPasswordHash } from '../../../server/crypto/mschap.js';
import { canRunFreeradius, freeUdpPorts, startFreeradius, type Freeradius } from '../../helpers/freeradius.js';
import { chapMd5, mschapV1, mschapV2, pap, request } from '../../unit/auth-plugins/fixtures.js';
import { startRelay } from './relay.js';
import { waitFor } from '../../helpers/wait.js';

const skip = canRunFreeradius() ?? false;
const NT_SECRET = '878D8014606CDA29677A44EFA1353FC7'; // NtPasswordHash("secret")

describe('radius plugin against FreeRADIUS 3.2', { skip }, () => {
  let fr: Freeradius;
  const closers: Array<() => Promise<void> | void> = [];

  before(async () => {
    fr = await startFreeradius({
      users: [
        { name: 'alice', password: 'secret', reply: { 'Framed-IP-Address': '10.9.8.7', 'Session-Timeout': 3600, 'Acct-Interim-Interval': 300, Class: ['gold', 'vpn'] } },
        { name: 'bob', ntPassword: NT_SECRET, reply: { 'Idle-Timeout': 900, 'Reply-Message': 'hello bob' } },
      ],
    });
  });
  after(async () => {
    for (const c of closers) await c();
    await fr?.stop();
  });

  /** FreeRADIUS 3.2.1 sends no Message-Authenticator in non-EAP replies (see docs/radius.md). */
  function plugin(extra: Partial<RadiusOptionsInput> = {}): RadiusPlugin {
    const p = createRadiusPlugin(radiusOptions.parse({
      servers: [{ host: '127.0.0.1', port: fr.authPort, secret: fr.secret, requireMessageAuthenticator: false }],
      replyTimeoutMs: 1000, retries: 1, bindAddress: '127.0.0.1', ...extra,
    }));
    closers.push(() => p.close?.());
    return p;
  }
  const ctx = () => ({ signal: new AbortController().signal, logger: pino({ level: 'silent' }) });
  const accepted = (o: PluginOutcome) => {
    assert.equal(o.type, 'accept', o.type === 'reject' ? o.reason : o.type);
    return o as Extract<PluginOutcome, { type: 'accept' }>;
  };

  it('MS-CHAPv2: accepts, with the authenticator response and MPPE keys we compute locally', async () => {
    const p = plugin();
    for (const name of ['alice', 'bob']) {
      const req = request(mschapV2(name, 'secret'), { peerName: name });
      const out = accepted(await p.handle(req, ctx()));
      const local = verifyLocal(req, { kind: 'cleartext', password: 'secret' });
      assert.equal(local.status, 'ok');
      assert.equal(out.authenticatorResponse, local.status === 'ok' ? local.authenticatorResponse : '');
      const c = req.credentials;
      assert.deepEqual(out.mppeKeys, mppeKeysV2(ntPasswordHash('secret'), c.method === 'mschap-v2' ? c.ntResponse : Buffer.alloc(0)));
      assert.equal(out.mppeKeys?.sendKey.length, 16);
      assert.notDeepEqual(out.mppeKeys?.sendKey, out.mppeKeys?.recvKey);
      // Debian's mschap module: encryption allowed, 40 or 128 bit (0x02 | 0x04).
      assert.deepEqual(out.attributes?.mppePolicy, { required: false, types: 6 });
    }
  });

  it('MS-CHAPv2: rejects a wrong password with MS-CHAP error 691', async () => {
    const out = await plugin().handle(request(mschapV2('alice', 'wrong')), ctx());
    assert.equal(out.type, 'reject');
    assert.equal(out.type === 'reject' ? out.mschapError : 0, 691);
  });

  it('MS-CHAPv1: accepts with the RFC 3079 keys derived from MS-CHAP-MPPE-Keys; rejects a wrong password', async () => {
    const p = plugin();
    for (const name of ['alice', 'bob']) {
      const creds = mschapV1('secret');
      const out = accepted(await p.handle(request(creds, { peerName: name }), ctx()));
      assert.deepEqual(out.mppeKeys, mppeKeysV1(ntPasswordHash('secret'), creds.method === 'mschap-v1' ? creds.challenge : Buffer.alloc(0)));
    }
    const bad = await p.handle(request(mschapV1('wrong')), ctx());
    assert.equal(bad.type === 'reject' ? bad.mschapError : 0, 691);
  });

  it('CHAP-MD5: accepts the right password, rejects a wrong one and an NT-hash-only user', async () => {
    const p = plugin();
    const ok = accepted(await p.handle(request(chapMd5('secret')), ctx()));
    assert.equal(ok.mppeKeys, undefined);
    assert.equal((await p.handle(request(chapMd5('wrong')), ctx())).type, 'reject');
    assert.equal((await p.handle(request(chapMd5('secret'), { peerName: 'bob' }), ctx())).type, 'reject');
  });

  it('PAP: accepts (clear-text and NT-hash users) and rejects a wrong password', async () => {
    const p = plugin();
    accepted(await p.handle(request(pap('secret')), ctx()));
    accepted(await p.handle(request(pap('secret'), { peerName: 'bob' }), ctx()));
    assert.equal((await p.handle(request(pap('wrong')), ctx())).type, 'reject');
    assert.equal((await p.handle(request(pap('secret'), { peerName: 'nobody' }), ctx())).type, 'reject');
  });

  it('carries Framed-IP-Address, Session-Timeout, Acct-Interim-Interval, every Class, Idle-Timeout and Reply-Message', async () => {
    const p = plugin();
    const a = accepted(await p.handle(request(pap('secret')), ctx()));
    assert.equal(a.attributes?.framedIpAddress, '10.9.8.7');
    assert.equal(a.attributes?.sessionTimeout, 3600);
    assert.equal(a.attributes?.acctInterimInterval, 300);
    assert.deepEqual(a.attributes?.class?.map(String), ['gold', 'vpn']);
    const b = accepted(await p.handle(request(pap('secret'), { peerName: 'bob' }), ctx()));
    assert.equal(b.attributes?.idleTimeout, 900);
    assert.equal(b.attributes?.replyMessage, 'hello bob');
  });

  it('DOMAIN\\alice: through the chain with the rewriter in front, and sent as-is to the DOMAIN realm', async () => {
    const servers = [{ host: '127.0.0.1', port: fr.authPort, secret: fr.secret, requireMessageAuthenticator: false }];
    const chain = await buildAuthChain({
      chain: [{ plugin: 'rewrite-domain' }, { plugin: 'radius', servers, replyTimeoutMs: 1000, retries: 1, bindAddress: '127.0.0.1' }],
      throttle: false,
    });
    closers.push(() => chain.close());
    // Windows hashes the bare name into the ChallengeHash (RFC 2759 §8.2).
    const res = await chain.authenticate(request(mschapV2('alice', 'secret'), { peerName: 'DOMAIN\\alice' }));
    assert.equal(res.verdict, 'accept', res.verdict === 'reject' ? res.reason : '');
    assert.equal(res.verdict === 'accept' ? res.userName : '', 'alice');
    assert.equal(res.verdict === 'accept' ? res.mppeKeys?.sendKey.length : 0, 16);
    // Without a rewriter, userName: as-sent: FreeRADIUS strips DOMAIN\ (ntdomain realm + with_ntdomain_hack).
    const asSent = plugin({ userName: 'as-sent' });
    accepted(await asSent.handle(request(mschapV2('alice', 'secret'), { peerName: 'DOMAIN\\alice' }), ctx()));
    // The realm must exist there: OTHER\alice is unknown to FreeRADIUS.
    assert.equal((await asSent.handle(request(mschapV2('alice', 'secret'), { peerName: 'OTHER\\alice' }), ctx())).type, 'reject');
  });

  it('Message-Authenticator: a strict server entry refuses FreeRADIUS 3.2.1 replies that lack one', async () => {
    const client = new RadiusClient({ servers: [{ host: '127.0.0.1', port: fr.authPort, secret: fr.secret, requireMessageAuthenticator: false }], timeoutMs: 1000, bindAddress: '127.0.0.1' });
    closers.push(() => client.close());
    const probe = await client.send('Access-Request', (a) => [['User-Name', 'alice'], ['User-Password', a.hide(Buffer.from('secret'))]]);
    assert.ok(probe.ok);
    const hasMa = probe.reply.attributes.some((x) => x.type === 80);
    // A refused reply is waited past (a good one may follow): the timeout is the test's length,
    // and long enough for FreeRADIUS to answer on a busy machine.
    const strict = plugin({ servers: [{ host: '127.0.0.1', port: fr.authPort, secret: fr.secret }], retries: 0, replyTimeoutMs: 2000 });
    const out = await strict.handle(request(pap('secret')), ctx());
    if (hasMa) {
      assert.equal(out.type, 'accept'); // a FreeRADIUS with the BlastRADIUS fix
    } else {
      assert.equal(out.type, 'reject');
      assert.match(out.type === 'reject' ? out.reason : '', /no Message-Authenticator in the reply/);
    }
  });

  it('fails over: first server a dead port, the second (FreeRADIUS) answers', async () => {
    const [dead] = await freeUdpPorts(1);
    const p = plugin({
      servers: [
        { host: '127.0.0.1', port: dead!, secret: fr.secret, requireMessageAuthenticator: false },
        { host: '127.0.0.1', port: fr.authPort, secret: fr.secret, requireMessageAuthenticator: false },
      ],
    });
    accepted(await p.handle(request(mschapV2('alice', 'secret')), ctx()));
    assert.equal(p.client.isDead(0), true);
    assert.equal(p.client.isDead(1), false);
  });

  it('both servers down: a clear reject within the configured time, no hang', async () => {
    const [dead1, dead2] = await freeUdpPorts(2);
    const silent = await startRelay(dead2!, () => []); // swallows everything: timeouts, not ICMP
    closers.push(() => silent.close());
    const chain = await buildAuthChain({
      chain: [{
        // timeoutMs: the chain's deadline for the plugin; replyTimeoutMs: per transmission.
        plugin: 'radius', timeoutMs: 5000, replyTimeoutMs: 1000, retries: 1, bindAddress: '127.0.0.1',
        servers: [{ host: '127.0.0.1', port: dead1!, secret: 'x' }, { host: '127.0.0.1', port: silent.port, secret: 'x' }],
      }],
      throttle: false,
    });
    closers.push(() => chain.close());
    const t0 = performance.now();
    const res = await chain.authenticate(request(pap('secret')));
    const ms = performance.now() - t0;
    assert.equal(res.verdict, 'reject');
    assert.match(res.verdict === 'reject' ? res.reason : '', new RegExp(`no RADIUS server answered.*127\\.0\\.0\\.1:${dead1}: port unreachable.*127\\.0\\.0\\.1:${silent.port}: no reply to 2 transmissions`));
    assert.ok(ms > 1900 && ms < 3500, `took ${Math.round(ms)} ms (2 transmissions × 1 s to the silent one)`);
  });

  it('refuses a reply with a bad Response Authenticator (through a corrupting relay) and fails over to the real server', async () => {
    const corrupt = await startRelay(fr.authPort, (b) => {
      const c = Buffer.from(b);
      c[4] = c[4]! ^ 0x55;
      return [c];
    });
    closers.push(() => corrupt.close());
    const p = plugin({
      retries: 0, replyTimeoutMs: 2000,
      servers: [
        { host: '127.0.0.1', port: corrupt.port, secret: fr.secret, requireMessageAuthenticator: false },
        { host: '127.0.0.1', port: fr.authPort, secret: fr.secret, requireMessageAuthenticator: false },
      ],
    });
    accepted(await p.handle(request(pap('secret')), ctx()));
    assert.equal(p.client.stats.refused, 1);
    const only = plugin({ retries: 0, replyTimeoutMs: 2000, servers: [{ host: '127.0.0.1', port: corrupt.port, secret: fr.secret, requireMessageAuthenticator: false }] });
    const out = await only.handle(request(pap('secret')), ctx());
    assert.match(out.type === 'reject' ? out.reason : '', /1 refused: bad Response Authenticator/);
  });

  it('ignores duplicated replies (through a duplicating relay)', async () => {
    const dup = await startRelay(fr.authPort, (b) => [b, b, b]);
    closers.push(() => dup.close());
    const p = plugin({ servers: [{ host: '127.0.0.1', port: dup.port, secret: fr.secret, requireMessageAuthenticator: false }] });
    accepted(await p.handle(request(mschapV2('alice', 'secret')), ctx()));
    accepted(await p.handle(request(pap('secret')), ctx()));
    await waitFor('the four duplicates seen', () => p.client.stats.unmatched >= 4);
    assert.equal(p.client.stats.replies, 2);
    assert.equal(p.client.stats.unmatched, 4);
  });

  it('accounting: Start and Stop through the shared client reach the detail file', async () => {
    const client = new RadiusClient({ servers: [{ host: '127.0.0.1', port: fr.acctPort, secret: fr.secret }], timeoutMs: 1000, bindAddress: '127.0.0.1' });
    closers.push(() => client.close());
    for (const status of ['Start', 'Stop']) {
      const r = await client.send('Accounting-Request', (a) => [
        ['User-Name', 'alice'], ['Acct-Status-Type', status], ['Acct-Session-Id', 'radius-it-1'], ['NAS-IP-Address', '127.0.0.1'], ['Acct-Delay-Time', a.delaySeconds],
      ]);
      assert.ok(r.ok, r.ok ? '' : r.reason);
      assert.equal(r.reply.codeName, 'Accounting-Response');
    }
    const files = fr.detailFiles();
    assert.equal(files.length, 1);
    const detail = readFileSync(files[0]!, 'utf8');
    assert.match(detail, /Acct-Session-Id = "radius-it-1"/);
    assert.match(detail, /Acct-Status-Type = Stop/);
  });
});
