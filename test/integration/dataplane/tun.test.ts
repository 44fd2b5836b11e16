// The TUN device through the project's NativeTun, inside a namespace this test
// creates: packets routed to the device reach onPackets, and packets given to
// writePackets reach a socket. The TUN and the sockets live in a child process
// under `ip netns exec` (fixtures/tun-peer.ts); this process stays in the root
// namespace and only checks the child's report.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Netns, canUseNetns, linkName } from '../../helpers/netns.js';
import { dataplaneUnavailable } from '../../../server/dataplane/native.js';
import { runFixture } from './fixtures/run.js';

const skip = canUseNetns() ?? dataplaneUnavailable() ?? false;

describe('NativeTun in a network namespace', { skip }, () => {
  let ns: Netns;
  before(() => { ns = Netns.create('tun'); });
  after(() => { ns.destroy(); });

  it('delivers kernel-routed UDP datagrams to onPackets as whole IPv4 packets', async () => {
    const r = await runFixture(ns, 'tun-peer.ts', ['--mode', 'kernel-to-tun', '--name', linkName('t')]);
    const seen = r['seen'] as Array<Record<string, unknown>>;
    const udp = seen.filter((p) => p['dport'] === 7777);
    assert.deepEqual(udp.map((p) => p['payload']).sort(), ['hello-0', 'hello-1', 'hello-2']);
    for (const p of udp) {
      assert.equal(p['version'], 4);
      assert.equal(p['src'], '10.250.1.1');
      assert.equal(p['dst'], '10.250.1.2');
    }
    // IPv6 was disabled before the link came up: no router solicitations.
    assert.equal(r['ipv6Disabled'], true);
    assert.equal(seen.filter((p) => p['version'] === 6).length, 0);
    assert.equal(r['mtu'], 1400);
    assert.equal(r['goneAfterClose'], true, 'a non-persistent TUN disappears when closed');
    const stats = r['stats'] as { read: { packets: number; dropped: number } };
    assert.ok(stats.read.packets >= 3);
    assert.equal(stats.read.dropped, 0);
  });

  it('hands hand-built IPv4/UDP packets from writePackets to a socket', async () => {
    const r = await runFixture(ns, 'tun-peer.ts', ['--mode', 'tun-to-kernel', '--name', linkName('t')]);
    const received = r['received'] as Array<{ from: string; port: number; payload: string }>;
    assert.deepEqual(received.map((m) => m.payload).sort(), ['from-tun-0', 'from-tun-1', 'from-tun-2']);
    for (const m of received) assert.deepEqual([m.from, m.port], ['10.250.1.2', 5555]);
    const stats = r['stats'] as { write: { packets: number; dropped: number } };
    assert.deepEqual([stats.write.packets, stats.write.dropped], [3, 0]);
  });
});
