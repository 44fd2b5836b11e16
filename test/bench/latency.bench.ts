// Latency the tunnel adds: round-trip time of small UDP echoes (64-byte IP packets) from
// the client's namespace to a UDP echo server in the server's namespace, once through an
// MPPE-128 tunnel (client → GRE → server decrypts → TUN → kernel → echo server → TUN →
// server encrypts → GRE → client) and once over the bare veth/bridge path between the same
// namespaces; plus ICMP echo through the tunnel to the server's tunnel address (answered
// by the server namespace's kernel). Sequential, one request in flight, LATENCY_COUNT
// (default 500) each. The image has no ping binary: the project's client builds the ICMP.
// Run alone: `npm run bench -- latency`.
import { pathToFileURL } from 'node:url';
import { canUseNetns } from '../helpers/netns.js';
import { dataplaneUnavailable } from '../../server/dataplane/native.js';
import { BenchNet, ECHO_PORT, SERVER_IP, TUNNEL_LOCAL } from './lib/bench-net.js';
import { limitsText, machineLimits, printLimits } from './lib/machine.js';

type Summary = { n: number; mean: number; p50: number; p90: number; p99: number; max: number };

export interface LatencyResult {
  tunnelUdp: Summary;
  plainUdp: Summary;
  tunnelIcmp: Summary;
  addedP50Ms: number;
}

const fmt = (s: Summary): string =>
  `p50 ${(s.p50 * 1000).toFixed(0)} µs, p90 ${(s.p90 * 1000).toFixed(0)} µs, p99 ${(s.p99 * 1000).toFixed(0)} µs, mean ${(s.mean * 1000).toFixed(0)} µs (n=${s.n})`;

export async function run(): Promise<LatencyResult | undefined> {
  const skip = canUseNetns() ?? dataplaneUnavailable();
  if (skip) {
    console.log(`latency.bench: skipped (${skip})`);
    return undefined;
  }
  const m = await machineLimits();
  printLimits(m);
  const count = Number(process.env['LATENCY_COUNT'] ?? 500);
  const net = new BenchNet({ clients: 1, sourcesPerClient: 1 });
  try {
    const server = await net.startServer();
    const echo = await net.startEcho();
    const client = await net.startClient(0);
    const c = await client.cmd({ cmd: 'connect', n: 1, concurrency: 1, deadlineMs: 30_000 }, 60_000);
    if (Number(c['up']) !== 1) throw new Error(`the tunnel did not come up: ${JSON.stringify(c['failures'])}`);
    // Warm-up, then the measured run.
    await client.cmd({ cmd: 'echo', count: 50, dst: TUNNEL_LOCAL, port: ECHO_PORT, plain: SERVER_IP }, 120_000);
    const r = await client.cmd({ cmd: 'echo', count, dst: TUNNEL_LOCAL, port: ECHO_PORT, plain: SERVER_IP }, count * 3000 + 60_000);
    const result: LatencyResult = {
      tunnelUdp: r['tunnelUdp'] as Summary,
      plainUdp: r['plainUdp'] as Summary,
      tunnelIcmp: r['tunnelIcmp'] as Summary,
      addedP50Ms: (r['tunnelUdp'] as Summary).p50 - (r['plainUdp'] as Summary).p50,
    };
    console.log(`latency.bench: UDP echo through the MPPE-128 tunnel: ${fmt(result.tunnelUdp)}`);
    console.log(`latency.bench: UDP echo without the tunnel (same namespaces, veth + bridge): ${fmt(result.plainUdp)}`);
    console.log(`latency.bench: ICMP echo through the tunnel to ${TUNNEL_LOCAL} (kernel answers): ${fmt(result.tunnelIcmp)}`);
    console.log(
      `latency.bench: the tunnel adds ${(result.addedP50Ms * 1000).toFixed(0)} µs at the median ` +
        `(${((result.tunnelUdp.p99 - result.plainUdp.p99) * 1000).toFixed(0)} µs at p99) per round trip ${limitsText(m)}`,
    );
    await client.cmd({ cmd: 'close' }, 30_000).catch(() => undefined);
    await client.stop();
    echo.kill('SIGTERM');
    await server.stop();
    return result;
  } finally {
    net.destroy();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
}
