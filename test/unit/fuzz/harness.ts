// A small seeded fuzz harness (mqtt-packet testRandom / cargo-fuzz style, without the
// coverage feedback): each target owns long-lived subjects (decoders and state machines)
// and turns one random or mutated input into one call on them. The runner counts inputs,
// times each one (a "hang" is an input slower than a bound), and measures the heap after
// a GC before and after the run, so a subject that keeps what it is fed shows up as growth.
// test/unit/fuzz/fuzz.test.ts runs every target briefly in CI; test/bench/fuzz.bench.ts
// runs the same targets for millions of inputs.
import v8 from 'node:v8';
import vm from 'node:vm';

/** Deterministic randomness (mulberry32), so a failure replays from its seed. */
export class Rng {
  #a: number;

  constructor(seed: number) {
    this.#a = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.#a = (this.#a + 0x6d2b79f5) >>> 0;
    let t = this.#a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)]!;
  }

  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
}

/** Interesting values for length and count fields. */
const BOUNDARY16 = [0, 1, 2, 3, 4, 5, 7, 8, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xfffe, 0xffff];

/**
 * One input from a corpus of valid messages: pure random bytes, or a seed damaged by bit
 * flips, truncation, extension, insertion/deletion, a boundary value written over a
 * 16-bit field, or a splice of two seeds. Never longer than `maxLength`.
 */
export function mutate(rng: Rng, seeds: readonly Uint8Array[], maxLength = 1600): Buffer {
  const r = rng.next();
  if (r < 0.1 || seeds.length === 0) return rng.bytes(rng.int(Math.min(maxLength, 300)));
  let b = Buffer.from(rng.pick(seeds));
  const ops = 1 + rng.int(3);
  for (let k = 0; k < ops; k++) {
    const op = rng.int(8);
    if (op === 0 && b.length > 0) {
      b = b.subarray(0, rng.int(b.length + 1)); // truncate
    } else if (op === 1) {
      b = Buffer.concat([b, rng.bytes(1 + rng.int(64))]); // extend
    } else if (op === 2 && b.length > 1) {
      const at = rng.int(b.length);
      b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + rng.int(Math.min(8, b.length - at)))]); // delete
    } else if (op === 3) {
      const at = rng.int(b.length + 1);
      b = Buffer.concat([b.subarray(0, at), rng.bytes(1 + rng.int(8)), b.subarray(at)]); // insert
    } else if (op === 4 && b.length >= 2) {
      b.writeUInt16BE(rng.pick(BOUNDARY16), rng.int(b.length - 1)); // a length/count field
    } else if (op === 5) {
      const other = rng.pick(seeds);
      const cut = rng.int(b.length + 1);
      b = Buffer.concat([b.subarray(0, cut), Buffer.from(other.subarray(rng.int(other.length + 1)))]); // splice
    } else if (b.length > 0) {
      const flips = 1 + rng.int(4);
      for (let i = 0; i < flips; i++) b[rng.int(b.length)] = rng.chance(0.5) ? rng.int(256) : b[rng.int(b.length)]! ^ (1 << rng.int(8));
    }
  }
  return b.length > maxLength ? b.subarray(0, maxLength) : b;
}

/** A fuzz target: `setup` builds its subjects and returns the step that feeds them one input. */
export interface FuzzTarget {
  readonly name: string;
  /** What it covers, for the bench's table. */
  readonly covers: string;
  setup(rng: Rng): (rng: Rng, i: number) => void;
}

export interface FuzzReport {
  readonly name: string;
  readonly inputs: number;
  readonly ms: number;
  readonly inputsPerSecond: number;
  /** The slowest single input, ms. */
  readonly slowestMs: number;
  /** heapUsed + arrayBuffers after the run minus after warm-up, both after a full GC (bytes). */
  readonly heapGrowth: number;
}

export interface FuzzRunOptions {
  readonly seed: number;
  /** Stop after this many inputs ... */
  readonly inputs: number;
  /** ... or this many ms, whichever comes first. */
  readonly maxMs?: number;
}

let gcFn: (() => void) | undefined;
/** A full GC (v8's gc exposed at run time, as --expose-gc would). */
export function fullGc(): void {
  if (!gcFn) {
    v8.setFlagsFromString('--expose-gc');
    gcFn = vm.runInNewContext('gc') as () => void;
  }
  gcFn();
}

/** V8 heap plus ArrayBuffer memory (Buffers live outside the V8 heap), after GC. */
function heapUsed(): number {
  fullGc();
  fullGc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

export class FuzzFailure extends Error {
  constructor(target: string, seed: number, input: number, cause: unknown) {
    super(`fuzz target ${target} threw on input #${input} (seed ${seed}): ${(cause as Error)?.stack ?? String(cause)}`, { cause });
  }
}

/** Runs `target`: throws FuzzFailure when an input throws; reports rate, slowest input and heap growth. */
export function runTarget(target: FuzzTarget, o: FuzzRunOptions): FuzzReport {
  const rng = new Rng(o.seed);
  const step = target.setup(rng);
  const warm = Math.min(2000, Math.floor(o.inputs / 10));
  let i = 0;
  // The slowest input is measured after warm-up (JIT compilation is not a hang).
  const feed = (n: number, deadline: number, timed: boolean): void => {
    for (let k = 0; k < n; k++, i++) {
      const t = performance.now();
      if (t > deadline) return;
      try {
        step(rng, i);
      } catch (e) {
        throw new FuzzFailure(target.name, o.seed, i, e);
      }
      const d = performance.now() - t;
      if (timed && d > slowest) slowest = d;
    }
  };
  let slowest = 0;
  const t0 = performance.now();
  const deadline = t0 + (o.maxMs ?? Number.POSITIVE_INFINITY);
  feed(warm, deadline, false);
  const before = heapUsed();
  feed(o.inputs - warm, deadline, true);
  const ms = performance.now() - t0;
  const heapGrowth = heapUsed() - before;
  return { name: target.name, inputs: i, ms, inputsPerSecond: (i / ms) * 1000, slowestMs: slowest, heapGrowth };
}
