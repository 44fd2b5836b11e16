// The client sequences of ../shared/real-clients/windows-lcp.md replayed against the server
// session: Windows XP/Vista-7/10, NT/2000 (multilink options), Android, macOS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AuthResult } from '../../../../auth-plugins/types.js';
import { verifyLocal } from '../../../../auth-plugins/verify-local.js';
import { decodeOptions } from '../../../../server/ppp/fsm/cp-codec.js';
import { Protocol } from '../../../../server/ppp/protocols.js';
import { PppSession } from '../../../../server/ppp/session.js';
import type { PppEvent } from '../../../../server/ppp/session-types.js';
import { seededRandom } from '../../../helpers/ppp-pair.js';
import { ACSCP, type ClientProfile, IPV6CP, PROFILES, WindowsPeer } from '../../../helpers/windows-peer.js';

function run(profile: ClientProfile) {
  const server = new PppSession({
    role: 'server',
    authMethods: ['mschap-v2'],
    mppe: { required: true, bits: [128], stateful: 'deny' },
    random: seededRandom(3),
    echoIntervalMs: 0,
  });
  const peer = new WindowsPeer(profile);
  const events: PppEvent[] = [];
  const serverFrames: Buffer[] = [];
  let now = 0;
  const drainServer = (): void => {
    for (let round = 0; round < 4; round++) {
      const acts = server.drain();
      if (acts.length === 0) return;
      for (const a of acts) {
        if (a.type === 'transmit') serverFrames.push(a.frame);
        if (a.type !== 'event') continue;
        events.push(a.event);
        if (a.event.type === 'auth-verify') {
          const e = a.event;
          const v = verifyLocal(
            { peerName: e.peerName, userName: e.peerName, credentials: e.credentials, peerAddress: '', localAddress: '', callId: 0, serverName: 'pptpd' },
            { kind: 'cleartext', password: 'secret' },
          );
          assert.equal(v.status, 'ok');
          const r: AuthResult = {
            verdict: 'accept',
            userName: e.peerName,
            attributes: {},
            plugin: 'test',
            ...(v.status === 'ok' && v.mppeKeys ? { mppeKeys: v.mppeKeys } : {}),
            ...(v.status === 'ok' && v.authenticatorResponse ? { authenticatorResponse: v.authenticatorResponse } : {}),
          };
          server.handleAuthVerdict(r, now);
        }
        if (a.event.type === 'authenticated') server.setNetwork({ local: '10.1.1.1', remote: '10.1.2.4', dns: ['192.168.1.1'] }, now);
      }
    }
  };
  server.start(now);
  peer.start();
  drainServer();
  let sent = 0;
  for (let step = 0; step < 500; step++) {
    if (sent < serverFrames.length) {
      peer.input(serverFrames[sent++]!, now);
      continue;
    }
    const f = peer.out.shift();
    if (f) {
      server.handleFrame(f, now);
      drainServer();
      continue;
    }
    const t = server.nextTimeout();
    if (t === null || t > 30_000) break;
    now = t;
    server.handleTimeout(now);
    drainServer();
  }
  const lcp = peer.received.filter((r) => r.protocol === Protocol.LCP && r.pkt);
  return { events, peer, lcp, server };
}

for (const profile of PROFILES) {
  test(`${profile.name}: reaches network-up with MPPE-128 stateless`, () => {
    const { events, lcp, peer } = run(profile);
    const up = events.find((e) => e.type === 'network-up');
    assert.ok(up && up.type === 'network-up', JSON.stringify(events.filter((e) => e.type !== 'phase')));
    assert.deepEqual(up.mppe, { send: { bits: 128, stateless: true }, recv: { bits: 128, stateless: true } });
    assert.equal(up.remote, '10.1.2.4');
    assert.deepEqual(up.dns, ['192.168.1.1']);
    // The peer's own view (what the end-to-end test relies on) agrees with the server's.
    assert.equal(peer.ipcpOpen, true);
    assert.equal(peer.localAddress, '10.1.2.4');
    assert.equal(peer.serverAddress, '10.1.1.1');
    assert.deepEqual(peer.ccpAcked, { ours: '01000040', theirs: '01000040' });
    assert.equal(peer.mppeKeys?.sendKey.length, 16);
    // Never a Code-Reject: Identification and Time-Remaining are taken silently.
    assert.equal(lcp.filter((r) => r.pkt?.code === 7).length, 0);
    const idents = events.filter((e) => e.type === 'identification').map((e) => (e.type === 'identification' ? e.message : ''));
    assert.equal(idents.length, profile.idents.length);
    // Early IPCP was answered in kind, not with pppd's Terminate-Ack.
    const ipcp = peer.received.filter((r) => r.protocol === Protocol.IPCP);
    assert.ok(!ipcp.some((r) => r.pkt?.code === 6));
    // Every documented first CCP request names several strengths (or none): the server's
    // first answer is a Nak to exactly +H +S (MPPC refused).
    const answers = peer.received.filter((r) => r.protocol === Protocol.CCP && r.pkt && r.pkt.code >= 2 && r.pkt.code <= 4);
    const first = answers.find((r) => r.pkt!.code !== 2 || r.pkt!.data.toString('hex') !== '120601000040');
    assert.equal(first?.pkt?.code, 3);
    assert.equal(first?.raw.subarray(4).toString('hex'), '120601000040');
  });
}

test('Windows LCP Rejects: Callback alone for XP/7/10; Callback + MRRU + Endpoint for NT/2000', () => {
  assert.deepEqual(
    PROFILES.map((p) => p.lcpRejects),
    [[13], [13], [13], [13, 17, 19], null, null],
  );
  for (const profile of PROFILES) {
    const want = profile.lcpRejects;
    const { lcp } = run(profile);
    const rej = lcp.find((r) => r.pkt?.code === 4);
    if (want === null) {
      assert.equal(rej, undefined, `${profile.name}: nothing to reject`);
      continue;
    }
    const o = decodeOptions(rej!.pkt!.data, 'lcp');
    assert.ok(Array.isArray(o));
    assert.deepEqual(
      o.map((x) => x.type),
      want,
    );
  }
});

test('IPV6CP (Windows 7+) and ACSCP (macOS) are LCP Protocol-Rejected with the packet; the link stays up', () => {
  const { lcp, events } = run(PROFILES[5]!);
  const pr = lcp.filter((r) => r.pkt?.code === 8).map((r) => r.pkt!.data.toString('hex'));
  assert.deepEqual(pr, [`8057${IPV6CP}`, `8235${ACSCP}`]);
  assert.ok(!events.some((e) => e.type === 'down'));
});

test('Windows 10 "+H only" CCP request is Nak-ed to +H +S and the re-request Acked', () => {
  const { peer } = run(PROFILES[2]!);
  const ccp = peer.received.filter((r) => r.protocol === Protocol.CCP && r.pkt);
  const nak = ccp.find((r) => r.pkt!.code === 3);
  assert.equal(nak?.raw.subarray(4).toString('hex'), '120601000040');
  assert.ok(ccp.some((r) => r.pkt!.code === 2));
});
