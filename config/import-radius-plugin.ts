// pppd plugins named in PoPToP's options files, and the options they add. radius.so
// becomes a `radius` auth entry plus `accounting.radius`, from the radiusclient.conf it
// reads and the `servers` file it takes secrets from (referenced by `secretFile`, never
// copied). A plugin that only affects other link types is a warning; radattr.so is a
// note. Any other plugin may decide who gets in, so it is an error naming its line.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ParseIssue } from '../auth-plugins/chap-secrets/parse.js';
import type { Origin } from './import-options.js';
import {
  parseRadiusclientConf,
  parseServersFile,
  findServerSecret,
  RADIUSCLIENT_CONF,
  RADIUSCLIENT_DEFAULTS,
  RADIUSCLIENT_SERVERS,
  type RadiusclientConf,
  type RcServer,
} from './radiusclient.js';

/** pppd options that load a plugin or that plugins add: [arguments]. import-options.ts records them. */
export const PLUGIN_OPTIONS: Readonly<Record<string, number>> = {
  plugin: 1,
  'radius-config-file': 1,
  avpair: 1,
  'map-to-ifname': 0,
  'map-to-ttyname': 0,
};
/** The setting under which import-options.ts notes each of those lines, in order. */
export const PLUGIN_SETTING = 'plugins';

/** Link-layer plugins for other transports: nothing to do with PPTP or with who gets in. */
const OTHER_LINKS = new Set(['rp-pppoe.so', 'pppoe.so', 'pppoatm.so', 'pppol2tp.so', 'openl2tp.so', 'pppoe-discovery.so']);

/** Why known plugins that decide who gets in cannot be translated, and what to do instead. */
const REFUSED: Readonly<Record<string, string>> = {
  'winbind.so': 'winbind.so (ntlm_auth against a Windows domain) is not supported yet: use a radius entry with FreeRADIUS and ntlm_auth (docs/auth.md) or an ldap entry',
  'passwordfd.so': 'passwordfd.so supplies our own password as a client; remove it',
  'passprompt.so': 'passprompt.so supplies our own password as a client; remove it',
  'minconn.so': 'minconn.so is not supported: set ppp.idle instead',
};

export interface PluginTranslation {
  /** The auth chain to use instead of chap-secrets (radius.so), as schema input; empty when radius.so's files are unusable. */
  chain?: Record<string, unknown>[];
  /** accounting.radius, as schema input. */
  accounting?: Record<string, unknown>;
  issues: ParseIssue[];
  /** Origins for migration comments: config key → lines. */
  origins: [string, Origin][];
}

interface Line {
  readonly option: string;
  readonly arg?: string;
  readonly origin: Origin;
}

/** Translate the plugin lines (import-options.ts `origins.get(PLUGIN_SETTING)`). `onDisk` maps a path as written to the file to read. */
export function translatePlugins(noted: readonly Origin[], onDisk: (p: string) => string): PluginTranslation {
  const out: PluginTranslation = { issues: [], origins: [] };
  const lines: Line[] = noted.map((o) => {
    const sp = o.text.indexOf(' ');
    return sp < 0 ? { option: o.text, origin: o } : { option: o.text.slice(0, sp), arg: o.text.slice(sp + 1), origin: o };
  });
  const issue = (o: Origin, severity: 'error' | 'warning', message: string): void =>
    void out.issues.push({ file: o.file, line: o.line, severity, message });
  let radius: Origin | undefined;
  for (const l of lines) {
    if (l.option !== 'plugin') continue;
    const base = path.basename(l.arg ?? '');
    if (base === 'radius.so') radius ??= l.origin;
    else if (base === 'radattr.so') {
      issue(l.origin, 'warning', 'radattr.so wrote the RADIUS reply to /var/run/radattr.pppN for ip-up scripts; pptpd-ts writes no such file: it applies Framed-IP-Address, Session-Timeout, Idle-Timeout and Class itself (docs/radius.md) and ip-up gets PEERNAME, IPREMOTE, ... (docs/sessions.md)');
    } else if (OTHER_LINKS.has(base)) issue(l.origin, 'warning', `${base} is for another link type, not PPTP; ignored`);
    else issue(l.origin, 'error', REFUSED[base] ?? `plugin ${base}: unknown pppd plugin; it may decide who gets in, so pptpd-ts will not start without it: remove the line or configure auth.chain`);
  }
  const radiusOnly = lines.filter((l) => l.option !== 'plugin');
  if (radius === undefined) {
    for (const l of radiusOnly) issue(l.origin, 'warning', `${l.option} belongs to the radius.so plugin, which is not loaded (pppd would refuse to start); ignored`);
    return out;
  }
  for (const l of radiusOnly) {
    if (l.option === 'avpair') issue(l.origin, 'error', 'avpair (extra attributes in every request) is not supported: set them on the RADIUS server');
    else if (l.option === 'map-to-ifname' || l.option === 'map-to-ttyname') issue(l.origin, 'warning', `${l.option}: NAS-Port is the PPTP call id; ignored`);
  }
  // radius.so answered every login: never fall back to chap-secrets, even when its files are bad.
  out.chain = [];
  const cfgLine = [...radiusOnly].reverse().find((l) => l.option === 'radius-config-file');
  const confPath = cfgLine?.arg ?? RADIUSCLIENT_CONF;
  const at = cfgLine?.origin ?? radius;
  let text: string;
  try {
    text = readFileSync(onDisk(confPath), 'utf8');
  } catch (e) {
    issue(at, 'error', `radius.so: cannot read ${onDisk(confPath)} (${(e as NodeJS.ErrnoException).code ?? 'EIO'}); nobody could be authenticated`);
    return out;
  }
  const parsed = parseRadiusclientConf(text, onDisk(confPath));
  out.issues.push(...parsed.issues);
  fromRadiusclient(parsed.conf, onDisk(confPath), onDisk, out);
  out.origins.push(['auth.chain', radius]);
  if (at !== radius) out.origins.push(['auth.chain', at]);
  return out;
}

function fromRadiusclient(conf: RadiusclientConf, confFile: string, onDisk: (p: string) => string, out: PluginTranslation): void {
  const error = (line: number, message: string, file = confFile): void => void out.issues.push({ file, line, severity: 'error', message });
  if (conf.authservers.length === 0) return error(1, 'no authserver: radius.so would refuse to start; add "authserver HOST[:PORT]"');
  const serversPath = conf.servers ?? RADIUSCLIENT_SERVERS;
  const serversAt = conf.origins.get('servers')?.line ?? 1;
  let secrets;
  try {
    secrets = parseServersFile(readFileSync(onDisk(serversPath), 'utf8'), onDisk(serversPath));
  } catch (e) {
    return error(serversAt, `servers: cannot read ${onDisk(serversPath)} (${(e as NodeJS.ErrnoException).code ?? 'EIO'}), which holds the shared secrets`);
  }
  out.issues.push(...secrets.issues);
  const servers = (list: RcServer[], defaultPort: number): Record<string, unknown>[] =>
    list.map((s) => {
      const port = s.port ?? defaultPort;
      if (findServerSecret(secrets.entries, s.host, port) === undefined) {
        error(s.origin.line, `${s.host}: no secret for it in ${onDisk(serversPath)} (radius.so would fail too); add a line "${s.host} SECRET" there`);
      }
      return { host: s.host, port, secretFile: serversPath };
    });
  const timeout = conf.timeout ?? RADIUSCLIENT_DEFAULTS.timeout;
  const retries = conf.retries ?? RADIUSCLIENT_DEFAULTS.retries;
  const auth = servers(conf.authservers, 1812);
  out.chain = [
    {
      plugin: 'radius',
      // radiusclient may try every server (1 + retries) times: the chain waits that long.
      timeoutMs: auth.length * (1 + retries) * timeout * 1000 + 1000,
      servers: auth,
      replyTimeoutMs: timeout * 1000,
      retries,
      deadTimeSeconds: conf.deadtime ?? RADIUSCLIENT_DEFAULTS.deadtime,
      ...(conf.bindaddr !== undefined ? { bindAddress: conf.bindaddr } : {}),
      ...(conf.nasIdentifier !== undefined ? { nasIdentifier: conf.nasIdentifier } : {}),
    },
  ];
  const keys: [string, string][] = [
    ['servers', 'auth.chain[0].servers'], ['radius_timeout', 'auth.chain[0].replyTimeoutMs'], ['radius_retries', 'auth.chain[0].retries'],
    ['radius_deadtime', 'auth.chain[0].deadTimeSeconds'], ['bindaddr', 'auth.chain[0].bindAddress'], ['nas_identifier', 'auth.chain[0].nasIdentifier'],
  ];
  for (const [k, key] of keys) {
    const o = conf.origins.get(k);
    if (o !== undefined) out.origins.push([key, o]);
  }
  conf.authservers.forEach((s, i) => out.origins.push([`auth.chain[0].servers[${i}]`, s.origin]));
  if (conf.acctservers.length === 0) {
    out.issues.push({ file: confFile, line: 1, severity: 'warning', message: 'no acctserver: no RADIUS accounting is sent' });
    return;
  }
  out.accounting = {
    servers: servers(conf.acctservers, 1813),
    timeout,
    retries,
    ...(conf.nasIdentifier !== undefined ? { nasIdentifier: conf.nasIdentifier } : {}),
  };
  conf.acctservers.forEach((s, i) => out.origins.push([`accounting.radius.servers[${i}]`, s.origin]));
  for (const [k, key] of [['radius_timeout', 'accounting.radius.timeout'], ['radius_retries', 'accounting.radius.retries'], ['nas_identifier', 'accounting.radius.nasIdentifier']] as const) {
    const o = conf.origins.get(k);
    if (o !== undefined) out.origins.push([key, o]);
  }
  if (conf.bindaddr !== undefined) {
    const o = conf.origins.get('bindaddr') as { line: number };
    out.issues.push({ file: confFile, line: o.line, severity: 'warning', message: 'bindaddr applies to authentication only: accounting requests leave from the address the system picks' });
  }
}
