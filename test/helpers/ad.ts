// A real Active Directory for tests: ../shared/ad (see its README.md) stands up
// a Samba 4 AD domain controller (domain CORP, realm CORP.EXAMPLE) and a
// FreeRADIUS 3.2 that checks MS-CHAPv2 against it with `ntlm_auth`.
//
//   const ad = await startAd();                         // DC in its own namespace (~13 s)
//   const radius = await ad.startRadius(serverNs.name); // FreeRADIUS on 127.0.0.1:11812 of serverNs
//   … pptpd-ts in serverNs → radius → ntlm_auth → winbindd → DC …
//   await ad.stop();                                    // stop-ad.sh: by recorded PID, temp dirs removed
//
// Where things run, and why no test traffic leaves a namespace:
//   - the DC runs in a namespace of its own with only `lo` (start-ad.sh's
//     AD_NETNS, named with this run's prefix), so none of its ports exist
//     anywhere else;
//   - FreeRADIUS runs inside the namespace of the server under test
//     (start-radius.sh under `ip netns exec`), bound to that namespace's
//     127.0.0.1, so the server reaches it on loopback;
//   - FreeRADIUS reaches the DC through winbindd's Unix socket in the file
//     system (/run/samba/winbindd), which does not care about namespaces.
// Both trees are started with setsid by the scripts; stop-ad.sh stops them by
// the PIDs they recorded (and, at the latest, when this process exits).
//
// The first start installs Samba and FreeRADIUS with apt-get (~40 s more).

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runPrefix } from './netns.js';
import { sharedDir } from './paths.js';

export const adDir = path.join(sharedDir, 'ad');

/** The domain start-ad.sh provisions. */
export const Domain = { netbios: 'CORP', realm: 'CORP.EXAMPLE', vpnGroup: 'VPN-Users' } as const;

/** The users start-ad.sh creates (test passwords only). */
export const AdUsers = {
  alice: { password: 'Secret-123' }, // member of VPN-Users
  bob: { password: 'Secret-456' }, // not a member
} as const;

/**
 * start-radius.sh picks the check by NAS-Identifier: `group` requires
 * membership of CORP\VPN-Users, anything else accepts any domain user.
 */
export const NasIdentifier = { ANY_USER: 'pptpd-ts', GROUP: 'group', WINBIND: 'winbind' } as const;

export interface AdRadius {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly secret: string;
  readonly pid: number;
  /** FreeRADIUS's own output (`freeradius -X`: every request, ntlm_auth's answer, the reply). */
  log(): string;
}

export interface ActiveDirectory {
  /** The DC's namespace (only `lo`). */
  readonly netns: string;
  readonly smbConf: string;
  /** PID of the `samba` root process. */
  readonly pid: number;
  /** The DC's authentication log (auth_audit level 3: one line per check, with its NT_STATUS). */
  authLog(): string;
  /** Starts the AD FreeRADIUS inside `netns` on its 127.0.0.1 (one per AD). */
  startRadius(netns: string): Promise<AdRadius>;
  /** stop-ad.sh: both trees by recorded PID, the DC namespace, the temp dirs. */
  stop(): Promise<void>;
}

const RADIUS_PORT = 11812;
const RADIUS_SECRET = 'testing123';

let probed: string | undefined | null = null;

/** Why the AD scripts cannot run here (a test skip reason), or undefined when they can. */
export function canRunAd(): string | undefined {
  if (probed !== null) return probed;
  probed = (() => {
    if (process.platform !== 'linux') return 'Active Directory tests need Linux';
    if (process.getuid?.() !== 0) return 'Active Directory tests need root (apt-get, samba, network namespaces)';
    for (const f of ['start-ad.sh', 'start-radius.sh', 'stop-ad.sh']) {
      if (!existsSync(path.join(adDir, f))) return `AD scripts not found: ${path.join(adDir, f)} (set PPTPD_SHARED)`;
    }
    const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`], { timeout: 5000 }).status === 0;
    const installed = ['samba-tool', 'ntlm_auth', 'freeradius', 'wbinfo'].every((c) => has(c) || existsSync(`/usr/sbin/${c}`));
    if (!installed && !has('apt-get')) return 'Samba AD/winbind/FreeRADIUS are not installed and apt-get is not available to install them';
    // winbindd's socket path is compiled in: one DC per machine.
    if (has('wbinfo') && spawnSync('wbinfo', ['-p'], { timeout: 5000 }).status === 0) {
      return 'another winbindd already answers on /run/samba/winbindd (a DC left running? stop it with ../shared/ad/stop-ad.sh)';
    }
    return undefined;
  })();
  return probed;
}

interface ScriptResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs one of the scripts (bounded); `netns` runs it inside that namespace. */
function runScript(script: string, env: NodeJS.ProcessEnv, timeoutMs: number, netns?: string): Promise<ScriptResult> {
  const argv = ['bash', path.join(adDir, script)];
  const [cmd, ...args] = netns !== undefined ? ['ip', 'netns', 'exec', netns, ...argv] : argv;
  return new Promise((resolve) => {
    const child = spawn(cmd!, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** KEY=VALUE lines the scripts print. */
function fields(stdout: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

const liveEnvs = new Set<NodeJS.ProcessEnv>();
let exitHook = false;

/** Last resort: stop-ad.sh for every AD still up when the test process exits. */
function installExitHook(): void {
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => {
    for (const env of liveEnvs) {
      spawnSync('bash', [path.join(adDir, 'stop-ad.sh')], { env: { ...process.env, ...env, CLEAN: '1' }, timeout: 30_000, stdio: 'ignore' });
    }
  });
}

/**
 * Installs (first time), provisions and starts the DC with alice and bob.
 * Rejects with the script's own words when it fails.
 */
export async function startAd(options: { timeoutMs?: number } = {}): Promise<ActiveDirectory> {
  const skip = canRunAd();
  if (skip !== undefined) throw new Error(`cannot start Active Directory: ${skip}`);
  const base = mkdtempSync(path.join(os.tmpdir(), 'ptd-ad-'));
  const env: NodeJS.ProcessEnv = {
    AD_DIR: path.join(base, 'dc'),
    AD_NETNS: `${runPrefix}ad`,
    RADIUS_DIR: path.join(base, 'radius'),
    RADIUS_ADDR: '127.0.0.1',
    RADIUS_CLIENT: '127.0.0.1',
    RADIUS_PORT: String(RADIUS_PORT),
    RADIUS_SECRET,
    // -X: one thread, and every request with ntlm_auth's answer in the log.
    RADIUS_DEBUG: '1',
  };
  liveEnvs.add(env);
  installExitHook();
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      const r = await runScript('stop-ad.sh', { ...env, CLEAN: '1' }, 60_000);
      liveEnvs.delete(env);
      rmSync(base, { recursive: true, force: true });
      if (r.code !== 0) throw new Error(`stop-ad.sh failed (${r.code}): ${r.stderr.slice(-2000)}`);
    })());

  // First run: apt-get install (~40 s) + provision (~9 s); later runs ~13 s.
  const started = await runScript('start-ad.sh', env, options.timeoutMs ?? 300_000);
  const f = fields(started.stdout);
  if (started.code !== 0 || f['SMB_CONF'] === undefined || f['SAMBA_ROOT_PID'] === undefined) {
    await stop().catch(() => undefined);
    throw new Error(`start-ad.sh failed (${started.code}):\n${started.stderr.slice(-3000)}`);
  }
  const smbConf = f['SMB_CONF'];
  const logDir = path.join(env['AD_DIR']!, 'log');
  let radius: AdRadius | undefined;
  return {
    netns: env['AD_NETNS']!,
    smbConf,
    pid: Number(f['SAMBA_ROOT_PID']),
    authLog: () =>
      existsSync(logDir)
        ? readdirSync(logDir)
            .filter((n) => n.startsWith('log.') || n.endsWith('.log'))
            .map((n) => readText(path.join(logDir, n)))
            .join('\n')
        : '',
    async startRadius(netns: string): Promise<AdRadius> {
      if (radius !== undefined) throw new Error('the AD FreeRADIUS is already running');
      const r = await runScript('start-radius.sh', env, 60_000, netns);
      const rf = fields(r.stdout);
      if (r.code !== 0 || rf['RADIUS_PID'] === undefined) {
        throw new Error(`start-radius.sh failed (${r.code}):\n${r.stderr.slice(-3000)}`);
      }
      const logFile = path.join(env['RADIUS_DIR']!, 'log', 'radiusd-stdout.log');
      radius = { host: '127.0.0.1', port: RADIUS_PORT, secret: RADIUS_SECRET, pid: Number(rf['RADIUS_PID']), log: () => readText(logFile) };
      return radius;
    },
    stop,
  };
}
