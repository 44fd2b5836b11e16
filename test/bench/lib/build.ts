// The benchmark runs the server and the load generator from COMPILED JavaScript (tsc, as
// `npm run build` makes dist/ for bin/pptpd-ts.js), not through tsx: tsx's esbuild
// transform wraps every named closure in __name(), which puts each of them in dictionary
// mode (~256 bytes more per closure, over 30 KB per session measured) and would make the
// memory figures describe the test loader instead of the server.
// The output goes under node_modules/.cache (inside the repository, so the compiled files
// still resolve node_modules and find the native addon by walking up to binding.gyp).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../helpers/paths.js';

let built: string | undefined;

/** Compiles server/, config/, auth-plugins/, accounting/ once per process; returns the output directory. */
export function benchDist(): string {
  if (built) return built;
  const out = path.join(repoRoot, 'node_modules', '.cache', 'pptpd-ts-bench');
  const tsc = path.join(repoRoot, 'node_modules', '.bin', 'tsc');
  const r = spawnSync(tsc, ['-p', 'tsconfig.build.json', '--outDir', out], { cwd: repoRoot, encoding: 'utf8', timeout: 300_000 });
  // Type errors elsewhere in a work tree still emit JavaScript; only a missing output is fatal.
  if (!existsSync(path.join(out, 'server', 'runtime', 'server.js'))) {
    throw new Error(`tsc build for the benchmark failed: ${r.stdout.slice(-2000)} ${r.stderr.slice(-2000)}`);
  }
  built = out;
  return out;
}
