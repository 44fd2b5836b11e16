// Runs `pptpd-ts serve` as a child process inside a test network namespace, with a
// configuration written to a temp dir, and gives the test its JSON log lines.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nodeTs, type Netns, type NetnsChild } from './netns.js';
import { STARTUP_MS, WAIT_MS, waitFor } from './wait.js';

export interface LogLine {
  level: number;
  msg: string;
  [k: string]: unknown;
}

export class ServerProc {
  constructor(
    readonly child: NetnsChild,
    readonly dir: string,
  ) {}

  /** Every JSON log line so far. */
  logs(): LogLine[] {
    const out: LogLine[] = [];
    for (const l of this.child.stdout.split('\n')) {
      if (!l.startsWith('{')) continue;
      try {
        out.push(JSON.parse(l) as LogLine);
      } catch {
        /* a partial last line */
      }
    }
    return out;
  }

  find(re: RegExp): LogLine | undefined {
    return this.logs().find((l) => re.test(l.msg));
  }

  /** Resolves with the first log message (parsed JSON `msg`, else the raw line) matching `re`. */
  async waitForLog(re: RegExp, timeoutMs: number = WAIT_MS): Promise<string> {
    return this.#waitUntil(`log line ${re}`, () => this.find(re)?.msg ?? this.child.stdout.split('\n').find((l) => re.test(l)), timeoutMs);
  }

  /** Resolves with the first JSON log line whose `msg` matches `re` (a bounded wait, for lines logged after an event). */
  waitForLine(re: RegExp, timeoutMs: number = WAIT_MS): Promise<LogLine> {
    return this.#waitUntil(`log line ${re}`, () => this.find(re), timeoutMs);
  }

  /** Resolves with the JSON log lines matching `re` once there are at least `count` of them. */
  waitForLines(re: RegExp, count: number, timeoutMs: number = WAIT_MS): Promise<LogLine[]> {
    return this.#waitUntil(`${count} log lines ${re}`, () => {
      const hits = this.logs().filter((l) => re.test(l.msg));
      return hits.length >= count ? hits : undefined;
    }, timeoutMs);
  }

  /** waitFor, failing at once (with the server's stderr) when the server exits first. */
  async #waitUntil<T>(what: string, probe: () => T | undefined, timeoutMs: number): Promise<T> {
    const giveUp = (): string | undefined => (this.child.exited ? 'the server exited first' : undefined);
    try {
      return (await waitFor(what, probe, timeoutMs, { giveUp })) as T;
    } catch (e) {
      throw new Error(`${(e as Error).message}: ${this.child.stderr.slice(-2000)}`);
    }
  }

  /** SIGKILL (a crash: nothing is flushed or closed) and a bounded wait; the dir is kept. */
  async kill9(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.child.wait(15_000);
  }

  /** SIGTERM and a bounded wait; the temp dir (journal, spool, wtmp) is removed unless `keep`. Returns the exit code. */
  async stop(opts: { keep?: boolean } = {}): Promise<number | null> {
    this.child.kill('SIGTERM');
    const r = await this.child.wait(30_000);
    if (!opts.keep) this.cleanup();
    return r.code;
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface ServerSpec {
  /** The YAML configuration as an object (written as JSON, which YAML reads). */
  config: Record<string, unknown>;
  /** chap-secrets text; written to the temp dir and named in the chain when given. */
  chapSecrets?: string;
  args?: string[];
  tun?: string;
  /**
   * Run in this existing directory instead of a new temp dir: a restart on the state a
   * previous server left there (spool, journal, wtmp), e.g. after `stop({ keep: true })` or
   * a SIGKILL. The config file in it is rewritten.
   */
  dir?: string;
}

/** Starts the server in `ns`; resolves once it listens. */
export async function startServer(ns: Netns, spec: ServerSpec, timeoutMs = STARTUP_MS): Promise<ServerProc> {
  const dir = spec.dir ?? mkdtempSync(path.join(os.tmpdir(), 'ptd-server-'));
  // Accounting state lives in the test's temp dir (never /var/lib), so parallel servers never share a spool.
  const accounting = (spec.config['accounting'] as Record<string, unknown> | undefined) ?? {};
  const config: Record<string, unknown> = {
    pidfile: null,
    control: { socket: path.join(dir, 'control.sock') },
    ...spec.config,
    accounting: { spoolDir: path.join(dir, 'spool'), journal: { path: path.join(dir, 'journal.sqlite') }, ...accounting },
  };
  if (spec.chapSecrets !== undefined) {
    const file = path.join(dir, 'chap-secrets');
    writeFileSync(file, spec.chapSecrets, { mode: 0o600 });
    const auth = (config['auth'] as Record<string, unknown> | undefined) ?? {};
    config['auth'] = { ...auth, chain: [{ plugin: 'chap-secrets', file, watch: false }] };
  }
  const cfgFile = path.join(dir, 'config.yaml');
  writeFileSync(cfgFile, JSON.stringify(config, null, 2));
  return spawnServer(ns, dir, ['-c', cfgFile, '--tun', spec.tun ?? 'pptp0', ...(spec.args ?? [])], timeoutMs);
}

/**
 * Starts `pptpd-ts serve ARGS` as given (e.g. --pptpd-conf ...) with its state (spool,
 * journal, control socket) in a fresh temp dir; resolves once it listens.
 */
export async function startServerArgs(ns: Netns, args: string[], timeoutMs = STARTUP_MS): Promise<ServerProc> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ptd-server-'));
  return spawnServer(ns, dir, ['--state-dir', dir, '--no-pidfile', ...args], timeoutMs);
}

async function spawnServer(ns: Netns, dir: string, args: string[], timeoutMs: number): Promise<ServerProc> {
  const child = ns.spawn(nodeTs('server/cli/main.ts', 'serve', '--log-format', 'json', ...args));
  const proc = new ServerProc(child, dir);
  try {
    await proc.waitForLog(/listening on/, timeoutMs);
  } catch (e) {
    await proc.stop();
    throw e;
  }
  return proc;
}
