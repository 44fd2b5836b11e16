// The real-client interop harness (../shared/interop, see its README.md) from
// TypeScript: run the Linux PPTP client (pptp-client.sh, a qemu VM) and get its
// JSON verdict; run PoPToP (pptp-server.sh, a qemu VM) as a child, wait for
// @@READY, collect @@PEER-UP lines, stop it with SIGTERM and wait for @@STOPPED.
//
// Both scripts need root and qemu; their VMs only ever sit on tap devices
// inside the namespace given (a test-made one, see netns.ts). The first use
// builds the VM image (build-image.sh; ~12 s plus apt-get installs).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { canUseNetns, killOnExit } from './netns.js';
import { sharedDir } from './paths.js';

export const interopDir = path.join(sharedDir, 'interop');

/** Why the harness cannot run here (a skip reason), or undefined when it can. */
export function canRunInterop(): string | undefined {
  const netns = canUseNetns();
  if (netns) return netns;
  for (const f of ['pptp-client.sh', 'pptp-server.sh', 'build-image.sh']) {
    if (!existsSync(path.join(interopDir, f))) return `interop harness not found: ${path.join(interopDir, f)} (set PPTPD_SHARED)`;
  }
  const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`], { timeout: 5000 }).status === 0;
  if (!has('bash')) return 'bash is missing';
  // build-image.sh installs qemu, cpio and jq itself, through apt-get.
  if (!has('qemu-system-x86_64') && !has('apt-get')) return 'qemu-system-x86_64 is missing and apt-get cannot install it';
  return undefined;
}

let imageBuilt: Promise<void> | undefined;

/** Builds the VM image once per process (a 0.01 s no-op when up to date). */
export function ensureInteropImage(timeoutMs = 600_000): Promise<void> {
  imageBuilt ??= new Promise<void>((resolve, reject) => {
    const child = spawn('bash', [path.join(interopDir, 'build-image.sh')], { stdio: ['ignore', 'pipe', 'pipe'] });
    const forget = killOnExit(child.pid!, 'SIGTERM');
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => { err += d; });
    child.stdout.resume();
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      forget();
      if (code === 0) resolve();
      else reject(new Error(`build-image.sh failed (${code ?? signal}): ${err.slice(-3000)}`));
    });
  });
  return imageBuilt;
}

export interface PptpClientOptions {
  /** Namespace of the VM's tap; the server under test listens in it. */
  netns: string;
  server?: string;
  /** The VM's address, "A/P". */
  guestIp?: string;
  user: string;
  password: string;
  /** Replaces pppd's default options (require-mschap-v2 require-mppe-128 ...). */
  pppdOpts?: string;
  ping?: string;
  count?: number;
  hold?: number;
  /**
   * Overall bound in seconds, VM boot included (the script's --timeout). Raised to at least
   * MIN_CLIENT_TIMEOUT_S: it is a bound, not a duration, and a TCG VM on a busy machine takes
   * over a minute to boot and connect.
   */
  timeout?: number;
  bridge?: string;
  noHostAddr?: boolean;
  tap?: string;
  /** Copy the VM's raw serial console here (lines the guest writes to /dev/console). */
  console?: string;
}

/** The client's JSON verdict (pptp-client.sh --json, see the harness README). */
export interface PptpClientJson {
  up: boolean;
  auth: string | null;
  auth_negotiated: string | null;
  mppe: string | null;
  local_ip: string | null;
  remote_ip: string | null;
  ping_target: string | null;
  ping_sent: number;
  ping_received: number;
  seconds_to_up: number | null;
  boot_seconds: number | null;
  pppd_exit: number | null;
  timed_out: boolean;
  accel: string;
  server: string;
  log: string;
  syslog: string;
}

export interface PptpClientResult {
  /** 0 = up and pinged, 1 = failed, 2 = usage/setup error; null when killed. */
  exitCode: number | null;
  json: PptpClientJson | undefined;
  stdout: string;
  stderr: string;
}

/** The least overall bound a client run gets (see PptpClientOptions.timeout). */
export const MIN_CLIENT_TIMEOUT_S = 180;

const clientTimeout = (o: PptpClientOptions): number => Math.max(o.timeout ?? 0, MIN_CLIENT_TIMEOUT_S);

function clientArgs(o: PptpClientOptions, jsonFile: string): string[] {
  const a = ['--netns', o.netns, '--user', o.user, '--password', o.password, '--json', jsonFile];
  const opt = (flag: string, v: string | number | undefined): void => { if (v !== undefined) a.push(flag, String(v)); };
  opt('--server', o.server);
  opt('--guest-ip', o.guestIp);
  opt('--pppd-opts', o.pppdOpts);
  opt('--ping', o.ping);
  opt('--count', o.count);
  opt('--hold', o.hold);
  opt('--timeout', clientTimeout(o));
  opt('--bridge', o.bridge);
  opt('--tap', o.tap);
  opt('--console', o.console);
  if (o.noHostAddr) a.push('--no-host-addr');
  return a;
}

/** Runs pptp-client.sh to the end. Never rejects for a failed tunnel: look at exitCode and json. */
export async function runPptpClient(options: PptpClientOptions): Promise<PptpClientResult> {
  await ensureInteropImage();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ptd-client-'));
  const jsonFile = path.join(dir, 'client.json');
  // The script bounds itself with --timeout; we add a margin for its cleanup.
  const boundMs = (clientTimeout(options) + 30) * 1000;
  try {
    const child = spawn('bash', [path.join(interopDir, 'pptp-client.sh'), ...clientArgs(options, jsonFile)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const { code, stdout, stderr } = await collect(child, boundMs);
    const json = existsSync(jsonFile) ? (JSON.parse(readFileSync(jsonFile, 'utf8')) as PptpClientJson) : undefined;
    return { exitCode: code, json, stdout, stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function collect(child: ChildProcess, boundMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const forget = killOnExit(child.pid!, 'SIGTERM');
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGTERM'), boundMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      forget();
      resolve({ code, stdout, stderr });
    });
  });
}

export interface PptpServerOptions {
  netns: string;
  user: string;
  password: string;
  /** Address on the tap/bridge in the namespace, "A/P" (default 10.232.0.1/24). */
  hostIp?: string;
  noHostAddr?: boolean;
  /** The VM's address, where pptpd listens on TCP 1723 (default 10.232.0.2). */
  serverIp?: string;
  bridge?: string;
  tap?: string;
  localip?: string;
  remoteip?: string;
  /** Seconds to serve after @@READY; default 0 = until stop(). */
  duration?: number;
  pppdOpts?: string;
  pptpdDebug?: boolean;
  /** Seconds pptpd may take to listen (the script's --boot-timeout; default here 180: a TCG VM on a busy machine took over 60). */
  bootTimeout?: number;
  /** Where the script writes the server's syslog at exit. */
  log?: string;
  console?: string;
}

/** One @@PEER-UP line: a call whose IPCP came up, with that call's pppd memory. */
export interface PeerUp {
  iface: string | undefined;
  local: string | undefined;
  remote: string | undefined;
  pppdRssKb: number | undefined;
  pppdPssKb: number | undefined;
  /** Every key=value on the line, as text. */
  fields: Record<string, string>;
}

/** Parses the part of a @@PEER-UP line after the marker. */
export function parsePeerUp(text: string): PeerUp {
  const fields: Record<string, string> = {};
  for (const word of text.trim().split(/\s+/)) {
    const eq = word.indexOf('=');
    if (eq > 0) fields[word.slice(0, eq)] = word.slice(eq + 1);
  }
  const num = (k: string): number | undefined => (fields[k] !== undefined && /^\d+$/.test(fields[k]) ? Number(fields[k]) : undefined);
  return { iface: fields['iface'], local: fields['local'], remote: fields['remote'], pppdRssKb: num('pppd_rss_kb'), pppdPssKb: num('pppd_pss_kb'), fields };
}

function serverArgs(o: PptpServerOptions): string[] {
  const a = ['--netns', o.netns, '--user', o.user, '--password', o.password];
  const opt = (flag: string, v: string | number | undefined): void => { if (v !== undefined) a.push(flag, String(v)); };
  opt('--host-ip', o.hostIp);
  opt('--server-ip', o.serverIp);
  opt('--bridge', o.bridge);
  opt('--tap', o.tap);
  opt('--localip', o.localip);
  opt('--remoteip', o.remoteip);
  opt('--duration', o.duration);
  opt('--pppd-opts', o.pppdOpts);
  opt('--boot-timeout', o.bootTimeout ?? 180);
  opt('--log', o.log);
  opt('--console', o.console);
  if (o.noHostAddr) a.push('--no-host-addr');
  if (o.pptpdDebug) a.push('--pptpd-debug');
  return a;
}

/** PoPToP in its VM, running as a child of this process. */
export class PptpServer {
  readonly peers: PeerUp[] = [];
  stdout = '';
  stderr = '';
  #exit: Promise<number | null>;
  #listeners = new Set<() => void>();
  #forget: () => void;

  constructor(readonly child: ChildProcess) {
    this.#forget = killOnExit(child.pid!, 'SIGTERM');
    let partial = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      this.stdout += d;
      partial += d;
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.startsWith('@@PEER-UP ')) this.peers.push(parsePeerUp(line.slice(10)));
      this.#notify();
    });
    child.stderr?.setEncoding('utf8').on('data', (d: string) => { this.stderr += d; });
    this.#exit = new Promise((resolve) => child.on('close', (code) => {
      this.#forget();
      this.#notify();
      resolve(code);
    }));
  }

  get ready(): boolean {
    return /^@@READY$/m.test(this.stdout);
  }

  get stopped(): boolean {
    return /^@@STOPPED$/m.test(this.stdout);
  }

  #notify(): void {
    for (const f of this.#listeners) f();
  }

  /** Resolves when `cond()` holds; rejects when the child exits first or after timeoutMs. */
  #until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      let exited = false;
      void this.#exit.then(() => { exited = true; check(); });
      const timer = setTimeout(() => { done(); reject(new Error(`no ${what} within ${timeoutMs} ms\n${this.stderr.slice(-3000)}`)); }, timeoutMs);
      const check = (): void => {
        if (cond()) { done(); resolve(); } else if (exited) { done(); reject(new Error(`pptp-server.sh exited before ${what}\n${this.stderr.slice(-3000)}`)); }
      };
      const done = (): void => { clearTimeout(timer); this.#listeners.delete(check); };
      this.#listeners.add(check);
      check();
    });
  }

  waitReady(timeoutMs: number): Promise<void> {
    return this.#until(() => this.ready, timeoutMs, '@@READY');
  }

  /** Waits until `n` calls have come up. */
  waitForPeers(n: number, timeoutMs: number): Promise<void> {
    return this.#until(() => this.peers.length >= n, timeoutMs, `${n} @@PEER-UP`);
  }

  /** SIGTERM, then waits for @@STOPPED and the exit (SIGKILL after timeoutMs). */
  async stop(timeoutMs = 20_000): Promise<{ exitCode: number | null; stopped: boolean }> {
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    const exitCode = await this.#exit;
    clearTimeout(timer);
    return { exitCode, stopped: this.stopped };
  }
}

/** Starts pptp-server.sh and resolves once pptpd listens (@@READY). */
export async function startPptpServer(options: PptpServerOptions, readyTimeoutMs = 240_000): Promise<PptpServer> {
  await ensureInteropImage();
  const child = spawn('bash', [path.join(interopDir, 'pptp-server.sh'), ...serverArgs(options)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const server = new PptpServer(child);
  try {
    await server.waitReady(readyTimeoutMs);
  } catch (e) {
    await server.stop();
    throw e;
  }
  return server;
}
