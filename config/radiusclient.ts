// radiusclient.conf and its `servers` file: the configuration pppd's radius.so plugin
// reads (the radiusclient library; radiusclient-ng and freeradius-client use the same
// format). Pure: text in, settings out.
//
// radiusclient.conf holds one `keyword value` per line, `#` starts a comment line.
// `servers` holds `host[:port] secret` per line. A secret is never put in a message.
import type { ParseIssue } from '../auth-plugins/chap-secrets/parse.js';
import type { Origin } from './import-options.js';
import { isIpv4 } from './ip-spec.js';

export const RADIUSCLIENT_CONF = '/etc/radiusclient/radiusclient.conf';
export const RADIUSCLIENT_SERVERS = '/etc/radiusclient/servers';
/** radiusclient's built-in values (used when the keyword is absent). */
export const RADIUSCLIENT_DEFAULTS = { timeout: 10, retries: 3, deadtime: 0 } as const;
/** Ports when a server names none: /etc/services `radius` and `radacct`. */
const SERVICE_PORTS: Readonly<Record<string, number>> = { radius: 1812, radacct: 1813, 'radius-acct': 1813 };

export interface RcServer {
  readonly host: string;
  /** undefined: the service's default (1812 for authserver, 1813 for acctserver). */
  readonly port?: number;
  readonly origin: Origin;
}

export interface RadiusclientConf {
  authservers: RcServer[];
  acctservers: RcServer[];
  /** Path of the servers file (as written). */
  servers?: string;
  timeout?: number;
  retries?: number;
  deadtime?: number;
  nasIdentifier?: string;
  /** `*` in the file: undefined (any address). */
  bindaddr?: string;
  /** Where each keyword came from (the last occurrence). */
  origins: Map<string, Origin>;
}

/** Keywords that only concern radiusclient's login program, or files pptpd-ts has itself. */
const HARMLESS = new Set([
  'auth_order', 'login_tries', 'login_timeout', 'nologin', 'issue', 'dictionary', 'login_radius', 'login_local',
  'seqfile', 'mapfile', 'clientdebug', 'radius_port_type',
]);

export function parseRadiusclientConf(text: string, file: string): { conf: RadiusclientConf; issues: ParseIssue[] } {
  const conf: RadiusclientConf = { authservers: [], acctservers: [], origins: new Map() };
  const issues: ParseIssue[] = [];
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = n + 1;
    const raw = (lines[n] as string).trim();
    if (raw === '' || raw.startsWith('#')) continue;
    const m = /^(\S+)\s*(.*)$/.exec(raw) as RegExpExecArray;
    const keyword = m[1] as string;
    const value = (m[2] as string).trim();
    // authserver/acctserver may hold a secret (host:port:secret): their note shows the keyword only.
    const origin: Origin = { file, line, text: keyword === 'authserver' || keyword === 'acctserver' ? keyword : raw };
    const error = (message: string): void => void issues.push({ file, line, severity: 'error', message });
    const warn = (message: string): void => void issues.push({ file, line, severity: 'warning', message });
    conf.origins.set(keyword, origin);
    const whole = (set: (n: number) => void): void => {
      if (!/^\d+$/.test(value)) return error(`${keyword} needs a whole number`);
      set(Number(value));
    };
    switch (keyword) {
      case 'authserver':
      case 'acctserver': {
        const list = keyword === 'authserver' ? conf.authservers : conf.acctservers;
        // One or more servers per line (comma or blank separated), and the keyword may repeat.
        for (const item of value.split(/[,\s]+/).filter((s) => s !== '')) {
          const r = parseServerItem(item, keyword);
          if (typeof r === 'string') error(r);
          else list.push({ ...r, origin: { file, line, text: `${keyword} ${r.host}${r.port !== undefined ? `:${r.port}` : ''}` } });
        }
        if (value === '') error(`${keyword} needs a server (host or host:port)`);
        break;
      }
      case 'servers':
        if (value === '') error('servers needs a file name');
        else conf.servers = value;
        break;
      case 'radius_timeout':
        whole((v) => (conf.timeout = v));
        break;
      case 'radius_retries':
        whole((v) => (conf.retries = v));
        break;
      case 'radius_deadtime':
        whole((v) => (conf.deadtime = v));
        break;
      case 'nas_identifier':
        if (value !== '') conf.nasIdentifier = value;
        break;
      case 'bindaddr':
        if (value === '' || value === '*') delete conf.bindaddr;
        else if (isIpv4(value)) conf.bindaddr = value;
        else error('bindaddr must be "*" or an IPv4 address (host names are not resolved)');
        break;
      case 'default_realm':
        // radiusclient appends "@realm" to names without one: RADIUS would judge another name.
        if (value !== '') error('default_realm (a realm appended to user names) is not supported: have the RADIUS server accept bare names, or leave it empty');
        break;
      default:
        if (!HARMLESS.has(keyword)) warn(`unknown radiusclient.conf keyword "${keyword}"; ignored`);
    }
  }
  return { conf, issues };
}

/** `host`, `host:port` or `host:port:secret` (a secret there is refused: it belongs in `servers`). */
function parseServerItem(item: string, keyword: string): { host: string; port?: number } | string {
  const parts = item.split(':');
  if (parts.length > 2) {
    return `${keyword}: a secret written after host:port is not carried over; move it to the servers file as "${parts[0] ?? ''} SECRET"`;
  }
  const host = parts[0] ?? '';
  if (host === '') return `${keyword}: "${item}" has no host`;
  if (parts.length === 1) return { host };
  const p = parts[1] as string;
  const port = /^\d+$/.test(p) ? Number(p) : SERVICE_PORTS[p];
  if (port === undefined || port < 1 || port > 65535) return `${keyword}: "${p}" is not a port (1-65535, radius or radacct)`;
  return { host, port };
}

export interface ServerSecret {
  /** Host as written, lower case. */
  readonly host: string;
  readonly port?: number;
  readonly secret: string;
  readonly line: number;
}

/** The `servers` file: `host[:port] secret` per line. Issues never quote a secret. */
export function parseServersFile(text: string, file: string): { entries: ServerSecret[]; issues: ParseIssue[] } {
  const entries: ServerSecret[] = [];
  const issues: ParseIssue[] = [];
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const raw = (lines[n] as string).trim();
    if (raw === '' || raw.startsWith('#')) continue;
    const [name = '', secret, ...rest] = raw.split(/\s+/);
    const line = n + 1;
    if (secret === undefined) {
      // The one word may be a secret written alone: not quoted.
      issues.push({ file, line, severity: 'error', message: 'one word only: expected "host secret"' });
      continue;
    }
    if (rest.length > 0) issues.push({ file, line, severity: 'warning', message: 'text after the secret is ignored' });
    const [host = '', portText] = name.split(':');
    const port = portText !== undefined && /^\d+$/.test(portText) ? Number(portText) : undefined;
    if (portText !== undefined && port === undefined) {
      issues.push({ file, line, severity: 'error', message: `"${name}": the port is not a number` });
      continue;
    }
    entries.push({ host: host.toLowerCase(), ...(port !== undefined ? { port } : {}), secret, line });
  }
  return { entries, issues };
}

/** The secret for host:port: a `host:port` line first, else a `host` line (the first of each). */
export function findServerSecret(entries: readonly ServerSecret[], host: string, port: number): ServerSecret | undefined {
  const h = host.toLowerCase();
  return entries.find((e) => e.host === h && e.port === port) ?? entries.find((e) => e.host === h && e.port === undefined);
}
