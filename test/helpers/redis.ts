// A private redis-server for tests: 127.0.0.1 only, a free port, a temp dir, stopped by PID.
//
//   const redis = await startRedis({ persistent: true });   // AOF with appendfsync always
//   redis.url                                                // redis://127.0.0.1:<port>
//   await redis.stop(); await redis.start();                 // same port and data (persistent)
//   await redis.dispose();                                   // stop + remove the temp dir
//   await startRedis({ netns: ns.name })                     // inside a test namespace (its own 127.0.0.1)
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { STARTUP_MS } from './wait.js';

export interface RedisOptions {
  /** Keep data across stop()/start() (append-only file, fsync on every write). Default false. */
  readonly persistent?: boolean;
  /** Give up waiting for readiness after this long (default 10 s). */
  readonly readyTimeoutMs?: number;
  /**
   * Run inside this network namespace (`ip netns exec`, which execs redis-server, so the PID
   * is Redis's own), e.g. beside a server under test that reaches it on 127.0.0.1. Readiness
   * is then read from Redis's log, since the test's own 127.0.0.1 is another one.
   */
  readonly netns?: string;
  /** Listen on this port (default: one free in the test's namespace, free in a fresh one too). */
  readonly port?: number;
}

export interface TestRedis {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  /** The PID of the running server, if any. */
  readonly pid: number | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
  dispose(): Promise<void>;
}

export function redisAvailable(): boolean {
  return ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].some((p) => fs.existsSync(p));
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** One PING over a raw socket: true on +PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    const done = (ok: boolean): void => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(500, () => done(false));
    sock.once('error', () => done(false));
    sock.once('connect', () => sock.write('PING\r\n'));
    sock.once('data', (d) => done(d.toString().startsWith('+PONG')));
  });
}

/** Whether Redis logged "Ready to accept connections" past byte `from` of its log. */
function readyInLog(file: string, from: number): boolean {
  try {
    return fs.readFileSync(file).subarray(from).includes('Ready to accept connections');
  } catch {
    return false;
  }
}

export async function startRedis(opts: RedisOptions = {}): Promise<TestRedis> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pptpd-redis-'));
  const port = opts.port ?? (await freePort());
  const logFile = path.join(dir, 'redis.log');
  const readyTimeout = opts.readyTimeoutMs ?? STARTUP_MS;
  let child: ChildProcess | undefined;

  const args = [
    '--bind', '127.0.0.1',
    '--port', String(port),
    '--dir', dir,
    '--logfile', logFile,
    '--save', '',
    '--protected-mode', 'yes',
    ...(opts.persistent ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']),
  ];

  const start = async (): Promise<void> => {
    if (child) return;
    // Log-based readiness (namespaces): only lines written after this start count.
    const logFrom = fs.existsSync(logFile) ? fs.statSync(logFile).size : 0;
    const ready = opts.netns === undefined ? () => ping(port) : () => Promise.resolve(readyInLog(logFile, logFrom));
    const [cmd, ...argv] = opts.netns === undefined ? ['redis-server', ...args] : ['ip', 'netns', 'exec', opts.netns, 'redis-server', ...args];
    const c = spawn(cmd!, argv, { stdio: 'ignore' });
    child = c;
    c.once('exit', () => {
      if (child === c) child = undefined;
    });
    const end = Date.now() + readyTimeout;
    while (!(await ready())) {
      if (!child || Date.now() > end) {
        const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').slice(-2000) : '';
        await stop();
        throw new Error(`redis-server on 127.0.0.1:${port} not ready after ${readyTimeout} ms\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  const stop = async (): Promise<void> => {
    const c = child;
    if (!c || c.exitCode !== null || c.pid === undefined) {
      child = undefined;
      return;
    }
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    process.kill(c.pid, 'SIGTERM');
    const timer = setTimeout(() => c.pid !== undefined && c.exitCode === null && process.kill(c.pid, 'SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    child = undefined;
  };

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    get pid() {
      return child?.pid;
    },
    start,
    stop,
    dispose: async () => {
      await stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
