// Full session setups per second: TCP connect → SCCRQ/SCCRP → OCRQ/OCRP → LCP →
// MS-CHAPv2 → CCP (MPPE-128 stateless) → IPCP up, many at once, against one server
// process (PptpServer, as `pptpd-ts serve` runs it) in its own namespace; the load is the
// project's TypeScript client, SETUP_CLIENTS processes in their own namespaces (each one
// shared ClientGre, SETUP_CONCURRENCY setups in flight per process). Bounded by
// SETUP_COUNT sessions per client process and SETUP_SECONDS, after SETUP_WARMUP setups per
// client process (opened and closed again). Target: ≥ 2,000/s.
// Measured twice: with the default accounting (SQLite journal, spool fdatasync'd per
// record, on the disk under /tmp) and with both on tmpfs, where fdatasync costs nothing
// (SETUP_VARIANTS=default runs only the first, SETUP_VARIANTS=tmpfs only the second).
// Run alone: `npm run bench -- setup`.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { canUseNetns } from '../helpers/netns.js';
import { dataplaneUnavailable } from '../../server/dataplane/native.js';
import { BenchNet, type LineProc } from './lib/bench-net.js';
import { limitsText, machineLimits, printLimits } from './lib/machine.js';

export interface SetupResult {
  label: string;
  up: number;
  failed: number;
  perSecond: number;
  serverCpuUsPerSetup: number;
  p50Ms: number;
  p99Ms: number;
  clientCpuUsPerSetup: number;
  /** The system-time (kernel) part of serverCpuUsPerSetup / clientCpuUsPerSetup. */
  serverSysUsPerSetup: number;
  /**
   * CPU of the server's main thread alone (the event loop, which every session shares; the
   * journal's worker and libuv's pool run beside it on other cores), 0 when unknown.
   */
  serverMainThreadUsPerSetup: number;
  clientSysUsPerSetup: number;
  /** The load generator's event-loop threads alone (the rest is V8's compiler and GC threads). */
  clientMainThreadUsPerSetup: number;
  /** JS heap + external memory the load generator keeps per tunnel held up (after a full GC). */
  clientHeapKbPerTunnel: number;
}

const num = (v: unknown): number => Number(v ?? 0);

/** CPU time (user + system, ms) of a process's main thread, from /proc (clock ticks of 10 ms); undefined if unreadable. */
function mainThreadCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at state (field 3); utime, stime are 14, 15.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

export async function run(): Promise<SetupResult[] | undefined> {
  const skip = canUseNetns() ?? dataplaneUnavailable();
  if (skip) {
    console.log(`setup.bench: skipped (${skip})`);
    return undefined;
  }
  const m = await machineLimits();
  printLimits(m);
  const nClients = Number(process.env['SETUP_CLIENTS'] ?? 2);
  const count = Number(process.env['SETUP_COUNT'] ?? 3000);
  const concurrency = Number(process.env['SETUP_CONCURRENCY'] ?? 100);
  const seconds = Number(process.env['SETUP_SECONDS'] ?? 60);
  // Warm-up setups per client process before measuring. 50 left both sides still JIT-compiling
  // (and re-optimizing) through most of the measured window; 500 gets closer to steady state.
  const warmup = Number(process.env['SETUP_WARMUP'] ?? 500);
  const net = new BenchNet({ clients: nClients, sourcesPerClient: 1 });
  const shm = mkdtempSync(path.join(existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'ptd-bench-'));
  const which = process.env['SETUP_VARIANTS'] ?? 'both';
  const variants: [string, Record<string, unknown>][] = [];
  if (which !== 'tmpfs') variants.push(['default accounting: SQLite journal + fsync\'d spool', {}]);
  if (which !== 'default') {
    // tmpfs: fdatasync returns at once, so this shows what the setup path costs without the
    // per-record disk flush (an upper bound for batching those flushes: group commit).
    variants.push([
      'spool + journal on tmpfs (no disk flush)',
      { accounting: { spoolDir: path.join(shm, 'spool'), journal: { path: path.join(shm, 'journal.sqlite') } } },
    ]);
  }
  const results: SetupResult[] = [];
  try {
    const clients: LineProc[] = [];
    for (let i = 0; i < nClients; i++) clients.push(await net.startClient(i, 900, ['--expose-gc']));
    for (const [label, config] of variants) {
      const server = await net.startServer(config);
      // Warm-up (JIT, first-use allocations), then closed: SETUP_WARMUP setups per client process.
      const warmupConcurrency = Math.min(concurrency, Math.max(10, Math.ceil(warmup / 5)));
      await Promise.all(clients.map((c) => c.cmd({ cmd: 'connect', n: warmup, concurrency: warmupConcurrency, deadlineMs: 60_000 }, 90_000)));
      await Promise.all(clients.map((c) => c.cmd({ cmd: 'close', concurrency: 50 }, 90_000)));
      const m0 = mainThreadCpuMs(server.child.pid);
      const s0 = await server.cmd('mark', 10_000);
      const g0 = await Promise.all(clients.map((c) => c.cmd({ cmd: 'memory' }, 30_000)));
      const c0 = await Promise.all(clients.map((c) => c.cmd({ cmd: 'mark' }, 10_000)));
      const rs = await Promise.all(
        clients.map((c) => c.cmd({ cmd: 'connect', n: count, concurrency, deadlineMs: seconds * 1000, timeoutMs: 30_000 }, (seconds + 60) * 1000)),
      );
      const wall = Math.max(...rs.map((r) => num(r['wallMs'])));
      const s1 = await server.cmd('mark', 10_000);
      const m1 = mainThreadCpuMs(server.child.pid);
      const c1 = await Promise.all(clients.map((c) => c.cmd({ cmd: 'mark' }, 10_000)));
      const g1 = await Promise.all(clients.map((c) => c.cmd({ cmd: 'memory' }, 30_000)));
      const cpuOf = (a: Record<string, unknown>, b: Record<string, unknown>): number =>
        num(b['cpuUserMs']) + num(b['cpuSystemMs']) - num(a['cpuUserMs']) - num(a['cpuSystemMs']);
      const clientCpuMs = c1.reduce((acc, c, i) => acc + cpuOf(c0[i]!, c), 0);
      // Kernel share (system time) of each side, to tell socket/syscall cost from JavaScript.
      const sysOf = (a: Record<string, unknown>, b: Record<string, unknown>): number => num(b['cpuSystemMs']) - num(a['cpuSystemMs']);
      const clientSysMs = c1.reduce((acc, c, i) => acc + sysOf(c0[i]!, c), 0);
      const up = rs.reduce((a, r) => a + num(r['up']), 0);
      // GRE packets the load generator sent and took in per setup (its share of the kernel's work).
      const deltaOf = (k: string): number => c1.reduce((acc, c, i) => acc + num(c[k]) - num(c0[i]![k]), 0);
      const greSentPerSetup = up > 0 ? deltaOf('greSent') / up : 0;
      const greReceivedPerSetup = up > 0 ? deltaOf('greReceived') / up : 0;
      const greSendCalls = deltaOf('greSendCalls');
      const greReceiveBatches = deltaOf('greReceiveBatches');
      // The load generator's CPU by thread (main = its event loop; the rest: V8's GC helpers, the loader's thread, libuv).
      const threadMs: Record<string, number> = {};
      c1.forEach((c, i) => {
        const a = (c0[i]!['threadCpuMs'] ?? {}) as Record<string, number>;
        for (const [k, v] of Object.entries((c['threadCpuMs'] ?? {}) as Record<string, number>)) threadMs[k] = (threadMs[k] ?? 0) + v - (a[k] ?? 0);
      });
      // What each tunnel held up costs the load generator in memory (JS heap + external), a driver of its GC work.
      const memOf = (k: string): number => g1.reduce((acc, g, i) => acc + num(g[k]) - num(g0[i]![k]), 0);
      const heapPerTunnel = up > 0 ? (memOf('heapUsed') + memOf('external')) / up / 1024 : 0;
      const threadText = Object.entries(threadMs).filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `${k} ${up > 0 ? ((v * 1000) / up).toFixed(0) : 0}`).join(', ');
      const failed = rs.reduce((a, r) => a + num(r['failed']), 0);
      const cpuMs = cpuOf(s0, s1);
      const setup = rs.map((r) => r['setupMs'] as Record<string, number>);
      const result: SetupResult = {
        label,
        up,
        failed,
        perSecond: wall > 0 ? (up * 1000) / wall : 0,
        serverCpuUsPerSetup: up > 0 ? (cpuMs * 1000) / up : 0,
        p50Ms: Math.max(...setup.map((x) => x['p50'] ?? 0)),
        p99Ms: Math.max(...setup.map((x) => x['p99'] ?? 0)),
        clientCpuUsPerSetup: up > 0 ? (clientCpuMs * 1000) / up : 0,
        serverSysUsPerSetup: up > 0 ? (sysOf(s0, s1) * 1000) / up : 0,
        serverMainThreadUsPerSetup: up > 0 && m0 !== undefined && m1 !== undefined ? ((m1 - m0) * 1000) / up : 0,
        clientSysUsPerSetup: up > 0 ? (clientSysMs * 1000) / up : 0,
        clientMainThreadUsPerSetup: up > 0 ? ((threadMs['main'] ?? 0) * 1000) / up : 0,
        clientHeapKbPerTunnel: heapPerTunnel,
      };
      results.push(result);
      const failures = rs.map((r) => r['failures']).filter((f) => f && Object.keys(f).length > 0);
      console.log(
        `setup.bench [${label}]: ${up} sessions up (MS-CHAPv2, MPPE-128 stateless, TCP to IPCP) in ${(wall / 1000).toFixed(2)} s = ` +
          `${result.perSecond.toFixed(0)} setups/s (target ≥ 2,000/s), ${failed} failed; ` +
          `${nClients} client processes × ${concurrency} in flight; setup time p50 ${result.p50Ms.toFixed(0)} ms, p99 ${result.p99Ms.toFixed(0)} ms; ` +
          `server CPU ${result.serverCpuUsPerSetup.toFixed(0)} µs/setup (system ${result.serverSysUsPerSetup.toFixed(0)}; event-loop thread ${result.serverMainThreadUsPerSetup.toFixed(0)}) → ${(1e6 / Math.max(1, result.serverCpuUsPerSetup)).toFixed(0)} setups/s per server core; ` +
          `load generator CPU ${result.clientCpuUsPerSetup.toFixed(0)} µs/setup (system ${result.clientSysUsPerSetup.toFixed(0)}; GRE ${greSentPerSetup.toFixed(1)} sent, ${greReceivedPerSetup.toFixed(1)} received per setup, ` +
          `${greSendCalls > 0 ? (deltaOf('greSent') / greSendCalls).toFixed(1) : '0'} per sendmmsg, ${greReceiveBatches > 0 ? (deltaOf('greReceived') / greReceiveBatches).toFixed(1) : '0'} per receive batch; ` +
          `by thread µs/setup: ${threadText || 'n/a'}; heap ${heapPerTunnel.toFixed(1)} KB/tunnel) ${limitsText(m)}`,
      );
      if (failures.length) console.log(`  failures: ${JSON.stringify(failures)}`);
      await Promise.all(clients.map((c) => c.cmd({ cmd: 'close', concurrency: 200 }, 120_000).catch(() => undefined)));
      await server.stop();
    }
    await Promise.all(clients.map((c) => c.stop()));
    return results;
  } finally {
    net.destroy();
    rmSync(shm, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
}
