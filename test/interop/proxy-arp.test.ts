// The real Linux client (pptp-linux + pppd in a qemu guest) and proxyarp on a named LAN
// interface, in the seed FAQ's layout that pppd's own proxyarp cannot serve: the client
// gets 192.168.5.x, the server's LAN is 192.168.56.0/24, and the LAN host (its own
// namespace) has a /16 netmask, so it ARPs for the client's address itself. The client
// pings the LAN host through the tunnel: each echo reply reaches the client only if the
// server answered the LAN host's ARP for 192.168.5.x. After the session no proxy entry
// is left.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { canRunInterop, runPptpClient } from '../helpers/interop.js';
import { canUseNetns, Netns, vethPair } from '../helpers/netns.js';
import { startServer, type ServerProc } from '../helpers/server-proc.js';

const skip = canUseNetns() ?? canRunInterop();
const SERVER = '10.231.0.1';
const LAN_HOST = '192.168.56.12';

const namespaces: Netns[] = [];
after(() => {
  for (const ns of namespaces) ns.destroy();
});

async function sh(ns: Netns, ...argv: string[]): Promise<string> {
  const r = await ns.exec(argv, { timeoutMs: 10_000 });
  assert.equal(r.code, 0, `${argv.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

describe('proxyarp with the real Linux client', { skip, concurrency: 1 }, () => {
  test('pool 192.168.5.x, LAN 192.168.56.x: a LAN host with a /16 netmask and the client reach each other; no entry left', async () => {
    const ns = Netns.create('parpi');
    const lan = Netns.create('parph');
    namespaces.push(ns, lan);
    const dev = vethPair(ns, '192.168.56.11/24', lan, `${LAN_HOST}/16`).aDev;
    await sh(ns, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
    let server: ServerProc | undefined = await startServer(ns, {
      config: { pool: { local: ['192.168.5.11'], remote: ['192.168.5.12-20'] }, ppp: { proxyArp: [dev] } },
      chapSecrets: 'alice * secret *\n',
    });
    try {
      const r = await runPptpClient({
        netns: ns.name,
        server: SERVER,
        user: 'alice',
        password: 'secret',
        pppdOpts: 'nodeflate nobsdcomp noauth refuse-eap refuse-pap refuse-chap refuse-mschap require-mppe-128 defaultroute',
        ping: LAN_HOST,
        count: 3,
        timeout: 90,
      });
      const j = r.json;
      assert.ok(j, `no JSON from the client: ${r.stderr.slice(-1500)}`);
      assert.equal(j.up, true, `tunnel not up: ${j.log.slice(-2500)}`);
      const addr = j.local_ip ?? '';
      assert.match(addr, /^192\.168\.5\.(1[2-9]|20)$/);
      assert.equal(j.ping_target, LAN_HOST);
      assert.ok(j.ping_received >= 1, `the LAN host's replies did not reach ${addr} (${j.ping_received}/${j.ping_sent})`);
      assert.ok(server.find(new RegExp(`^proxyarp: answering ARP for ${addr.replace(/\./g, '\\.')} on ${dev}$`)), 'the server published the address');
      // The LAN host resolved the client's address to the server's LAN MAC.
      const mac = (await sh(ns, 'cat', `/sys/class/net/${dev}/address`)).trim();
      assert.match(await sh(lan, 'ip', 'neigh', 'show', addr), new RegExp(`lladdr ${mac}`));
      await server.waitForLog(/^session down: alice/, 15_000);
      const end = Date.now() + 5_000;
      while ((await sh(ns, 'ip', 'neigh', 'show', 'proxy')).trim() !== '') {
        assert.ok(Date.now() < end, `a proxy entry is left: ${await sh(ns, 'ip', 'neigh', 'show', 'proxy')}`);
        await new Promise((res) => setTimeout(res, 100));
      }
      const ledger = path.join(server.dir, 'proxyarp-pptp0.json');
      assert.equal(await server.stop({ keep: true }), 0);
      assert.ok(!existsSync(ledger), 'the ledger goes at shutdown');
      server.cleanup();
      server = undefined;
    } finally {
      await server?.stop();
    }
  });
});
