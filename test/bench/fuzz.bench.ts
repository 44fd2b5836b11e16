// The fuzz harness of test/unit/fuzz/ at scale: every target (PPTP control framer and both
// control roles, GRE codec + window, PPP frame + CP options, PppSession both roles, the
// PAP/CHAP/MS-CHAP handlers both roles, the MPPE decoder) runs FUZZ_BENCH_INPUTS random and
// mutated inputs (default 1,000,000) or FUZZ_BENCH_SECONDS (default 15) each, whichever
// comes first, from seed FUZZ_BENCH_SEED (default: the time). Prints inputs/s per target,
// the slowest single input and the memory kept after GC; a throwing input fails the run
// with its seed and number. Run alone: `node --import tsx test/bench/fuzz.bench.ts`.
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { runTarget, type FuzzReport } from '../unit/fuzz/harness.js';
import { FUZZ_TARGETS } from '../unit/fuzz/targets.js';

export async function run(): Promise<FuzzReport[]> {
  const inputs = Number(process.env['FUZZ_BENCH_INPUTS'] ?? 1_000_000);
  const seconds = Number(process.env['FUZZ_BENCH_SECONDS'] ?? 15);
  const seed = Number(process.env['FUZZ_BENCH_SEED'] ?? Date.now() % 0x7fffffff);
  console.log(`fuzz: seed ${seed}, up to ${inputs} inputs or ${seconds} s per target, 1 of ${os.availableParallelism()} cores`);
  console.log(`${'target'.padEnd(22)} ${'inputs'.padStart(10)} ${'inputs/s'.padStart(10)} ${'slowest ms'.padStart(11)} ${'kept KiB'.padStart(9)}`);
  const reports: FuzzReport[] = [];
  let total = 0;
  for (const [i, target] of FUZZ_TARGETS.entries()) {
    const r = runTarget(target, { seed: seed + i, inputs, maxMs: seconds * 1000 });
    reports.push(r);
    total += r.inputs;
    console.log(
      `${r.name.padEnd(22)} ${String(r.inputs).padStart(10)} ${Math.round(r.inputsPerSecond).toString().padStart(10)} ` +
        `${r.slowestMs.toFixed(1).padStart(11)} ${(r.heapGrowth / 1024).toFixed(0).padStart(9)}`,
    );
    await new Promise((res) => setImmediate(res));
  }
  console.log(`fuzz: ${total} inputs in all, no target threw`);
  return reports;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
