// A private OpenLDAP slapd for tests, on 127.0.0.1 only.
//
// start() writes slapd.conf into a fresh temp dir (core, cosine,
// inetorgperson and nis schemas from /etc/ldap/schema plus our Samba subset in
// test/fixtures/ldap/), loads test/fixtures/ldap/seed.ldif offline with
// slapadd, runs `slapd -d 256` in the foreground (so the child PID is slapd's
// own and the stats log — one `SRCH` line per search — goes to slapd.log),
// waits until it answers, then adds the groups online so the memberof overlay
// fills in memberOf. With { tls: true } it also makes a throw-away CA and a
// server certificate for 127.0.0.1 with openssl and listens on ldaps:// too
// (StartTLS then works on the ldap:// port).
//
// With { netns: NAME } slapd runs inside that network namespace (under `ip
// netns exec`, which execs slapd, so the PID is still slapd's): its ldap://
// URL is 127.0.0.1 of that namespace, where a server under test reaches it.
// The helper itself (readiness probe, adding the groups) then talks to slapd
// over an ldapi:// Unix socket in the temp dir: it needs no network path into
// the namespace.
//
// Everything it starts is stopped by PID (stop(), and at the latest when the
// test process exits); the temp dir is removed by stop().

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'ldapts';
import { repoRoot } from './paths.js';
import { STARTUP_MS } from './wait.js';

export const LDAP_FIXTURES = path.join(repoRoot, 'test', 'fixtures', 'ldap');
const SCHEMA_DIR = '/etc/ldap/schema';
const MODULE_DIR = '/usr/lib/ldap';

/** The directory the fixtures describe (test/fixtures/ldap/seed.ldif, groups.ldif). */
export const Directory = {
  suffix: 'dc=example,dc=org',
  people: 'ou=people,dc=example,dc=org',
  rootDn: 'cn=admin,dc=example,dc=org',
  rootPassword: 'admin-secret',
  serviceDn: 'cn=pptpd,ou=services,dc=example,dc=org',
  servicePassword: 'svc-Pa55',
  vpnUsers: 'cn=vpn-users,ou=groups,dc=example,dc=org',
  vpnPosix: 'cn=vpn-posix,ou=groups,dc=example,dc=org',
} as const;

/** Seed users and their passwords (test values only). */
export const Users = {
  alice: { password: 'secret', dn: 'uid=alice,ou=people,dc=example,dc=org' }, // vpn-users, vpn-posix
  bob: { password: 'bob-secret', dn: 'uid=bob,ou=people,dc=example,dc=org' }, // no group
  carol: { password: 'carol-secret', dn: 'uid=carol,ou=people,dc=example,dc=org', address: '10.99.0.7' },
  dave: { password: 'dave-secret', dn: 'uid=dave,ou=people,dc=example,dc=org' }, // disabled
  eve: { password: 'eve-secret', dn: 'uid=eve,ou=people,dc=example,dc=org' }, // no NT hash
  meta: { name: 'x*)(y', password: 'x*)(y-secret', dn: 'uid=x*)(y,ou=people,dc=example,dc=org' },
  rfc2759: { name: 'User', password: 'clientPass', dn: 'uid=User,ou=people,dc=example,dc=org' }, // RFC 2759 §9.2
} as const;

const live = new Set<ChildProcess>();
let exitHook = false;

/** A program's path: from PATH, else /usr/sbin (slapd lives there and PATH may lack it). */
function which(bin: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${bin}`], { timeout: 5000, encoding: 'utf8' });
  const found = r.status === 0 ? r.stdout.trim() : '';
  if (found !== '') return found;
  return existsSync(`/usr/sbin/${bin}`) ? `/usr/sbin/${bin}` : undefined;
}

/** Why slapd cannot run here (a test skip reason), or undefined when it can. */
export function canRunSlapd(): string | undefined {
  for (const bin of ['slapd', 'slapadd', 'openssl']) {
    if (which(bin) === undefined) return `${bin} is not installed (scripts/install-deps.sh installs slapd and ldap-utils)`;
  }
  for (const f of ['core.schema', 'cosine.schema', 'inetorgperson.schema', 'nis.schema']) {
    if (!existsSync(path.join(SCHEMA_DIR, f))) return `${SCHEMA_DIR}/${f} is missing`;
  }
  for (const m of ['back_mdb.la', 'memberof.la']) {
    if (!existsSync(path.join(MODULE_DIR, m))) return `${MODULE_DIR}/${m} is missing`;
  }
  return undefined;
}

export interface SlapdOptions {
  /** Also listen on ldaps:// with a fresh test CA (StartTLS works on ldap:// then too). */
  readonly tls?: boolean;
  /** Give up waiting for slapd after this long (default 10 s). */
  readonly readyTimeoutMs?: number;
  /** Run inside this network namespace (its own 127.0.0.1), e.g. beside a server under test. */
  readonly netns?: string;
}

export interface Slapd {
  /** ldap://127.0.0.1:PORT */
  readonly url: string;
  /** ldaps://127.0.0.1:PORT when started with tls. */
  readonly ldapsUrl?: string;
  /** PEM of the test CA (with tls). */
  readonly caFile?: string;
  readonly dir: string;
  /** slapd's PID (changes on restart). */
  readonly pid: number;
  /** slapd's stats log so far. */
  log(): string;
  /** SRCH operations so far whose filter contains `needle` (slapd's own count). */
  searchCount(needle?: string): number;
  /** SIGSTOP: the socket accepts connections but nothing answers (a hung server). */
  pause(): void;
  resume(): void;
  /** Stops slapd and starts it again on the same ports and database (connections drop). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startSlapd(options: SlapdOptions = {}): Promise<Slapd> {
  const skip = canRunSlapd();
  if (skip !== undefined) throw new Error(`cannot start slapd: ${skip}`);
  const dir = mkdtempSync(path.join(tmpdir(), 'pptpd-slapd-'));
  try {
    return await startIn(dir, options);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

async function startIn(dir: string, options: SlapdOptions): Promise<Slapd> {
  const port = await freePort();
  const tlsPort = options.tls === true ? await freePort() : undefined;
  const caFile = options.tls === true ? makeCertificates(dir) : undefined;
  const conf = path.join(dir, 'slapd.conf');
  writeFileSync(conf, slapdConf(dir, caFile !== undefined));
  run('slapadd', ['-q', '-f', conf, '-l', path.join(LDAP_FIXTURES, 'seed.ldif')]);

  const url = `ldap://127.0.0.1:${port}/`;
  const ldapsUrl = tlsPort !== undefined ? `ldaps://127.0.0.1:${tlsPort}/` : undefined;
  const logFile = path.join(dir, 'slapd.log');
  // In a namespace the helper's own operations go over a Unix socket (reachable from here).
  const socket = options.netns !== undefined ? path.join(dir, 'ldapi') : undefined;
  const admin: AdminEndpoint = { url, ...(socket !== undefined ? { socket } : {}) };
  const listeners = [
    url,
    ...(ldapsUrl !== undefined ? [ldapsUrl] : []),
    ...(socket !== undefined ? [`ldapi://${encodeURIComponent(socket)}`] : []),
  ].join(' ');
  const launch = (): ChildProcess => {
    // -d keeps slapd in the foreground (so the PID is slapd's); 256 = stats (one line per operation).
    const out = openSync(logFile, 'a');
    const argv = [which('slapd') ?? 'slapd', '-h', listeners, '-f', conf, '-d', '256'];
    // `ip netns exec` execs slapd: the PID we keep and signal is slapd's own.
    const [cmd, ...args] = options.netns !== undefined ? ['ip', 'netns', 'exec', options.netns, ...argv] : argv;
    const c = spawn(cmd!, args, { stdio: ['ignore', out, out] });
    closeSync(out); // the child has its own copy
    if (c.pid === undefined) throw new Error('slapd did not start');
    track(c);
    return c;
  };
  let child = launch();
  const slapd: Slapd = {
    url,
    ...(ldapsUrl !== undefined ? { ldapsUrl } : {}),
    ...(caFile !== undefined ? { caFile } : {}),
    dir,
    get pid() {
      return child.pid!;
    },
    log: () => readLog(logFile),
    searchCount: (needle = '') => readLog(logFile).split('\n').filter((l) => / SRCH base=/.test(l) && l.includes(needle)).length,
    pause: () => stopAndWait(child.pid!),
    resume: () => void process.kill(child.pid!, 'SIGCONT'),
    restart: async () => {
      await stopChild(child);
      child = launch();
      await waitReady(admin, child, logFile, options.readyTimeoutMs ?? STARTUP_MS);
    },
    stop: async () => {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await waitReady(admin, child, logFile, options.readyTimeoutMs ?? STARTUP_MS);
    await addGroups(admin);
  } catch (err) {
    await slapd.stop();
    throw err;
  }
  return slapd;
}

function slapdConf(dir: string, tls: boolean): string {
  const lines = [
    ...['core', 'cosine', 'inetorgperson', 'nis'].map((s) => `include ${SCHEMA_DIR}/${s}.schema`),
    `include ${path.join(LDAP_FIXTURES, 'samba-min.schema')}`,
    `pidfile ${dir}/slapd.pid`,
    `argsfile ${dir}/slapd.args`,
    `modulepath ${MODULE_DIR}`,
    'moduleload back_mdb',
    'moduleload memberof',
    ...(tls
      ? [`TLSCACertificateFile ${dir}/ca.crt`, `TLSCertificateFile ${dir}/server.crt`, `TLSCertificateKeyFile ${dir}/server.key`]
      : []),
    'database mdb',
    'maxsize 10485760',
    `suffix "${Directory.suffix}"`,
    `rootdn "${Directory.rootDn}"`,
    `rootpw ${Directory.rootPassword}`,
    `directory ${dir}`,
    'index objectClass eq',
    'index uid eq',
    'overlay memberof',
    // Passwords: only for binding. NT hashes: only the service account (and the user) may read them.
    'access to attrs=userPassword by self write by anonymous auth by * none',
    `access to attrs=sambaNTPassword,sambaLMPassword by dn.exact="${Directory.serviceDn}" read by self write by * none`,
    'access to * by * read',
  ];
  return `${lines.join('\n')}\n`;
}

/** A CA and a server certificate for 127.0.0.1 / localhost; returns the CA's path. */
function makeCertificates(dir: string): string {
  const at = (f: string): string => path.join(dir, f);
  run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', at('ca.key'), '-out', at('ca.crt'), '-days', '2', '-subj', '/CN=pptpd-ts test CA']);
  run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', at('server.key'), '-out', at('server.csr'), '-subj', '/CN=127.0.0.1']);
  writeFileSync(at('ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  run('openssl', ['x509', '-req', '-in', at('server.csr'), '-CA', at('ca.crt'), '-CAkey', at('ca.key'), '-CAcreateserial', '-out', at('server.crt'), '-days', '2', '-extfile', at('ext.cnf')]);
  return at('ca.crt');
}

/** How the helper itself reaches slapd: its URL, or a Unix socket when slapd sits in a namespace. */
interface AdminEndpoint {
  readonly url: string;
  readonly socket?: string;
}

function adminClient(at: AdminEndpoint, timeout: number): Client {
  const socket = at.socket;
  return new Client({
    url: at.url,
    timeout,
    connectTimeout: timeout,
    ...(socket !== undefined ? { createConnection: (() => connect(socket)) as unknown as typeof connect } : {}),
  });
}

async function waitReady(at: AdminEndpoint, child: ChildProcess, logFile: string, timeoutMs: number): Promise<void> {
  const url = at.url;
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; Date.now() < deadline; i++) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`slapd exited (${child.exitCode ?? child.signalCode}):\n${readLog(logFile).slice(-2000)}`);
    }
    const client = adminClient(at, 1000);
    try {
      await client.search('', { scope: 'base', attributes: ['namingContexts'] });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, Math.min(50 * (i + 1), 200)));
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }
  throw new Error(`slapd did not answer on ${url} within ${timeoutMs} ms:\n${readLog(logFile).slice(-2000)}`);
}

/** groups.ldif, added as the rootdn while slapd runs (so memberof sees the adds). */
async function addGroups(at: AdminEndpoint): Promise<void> {
  const client = adminClient(at, 5000);
  try {
    await client.bind(Directory.rootDn, Directory.rootPassword);
    for (const entry of parseLdif(readFileSync(path.join(LDAP_FIXTURES, 'groups.ldif'), 'utf8'))) {
      await client.add(entry.dn, entry.attributes);
    }
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

/** Enough LDIF for our fixtures: `attr: value` lines, blank-line separated, `#` comments. */
export function parseLdif(text: string): { dn: string; attributes: Record<string, string[]> }[] {
  const entries: { dn: string; attributes: Record<string, string[]> }[] = [];
  for (const block of text.split(/\n\s*\n/)) {
    let dn: string | undefined;
    const attributes: Record<string, string[]> = {};
    for (const line of block.split('\n')) {
      if (line.startsWith('#') || line.trim() === '') continue;
      const i = line.indexOf(': ');
      if (i < 0) throw new Error(`bad LDIF line: ${line}`);
      const key = line.slice(0, i);
      const value = line.slice(i + 2);
      if (key === 'dn') dn = value;
      else (attributes[key] ??= []).push(value);
    }
    if (dn !== undefined) entries.push({ dn, attributes });
  }
  return entries;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      process.kill(child.pid, 'SIGCONT'); // a paused slapd cannot handle SIGTERM
      process.kill(child.pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
    const timer = setTimeout(() => {
      if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
    }, 5000);
    await exited;
    clearTimeout(timer);
  }
  live.delete(child);
}

function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const c of live) {
        if (c.pid === undefined) continue;
        try {
          process.kill(c.pid, 'SIGCONT');
          process.kill(c.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    });
  }
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(which(cmd) ?? cmd, args, { timeout: 20_000, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args[0] ?? ''} failed: ${r.error?.message ?? r.stderr.trim()}`);
}

function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** A port nobody listens on right now (the kernel's pick for port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr !== null ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * SIGSTOP and wait (bounded, 2 s) until the kernel reports the process stopped, so a
 * request sent right after pause() cannot be answered by a slapd still running.
 */
function stopAndWait(pid: number): void {
  process.kill(pid, 'SIGSTOP');
  const until = Date.now() + 2000;
  while (Date.now() < until) {
    let state = '';
    try {
      state = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').charAt(0);
    } catch {
      return;
    }
    if (state === 'T' || state === 't') return;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
  }
}
