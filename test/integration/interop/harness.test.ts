// The interop helpers work: PoPToP (pptp-server.sh) and the Linux client
// (pptp-client.sh), each in its own VM, meet on a bridge inside a namespace
// this test creates (as ../shared/interop/selftest.sh does), and the client
// comes up with MS-CHAP-v2 + MPPE-128 and pings through. No project code is
// under test here: this is the harness other interop tests stand on. ~17 s.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Netns } from '../../helpers/netns.js';
import { canRunInterop, parsePeerUp, runPptpClient, startPptpServer } from '../../helpers/interop.js';

const skip = canRunInterop() ?? false;

describe('parsePeerUp', () => {
  it('reads every key=value, with the memory figures as numbers', () => {
    const p = parsePeerUp('iface=ppp0 local=10.232.0.100 remote=10.232.0.101 t=3.2 pppd_rss_kb=5072 pppd_pss_kb=4383 parent=pptpctrl parent_rss_kb=1800');
    assert.deepEqual([p.iface, p.local, p.remote, p.pppdRssKb, p.pppdPssKb], ['ppp0', '10.232.0.100', '10.232.0.101', 5072, 4383]);
    assert.equal(p.fields['parent'], 'pptpctrl');
    assert.equal(parsePeerUp('iface=ppp0 pppd_rss_kb=').pppdRssKb, undefined);
  });
});

describe('interop harness: PoPToP VM <- pptp-linux VM', { skip, timeout: 600_000 }, () => {
  let ns: Netns;
  const bridge = `br${process.pid.toString(36)}`;
  before(() => {
    ns = Netns.create('interop');
    ns.addBridge(bridge);
  });
  after(() => ns.destroy());

  it('brings a tunnel up with MS-CHAP-v2 and MPPE 128 and pings through it', async () => {
    const user = 'harness';
    const password = 'h4rness "pw" x'; // a space and quotes: the helpers pass argv, not a shell line
    const server = await startPptpServer({
      netns: ns.name, bridge, noHostAddr: true, serverIp: '10.232.0.2/24', user, password,
      localip: '10.232.0.100', remoteip: '10.232.0.101-110',
    });
    try {
      const client = await runPptpClient({
        netns: ns.name, bridge, noHostAddr: true, server: '10.232.0.2', guestIp: '10.232.0.3/24',
        user, password, count: 3, timeout: 90,
      });
      assert.equal(client.exitCode, 0, client.stderr.slice(-3000));
      const j = client.json;
      assert.ok(j, 'the client wrote its JSON');
      assert.equal(j.up, true);
      assert.equal(j.auth, 'MS-CHAP-v2');
      assert.match(j.mppe ?? '', /^MPPE 128-bit/);
      assert.equal(j.remote_ip, '10.232.0.100');
      assert.ok(j.ping_received > 0, `pings ${j.ping_received}/${j.ping_sent}`);
      assert.match(client.stdout, /^pptp-client: up=true/m);
      await server.waitForPeers(1, 30_000);
      const peer = server.peers[0]!;
      assert.equal(peer.local, '10.232.0.100');
      assert.equal(peer.remote, j.local_ip);
      assert.ok((peer.pppdRssKb ?? 0) > 0, 'pppd_rss_kb parsed');
    } finally {
      const stopped = await server.stop();
      assert.equal(stopped.stopped, true, '@@STOPPED after SIGTERM');
    }
  });
});
