// Client addresses beyond the plain pool, against a running `pptpd-ts serve`:
//   - proxyarp: the pool lies inside the LAN subnet of the server's second interface; a
//     host on that LAN (a third namespace) and the client reach each other, the server
//     answering ARP for the client's address, and the proxy entry goes at session end;
//   - a static address from chap-secrets outside the pool: the client gets it, a host
//     route sends it into the tunnel (the server pings it), and route and address are
//     released at session end (the same user gets it again).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { dataplaneUnavailable } from '../../../server/dataplane/native.js';
import { canUseNetns, Netns, nodeTs, vethPair, type NetnsChild } from '../../helpers/netns.js';
import { startServer, type ServerProc } from '../../helpers/server-proc.js';
import { CHILD_RUN_MS, waitFor } from '../../helpers/wait.js';

const skip = canUseNetns() ?? dataplaneUnavailable();
const SERVER = '10.236.0.1';
const LAN_HOST = '192.168.77.10';
const POOL = { local: ['10.8.0.1'], remote: ['192.168.77.100-110'] };
let a: Netns | undefined; // the server
let b: Netns | undefined; // the client
let c: Netns | undefined; // a host on the server's LAN
let lanDev = '';
let server: ServerProc | undefined;

/**
 * The client, echoing UDP sent to its tunnel address while it holds the tunnel: until
 * hangUp() (its stdin closed), so a busy machine cannot end it before the test is done.
 */
function client(user: string, pingTarget?: string): NetnsChild {
  return b!.spawn(
    nodeTs('test/integration/server/fixtures/udp-echo-client.ts', SERVER, user, 'secret', '300000', ...(pingTarget ? [pingTarget] : [])),
  );
}

async function hangUp(kid: NetnsChild): Promise<void> {
  kid.child.stdin?.end();
  const done = await kid.wait(30_000);
  assert.equal(done.code, 0, kid.stdout + kid.stderr);
}

/** A UDP datagram from `ns` to `address` comes back (echoed by the client). */
async function reaches(ns: Netns, address: string): Promise<void> {
  const r = await ns.exec(nodeTs('test/integration/server/fixtures/udp-probe.ts', address), { timeoutMs: CHILD_RUN_MS });
  assert.equal(r.code, 0, `no UDP echo from ${address}: ${r.stdout}${r.stderr}`);
}

function lines(kid: NetnsChild): { event: string; [k: string]: unknown }[] {
  return kid.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { event: string });
}

async function sh(ns: Netns, ...argv: string[]): Promise<string> {
  const r = await ns.exec(argv, { timeoutMs: 30_000 });
  assert.equal(r.code, 0, `${argv.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

describe('proxyarp and static addresses', { skip, concurrency: 1 }, () => {
  before(async () => {
    a = Netns.create('adrs');
    b = Netns.create('adrc');
    c = Netns.create('adrl');
    vethPair(a, `${SERVER}/24`, b, '10.236.0.2/24');
    lanDev = vethPair(a, '192.168.77.1/24', c, `${LAN_HOST}/24`).aDev;
    // Proxy ARP is answered only on an interface that forwards (and the LAN needs routing anyway).
    await sh(a, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
    server = await startServer(a, {
      config: { pool: POOL, ppp: { proxyArp: true } },
      chapSecrets: 'alice * secret *\nstat * secret 10.9.9.9\n',
    });
  });
  after(async () => {
    await server?.stop();
    c?.destroy();
    b?.destroy();
    a?.destroy();
  });

  test('proxyarp: a LAN host and the client reach each other; the proxy entry is removed at session end', async () => {
    const kid = client('alice', LAN_HOST);
    try {
      // The client is a fresh node + tsx process: its session comes up within CHILD_RUN_MS.
      const up = await server!.waitForLog(/session up: alice .* got 192\.168\.77\.\d+/, CHILD_RUN_MS);
      const addr = /got (192\.168\.77\.\d+)/.exec(up)![1]!;
      const proxied = async (): Promise<boolean> => (await sh(a!, 'ip', 'neigh', 'show', 'proxy')).includes(`${addr} dev ${lanDev}`);
      await waitFor(`proxy entry for ${addr} on ${lanDev}`, proxied);
      // The LAN host reaches the client's tunnel address: ARP for it is answered by the server.
      await reaches(c!, addr);
      const mac = (await sh(a!, 'cat', `/sys/class/net/${lanDev}/address`)).trim();
      assert.match(await sh(c!, 'ip', 'neigh', 'show', addr), new RegExp(`lladdr ${mac}`), "the LAN host learnt the server's MAC for the client");
      await hangUp(kid);
      const ping = lines(kid).find((l) => l.event === 'ping') as { received: number } | undefined;
      assert.ok((ping?.received ?? 0) >= 1, `the client reached the LAN host through the tunnel: ${kid.stdout}`);
      await server!.waitForLog(/session down: alice/);
      await waitFor(`proxy entry for ${addr} removed`, async () => !(await proxied()));
    } finally {
      kid.kill('SIGKILL');
    }
  });

  test('a chap-secrets address outside the pool: host route, reachable, released after', async () => {
    for (let round = 1; round <= 2; round++) {
      const kid = client('stat');
      try {
        await server!.waitForLog(new RegExp(`session up: stat .* got 10\\.9\\.9\\.9`), CHILD_RUN_MS);
        const route = async (): Promise<string> => sh(a!, 'ip', 'route', 'show', '10.9.9.9');
        await waitFor('host route to 10.9.9.9', async () => (await route()).includes('dev pptp0'));
        await reaches(a!, '10.9.9.9');
        await hangUp(kid);
        await server!.waitForLines(/^session down: stat/, round);
        await waitFor('host route removed', async () => (await route()).trim() === '');
      } finally {
        kid.kill('SIGKILL');
      }
    }
    await server!.waitForLine(/proxyarp: 10\.9\.9\.9 is in no LAN subnet/); // proxyarp skips an address outside every LAN
  });
});
