// Run from PoPToP's files as they are: /etc/pptpd.conf, the pppd options it names
// (after /etc/ppp/options, which pppd always reads first) and chap-secrets.
// The result is validated by the same schema as a YAML file, and every setting that was
// translated keeps a note of its origin (file:line) for `pptpd-ts migrate`.
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { ConfigSchema, AUTH_METHODS, type AuthMethodName, type Config } from './schema.js';
import { parsePptpdConf, POPTOP_DEFAULTS } from './import-pptpd-conf.js';
import { emptyPppdOptions, parsePppdOptions, type Origin, type PppdOptions } from './import-options.js';
import { checkConfig } from './semantics.js';
import { PLUGIN_SETTING, translatePlugins } from './import-radius-plugin.js';
import { describeZodIssue, invalidConfig, valueAt } from './load.js';
import { formatKeyPath } from './issues.js';
import type { ParseIssue } from '../auth-plugins/chap-secrets/parse.js';
import { ErrorCode, PptpdError } from '../server/errors.js';

export interface PoptopOptions {
  /** Path of pptpd.conf. */
  pptpdConf: string;
  /** chap-secrets to use instead of pppd's (/etc/ppp/chap-secrets or `chap-secrets` option). */
  chapSecrets?: string;
  /**
   * Read absolute paths named inside the files (option, /etc/ppp/options) under this
   * directory, e.g. a copy of another machine's /etc. The config keeps the names as written.
   */
  root?: string;
}

/** A comment for the migrated YAML: where a key's value came from, or what was dropped. */
export interface MigrationNote {
  /** Key path the note belongs to ('' for the file header). */
  readonly key: string;
  readonly text: string;
}

export const PPPD_SYSTEM_OPTIONS = '/etc/ppp/options';
export const PPPD_CHAP_SECRETS = '/etc/ppp/chap-secrets';

/** Where a path named inside PoPToP's files is read from, given --root (a copy of another machine's /). */
export function underRoot(p: string, root: string | undefined): string {
  return root !== undefined ? path.join(root, path.resolve('/', p)) : path.resolve('/', p);
}

export function configFromPoptop(opts: PoptopOptions): { config: Config; issues: ParseIssue[]; notes: MigrationNote[] } {
  const issues: ParseIssue[] = [];
  const notes: MigrationNote[] = [];
  const onDisk = (p: string): string => underRoot(p, opts.root);
  const confText = readOrThrow(opts.pptpdConf);
  const { conf, issues: confIssues } = parsePptpdConf(confText, opts.pptpdConf);
  issues.push(...confIssues);

  const ppp = emptyPppdOptions();
  const system = onDisk(PPPD_SYSTEM_OPTIONS);
  if (existsSync(system)) readOptions(system, ppp, issues);
  if (conf.option !== undefined) {
    const file = onDisk(conf.option);
    if (!readOptions(file, ppp, issues)) {
      const o = conf.origins.get('option') as Origin;
      issues.push({ file: o.file, line: o.line, severity: 'error', message: `option: cannot read the pppd options file ${file}` });
    }
  }

  const origins = new Map<string, Origin>(); // config key → origin
  const from = (key: string, origin: Origin | readonly Origin[] | undefined): void => {
    const list = origin === undefined ? [] : Array.isArray(origin) ? origin : [origin as Origin];
    for (const o of list) {
      origins.set(key, o);
      notes.push({ key, text: `from ${o.file}:${o.line}: ${o.text}` });
    }
  };
  const confWarn = (keyword: string, message: string): void => {
    issues.push({ file: opts.pptpdConf, line: conf.origins.get(keyword)?.line ?? 1, severity: 'warning', message });
  };

  let local: string | undefined = conf.localip;
  let remote: string | string[] | undefined = conf.remoteip;
  if (conf.delegate === true) {
    // PoPToP hands out nothing and ignores localip; pppd took addresses from chap-secrets.
    remote = [];
    if (local === undefined) {
      local = '10.8.0.1';
      notes.push({ key: 'pool.local', text: 'delegate: PoPToP passed no local address to pppd; check this one' });
    }
  } else {
    if (!conf.origins.has('remoteip')) confWarn('remoteip', `remoteip not set: PoPToP's built-in ${POPTOP_DEFAULTS.remoteip} is used`);
    if (!conf.origins.has('localip')) confWarn('localip', `localip not set: PoPToP's built-in ${POPTOP_DEFAULTS.localip} is used`);
    remote ??= POPTOP_DEFAULTS.remoteip;
    local ??= POPTOP_DEFAULTS.localip;
  }
  from('pool.local', conf.origins.get('localip'));
  from('pool.remote', conf.origins.get('remoteip') ?? conf.origins.get('delegate'));
  from('listen.address', conf.origins.get('listen'));
  from('pidfile', conf.origins.get('pidfile'));
  from('limits.connections', conf.origins.get('connections'));
  from('limits.stimeout', conf.origins.get('stimeout'));
  from('logging.level', conf.origins.get('debug'));
  from('accounting.wtmp.enabled', conf.origins.get('logwtmp'));
  from('hooks.ipparam', conf.origins.get('noipparam'));

  const name = ppp.name ?? hostname();
  if (ppp.name === undefined) {
    confWarn('option', `pppd "name" not set: pppd used the host name ("${name}") as the server column of chap-secrets; so do we`);
  }
  const chapFile = opts.chapSecrets ?? ppp.chapSecrets ?? PPPD_CHAP_SECRETS;
  // pppd plugins: radius.so replaces chap-secrets with RADIUS (import-radius-plugin.ts).
  const plugins = translatePlugins(ppp.origins.get(PLUGIN_SETTING) ?? [], onDisk);
  issues.push(...plugins.issues);
  if (plugins.chain !== undefined) {
    for (const [key, o] of plugins.origins) from(key, o);
    if (ppp.chapSecrets !== undefined) confWarn('option', 'chap-secrets is not read: with radius.so, pppd asked RADIUS for every login');
  } else if (opts.chapSecrets !== undefined) notes.push({ key: 'auth.chain', text: `chap-secrets file given on the command line` });
  else from('auth.chain', ppp.origins.get('chap-secrets'));
  from('auth.chain', ppp.origins.get('strip-domain'));
  for (const [key, setting] of [
    ['ppp.name', 'name'], ['ppp.auth.required', 'auth'], ['ppp.auth.allowed', 'auth-methods'], ['ppp.mppe', 'mppe'], ['ppp.mppe.stateful', 'mppe-stateful'],
    ['ppp.dns', 'ms-dns'], ['ppp.wins', 'ms-wins'], ['ppp.proxyArp', 'proxyarp'], ['ppp.mtu', 'mtu'], ['ppp.mru', 'mru'],
    ['ppp.lcpEcho.interval', 'lcp-echo-interval'], ['ppp.lcpEcho.failure', 'lcp-echo-failure'], ['ppp.idle', 'idle'],
    ['ppp.maxConnect', 'maxconnect'], ['ppp.debug', 'debug'], ['hooks.ipUp', 'ip-up-script'], ['hooks.ipDown', 'ip-down-script'],
  ] as const) {
    from(key, ppp.origins.get(setting));
  }
  const mppe = mppeFrom(ppp);
  if (ppp.mppe === undefined) {
    issues.push({
      file: conf.option !== undefined ? onDisk(conf.option) : opts.pptpdConf,
      line: 1,
      severity: 'warning',
      message: 'no require-mppe option: pppd did not encrypt, so MPPE stays off (clients that require encryption will fail)',
    });
  }
  for (const script of ['ip-up', 'ip-down'] as const) {
    const given = script === 'ip-up' ? ppp.ipUp : ppp.ipDown;
    if (given === undefined && existsSync(onDisk(`/etc/ppp/${script}`))) {
      confWarn('option', `pppd ran /etc/ppp/${script} for every link; set hooks.${script === 'ip-up' ? 'ipUp' : 'ipDown'} to keep doing so`);
    }
  }

  const input = {
    listen: { ...(conf.listen !== undefined ? { address: conf.listen } : {}) },
    ppp: {
      name,
      auth: { allowed: allowedMethods(ppp), required: ppp.auth ?? true },
      mppe,
      dns: ppp.dns,
      wins: ppp.wins,
      ...(ppp.mtu !== undefined ? { mtu: ppp.mtu } : {}),
      ...(ppp.mru !== undefined ? { mru: ppp.mru } : {}),
      lcpEcho: {
        ...(ppp.lcpEchoInterval !== undefined ? { interval: ppp.lcpEchoInterval } : {}),
        ...(ppp.lcpEchoFailure !== undefined ? { failure: ppp.lcpEchoFailure } : {}),
      },
      ...(ppp.idle !== undefined ? { idle: ppp.idle } : {}),
      ...(ppp.maxConnect !== undefined ? { maxConnect: ppp.maxConnect } : {}),
      proxyArp: ppp.proxyArp ?? false,
      debug: ppp.debug ?? false,
    },
    pool: { local, remote },
    limits: { connections: conf.connections ?? POPTOP_DEFAULTS.connections, stimeout: conf.stimeout ?? POPTOP_DEFAULTS.stimeout },
    auth: {
      chain: [
        // chapms-strip-domain: DOMAIN\user is looked up as user, so the rewriter goes first
        // (before chap-secrets, or before RADIUS when radius.so decides).
        ...(ppp.stripDomain === true ? [{ plugin: 'rewrite-domain', forms: ['netbios'] }] : []),
        ...(plugins.chain ?? [{ plugin: 'chap-secrets', file: chapFile }]),
      ],
    },
    accounting: { wtmp: { enabled: conf.logwtmp ?? false }, ...(plugins.accounting !== undefined ? { radius: plugins.accounting } : {}) },
    logging: { level: conf.debug === true ? 'debug' : 'info' },
    ...(conf.pidfile !== undefined ? { pidfile: conf.pidfile } : {}),
    hooks: {
      ipparam: conf.noipparam !== true,
      ...(ppp.ipUp !== undefined ? { ipUp: ppp.ipUp } : {}),
      ...(ppp.ipDown !== undefined ? { ipDown: ppp.ipDown } : {}),
    },
  };

  const where = (key: string): { file: string; line: number } => {
    for (let k = key; k !== ''; k = k.replace(/(\.[^.]*|\[\d+\])$/, '')) {
      const o = origins.get(k);
      if (o !== undefined) return { file: o.file, line: o.line };
      if (!/[.[]/.test(k)) break;
    }
    return { file: opts.pptpdConf, line: 1 };
  };
  const parsed = ConfigSchema.safeParse(input);
  if (!parsed.success) {
    for (const zi of parsed.error.issues) {
      const key = formatKeyPath(zi.path);
      issues.push({ ...where(key), severity: 'error', message: `${key}: ${describeZodIssue(zi, valueAt(input, zi.path))}` });
    }
    throw invalidConfig(opts.pptpdConf, issues);
  }
  for (const f of checkConfig(parsed.data)) {
    const key = formatKeyPath(f.path);
    issues.push({ ...where(key), severity: f.severity, message: `${key}: ${f.message}` });
  }
  return { config: parsed.data, issues, notes };
}

/** pppd's choice: the require-* methods if any (else all), minus the refuse-* ones. */
function allowedMethods(o: PppdOptions): AuthMethodName[] {
  const base = o.require.size > 0 ? AUTH_METHODS.filter((m) => o.require.has(m)) : [...AUTH_METHODS];
  return base.filter((m) => !o.refuse.has(m));
}

function mppeFrom(o: PppdOptions): Config['ppp']['mppe'] {
  const stateful = o.mppeStateful === true ? 'allow' : 'deny';
  if (o.mppe === undefined || o.mppe.size === 0) return { required: false, bits: [], stateful };
  return { required: true, bits: [...o.mppe].sort((a, b) => a - b), stateful };
}

function readOptions(file: string, into: PppdOptions, issues: ParseIssue[]): boolean {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return false;
  }
  issues.push(...parsePppdOptions(text, file, into).issues);
  return true;
}

function readOrThrow(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    throw new PptpdError(ErrorCode.CONFIG_IO, `${file}: cannot read (${code})`, { cause: e });
  }
}
