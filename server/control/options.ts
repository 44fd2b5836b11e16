// Options of the operations layer, read defensively from the validated configuration.
//
// config/schema.ts owns `control: { enabled, socket }`; the keys below that it does not
// have yet (control.group, control.mode, telemetry.*, dynamicAuthorization.*) are read
// here as `unknown` and checked, so this module works before and after the schema learns
// them. A wrong value is a start-up error naming the key, like the schema's own errors.

import { isIP } from 'node:net';
import { ErrorCode, PptpdError } from '../errors.js';

export interface ControlSocketOptions {
  readonly enabled: boolean;
  /** Path of the unix socket (config.control.socket). */
  readonly socket: string;
  /** File mode of the socket; 0660 = owner (root) and group only. */
  readonly mode: number;
  /** Group that may use the socket (name or gid); default: root's group, i.e. root only. */
  readonly group: string | number | undefined;
}

export interface PrometheusOptions {
  readonly host: string;
  /** 0 = any free port (tests). */
  readonly port: number;
}

export interface OtlpOptions {
  /** Base URL of an OTLP/HTTP collector, e.g. http://127.0.0.1:4318 (/v1/traces and /v1/metrics are appended). */
  readonly endpoint: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly traces: boolean;
  readonly metrics: boolean;
  /** Metric export interval in ms. */
  readonly intervalMs: number;
}

export interface TelemetryOptions {
  readonly serviceName: string;
  readonly prometheus: PrometheusOptions | undefined;
  readonly otlp: OtlpOptions | undefined;
}

export interface DynAuthClient {
  /** Source address the requests must come from (IPv4 or IPv6, exact). */
  readonly address: string;
  readonly secret: string;
}

export interface DynAuthOptions {
  readonly address: string;
  /** RFC 5176 §3: UDP 3799 by default; 0 = any free port (tests). */
  readonly port: number;
  readonly clients: readonly DynAuthClient[];
  /** Refuse requests without a Message-Authenticator (recommended; BlastRADIUS). */
  readonly requireMessageAuthenticator: boolean;
  /** When set, a request naming another NAS-Identifier is refused with Error-Cause 403. */
  readonly nasIdentifier: string | undefined;
}

export interface OperationsOptions {
  readonly control: ControlSocketOptions;
  readonly telemetry: TelemetryOptions;
  /** Undefined = no DM/CoA listener. */
  readonly dynamicAuthorization: DynAuthOptions | undefined;
}

export const DEFAULT_CONTROL_SOCKET = '/run/pptpd-ts/control.sock';
export const DEFAULT_PROMETHEUS_PORT = 9464;
export const DEFAULT_DYNAUTH_PORT = 3799;

type Obj = Record<string, unknown>;

function fail(key: string, problem: string): never {
  throw new PptpdError(ErrorCode.CONFIG_INVALID, `${key}: ${problem}`);
}

function obj(v: unknown, key: string): Obj | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) fail(key, 'must be a mapping');
  return v as Obj;
}

/** A string; `dflt` undefined = required. */
function str(v: unknown, key: string, dflt?: string): string {
  if (v === undefined) {
    if (dflt === undefined) fail(key, 'is required');
    return dflt;
  }
  if (typeof v !== 'string' || v === '') fail(key, 'must be a non-empty string');
  return v;
}

function bool(v: unknown, key: string, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') fail(key, 'must be true or false');
  return v;
}

function port(v: unknown, key: string, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 65535) fail(key, 'must be a port number (0-65535)');
  return v;
}

function address(v: unknown, key: string, dflt?: string): string {
  const a = str(v, key, dflt);
  if (isIP(a) === 0) fail(key, `"${a}" is not an IP address`);
  return a;
}

function readControl(c: Obj | undefined): ControlSocketOptions {
  const mode = c?.['mode'];
  let m = 0o660;
  if (mode !== undefined) {
    const n = typeof mode === 'string' ? Number.parseInt(mode, 8) : mode;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 0o777) fail('control.mode', 'must be an octal file mode such as "0660"');
    m = n;
  }
  const g = c?.['group'];
  if (g !== undefined && typeof g !== 'string' && !(typeof g === 'number' && Number.isInteger(g) && g >= 0)) {
    fail('control.group', 'must be a group name or number');
  }
  return {
    enabled: bool(c?.['enabled'], 'control.enabled', true),
    socket: str(c?.['socket'], 'control.socket', DEFAULT_CONTROL_SOCKET),
    mode: m,
    group: g as string | number | undefined,
  };
}

function readTelemetry(t: Obj | undefined): TelemetryOptions {
  const p = t?.['prometheus'];
  let prometheus: PrometheusOptions | undefined;
  if (p !== undefined && p !== false) {
    const po = p === true ? {} : obj(p, 'telemetry.prometheus') ?? {};
    if (bool(po['enabled'], 'telemetry.prometheus.enabled', true)) {
      prometheus = {
        host: address(po['host'], 'telemetry.prometheus.host', '127.0.0.1'),
        port: port(po['port'], 'telemetry.prometheus.port', DEFAULT_PROMETHEUS_PORT),
      };
    }
  }
  const o = obj(t?.['otlp'], 'telemetry.otlp');
  let otlp: OtlpOptions | undefined;
  if (o !== undefined && bool(o['enabled'], 'telemetry.otlp.enabled', true)) {
    const endpoint = str(o['endpoint'], 'telemetry.otlp.endpoint');
    if (!/^https?:\/\//.test(endpoint)) fail('telemetry.otlp.endpoint', 'must be an http:// or https:// URL');
    const headers = obj(o['headers'], 'telemetry.otlp.headers') ?? {};
    for (const [k, v] of Object.entries(headers)) if (typeof v !== 'string') fail(`telemetry.otlp.headers.${k}`, 'must be a string');
    const interval = o['interval'] ?? 60;
    if (typeof interval !== 'number' || !(interval >= 1)) fail('telemetry.otlp.interval', 'must be a number of seconds ≥ 1');
    otlp = {
      endpoint: endpoint.replace(/\/+$/, ''),
      headers: headers as Record<string, string>,
      traces: bool(o['traces'], 'telemetry.otlp.traces', true),
      metrics: bool(o['metrics'], 'telemetry.otlp.metrics', true),
      intervalMs: interval * 1000,
    };
  }
  return { serviceName: str(t?.['serviceName'], 'telemetry.serviceName', 'pptpd-ts'), prometheus, otlp };
}

function readDynAuth(d: Obj | undefined): DynAuthOptions | undefined {
  if (d === undefined || !bool(d['enabled'], 'dynamicAuthorization.enabled', true)) return undefined;
  const list = d['clients'];
  if (!Array.isArray(list) || list.length === 0) fail('dynamicAuthorization.clients', 'must list at least one { address, secret }');
  const clients = list.map((c, i) => {
    const k = `dynamicAuthorization.clients[${i}]`;
    const co = obj(c, k) ?? fail(k, 'must be { address, secret }');
    return { address: address(co['address'], `${k}.address`), secret: str(co['secret'], `${k}.secret`) };
  });
  const nas = d['nasIdentifier'];
  return {
    address: address(d['address'], 'dynamicAuthorization.address', '0.0.0.0'),
    port: port(d['port'], 'dynamicAuthorization.port', DEFAULT_DYNAUTH_PORT),
    clients,
    requireMessageAuthenticator: bool(d['requireMessageAuthenticator'], 'dynamicAuthorization.requireMessageAuthenticator', true),
    nasIdentifier: nas === undefined ? undefined : str(nas, 'dynamicAuthorization.nasIdentifier'),
  };
}

/** Reads control / telemetry / dynamicAuthorization from a (validated) configuration object. */
export function readOperationsOptions(config: unknown): OperationsOptions {
  const c = obj(config, 'configuration') ?? {};
  return {
    control: readControl(obj(c['control'], 'control')),
    telemetry: readTelemetry(obj(c['telemetry'], 'telemetry')),
    dynamicAuthorization: readDynAuth(obj(c['dynamicAuthorization'], 'dynamicAuthorization')),
  };
}
