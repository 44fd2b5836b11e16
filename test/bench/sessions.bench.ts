// Concurrent established sessions held by ONE server process, and the server's RSS per
// session beyond the idle process. Sessions (MS-CHAPv2, MPPE-128 stateless, one TCP
// control connection each, as Windows and pptp-linux make them) are opened in steps by
// SESSIONS_CLIENTS client processes, each in its own namespace with its own source
// address; after each step the server runs the garbage collector and reports its RSS, so
// the figure is the slope of RSS over sessions (least squares) as well as the last point.
// Target: ≥ 50,000 sessions at ≤ 16 KB each. Bounded by SESSIONS_TARGET (default 50,000),
// the open-file limit of the server process (one TCP socket per session), and
// SESSIONS_SECONDS for the whole ramp. Run alone: `npm run bench -- sessions`.
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { canUseNetns } from '../helpers/netns.js';
import { dataplaneUnavailable } from '../../server/dataplane/native.js';
import { BenchNet, type LineProc } from './lib/bench-net.js';
import { limitsText, machineLimits, printLimits } from './lib/machine.js';

export interface SessionsResult {
  held: number;
  target: number;
  fdLimit: number;
  idleRss: number;
  rssAtMax: number;
  bytesPerSessionSlope: number;
  bytesPerSessionLast: number;
  poptopCeiling: string;
}

const num = (v: unknown): number => Number(v ?? 0);
const kb = (b: number): string => `${(b / 1024).toFixed(1)} KB`;

/** Least-squares slope of y over x. */
function slope(points: [number, number][]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((a, p) => a + p[0], 0) / n;
  const my = points.reduce((a, p) => a + p[1], 0) / n;
  let sxy = 0, sxx = 0;
  for (const [x, y] of points) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
  }
  return sxx > 0 ? sxy / sxx : 0;
}

let lastResult: SessionsResult | undefined;

/** The figures of the last run() in this process, or of a smaller run made now (poptop.bench compares with it). */
export async function sessionMemory(): Promise<SessionsResult | undefined> {
  return lastResult ?? (await measure({ target: 2000, clients: 1, seconds: 120, steps: 2, quiet: true }));
}

export async function run(): Promise<SessionsResult | undefined> {
  const skip = canUseNetns() ?? dataplaneUnavailable();
  if (skip) {
    console.log(`sessions.bench: skipped (${skip})`);
    return undefined;
  }
  const m = await machineLimits();
  printLimits(m);
  lastResult = await measure({
    target: Number(process.env['SESSIONS_TARGET'] ?? 50_000),
    clients: Number(process.env['SESSIONS_CLIENTS'] ?? 3),
    seconds: Number(process.env['SESSIONS_SECONDS'] ?? 300),
    steps: Number(process.env['SESSIONS_STEPS'] ?? 5),
    quiet: false,
  });
  return lastResult;
}

async function measure(o: { target: number; clients: number; seconds: number; steps: number; quiet: boolean }): Promise<SessionsResult> {
  const m = await machineLimits();
  const { target, seconds, steps } = o;
  const nClients = o.clients;
  const say = (line: string): void => {
    if (!o.quiet) console.log(line);
  };
  // The hard open-file limit the server (a child of this shell) can raise itself to.
  const fdLimit = Number(spawnSync('sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).stdout.trim()) || 1024;
  // Headroom for the TUN, raw socket, journal, spool, pipes and the modules node opens.
  const reachable = Math.min(target, fdLimit - 200, 65_535);
  const net = new BenchNet({ clients: nClients, sourcesPerClient: 1 });
  try {
    const server = await net.startServer({}, seconds + 300);
    const clients: LineProc[] = [];
    for (let i = 0; i < nClients; i++) clients.push(await net.startClient(i, seconds + 300));
    const idle = await server.cmd('gc', 30_000);
    const points: [number, number][] = [[0, num(idle['rss'])]];
    say(`  idle server: RSS ${kb(num(idle['rss']))}, heap ${kb(num(idle['heapUsed']))}`);
    const deadline = performance.now() + seconds * 1000;
    let held = 0;
    for (let s = 1; s <= steps && performance.now() < deadline; s++) {
      const want = Math.round((reachable * s) / steps);
      const per = Math.ceil((want - held) / nClients);
      const left = Math.max(1000, deadline - performance.now());
      const rs = await Promise.all(
        clients.map((c) => c.cmd({ cmd: 'connect', n: per, concurrency: 200, deadlineMs: left, timeoutMs: 60_000 }, left + 120_000)),
      );
      const fails = rs.map((r) => r['failures']).filter((f) => f && Object.keys(f).length > 0);
      const g = await server.cmd('gc', 60_000);
      held = num(g['up']);
      points.push([held, num(g['rss'])]);
      say(
        `  step ${s}: ${held} sessions up (server registry ${num(g['sessions'])}), RSS ${kb(num(g['rss']))}, heap ${kb(num(g['heapUsed']))}, ` +
          `external ${kb(num(g['external']))}, ${((num(g['rss']) - num(idle['rss'])) / Math.max(1, held) / 1024).toFixed(1)} KB/session so far` +
          (fails.length ? `; failures ${JSON.stringify(fails).slice(0, 300)}` : ''),
      );
      if (held < want * 0.9) break; // the setups are failing: stop the ramp here
    }
    const last = points[points.length - 1]!;
    const result: SessionsResult = {
      held,
      target,
      fdLimit,
      idleRss: num(idle['rss']),
      rssAtMax: last[1],
      bytesPerSessionSlope: slope(points),
      bytesPerSessionLast: held > 0 ? (last[1] - points[0]![1]) / held : 0,
      poptopCeiling: '2048–4096 clients (PoPToP FAQ: pptpctrl + pppd, two processes per client)',
    };
    say(
      `sessions.bench: ${held} concurrent sessions held by one server process (target ≥ 50,000; ramp to ${reachable}` +
        (reachable < target ? `, capped by this machine's open-file limit ${fdLimit} per process` : ` (SESSIONS_TARGET)`) +
        `); RSS idle ${kb(result.idleRss)} → ${kb(result.rssAtMax)}; ` +
        `${kb(result.bytesPerSessionSlope)}/session (slope), ${kb(result.bytesPerSessionLast)}/session (last point) (target ≤ 16 KB); ` +
        `PoPToP: ${result.poptopCeiling} ${limitsText(m)}`,
    );
    await Promise.all(clients.map((c) => c.cmd({ cmd: 'close', concurrency: 500, deadlineMs: 120_000 }, 200_000).catch(() => undefined)));
    await Promise.all(clients.map((c) => c.stop()));
    await server.stop(60_000);
    return result;
  } finally {
    net.destroy();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
}
