// `pptpd-ts migrate --pptpd-conf FILE`: print the YAML configuration equivalent to a
// PoPToP installation (pptpd.conf, its pppd options, chap-secrets by path). Comments say
// where each value came from and what was dropped; issues also go to stderr as
// file:line. Exit status: 0 translated, 1 the files hold errors, 2 a file could not be read.
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { configFromPoptop, type MigrationNote } from '../../config/poptop.js';
import { configToYaml } from '../../config/emit-yaml.js';
import { formatIssue, hasErrors } from '../../config/issues.js';
import { ErrorCode, PptpdError } from '../errors.js';
import type { ParseIssue } from '../../auth-plugins/chap-secrets/parse.js';

export interface MigrateOptions {
  pptpdConf: string;
  chapSecrets?: string;
  root?: string;
}

export interface MigrateResult {
  readonly exitCode: 0 | 1 | 2;
  /** The YAML (empty when the files could not be translated). */
  readonly yaml: string;
  /** Issue lines for stderr. */
  readonly messages: string[];
}

export function runMigrate(opts: MigrateOptions): MigrateResult {
  let result: ReturnType<typeof configFromPoptop>;
  try {
    result = configFromPoptop({
      pptpdConf: opts.pptpdConf,
      ...(opts.chapSecrets !== undefined ? { chapSecrets: opts.chapSecrets } : {}),
      ...(opts.root !== undefined ? { root: opts.root } : {}),
    });
  } catch (e) {
    if (!(e instanceof PptpdError)) throw e;
    const issues = Array.isArray(e.cause) ? (e.cause as ParseIssue[]) : [];
    return { exitCode: e.code === ErrorCode.CONFIG_IO ? 2 : 1, yaml: '', messages: issues.length > 0 ? issues.map(formatIssue) : [e.message] };
  }
  const messages = result.issues.map(formatIssue);
  if (hasErrors(result.issues)) return { exitCode: 1, yaml: '', messages };
  const header = [
    `pptpd-ts configuration migrated from PoPToP (${opts.pptpdConf}).`,
    'Check it with: pptpd-ts check-config -c <this file>',
  ];
  const dropped: MigrationNote[] = result.issues.map((i) => ({ key: '', text: `${i.severity === 'error' ? 'ERROR' : 'note'}: ${i.file}:${i.line}: ${i.message}` }));
  return { exitCode: 0, yaml: configToYaml(result.config, [...result.notes, ...dropped], header), messages };
}

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('print the YAML configuration equivalent to a PoPToP installation')
    .requiredOption('--pptpd-conf <file>', "PoPToP's pptpd.conf")
    .option('--chap-secrets <file>', 'chap-secrets file to use instead of pppd’s')
    .option('--root <dir>', 'read absolute paths named inside the files under this directory')
    .option('-o, --output <file>', 'write the YAML there instead of stdout')
    .action((opts: MigrateOptions & { output?: string }) => {
      const r = runMigrate(opts);
      for (const m of r.messages) process.stderr.write(`${m}\n`);
      if (r.yaml !== '') {
        if (opts.output !== undefined) writeFileSync(opts.output, r.yaml, { mode: 0o600 });
        else process.stdout.write(r.yaml);
      }
      process.exitCode = r.exitCode;
    });
}
