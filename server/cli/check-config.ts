// `pptpd-ts check-config`: validate a YAML configuration (-c) or PoPToP's files
// (--pptpd-conf), and the chap-secrets files the auth chain names. Prints every issue as
// `file:line: severity: key: message`, then the verdict. Exit status: 0 valid (warnings
// allowed), 1 invalid, 2 a file could not be read.
import type { Command } from 'commander';
import { collectConfig } from '../../config/resolve.js';
import type { Config } from '../../config/schema.js';
import { formatIssue, hasErrors } from '../../config/issues.js';
import { parseIpSpec } from '../../config/ip-spec.js';
import { PptpdError, ErrorCode } from '../errors.js';
import type { ParseIssue } from '../../auth-plugins/chap-secrets/parse.js';

export interface CheckOptions {
  config?: string;
  pptpdConf?: string;
  chapSecrets?: string;
  root?: string;
}

export interface CheckResult {
  readonly exitCode: 0 | 1 | 2;
  readonly output: string[];
}

/** The whole check, as data (the command prints it). */
export function runCheckConfig(opts: CheckOptions): CheckResult {
  if (opts.config !== undefined && opts.pptpdConf !== undefined) {
    return { exitCode: 2, output: ['check-config: give either -c FILE or --pptpd-conf FILE, not both'] };
  }
  const subject = opts.config ?? opts.pptpdConf ?? '(embedded defaults)';
  let config: Config | undefined;
  let issues: ParseIssue[];
  try {
    // The same step serve starts with: the same checks, the same messages.
    ({ config, issues } = collectConfig(opts));
  } catch (e) {
    if (!(e instanceof PptpdError)) throw e;
    return { exitCode: e.code === ErrorCode.CONFIG_IO ? 2 : 1, output: [e.message] };
  }
  const output = issues.map(formatIssue);
  if (config === undefined || hasErrors(issues)) {
    output.push(invalidVerdict(subject, issues));
    return { exitCode: 1, output };
  }
  output.push(`${subject}: OK (${counts(issues)}); ${summary(config)}`);
  return { exitCode: 0, output };
}

function counts(issues: readonly ParseIssue[]): string {
  const errors = issues.filter((i) => i.severity === 'error').length;
  const warnings = issues.length - errors;
  return `${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`;
}

/** The last line for a configuration that does not validate (check-config and serve print the same). */
export function invalidVerdict(subject: string, issues: readonly ParseIssue[]): string {
  return `${subject}: INVALID (${counts(issues)})`;
}

function summary(c: Config): string {
  const remote = parseIpSpec(c.pool.remote);
  const count = remote.ok ? remote.count : 0;
  const chain = c.auth.chain.map((e) => e.name ?? e.plugin).join(' → ');
  const mppe = c.ppp.mppe.bits.length === 0 ? 'no MPPE' : `MPPE ${c.ppp.mppe.bits.join('/')}${c.ppp.mppe.required ? ' required' : ''}`;
  return `listen ${c.listen.address}:${c.listen.port}, ${count} pool addresses, auth ${c.ppp.auth.allowed.join('/')} via ${chain}, ${mppe}`;
}

export function registerCheckConfig(program: Command): void {
  program
    .command('check-config')
    .description('validate a configuration (YAML or PoPToP files) and its chap-secrets; exit 1 when invalid')
    .option('-c, --config <file>', 'YAML configuration file')
    .option('--pptpd-conf <file>', "PoPToP's pptpd.conf (follows its pppd options file)")
    .option('--chap-secrets <file>', 'chap-secrets file to use instead of the configured one')
    .option('--root <dir>', 'read absolute paths named inside the configuration (PoPToP files or YAML) under this directory')
    .action((opts: CheckOptions) => {
      const r = runCheckConfig(opts);
      process.stdout.write(r.output.map((line) => `${line}\n`).join(''));
      process.exitCode = r.exitCode;
    });
}
