// The limits of this machine, measured once per `npm run bench` run and printed beside
// every figure: raw GRE packets/s through the native addon with no PPP or MPPE
// (gre.bench.ts, 1400-byte packets over veth between two namespaces), pure-TS RC4 MB/s on
// 1400-byte packets (the cipher MPPE uses; crypto.bench.ts has the full comparison), and
// one stateless MPPE-128 packet encode (key change + RC4) in µs.
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { Rc4 } from '../../../server/crypto/rc4.js';
import { MppeEncoder } from '../../../server/crypto/mppe.js';
import { MppeEngine, defaultMppeEngine, nativeMppeAvailable } from '../../../server/crypto/mppe-native.js';
import { run as greBench } from '../gre.bench.js';

export interface MachineLimits {
  cores: number;
  cpu: string;
  /** Raw GRE receive rate (1400-byte packets), undefined when namespaces are unusable. */
  grePps: number | undefined;
  rc4MBps: number;
  /** One stateless MPPE-128 encode of 1400 bytes (key change + RC4), µs, with the server's engine. */
  mppeStatelessUs: number;
  /** The MPPE engine that figure used: the server's (BENCH_SERVER_MPPE_ENGINE, else the default). */
  mppeEngine: string;
}

let cached: Promise<MachineLimits> | undefined;

function timeOp(count: number, op: () => void): number {
  const runs: number[] = [];
  for (let r = 0; r < 3; r++) {
    for (let k = 0; k < count / 10; k++) op();
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < count; k++) op();
    runs.push(Number(process.hrtime.bigint() - t0) / count);
  }
  return runs.sort((a, b) => a - b)[1]!;
}

async function measure(): Promise<MachineLimits> {
  const prev = { c: process.env['GRE_BENCH_COUNT'], s: process.env['GRE_BENCH_SECONDS'] };
  process.env['GRE_BENCH_COUNT'] ??= '400000';
  process.env['GRE_BENCH_SECONDS'] ??= '4';
  const gre = await greBench();
  if (prev.c === undefined) delete process.env['GRE_BENCH_COUNT'];
  if (prev.s === undefined) delete process.env['GRE_BENCH_SECONDS'];
  const pkt = randomBytes(1400);
  const rc4 = new Rc4(randomBytes(16));
  const rc4Ns = timeOp(20_000, () => rc4.process(pkt));
  const asked = process.env['BENCH_SERVER_MPPE_ENGINE'] ?? defaultMppeEngine();
  const engine = asked === MppeEngine.TYPESCRIPT || !nativeMppeAvailable() ? MppeEngine.TYPESCRIPT : MppeEngine.NATIVE;
  const enc = new MppeEncoder(randomBytes(16), { bits: 128, stateless: true, engine });
  const buf = Buffer.alloc(1402);
  const mppeNs = timeOp(10_000, () => enc.encodeInPlace(buf, 0, buf.length));
  return {
    cores: os.availableParallelism(),
    cpu: os.cpus()[0]?.model ?? 'unknown CPU',
    grePps: gre?.receiverPps,
    rc4MBps: 1400 / (rc4Ns / 1000),
    mppeStatelessUs: mppeNs / 1000,
    mppeEngine: engine,
  };
}

/** The machine's limits (measured on first use in this process). */
export function machineLimits(): Promise<MachineLimits> {
  cached ??= measure();
  return cached;
}

/** The one-line form printed beside each figure. */
export function limitsText(m: MachineLimits): string {
  const gre = m.grePps === undefined ? 'raw GRE n/a' : `raw GRE ${Math.round(m.grePps).toLocaleString('en')} pps (1400 B)`;
  return `[${m.cores} cores; ${gre}; RC4 ${m.rc4MBps.toFixed(0)} MB/s; MPPE-128 stateless ${m.mppeStatelessUs.toFixed(1)} µs/pkt (${m.mppeEngine})]`;
}

export function printLimits(m: MachineLimits): void {
  console.log(`machine: ${m.cores} cores (${m.cpu}); ${limitsText(m).slice(1, -1)}`);
}
