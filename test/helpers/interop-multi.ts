// Matrices of real-client calls within a suite's time (test/interop/multi-vm/): the
// harness's image, lib.sh and /init, with our own scenarios.
// - runPptpClientCalls: many real pptp-linux + pppd calls in ONE client VM boot, in
//   parallel workers. A TCG boot costs ~5 s of CPU, a call ~4 s mostly waiting. Calls in
//   one worker run one after another: put every call to one PoPToP server in the same
//   worker (PoPToP takes one call per control connection, and pptp-linux would share one
//   between calls to the same server).
// - startPoptopInstances: several PoPToP (pptpd + pppd) instances in ONE server VM, each
//   on its own address with its own pppd options.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureInteropImage, interopDir } from './interop.js';
import { killOnExit } from './netns.js';
import { repoRoot } from './paths.js';

const script = path.join(repoRoot, 'test/interop/multi-vm/multi-vm.sh');

/** pppd's word for a string (options and secrets files): double quotes, \\ and " escaped. */
const pppdWord = (s: string): string => `"${s.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
/** A single-quoted shell word. */
const shWord = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;

export interface MultiCall {
  /** [A-Za-z0-9_-]+: the pppd peer name, ipparam and log file name. */
  id: string;
  server: string;
  /** pppd options (one line). */
  pppdOpts: string;
}

export interface MultiCallResult {
  id: string;
  /** IPCP came up (ip-up ran). */
  up: boolean;
  /** pppd's "MPPE 128-bit stateless" line, or null. */
  mppe: string | null;
  pppdExit: number | null;
  pingReceived: number;
  seconds: number | null;
  /** pppd's CCP/MPPE/LCP-Terminate log lines for this call. */
  log: string[];
}

export interface MultiClientOptions {
  netns: string;
  bridge: string;
  /** The VM's address, "A/P"; the servers must be on that subnet. */
  guestIp: string;
  user: string;
  password: string;
  workers: MultiCall[][];
  /** Seconds a call may take to come up (default 25). */
  runTimeout?: number;
  /** Pings through each tunnel that comes up (default 1). */
  count?: number;
  /** Overall bound in seconds, boot included (default 240). */
  timeout?: number;
}

export interface MultiClientResult {
  exitCode: number | null;
  results: Map<string, MultiCallResult>;
  console: string;
  stderr: string;
}

/** Parses the @@RUN / @@RUNLOG lines of the VM's console. */
export function parseRuns(consoleText: string): Map<string, MultiCallResult> {
  const out = new Map<string, MultiCallResult>();
  const logs = new Map<string, string[]>();
  for (const line of consoleText.split('\n')) {
    const log = /@@RUNLOG (\S+) (.*)$/.exec(line);
    if (log) {
      const l = logs.get(log[1]!) ?? [];
      l.push(log[2]!);
      logs.set(log[1]!, l);
      continue;
    }
    const run = /@@RUN (.*)$/.exec(line);
    if (!run) continue;
    const f: Record<string, string> = {};
    for (const w of run[1]!.trim().split(/\s+/)) {
      const eq = w.indexOf('=');
      if (eq > 0) f[w.slice(0, eq)] = w.slice(eq + 1);
    }
    const id = f['id'];
    if (id === undefined) continue;
    const num = (v: string | undefined): number | null => (v !== undefined && /^\d+(\.\d+)?$/.test(v) ? Number(v) : null);
    out.set(id, {
      id,
      up: f['up'] === 'true',
      mppe: f['mppe'] === undefined || f['mppe'] === 'none' ? null : f['mppe'].replaceAll('_', ' '),
      pppdExit: num(f['exit']),
      pingReceived: num(f['ping']) ?? 0,
      seconds: num(f['seconds']),
      log: [],
    });
  }
  for (const [id, r] of out) r.log = logs.get(id) ?? [];
  return out;
}

/** Boots one client VM and runs every call; never rejects for a failed call (see results). */
export async function runPptpClientCalls(o: MultiClientOptions): Promise<MultiClientResult> {
  await ensureInteropImage();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ptd-multi-'));
  try {
    const etc = path.join(dir, 'overlay/etc');
    mkdirSync(path.join(etc, 'pptpi'), { recursive: true });
    mkdirSync(path.join(etc, 'ppp/peers'), { recursive: true });
    o.workers.forEach((w, i) => {
      for (const c of w) {
        if (!/^[A-Za-z0-9_-]+$/.test(c.id) || /[\n\r]/.test(c.pppdOpts) || !/^[0-9.]+$/.test(c.server)) {
          throw new Error(`bad call ${JSON.stringify(c)}`);
        }
      }
      writeFileSync(path.join(etc, `pptpi/worker.${i}`), w.map((c) => `${c.id} ${c.server} ${c.pppdOpts}\n`).join(''));
    });
    writeFileSync(path.join(etc, 'pptpi/scenario'), [
      'ROLE=multi',
      `GUEST_IP=${shWord(o.guestIp)}`,
      `USER_WORD=${shWord(pppdWord(o.user))}`,
      `RUN_TIMEOUT=${o.runTimeout ?? 25}`,
      `COUNT=${o.count ?? 1}`,
      '. /etc/pptpi/guest-runs.sh',
      '',
    ].join('\n'));
    writeFileSync(path.join(etc, 'ppp/chap-secrets'), `${pppdWord(o.user)} * ${pppdWord(o.password)} *\n`, { mode: 0o600 });
    const consoleFile = path.join(dir, 'console.log');
    const timeout = o.timeout ?? 240;
    const child = spawnVm(o.netns, o.bridge, path.join(dir, 'overlay'), consoleFile, 'client', timeout);
    const { code, stderr } = await finished(child, (timeout + 30) * 1000);
    return { exitCode: code, results: parseRuns(readOr(consoleFile)), console: readOr(consoleFile), stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function readOr(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return ''; // the script failed before the VM started: its stderr says why
  }
}

function spawnVm(netns: string, bridge: string, overlay: string, consoleFile: string, role: 'client' | 'server', timeout: number): ChildProcess {
  return spawn('bash', [
    script, '--interop', interopDir, '--netns', netns, '--bridge', bridge, '--overlay', overlay,
    '--console', consoleFile, '--role', role, '--timeout', String(timeout),
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Waits for the child's exit (SIGTERM after boundMs), collecting its output. */
function finished(child: ChildProcess, boundMs: number, onStdout?: (all: string) => void): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const forget = killOnExit(child.pid!, 'SIGTERM');
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    onStdout?.(stdout);
  });
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

export interface PoptopInstance {
  /** Where this pptpd listens (an address of the VM). */
  address: string;
  /** pptpd.conf localip / remoteip. */
  localip: string;
  remoteip: string;
  /** This instance's pppd options (after name, debug, logfile, nodefaultroute). */
  pppdOpts: string;
}

export interface PoptopInstances {
  /** SIGTERM to the runner (the VM is killed), bounded; resolves with its console. */
  stop(): Promise<string>;
}

/**
 * Boots one VM running a pptpd per instance, on `prefix`-long addresses of the bridge's
 * subnet; resolves once every pptpd listens. Rejects when the VM does not get ready.
 */
export async function startPoptopInstances(o: {
  netns: string; bridge: string; prefix: number; user: string; password: string; instances: PoptopInstance[]; timeout?: number;
}): Promise<PoptopInstances> {
  await ensureInteropImage();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ptd-poptops-'));
  const etc = path.join(dir, 'overlay/etc');
  mkdirSync(path.join(etc, 'pptpi'), { recursive: true });
  mkdirSync(path.join(etc, 'ppp'), { recursive: true });
  o.instances.forEach((s, n) => {
    if (![s.address, s.localip].every((a) => /^[0-9.]+$/.test(a)) || !/^[0-9.,-]+$/.test(s.remoteip) || /[\n\r]/.test(s.pppdOpts)) {
      throw new Error(`bad instance ${JSON.stringify(s)}`);
    }
    writeFileSync(path.join(etc, `pptpi/pptpd.${n}.conf`), `option /etc/ppp/pptpd-options.${n}\nlisten ${s.address}\nlocalip ${s.localip}\nremoteip ${s.remoteip}\n`);
    writeFileSync(path.join(etc, `ppp/pptpd-options.${n}`), `name pptpd\ndebug\nlogfile /var/log/ppp.log\nnodefaultroute\n${s.pppdOpts}\n`);
  });
  writeFileSync(path.join(etc, 'pptpi/scenario'), [
    'ROLE=servers',
    `GUEST_IPS=${shWord(o.instances.map((s) => `${s.address}/${o.prefix}`).join(' '))}`,
    '. /etc/pptpi/guest-servers.sh',
    '',
  ].join('\n'));
  const secret = `${pppdWord(o.user)} * ${pppdWord(o.password)} *\n`;
  writeFileSync(path.join(etc, 'ppp/chap-secrets'), secret, { mode: 0o600 });
  const consoleFile = path.join(dir, 'console.log');
  const child = spawnVm(o.netns, o.bridge, path.join(dir, 'overlay'), consoleFile, 'server', o.timeout ?? 120);
  let ready!: () => void;
  const readyP = new Promise<void>((r) => { ready = r; });
  const done = finished(child, 3_600_000, (out) => { if (/^@@READY$/m.test(out)) ready(); });
  const first = await Promise.race([readyP.then(() => 'ready' as const), done]);
  const stop = async (): Promise<string> => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.kill('SIGTERM');
    await done;
    clearTimeout(timer);
    const text = readOr(consoleFile);
    rmSync(dir, { recursive: true, force: true });
    return text;
  };
  if (first !== 'ready') {
    const text = await stop();
    throw new Error(`the PoPToP VM did not get ready (exit ${first.code}): ${first.stderr.slice(-2000)}\n${text.slice(-1500)}`);
  }
  return { stop };
}
