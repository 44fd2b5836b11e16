// A private FreeRADIUS 3.2 for tests: Debian's config copied into a temp dir,
// one site listening on 127.0.0.1 only (free auth + acct ports), the users we
// pass, run as root in the foreground (`freeradius -X`) and stopped by PID.
//
//   const fr = await startFreeradius({ users: [{ name: 'alice', password: 'secret', reply: { 'Session-Timeout': 3600 } }] });
//   … RADIUS to 127.0.0.1:fr.authPort / fr.acctPort with fr.secret …
//   fr.detailFiles()   // accounting detail files written so far
//   await fr.stop();
//
// The config edits (see ../shared/NOTES-toolchain.md §5b):
//   - EAP and every shipped site removed (inner-tunnel would bind 18120);
//   - sites-enabled/test: authorize { preprocess chap mschap ntdomain files pap },
//     authenticate PAP / CHAP / MS-CHAP, accounting { detail };
//   - radiusd.conf: every directory points into the temp dir; no user/group
//     (runs as root, so it can write there); no proxying; reject_delay 0;
//   - clients.conf: one client, 127.0.0.1, with our secret;
//   - proxy.conf: LOCAL realms (default DOMAIN) so `ntdomain` strips `DOMAIN\`
//     into Stripped-User-Name for `files`, while mschap's with_ntdomain_hack
//     (on by default) hashes the bare name for MS-CHAPv2.
// FreeRADIUS 3.2.1 adds no Message-Authenticator to non-EAP replies, so the
// RADIUS client must be configured with requireMessageAuthenticator: false.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { STARTUP_MS } from './wait.js';

const SOURCE_CONFIG = '/etc/freeradius/3.0';
const BINARY = 'freeradius';

export type ReplyValue = string | number;

export interface FreeradiusUser {
  readonly name: string;
  /** Cleartext-Password (PAP, CHAP, MS-CHAP). */
  readonly password?: string;
  /** NT-Password as 32 hex digits (PAP, MS-CHAP; not CHAP-MD5). */
  readonly ntPassword?: string;
  /** Reply attributes by FreeRADIUS name, e.g. { 'Framed-IP-Address': '10.1.2.3', Class: ['a', 'b'] }. */
  readonly reply?: Readonly<Record<string, ReplyValue | readonly ReplyValue[]>>;
}

export interface FreeradiusOptions {
  readonly users: readonly FreeradiusUser[];
  /** Raw lines added to the users file after the generated ones. */
  readonly extraUsers?: string;
  /** Shared secret for 127.0.0.1. Default 'testing123'. */
  readonly secret?: string;
  /** LOCAL realms for `DOMAIN\user` names. Default ['DOMAIN']. */
  readonly realms?: readonly string[];
  /** FreeRADIUS's reject_delay (it holds each Access-Reject this long). Default 0. */
  readonly rejectDelaySeconds?: number;
  /** Give up waiting for "Ready to process requests". Default 10000 ms. */
  readonly readyTimeoutMs?: number;
  /** Run inside this network namespace (its own 127.0.0.1), e.g. beside a server under test. */
  readonly netns?: string;
  /**
   * Listen on these ports instead of free ones picked at start (e.g. a server configured
   * before FreeRADIUS is up, or FreeRADIUS started again on the same ports). In a fresh
   * test namespace any ports are free.
   */
  readonly ports?: { readonly auth: number; readonly acct: number };
}

export interface Freeradius {
  readonly authPort: number;
  readonly acctPort: number;
  readonly secret: string;
  /** The temp dir (raddb/, radacct/, freeradius.log). */
  readonly dir: string;
  readonly pid: number;
  /** Accounting detail files written so far (radacct/<client>/detail-YYYYMMDD). */
  detailFiles(): string[];
  /** Everything FreeRADIUS printed (-X debug output). */
  log(): string;
  /** Stops it by PID (TERM, then KILL after 5 s) and removes the temp dir (kept if PPTPD_KEEP_FREERADIUS is set). */
  stop(): Promise<void>;
}

let probed: string | undefined | null = null;

/** Why FreeRADIUS cannot run here (a test skip reason), or undefined when it can. */
export function canRunFreeradius(): string | undefined {
  if (probed !== null) return probed;
  probed = (() => {
    if (process.platform !== 'linux') return 'FreeRADIUS tests need Linux';
    if (process.getuid?.() !== 0) return 'FreeRADIUS tests run it as root (to read /etc/freeradius and skip the user switch)';
    const v = spawnSync(BINARY, ['-v'], { timeout: 5000, encoding: 'utf8' });
    if (v.error !== undefined || v.status !== 0) return 'freeradius is not installed (scripts/install-deps.sh installs it)';
    if (!existsSync(path.join(SOURCE_CONFIG, 'radiusd.conf'))) return `${SOURCE_CONFIG}/radiusd.conf is missing`;
    return undefined;
  })();
  return probed;
}

const live = new Map<number, ChildProcess>();
let exitHook = false;

export async function startFreeradius(options: FreeradiusOptions): Promise<Freeradius> {
  const skip = canRunFreeradius();
  if (skip !== undefined) throw new Error(skip);
  const secret = options.secret ?? 'testing123';
  // Free ports can be taken between the probe and FreeRADIUS binding them: try a few times.
  let lastError: unknown;
  // Fixed ports are not retried: another pair would not be the ports asked for.
  for (let round = 0; round < (options.ports !== undefined ? 1 : 3); round++) {
    const [authPort, acctPort] = options.ports !== undefined ? [options.ports.auth, options.ports.acct] : await freeUdpPorts(2);
    const dir = mkdtempSync(path.join(tmpdir(), 'pptpd-freeradius-'));
    try {
      writeConfig(dir, { ...options, secret, authPort: authPort!, acctPort: acctPort! });
      return await launch(dir, secret, authPort!, acctPort!, options.readyTimeoutMs ?? STARTUP_MS, options.netns);
    } catch (err) {
      lastError = err;
      rmSync(dir, { recursive: true, force: true });
      if (!(err instanceof Error && /bind|address already in use/i.test(err.message))) break;
    }
  }
  throw lastError;
}

interface ConfigArgs extends FreeradiusOptions {
  readonly secret: string;
  readonly authPort: number;
  readonly acctPort: number;
}

function writeConfig(dir: string, a: ConfigArgs): void {
  const raddb = path.join(dir, 'raddb');
  const cp = spawnSync('cp', ['-a', SOURCE_CONFIG, raddb], { timeout: 10_000, encoding: 'utf8' });
  if (cp.status !== 0) throw new Error(`cp ${SOURCE_CONFIG}: ${cp.stderr}`);
  rmSync(path.join(raddb, 'mods-enabled', 'eap'), { force: true });
  for (const f of readdirSync(path.join(raddb, 'sites-enabled'))) rmSync(path.join(raddb, 'sites-enabled', f), { force: true });
  writeFileSync(path.join(raddb, 'sites-enabled', 'test'), site(a.authPort, a.acctPort));

  const conf = path.join(raddb, 'radiusd.conf');
  let text = readFileSync(conf, 'utf8');
  text = setTopLevel(text, 'logdir', dir);
  text = setTopLevel(text, 'raddbdir', raddb);
  text = setTopLevel(text, 'radacctdir', path.join(dir, 'radacct'));
  text = setTopLevel(text, 'run_dir', dir);
  text = text.replace(/^(\s*)(user|group)\s*=.*$/gm, '$1# $2 removed: runs as root in a temp dir');
  // No proxying: otherwise FreeRADIUS also opens a proxy socket on all addresses.
  text = setTopLevel(text, 'proxy_requests', 'no');
  // Rejects are answered after reject_delay (1 s by default); tests want them at once.
  text = text.replace(/^(\s*)reject_delay\s*=.*$/m, `$1reject_delay = ${a.rejectDelaySeconds ?? 0}`);
  writeFileSync(conf, text);

  writeFileSync(
    path.join(raddb, 'clients.conf'),
    `client localhost {\n\tipaddr = 127.0.0.1\n\tsecret = ${quote(a.secret)}\n\trequire_message_authenticator = no\n}\n`,
  );
  const realms = (a.realms ?? ['DOMAIN']).map((r) => `realm ${r} {\n}\n`).join('');
  writeFileSync(path.join(raddb, 'proxy.conf'), `${readFileSync(path.join(raddb, 'proxy.conf'), 'utf8')}\n${realms}`);

  const users = path.join(raddb, 'mods-config', 'files', 'authorize');
  writeFileSync(users, `${a.users.map(userEntry).join('\n')}\n${a.extraUsers ?? ''}\n${readFileSync(users, 'utf8')}`);
}

function site(authPort: number, acctPort: number): string {
  return `server test {
listen {
	type = auth
	ipaddr = 127.0.0.1
	port = ${authPort}
}
listen {
	type = acct
	ipaddr = 127.0.0.1
	port = ${acctPort}
}
authorize {
	preprocess
	chap
	mschap
	ntdomain
	files
	pap
}
authenticate {
	Auth-Type PAP {
		pap
	}
	Auth-Type CHAP {
		chap
	}
	Auth-Type MS-CHAP {
		mschap
	}
}
preacct {
	preprocess
	acct_unique
}
accounting {
	detail
}
post-auth {
	Post-Auth-Type REJECT {
		attr_filter.access_reject
	}
}
}
`;
}

/** One users-file entry: check items on the first line, reply items indented, comma-separated. */
function userEntry(u: FreeradiusUser): string {
  const check: string[] = [];
  if (u.password !== undefined) check.push(`Cleartext-Password := ${quote(u.password)}`);
  if (u.ntPassword !== undefined) check.push(`NT-Password := 0x${u.ntPassword}`);
  const reply: string[] = [];
  for (const [name, value] of Object.entries(u.reply ?? {})) {
    const values = Array.isArray(value) ? (value as readonly ReplyValue[]) : [value as ReplyValue];
    for (const v of values) reply.push(`\t${name} += ${typeof v === 'number' ? String(v) : quote(v)}`);
  }
  return `${quote(u.name)} ${check.join(', ')}${reply.length > 0 ? `\n${reply.join(',\n')}` : ''}\n`;
}

/** A double-quoted FreeRADIUS string (backslash and quote escaped). */
function quote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function setTopLevel(text: string, key: string, value: string): string {
  const re = new RegExp(`^${key}\\s*=.*$`, 'm');
  if (!re.test(text)) throw new Error(`radiusd.conf has no top-level ${key}`);
  return text.replace(re, `${key} = ${value}`);
}

async function launch(dir: string, secret: string, authPort: number, acctPort: number, readyTimeoutMs: number, netns?: string): Promise<Freeradius> {
  const logFile = path.join(dir, 'freeradius.log');
  const fd = openSync(logFile, 'a');
  const argv = [BINARY, '-X', '-d', path.join(dir, 'raddb')];
  // `ip netns exec` execs FreeRADIUS, so the PID we keep is FreeRADIUS's own.
  const [cmd, ...args] = netns !== undefined ? ['ip', 'netns', 'exec', netns, ...argv] : argv;
  const child = spawn(cmd!, args, { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  if (child.pid === undefined) throw new Error('could not spawn freeradius');
  const pid = child.pid;
  live.set(pid, child);
  installExitHook();
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => { exited = true; live.delete(pid); resolve(); }));
  const log = (): string => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');

  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    const text = log();
    if (text.includes('Ready to process requests')) break;
    if (exited || Date.now() > deadline) {
      if (!exited) child.kill('SIGKILL');
      await exit;
      throw new Error(`freeradius did not start (${exited ? 'exited' : 'timed out'}):\n${text.split('\n').slice(-25).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }

  let stopped: Promise<void> | undefined;
  return {
    authPort,
    acctPort,
    secret,
    dir,
    pid,
    detailFiles: () => detailFiles(path.join(dir, 'radacct')),
    log,
    stop: () =>
      (stopped ??= (async () => {
        if (!exited) {
          process.kill(pid, 'SIGTERM');
          const timer = setTimeout(() => { if (!exited) process.kill(pid, 'SIGKILL'); }, 5000);
          await exit;
          clearTimeout(timer);
        }
        if (process.env['PPTPD_KEEP_FREERADIUS'] === undefined) rmSync(dir, { recursive: true, force: true });
      })()),
  };
}

function detailFiles(radacct: string): string[] {
  if (!existsSync(radacct)) return [];
  const out: string[] = [];
  for (const client of readdirSync(radacct)) {
    const sub = path.join(radacct, client);
    for (const f of readdirSync(sub)) if (f.startsWith('detail')) out.push(path.join(sub, f));
  }
  return out.sort();
}

/** Ports the kernel hands out for 127.0.0.1 UDP right now (all held at once, so distinct). */
export async function freeUdpPorts(count: number): Promise<number[]> {
  const sockets = await Promise.all(
    Array.from({ length: count }, () => new Promise<ReturnType<typeof createSocket>>((resolve, reject) => {
      const s = createSocket('udp4');
      s.once('error', reject);
      s.bind(0, '127.0.0.1', () => resolve(s));
    })),
  );
  const ports = sockets.map((s) => s.address().port);
  await Promise.all(sockets.map((s) => new Promise<void>((r) => s.close(() => r()))));
  return ports;
}

function installExitHook(): void {
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => {
    for (const pid of live.keys()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}
