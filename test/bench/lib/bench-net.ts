// The benchmark's network: one server namespace with a bridge (the server's address on
// it) and K client namespaces, each joined to the bridge by its own veth pair, with its own
// source address and the whole ephemeral port range. One client process per client
// namespace: a raw GRE socket receives every GRE packet of its namespace, so processes
// sharing a namespace would each see all the others' traffic. One source address per
// namespace: the shared raw GRE socket sends from the address the route picks, so a TCP
// connection bound to a second address would have its GRE dropped by the server as
// coming from the wrong peer (RFC 2637 ties GRE to the control connection's address). Everything lives in namespaces made here and goes with
// destroy() (children are killed by PID first).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ip, linkName, Netns, nodeTs, type NetnsChild } from '../../helpers/netns.js';
import { repoRoot } from '../../helpers/paths.js';
import { benchDist } from './build.js';

export const SERVER_IP = '10.250.0.1';
export const TUNNEL_LOCAL = '10.8.0.1';
export const ECHO_PORT = 7007;
const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

/** A child speaking the fixtures' line protocol: `<id> <command>` in, `R <id> {json}` out. */
export class LineProc {
  #id = 0;
  constructor(readonly child: NetnsChild, readonly name: string) {}

  async cmd(command: string | Record<string, unknown>, timeoutMs: number): Promise<Record<string, unknown>> {
    const id = ++this.#id;
    const text = typeof command === 'string' ? command : JSON.stringify(command);
    this.child.child.stdin?.write(`${id} ${text}\n`);
    const line = await this.child.waitForLine(new RegExp(`^R ${id} `), timeoutMs);
    const r = JSON.parse(line.slice(`R ${id} `.length)) as Record<string, unknown>;
    if (typeof r['error'] === 'string') throw new Error(`${this.name}: ${r['error']}`);
    return r;
  }

  /** Asks it to exit (stdin closed), then kills it by PID after `ms`. */
  async stop(ms = 20_000): Promise<void> {
    this.child.child.stdin?.end();
    await this.child.wait(ms);
  }
}

/** argv that raises the open-file limit, then execs node on a fixture. */
function fixtureArgv(script: string, nodeFlags: string[], args: string[]): string[] {
  const [node, ...rest] = nodeTs(path.join(fixtures, script), ...args);
  return ['sh', '-c', 'ulimit -n "$(ulimit -Hn)" && exec "$@"', 'sh', node!, ...nodeFlags, ...rest];
}

/** The compiled files sit too deep for the addon's search for binding.gyp: name it. */
const childEnv = (): NodeJS.ProcessEnv => ({
  ...process.env,
  PPTPD_DATAPLANE_ADDON: process.env['PPTPD_DATAPLANE_ADDON'] ?? path.join(repoRoot, 'build', 'Release', 'pptpd_dataplane.node'),
});

/**
 * The server's environment: childEnv plus BENCH_SERVER_MPPE_ENGINE (auto | native |
 * typescript) as the server's PPTPD_MPPE_ENGINE, to compare the MPPE ciphers on the
 * server alone while the load generator keeps its own.
 */
const serverEnv = (): NodeJS.ProcessEnv => {
  const engine = process.env['BENCH_SERVER_MPPE_ENGINE'];
  return engine === undefined ? childEnv() : { ...childEnv(), PPTPD_MPPE_ENGINE: engine };
};

/** Extra node flags from the environment, e.g. BENCH_SERVER_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof". */
function envFlags(name: string): string[] {
  return (process.env[name] ?? '').split(/\s+/).filter(Boolean);
}

export interface BenchNetOptions {
  clients: number;
  sourcesPerClient: number;
}

export class BenchNet {
  readonly server: Netns;
  readonly clients: Netns[] = [];
  /** Source addresses of client namespace i. */
  readonly sources: string[][] = [];
  readonly dir = mkdtempSync(path.join(os.tmpdir(), 'ptd-bench-'));
  readonly #procs: NetnsChild[] = [];

  constructor(o: BenchNetOptions) {
    this.server = Netns.create('bsrv');
    try {
      this.server.addBridge('bbr0');
      this.server.addAddress('bbr0', `${SERVER_IP}/16`);
      for (let i = 0; i < o.clients; i++) {
        const ns = Netns.create(`bcl${i}`);
        this.clients.push(ns);
        const a = linkName('s');
        const b = linkName('c');
        ip('link', 'add', a, 'netns', this.server.name, 'type', 'veth', 'peer', 'name', b, 'netns', ns.name);
        this.server.ip('link', 'set', a, 'master', 'bbr0');
        this.server.linkUp(a);
        const src: string[] = [];
        for (let j = 1; j <= o.sourcesPerClient; j++) {
          const addr = `10.250.${i + 1}.${j}`;
          ns.addAddress(b, `${addr}/16`);
          src.push(addr);
        }
        ns.linkUp(b);
        const sysctl = spawnSync('ip', ['netns', 'exec', ns.name, 'sysctl', '-qw', 'net.ipv4.ip_local_port_range=1024 65535'], { timeout: 5000 });
        if (sysctl.status !== 0) throw new Error(`sysctl in ${ns.name} failed`);
        this.sources.push(src);
      }
    } catch (e) {
      this.destroy();
      throw e;
    }
  }

  /** Starts the server (PptpServer in a child) with `config` merged over the benchmark's defaults. */
  async startServer(config: Record<string, unknown> = {}, maxSeconds = 900): Promise<LineProc> {
    const secrets = path.join(this.dir, 'chap-secrets');
    writeFileSync(secrets, 'bench * secret *\n', { mode: 0o600 });
    const base: Record<string, unknown> = {
      listen: { address: SERVER_IP },
      // DNS handed out as a production server does (ms-dns); without it every set-up costs an
      // extra IPCP Configure-Reject round for the client's DNS request. Never contacted.
      ppp: { auth: { allowed: ['mschap-v2'] }, mppe: { required: true, bits: [128], stateful: 'deny' }, dns: ['192.0.2.53', '192.0.2.54'] },
      pool: { local: [TUNNEL_LOCAL], remote: ['10.9.0.1-10.9.255.254'] },
      limits: { connections: 65535, perSourceAddress: 0, callsPerControlConnection: 1 },
      auth: { chain: [{ plugin: 'chap-secrets', file: secrets, watch: false }] },
      accounting: { spoolDir: path.join(this.dir, 'spool'), journal: { path: path.join(this.dir, 'journal.sqlite') } },
      control: { enabled: false },
      pidfile: null,
    };
    const merged = { ...base, ...config };
    const file = path.join(this.dir, 'config.json');
    writeFileSync(file, JSON.stringify(merged));
    const child = this.server.spawn(
      fixtureArgv('bench-server.ts', ['--expose-gc', ...envFlags('BENCH_SERVER_NODE_FLAGS')], ['--dist', benchDist(), '--config', file, '--tun', 'bpptp0', '--max-seconds', String(maxSeconds)]),
      { env: serverEnv() },
    );
    this.#procs.push(child);
    await child.waitForLine(/^READY$/, 30_000);
    return new LineProc(child, 'server');
  }

  async startClient(i: number, maxSeconds = 900, nodeFlags: string[] = []): Promise<LineProc> {
    const child = this.clients[i]!.spawn(
      fixtureArgv('load-client.ts', [...nodeFlags, ...envFlags('BENCH_CLIENT_NODE_FLAGS')], ['--dist', benchDist(), '--server', SERVER_IP, '--sources', this.sources[i]!.join(','), '--max-seconds', String(maxSeconds)]),
      { env: childEnv() },
    );
    this.#procs.push(child);
    await child.waitForLine(/^READY$/, 30_000);
    return new LineProc(child, `client${i}`);
  }

  async startEcho(maxSeconds = 600): Promise<NetnsChild> {
    const child = this.server.spawn(fixtureArgv('udp-echo.ts', [], ['--port', String(ECHO_PORT), '--max-seconds', String(maxSeconds)]));
    this.#procs.push(child);
    await child.waitForLine(/^READY$/, 30_000);
    return child;
  }

  /** Runs a fixture in the server namespace (e.g. a blaster) and returns the child. */
  spawnInServer(script: string, args: string[]): NetnsChild {
    const child = this.server.spawn(fixtureArgv(script, [], args), { env: childEnv() });
    this.#procs.push(child);
    return child;
  }

  /** Kills every child by PID, deletes the namespaces and the temp dir. */
  destroy(): void {
    for (const p of this.#procs) p.kill('SIGKILL');
    for (const ns of this.clients) ns.destroy();
    this.server.destroy();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
