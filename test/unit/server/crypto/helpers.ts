// Shared by the crypto tests: RFC vector loading, hex helpers, and a child
// `node --openssl-legacy-provider` used as an independent implementation
// (OpenSSL's MD4, DES, RC4) to cross-check ours. The tests themselves run on a
// stock node; only the child gets the flag.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { repoRoot } from '../../../helpers/paths.js';
import { CHILD_RUN_MS } from '../../../helpers/wait.js';

export function vectors<T>(name: string): T {
  return JSON.parse(readFileSync(path.join(repoRoot, 'test', 'fixtures', 'vectors', name), 'utf8')) as T;
}

export const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** Deterministic pseudo-random bytes (xorshift32), so failures reproduce. */
export function pseudoRandom(len: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(len);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < len; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

let legacyAvailable: boolean | undefined;

/** Whether this node can start a child with OpenSSL's legacy provider. */
export function opensslLegacyAvailable(): boolean {
  if (legacyAvailable === undefined) {
    const r = spawnSync(process.execPath, ['--openssl-legacy-provider', '-e', "require('node:crypto').createHash('md4')"], {
      timeout: CHILD_RUN_MS,
    });
    legacyAvailable = r.status === 0;
  }
  return legacyAvailable;
}

/**
 * Runs `script` (CommonJS, reads JSON from stdin, writes JSON to stdout) in a
 * child `node --openssl-legacy-provider` and returns the parsed output.
 */
export function inLegacyChild<T>(script: string, input: unknown): T {
  const r = spawnSync(process.execPath, ['--openssl-legacy-provider', '-e', script], {
    input: JSON.stringify(input),
    encoding: 'utf8',
    timeout: CHILD_RUN_MS,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`legacy child failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** Prelude for child scripts: `input` is the parsed stdin, `done(x)` prints JSON. */
export const CHILD_PRELUDE = `
const crypto = require('node:crypto');
const input = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
const done = (x) => process.stdout.write(JSON.stringify(x));
const h = (s) => Buffer.from(s, 'hex');
`;
