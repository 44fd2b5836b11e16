// Client addresses beyond the plain pool, against a running `pptpd-ts serve`:
//   - proxyarp: the pool lies inside the LAN subnet of the server's second interface; a
//     host on that LAN (a third namespace) and the client reach each other, the server
//     answering ARP for the client's address, and the proxy entry goes at session end;
//   - a static address from chap-secrets outside the pool: the client gets it, a host
//     route sends it into the tunnel (the server pings it), and route and address are
//     released at session end (the same user gets it again);
//   - proxyarp on a named interface, the seed FAQ's case pppd cannot do: pool
//     192.168.5.x, LAN 192.168.56.x, a LAN host with a /16 netmask that ARPs for the
//     client directly; an entry the admin made is left alone, a second instance removes
//     only its own entries, and a restart after SIGKILL removes what the crash left.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
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
 * The client, echoing UDP sent to its tunnel address while it holds the tunnel: for
 * `holdMs`, or (undefined) until hangUp() closes its stdin, so a busy machine cannot end
 * it before the test is done.
 */
function client(user: string, holdMs?: number, pingTarget?: string, from: Netns = b!, to = SERVER): NetnsChild {
  return from.spawn(
    nodeTs('test/integration/server/fixtures/udp-echo-client.ts', to, user, 'secret', String(holdMs ?? 300_000), ...(pingTarget ? [pingTarget] : [])),
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
    const kid = client('alice', undefined, LAN_HOST);
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

describe('proxyarp on a named interface: the seed FAQ (pool 192.168.5.x, LAN 192.168.56.x)', { skip, concurrency: 1 }, () => {
  const SRV = '10.237.0.1';
  const SRV2 = '10.238.0.1'; // a second instance, its clients on their own link
  const LAN = '192.168.56.12';
  let sa: Netns | undefined; // the server (192.168.56.11/24 on its LAN)
  let sb: Netns | undefined; // the client
  let sc: Netns | undefined; // a LAN host, 192.168.56.12/16: it ARPs for 192.168.5.x itself
  let dev = '';
  let srv: ServerProc | undefined;
  const spec = () => ({
    config: { listen: { address: SRV }, pool: { local: ['192.168.5.11'], remote: ['192.168.5.12-20'] }, ppp: { proxyArp: [dev] } },
    chapSecrets: 'alice * secret *\nbob * secret 192.168.5.30\n',
  });
  const proxies = async (): Promise<string> => sh(sa!, 'ip', 'neigh', 'show', 'proxy', 'dev', dev);
  const proxied = async (addr: string): Promise<boolean> => (await proxies()).split('\n').some((l) => l.startsWith(`${addr} `));
  /** The first log message after the first `mark` lines that matches `re` (bounded wait). */
  const logAfter = async (re: RegExp, mark: number, on = srv!): Promise<string> => {
    const hit = (): string | undefined => on.logs().slice(mark).find((l) => re.test(l.msg))?.msg;
    await waitFor(`${re} (server stderr: ${on.child.stderr.slice(-500)})`, async () => hit() !== undefined, 20_000);
    return hit()!;
  };
  /** The address of the next session whose up line matches `re`. */
  const up = async (re: RegExp, mark: number, on = srv!): Promise<string> => /got (192\.168\.\d+\.\d+)/.exec(await logAfter(re, mark, on))![1]!;

  before(async () => {
    sa = Netns.create('parps');
    sb = Netns.create('parpc');
    sc = Netns.create('parpl');
    vethPair(sa, `${SRV}/24`, sb, '10.237.0.2/24');
    dev = vethPair(sa, '192.168.56.11/24', sc, `${LAN}/16`).aDev;
    await sh(sa, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
    srv = await startServer(sa, spec());
  });
  after(async () => {
    await srv?.stop();
    sc?.destroy();
    sb?.destroy();
    sa?.destroy();
  });

  test('the LAN host reaches the client at 192.168.5.x, the client reaches it; the entry goes at session end', async () => {
    const mark = srv!.logs().length;
    const kid = client('alice', 4000, LAN, sb, SRV);
    try {
      const addr = await up(/session up: alice .* got 192\.168\.5\.\d+/, mark);
      await waitFor(`proxy entry for ${addr} on ${dev}`, () => proxied(addr), 5_000);
      assert.ok(srv!.find(new RegExp(`proxyarp: answering ARP for ${addr.replace(/\./g, '\\.')} on ${dev}`)));
      await reaches(sc!, addr);
      const mac = (await sh(sa!, 'cat', `/sys/class/net/${dev}/address`)).trim();
      assert.match(await sh(sc!, 'ip', 'neigh', 'show', addr), new RegExp(`lladdr ${mac}`), "the LAN host learnt the server's MAC for the client");
      const done = await kid.wait(20_000);
      assert.equal(done.code, 0, kid.stdout + kid.stderr);
      const ping = lines(kid).find((l) => l.event === 'ping') as { received: number } | undefined;
      assert.ok((ping?.received ?? 0) >= 1, `the client reached the LAN host: ${kid.stdout}`);
      await logAfter(/session down: alice/, mark);
      await waitFor(`proxy entry for ${addr} removed`, async () => !(await proxied(addr)), 5_000);
      assert.equal((await proxies()).trim(), '', 'no proxy entry is left');
    } finally {
      kid.kill('SIGKILL');
    }
  });

  test("an entry the admin made for the client's address is left alone", async () => {
    await sh(sa!, 'ip', 'neigh', 'add', 'proxy', '192.168.5.30', 'dev', dev);
    const mark = srv!.logs().length;
    const kid = client('bob', 1500, undefined, sb, SRV);
    try {
      await up(/session up: bob .* got 192\.168\.5\.30/, mark);
      await logAfter(new RegExp(`proxyarp: 192\\.168\\.5\\.30 is already published on ${dev}, not by this server`), mark);
      const ledger = readFileSync(path.join(srv!.dir, 'proxyarp-pptp0.json'), 'utf8');
      assert.ok(!ledger.includes('192.168.5.30'), `not in the ledger: ${ledger}`);
      await kid.wait(20_000);
      await logAfter(/session down: bob/, mark);
      // Changes run in order: once a later session's entry is there, bob's end was handled.
      const mark2 = srv!.logs().length;
      const later = client('alice', 1000, undefined, sb, SRV);
      try {
        const addr = await up(/session up: alice .* got 192\.168\.5\.\d+/, mark2);
        await waitFor(`proxy entry for ${addr}`, () => proxied(addr), 5_000);
        await later.wait(20_000);
      } finally {
        later.kill('SIGKILL');
      }
      assert.ok(await proxied('192.168.5.30'), "the admin's entry is still there");
    } finally {
      kid.kill('SIGKILL');
      await sh(sa!, 'ip', 'neigh', 'del', 'proxy', '192.168.5.30', 'dev', dev);
    }
  });

  test("a second instance (its own TUN) removes only its own entries; another instance's ledger is refused", async () => {
    const sd = Netns.create('parpd');
    vethPair(sa!, `${SRV2}/24`, sd, '10.238.0.2/24');
    const other = await startServer(sa!, {
      config: { listen: { address: SRV2 }, pool: { local: ['192.168.6.1'], remote: ['192.168.6.2-9'] }, ppp: { proxyArp: [dev] } },
      chapSecrets: 'carol * secret *\n',
      tun: 'pptp1',
    });
    const mark = srv!.logs().length;
    const first = client('alice', 60_000, undefined, sb, SRV);
    const second = client('carol', 60_000, undefined, sd, SRV2);
    try {
      const a1 = await up(/session up: alice .* got 192\.168\.5\.\d+/, mark);
      const a2 = await up(/session up: carol .* got 192\.168\.6\.\d+/, 0, other).catch((e: Error) => {
        throw new Error(`${e.message}\nclient: ${second.stdout}${second.stderr}\nserver: ${other.child.stdout.slice(-3000)}`);
      });
      await waitFor('both entries', async () => (await proxied(a1)) && (await proxied(a2)), 5_000);
      assert.ok(existsSync(path.join(srv!.dir, 'proxyarp-pptp0.json')) && existsSync(path.join(other.dir, 'proxyarp-pptp1.json')));
      // A third server given the first one's state directory and TUN name, in another
      // namespace, must not take over (or clean up) the live instance's entries.
      const elsewhere = Netns.create('parpx');
      try {
        elsewhere.ip('link', 'add', dev, 'type', 'veth', 'peer', 'name', `${dev.slice(0, -1)}z`);
        const third = elsewhere.spawn(nodeTs('server/cli/main.ts', 'serve', '--log-format', 'json', '-c', path.join(srv!.dir, 'config.yaml'), '--tun', 'pptp0'));
        const r = await third.wait(20_000);
        assert.equal(r.code, 1, third.stdout + third.stderr);
        assert.match(third.stderr + third.stdout, new RegExp(`proxyarp-pptp0\\.json belongs to the running process ${srv!.child.pid}`));
      } finally {
        elsewhere.destroy();
      }
      assert.equal(await other.stop(), 0);
      await waitFor(`the second instance removed ${a2}`, async () => !(await proxied(a2)), 5_000);
      assert.ok(await proxied(a1), "the first instance's entry stays");
      assert.ok(!existsSync(path.join(other.dir, 'proxyarp-pptp1.json')), 'the ledger goes at shutdown');
    } finally {
      first.kill('SIGKILL');
      second.kill('SIGKILL');
      await other.stop();
      sd.destroy();
    }
    await logAfter(/session down: alice/, mark);
    await waitFor('no proxy entry left', async () => (await proxies()).trim() === '', 5_000);
  });

  test('SIGHUP with a configuration naming a missing interface keeps the previous one', async () => {
    const file = path.join(srv!.dir, 'config.yaml');
    const good = readFileSync(file, 'utf8');
    const mark = srv!.logs().length;
    try {
      writeFileSync(file, good.replace(`"${dev}"`, '"ptdnosuch0"'));
      srv!.child.kill('SIGHUP');
      await logAfter(/^reload failed, the previous configuration stays: .*ppp\.proxyArp: no interface "ptdnosuch0" on this host/s, mark);
    } finally {
      writeFileSync(file, good);
    }
  });

  test('after a crash (SIGKILL), the restarted server removes the entries the crash left', async () => {
    const mark = srv!.logs().length;
    const kid = client('alice', 60_000, undefined, sb, SRV);
    try {
      const addr = await up(/session up: alice .* got 192\.168\.5\.\d+/, mark);
      await waitFor(`proxy entry for ${addr}`, () => proxied(addr), 5_000);
      const crashed = srv!;
      const pid = crashed.child.pid;
      await crashed.kill9();
      assert.ok(await proxied(addr), 'the crash left the entry');
      kid.kill('SIGKILL');
      srv = await startServer(sa!, { ...spec(), dir: crashed.dir });
      await srv.waitForLog(new RegExp(`proxyarp: removed 1 proxy ARP entries left by a previous run \\(pid ${pid}\\): ${addr.replace(/\./g, '\\.')} on ${dev}`), 5_000);
      assert.equal(await proxied(addr), false, 'removed before the server listens');
      assert.ok(!existsSync(path.join(crashed.dir, 'proxyarp-pptp0.json')));
    } finally {
      kid.kill('SIGKILL');
    }
  });
});
