// Raw GRE packets per second through the native addon: the ceiling of this
// machine's data plane, which the other benchmarks compare against.
//
// Two namespaces joined by a veth pair; a receiver (GreSocket, recvmmsg into a
// reused slab) in one, a sender (GreSocket, sendmmsg batches of 64) in the
// other, both child processes (test/integration/dataplane/fixtures/gre-peer.ts).
// 1400-byte IPv4 packets (20 IP + 12 enhanced GRE + 1368 payload), bounded by
// a packet count and seconds: GRE_BENCH_COUNT (default 500000) and
// GRE_BENCH_SECONDS (default 5). Run alone with `node --import tsx test/bench/gre.bench.ts`.
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { Netns, canUseNetns, vethPair } from '../helpers/netns.js';
import { dataplaneUnavailable } from '../../server/dataplane/native.js';
import { fixtureResult, runFixture, startFixture } from '../integration/dataplane/fixtures/run.js';

export interface GreBenchResult {
  sent: number;
  received: number;
  senderPps: number;
  receiverPps: number;
  mbPerSecond: number;
  loss: number;
  receiverCpuPercent: number;
  cores: number;
}

export async function run(): Promise<GreBenchResult | undefined> {
  const skip = canUseNetns() ?? dataplaneUnavailable();
  if (skip) {
    console.log(`gre.bench: skipped (${skip})`);
    return undefined;
  }
  const count = Number(process.env['GRE_BENCH_COUNT'] ?? 500_000);
  const seconds = Number(process.env['GRE_BENCH_SECONDS'] ?? 5);
  const size = 1400;
  const rxNs = Netns.create('benchrx');
  const txNs = Netns.create('benchtx');
  try {
    vethPair(rxNs, '10.252.0.1/24', txNs, '10.252.0.2/24');
    const rx = await startFixture(rxNs, 'gre-peer.ts', [
      '--mode', 'recv', '--call-id', '1', '--count', String(count), '--seconds', String(seconds + 5), '--idle', '1000',
    ]);
    const tx = await runFixture(txNs, 'gre-peer.ts', [
      '--mode', 'send', '--dst', '10.252.0.1', '--call-id', '1', '--count', String(count),
      '--seconds', String(seconds), '--size', String(size), '--batch', '64',
    ], (seconds + 20) * 1000);
    const r = await fixtureResult(rx, (seconds + 20) * 1000);
    const sent = Number(tx['sent']);
    const received = Number(r['received']);
    const span = Number(r['seconds']);
    const receiverPps = Number(r['pps']);
    const cpuMs = Number(r['cpuUserMs']) + Number(r['cpuSystemMs']);
    const result: GreBenchResult = {
      sent,
      received,
      senderPps: Number(tx['pps']),
      receiverPps,
      mbPerSecond: (receiverPps * size) / 1e6,
      loss: sent > 0 ? 1 - received / sent : 0,
      // Over the receiver's whole life (start-up included), so an upper bound.
      receiverCpuPercent: span > 0 ? (cpuMs / 10) / span : 0,
      cores: os.cpus().length,
    };
    console.log(
      `gre.bench: ${size}-byte GRE over veth, batch 64: sent ${sent} (${Math.round(result.senderPps)} pps), ` +
      `received ${received} in ${span.toFixed(2)} s = ${Math.round(receiverPps)} pps, ${result.mbPerSecond.toFixed(1)} MB/s, ` +
      `loss ${(result.loss * 100).toFixed(2)} %, receiver CPU ≤ ${result.receiverCpuPercent.toFixed(0)} % of a core, ${result.cores} cores`,
    );
    return result;
  } finally {
    rxNs.destroy();
    txNs.destroy();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
}
