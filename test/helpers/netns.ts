// Network namespaces for tests: every name carries this run's prefix
// (`ptd<pid>-`), every command has a bounded time, and everything made here is
// removed by destroy(), by destroyAll(), and at the latest when the process
// exits (namespaces deleted, children killed by PID). Namespaces left behind
// by a run whose process is gone are reaped by the next run.
//
// Tests stay in the root namespace themselves; what must happen inside a
// namespace runs as a child under `ip netns exec` (exec / spawn below).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { repoRoot } from './paths.js';

const PREFIX_BASE = 'ptd';
/** This run's namespace prefix. */
export const runPrefix = `${PREFIX_BASE}${process.pid}-`;

const liveNamespaces = new Set<string>();
const liveChildren = new Map<number, NodeJS.Signals>();
let exitHookInstalled = false;
let reaped = false;
let linkCounter = 0;
let usable: string | undefined | null = null;

/** Why namespaces cannot be used here (a test skip reason), or undefined when they can. */
export function canUseNetns(): string | undefined {
  if (usable !== null) return usable;
  usable = probe();
  return usable;
}

function probe(): string | undefined {
  if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'network namespaces need root (CAP_SYS_ADMIN, CAP_NET_ADMIN)';
  if (spawnSync('ip', ['-V'], { timeout: 5000 }).status !== 0) return 'the `ip` command (iproute2) is missing';
  if (!existsSync('/dev/net/tun')) return '/dev/net/tun is missing (no TUN support)';
  const name = `${runPrefix}probe`;
  const add = spawnSync('ip', ['netns', 'add', name], { timeout: 5000, encoding: 'utf8' });
  if (add.status !== 0) return `\`ip netns add\` failed: ${add.stderr.trim()}`;
  spawnSync('ip', ['netns', 'del', name], { timeout: 5000 });
  return undefined;
}

/** Runs `ip ARGS` synchronously (setup steps take milliseconds); throws with ip's message on failure. */
export function ip(...args: string[]): void {
  const r = spawnSync('ip', args, { timeout: 10_000, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.error?.message ?? r.stderr.trim()}`);
}

export interface ExecOptions {
  /** Kill (SIGKILL) after this long; default 60 s (a bound, not an expected duration: a busy machine is slow). */
  timeoutMs?: number;
  /** Written to the child's stdin, then closed. */
  input?: string;
  env?: NodeJS.ProcessEnv;
}

export interface ExecResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** A long-running child inside a namespace, with its output collected. */
export class NetnsChild {
  readonly pid: number;
  stdout = '';
  stderr = '';
  #exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #exited = false;
  #listeners = new Set<() => void>();

  constructor(readonly child: ChildProcess) {
    if (child.pid === undefined) throw new Error('spawn failed');
    this.pid = child.pid;
    liveChildren.set(this.pid, 'SIGKILL');
    child.stdout?.setEncoding('utf8').on('data', (d: string) => { this.stdout += d; this.#notify(); });
    child.stderr?.setEncoding('utf8').on('data', (d: string) => { this.stderr += d; this.#notify(); });
    this.#exit = new Promise((resolve) => {
      child.on('close', (code, signal) => {
        this.#exited = true;
        liveChildren.delete(this.pid);
        this.#notify();
        resolve({ code, signal });
      });
    });
  }

  get exited(): boolean {
    return this.#exited;
  }

  #notify(): void {
    for (const f of this.#listeners) f();
  }

  /** Resolves with the first stdout line matching `re`; rejects on timeout or exit. */
  waitForLine(re: RegExp, timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const line = this.stdout.split('\n').find((l) => re.test(l));
        if (line !== undefined) { done(); resolve(line); return true; }
        if (this.#exited) { done(); reject(new Error(`exited before ${re}: ${this.stderr.slice(-2000)}`)); return true; }
        return false;
      };
      const timer = setTimeout(() => { done(); reject(new Error(`no ${re} within ${timeoutMs} ms: ${this.stderr.slice(-2000)}`)); }, timeoutMs);
      const listener = (): void => { check(); };
      const done = (): void => { clearTimeout(timer); this.#listeners.delete(listener); };
      if (!check()) this.#listeners.add(listener);
    });
  }

  /** Waits for exit; after `timeoutMs` kills it (SIGKILL) and waits for that. */
  async wait(timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; timedOut: boolean }> {
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; this.kill('SIGKILL'); }, timeoutMs);
    const r = await this.#exit;
    clearTimeout(timer);
    return { ...r, timedOut };
  }

  /** Signals the child by its PID (no-op once it has exited). */
  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.#exited) return;
    try { process.kill(this.pid, signal); } catch { /* already gone */ }
  }
}

export class Netns {
  private constructor(readonly name: string) {}

  /** Creates `${runPrefix}${tag}` with loopback up. */
  static create(tag: string): Netns {
    const why = canUseNetns();
    if (why) throw new Error(why);
    installExitHook();
    reapStale();
    const name = `${runPrefix}${tag}`;
    ip('netns', 'add', name);
    liveNamespaces.add(name);
    ip('-n', name, 'link', 'set', 'lo', 'up');
    return new Netns(name);
  }

  /** `ip -n NAME ARGS`. */
  ip(...args: string[]): void {
    ip('-n', this.name, ...args);
  }

  addAddress(dev: string, cidr: string): void {
    this.ip('addr', 'add', cidr, 'dev', dev);
  }

  linkUp(dev: string): void {
    this.ip('link', 'set', dev, 'up');
  }

  /** A bridge in this namespace, up. */
  addBridge(name: string): void {
    this.ip('link', 'add', name, 'type', 'bridge');
    this.linkUp(name);
  }

  /** Runs argv inside the namespace; never throws for a failing command (look at code). */
  exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    const child = this.spawn(argv, { env: options.env });
    if (options.input !== undefined) child.child.stdin?.end(options.input);
    else child.child.stdin?.end();
    return child.wait(options.timeoutMs ?? 60_000).then((r) => ({
      code: r.code, signal: r.signal, timedOut: r.timedOut, stdout: child.stdout, stderr: child.stderr,
    }));
  }

  /** Starts argv inside the namespace (`ip netns exec` execs it, so the PID is argv's). */
  spawn(argv: readonly string[], options: { env?: NodeJS.ProcessEnv | undefined } = {}): NetnsChild {
    const child = spawn('ip', ['netns', 'exec', this.name, ...argv], {
      cwd: repoRoot, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'],
    });
    return new NetnsChild(child);
  }

  /** Deletes the namespace (its interfaces go with it). Kill its children first. */
  destroy(): void {
    if (!liveNamespaces.delete(this.name)) return;
    spawnSync('ip', ['netns', 'del', this.name], { timeout: 10_000 });
  }
}

/** argv for running a TypeScript file with this repo's node + tsx. */
export function nodeTs(script: string, ...args: string[]): string[] {
  return [process.execPath, '--import', 'tsx', script, ...args];
}

/** A short, unique interface name for this run (interface names max 15 bytes). */
export function linkName(suffix: string): string {
  const name = `p${process.pid.toString(36)}${(linkCounter++).toString(36)}${suffix}`;
  if (name.length > 15) throw new Error(`interface name too long: ${name}`);
  return name;
}

/**
 * A veth pair from `a` to `b` with the given addresses (CIDR), both ends up.
 * It is created directly inside the two namespaces: it never exists in the root one.
 */
export function vethPair(a: Netns, aAddr: string, b: Netns, bAddr: string): { aDev: string; bDev: string } {
  const aDev = linkName('a');
  const bDev = linkName('b');
  ip('link', 'add', aDev, 'netns', a.name, 'type', 'veth', 'peer', 'name', bDev, 'netns', b.name);
  a.addAddress(aDev, aAddr);
  b.addAddress(bDev, bAddr);
  a.linkUp(aDev);
  b.linkUp(bDev);
  return { aDev, bDev };
}

/** Registers a PID to signal when this process exits (for children not started through Netns). */
export function killOnExit(pid: number, signal: NodeJS.Signals = 'SIGKILL'): () => void {
  installExitHook();
  liveChildren.set(pid, signal);
  return () => { liveChildren.delete(pid); };
}

/** Kills every child started here and deletes every namespace of this run (synchronous). */
export function destroyAll(): void {
  for (const [pid, signal] of liveChildren) {
    try { process.kill(pid, signal); } catch { /* gone */ }
  }
  liveChildren.clear();
  for (const name of liveNamespaces) spawnSync('ip', ['netns', 'del', name], { timeout: 10_000 });
  liveNamespaces.clear();
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', destroyAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      destroyAll();
      process.removeListener(sig, onSignal);
      process.kill(process.pid, sig); // default action now: die of the same signal
    };
    process.on(sig, onSignal);
  }
}

/** Deletes `ptd<pid>-*` namespaces whose pid is no longer running. */
function reapStale(): void {
  if (reaped) return;
  reaped = true;
  const list = spawnSync('ip', ['netns', 'list'], { timeout: 5000, encoding: 'utf8' }).stdout ?? '';
  for (const line of list.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const m = new RegExp(`^${PREFIX_BASE}(\\d+)-`).exec(name);
    if (!m || Number(m[1]) === process.pid) continue;
    let alive = true;
    try { process.kill(Number(m[1]), 0); } catch { alive = false; }
    if (!alive) spawnSync('ip', ['netns', 'del', name], { timeout: 5000 });
  }
}
