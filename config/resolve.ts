// Pick the configuration the server runs with: a YAML file (-c), PoPToP's files
// (--pptpd-conf), or the embedded default; --chap-secrets overrides the secrets file.
// Throws PptpdError (CONFIG_INVALID with every error listed, or CONFIG_IO) when the
// configuration cannot be used; warnings come back in `issues`.
import { readFileSync } from 'node:fs';
import { defaultConfig, type Config } from './schema.js';
import { invalidConfig, parseConfigText, readConfigText } from './load.js';
import { configFromPoptop, underRoot } from './poptop.js';
import { formatKeyPath, hasErrors } from './issues.js';
import { checkHost } from './host-checks.js';
import { resolveSecretFiles } from './secret-file.js';
import { AuthChainEntry, authEntries, isEntryOf } from './schema-auth.js';
import { parseChapSecrets, type ParseIssue } from '../auth-plugins/chap-secrets/parse.js';
import { ErrorCode, PptpdError } from '../server/errors.js';

export interface ResolveOptions {
  /** YAML configuration file. */
  config?: string;
  /** PoPToP pptpd.conf (its pppd options file and chap-secrets are followed). */
  pptpdConf?: string;
  /** chap-secrets file to use instead of the configured one. */
  chapSecrets?: string;
  /** Read absolute paths named in the files (pppd options, chap-secrets, secret files) under this directory. */
  root?: string;
  /** false: leave `secretFile` unread (a command that only needs control.socket, run by a non-root operator). */
  readSecretFiles?: boolean;
}

/**
 * The one load-and-check step of `check-config` and `serve` (and SIGHUP): parse, the
 * schema, the cross-key checks, the checks against this machine (config/host-checks.ts)
 * and the chap-secrets files. Every problem comes back as an issue; `config` is
 * undefined when the file could not be turned into one. Throws only CONFIG_IO (a named
 * configuration file cannot be read).
 */
export function collectConfig(opts: ResolveOptions): { config: Config | undefined; issues: ParseIssue[] } {
  if (opts.config !== undefined && opts.pptpdConf !== undefined) {
    throw new PptpdError(ErrorCode.CONFIG_INVALID, 'give either a YAML configuration (-c) or a PoPToP pptpd.conf (--pptpd-conf), not both');
  }
  const root = opts.root;
  const onDisk = (p: string) => (root !== undefined && p.startsWith('/') ? `${root.replace(/\/$/, '')}${p}` : p);
  let config: Config | undefined;
  const issues: ParseIssue[] = [];
  if (opts.config !== undefined) {
    const parsed = parseConfigText(readConfigText(opts.config), opts.config, (c) => checkHost(c, onDisk));
    config = parsed.config;
    issues.push(...parsed.issues);
  } else {
    if (opts.pptpdConf !== undefined) {
      try {
        const r = configFromPoptop({
          pptpdConf: opts.pptpdConf,
          ...(opts.chapSecrets !== undefined ? { chapSecrets: opts.chapSecrets } : {}),
          ...(root !== undefined ? { root } : {}),
        });
        config = r.config;
        issues.push(...r.issues);
      } catch (e) {
        if (!(e instanceof PptpdError) || e.code === ErrorCode.CONFIG_IO || !Array.isArray(e.cause)) throw e;
        issues.push(...(e.cause as ParseIssue[]));
      }
    } else config = defaultConfig();
    // No YAML lines to point at: the finding names its key in the file the settings came from.
    const file = opts.pptpdConf ?? '(embedded defaults)';
    if (config !== undefined) {
      for (const f of checkHost(config, onDisk)) issues.push({ file, line: 0, severity: f.severity, message: `${formatKeyPath(f.path)}: ${f.message}` });
    }
  }
  if (config === undefined) return { config, issues };
  if (opts.chapSecrets !== undefined) {
    const { config: c, issue } = withChapSecrets(config, opts.chapSecrets);
    config = c;
    if (issue !== undefined) issues.push(issue);
  }
  // The files keep the names as written (/etc/ppp/chap-secrets); with --root they are read from
  // under it, by check-config and the running server alike (a --chap-secrets file is on this
  // machine: not mapped).
  if (root !== undefined && opts.chapSecrets === undefined) config = chapSecretsUnderRoot(config, root);
  issues.push(...checkChapSecretsFiles(config).issues);
  if (opts.readSecretFiles === false || hasErrors(issues)) return { config, issues };
  const secrets = resolveSecretFiles(config, root);
  issues.push(...secrets.issues);
  return { config: secrets.config, issues };
}

/** collectConfig for starting: throws CONFIG_INVALID listing every error; warnings come back. */
export function resolveConfig(opts: ResolveOptions): { config: Config; issues: ParseIssue[] } {
  const { config, issues } = collectConfig(opts);
  if (config === undefined || hasErrors(issues)) throw invalidConfig(opts.config ?? opts.pptpdConf ?? '(embedded defaults)', issues);
  return { config, issues };
}

/** Point every chap-secrets entry of the main chain at `file`, or put one first when it has none. */
export function withChapSecrets(config: Config, file: string): { config: Config; issue?: ParseIssue } {
  const chain = config.auth.chain;
  if (chain.some((e) => isEntryOf(e, 'chap-secrets'))) {
    return {
      // A file named on the command line must exist (the embedded entry tolerates a missing one).
      config: { ...config, auth: { ...config.auth, chain: chain.map((e) => (isEntryOf(e, 'chap-secrets') ? { ...e, file, missingFile: 'error' as const } : e)) } },
    };
  }
  // Parsed, so the new entry carries the plugin's defaults like every other one.
  const entry = AuthChainEntry.parse({ plugin: 'chap-secrets', file });
  return {
    config: { ...config, auth: { ...config.auth, chain: [entry, ...chain] } },
    issue: { file, line: 0, severity: 'warning', message: 'the auth chain had no chap-secrets entry: one was put first for --chap-secrets' },
  };
}

/** Every chap-secrets entry (chain and branches) read from under `root`. */
function chapSecretsUnderRoot(config: Config, root: string): Config {
  const map = (list: readonly AuthChainEntry[]): AuthChainEntry[] =>
    list.map((e) => (isEntryOf(e, 'chap-secrets') ? { ...e, file: underRoot(e.file, root) } : e));
  const branches = Object.fromEntries(Object.entries(config.auth.branches).map(([name, list]) => [name, map(list)]));
  return { ...config, auth: { ...config.auth, chain: map(config.auth.chain), branches } };
}

/**
 * Parse every chap-secrets file the auth chain and its branches name (for check-config). `root` maps
 * absolute paths as in configFromPoptop. An unreadable file is an error: nobody could log in.
 */
export function checkChapSecretsFiles(config: Config, root?: string): { files: string[]; issues: ParseIssue[] } {
  const issues: ParseIssue[] = [];
  const files: string[] = [];
  for (const { entry } of authEntries(config.auth)) {
    if (!isEntryOf(entry, 'chap-secrets')) continue;
    const onDisk = root !== undefined && entry.file.startsWith('/') ? underRoot(entry.file, root) : entry.file;
    if (files.includes(onDisk)) continue; // named by two entries: checked once
    files.push(onDisk);
    let text: string;
    try {
      text = readFileSync(onDisk, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
      if (code === 'ENOENT' && entry.missingFile === 'empty') {
        // What the plugin does too: start with no users, read the file when it appears.
        issues.push({ file: onDisk, line: 0, severity: 'warning', message: 'the chap-secrets file does not exist: nobody can log in until it is created (missingFile: empty)' });
      } else issues.push({ file: onDisk, line: 0, severity: 'error', message: `cannot read the chap-secrets file (${code})` });
      continue;
    }
    const parsed = parseChapSecrets(text, onDisk);
    issues.push(...parsed.issues);
    if (parsed.entries.length === 0) issues.push({ file: onDisk, line: 0, severity: 'warning', message: 'no usable entry: nobody can log in' });
  }
  return { files, issues };
}
