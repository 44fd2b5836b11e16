// `pptpd-ts check-config`: validate a YAML configuration (-c) or PoPToP's files
// (--pptpd-conf), and the chap-secrets files the auth chain names. Prints every issue as
// `file:line: severity: key: message`, then the verdict. Exit status: 0 valid (warnings
// allowed), 1 invalid, 2 a file could not be read.
import type { Command } from 'commander';
import { parseConfigText, readConfigText } from '../../config/load.js';
import { configFromPoptop } from '../../config/poptop.js';
import { checkChapSecretsFiles, withChapSecrets } from '../../config/resolve.js';
import { defaultConfig, type Config } from '../../config/schema.js';
import { formatIssue, hasErrors } from '../../config/issues.js';
import { resolveSecretFiles } from '../../config/secret-file.js';
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
  const output: string[] = [];
  if (opts.config !== undefined && opts.pptpdConf !== undefined) {
    return { exitCode: 2, output: ['check-config: give either -c FILE or --pptpd-conf FILE, not both'] };
  }
  const subject = opts.config ?? opts.pptpdConf ?? '(embedded defaults)';
  const issues: ParseIssue[] = [];
  let config: Config | undefined;
  try {
    if (opts.config !== undefined) {
      const r = parseConfigText(readConfigText(opts.config), opts.config);
      issues.push(...r.issues);
      config = r.config;
    } else if (opts.pptpdConf !== undefined) {
      const r = configFromPoptop({
        pptpdConf: opts.pptpdConf,
        ...(opts.root !== undefined ? { root: opts.root } : {}),
      });
      issues.push(...r.issues);
      config = r.config;
    } else config = defaultConfig();
  } catch (e) {
    if (!(e instanceof PptpdError)) throw e;
    if (e.code === ErrorCode.CONFIG_IO) return { exitCode: 2, output: [e.message] };
    if (Array.isArray(e.cause)) issues.push(...(e.cause as ParseIssue[]));
    else output.push(e.message);
  }
  if (config !== undefined && opts.chapSecrets !== undefined) {
    const r = withChapSecrets(config, opts.chapSecrets);
    config = r.config;
    if (r.issue !== undefined) issues.push(r.issue);
  }
  if (config !== undefined) {
    // --chap-secrets names a file on this machine: it is not under --root.
    const root = opts.chapSecrets === undefined ? opts.root : undefined;
    issues.push(...checkChapSecretsFiles(config, root).issues);
    // As serve does (config/resolve.ts): read every secretFile, unless errors already stop it.
    if (!hasErrors(issues)) issues.push(...resolveSecretFiles(config, opts.root).issues);
  }
  for (const i of issues) output.push(formatIssue(i));
  const errors = issues.filter((i) => i.severity === 'error').length;
  const warnings = issues.length - errors;
  const counts = `${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`;
  if (config === undefined || errors > 0) {
    output.push(`${subject}: INVALID (${counts})`);
    return { exitCode: 1, output };
  }
  output.push(`${subject}: OK (${counts}); ${summary(config)}`);
  return { exitCode: 0, output };
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
    .option('--root <dir>', 'read absolute paths named inside PoPToP files under this directory')
    .action((opts: CheckOptions) => {
      const r = runCheckConfig(opts);
      process.stdout.write(r.output.map((line) => `${line}\n`).join(''));
      process.exitCode = r.exitCode;
    });
}
