// Bounded, seeded fuzzing of every decoder and state machine that reads peer input (issue:
// "no crash, no hang, no unbounded memory"): each target gets a few thousand random and
// mutated inputs (or its time budget), must never throw, never spend long on one input,
// and must not keep what it is fed (heap growth after GC stays small). A failure names
// the target, seed and input number; FUZZ_SEED=<n> replays another seed. The benchmark
// (test/bench/fuzz.bench.ts) runs the same targets for millions of inputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runTarget } from './harness.js';
import { FUZZ_TARGETS } from './targets.js';

const SEED = Number(process.env['FUZZ_SEED'] ?? 0x5eed);
const INPUTS = 50_000;
const BUDGET_MS = 1500;
/** One input taking this long is a hang (generous: CI machines stall). */
const SLOW_MS = 1000;
/** Heap a target may keep after GC across its run. */
const MAX_GROWTH = 4 * 1024 * 1024;

for (const [i, target] of FUZZ_TARGETS.entries()) {
  test(`fuzz ${target.name}: ${target.covers}`, { timeout: 60_000 }, (t) => {
    const r = runTarget(target, { seed: SEED + i, inputs: INPUTS, maxMs: BUDGET_MS });
    t.diagnostic(`${r.inputs} inputs, ${Math.round(r.inputsPerSecond)}/s, slowest ${r.slowestMs.toFixed(1)} ms, heap ${(r.heapGrowth / 1024).toFixed(0)} KiB`);
    assert.ok(r.inputs >= 500, `only ${r.inputs} inputs in ${BUDGET_MS} ms`);
    assert.ok(r.slowestMs < SLOW_MS, `an input took ${r.slowestMs.toFixed(1)} ms`);
    assert.ok(r.heapGrowth < MAX_GROWTH, `heap grew ${r.heapGrowth} bytes`);
  });
}

test('the harness catches a throwing target and names the seed and input', () => {
  const bad = { name: 'bad', covers: 'throws on input 3', setup: () => (_r: unknown, i: number) => { if (i === 3) throw new Error('boom'); } };
  assert.throws(() => runTarget(bad, { seed: 1, inputs: 10 }), /fuzz target bad threw on input #3 \(seed 1\): Error: boom/);
});

test('the harness measures memory a target keeps (heap and Buffers)', () => {
  const kept: unknown[] = [];
  const leaky = { name: 'leaky', covers: 'keeps every input', setup: () => (_r: unknown, i: number) => void kept.push(i % 2 ? Buffer.alloc(2048, 1) : new Array(256).fill(i)) };
  const r = runTarget(leaky, { seed: 1, inputs: 5000 });
  assert.ok(r.heapGrowth > MAX_GROWTH, `a leak of ~7 MB shows as ${r.heapGrowth} bytes`);
});
