// Spawn the CLI as users run it from a checkout: node --import tsx server/cli/main.ts ...
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '../../../helpers/paths.js';
import { CHILD_RUN_MS } from '../../../helpers/wait.js';

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: readonly string[]): CliResult {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'server/cli/main.ts'), ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: CHILD_RUN_MS,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export const fixtureDir = (name: string): string => path.join(repoRoot, 'test/fixtures/poptop', name);
