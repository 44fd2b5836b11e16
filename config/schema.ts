// The configuration schema (zod 4): every key has a default, so the server runs with no
// file at all. docs/configuration.md documents each key; a test checks that it does.
// Objects are strict: an unknown key is an error (usually a typo), reported with its line.
// Sections use .prefault({}) so a missing section is parsed from {} and gets the inner
// defaults (zod 4's .default() would return the value as-is, unparsed).
import { z } from 'zod';
import { filePath, interfaceName, ipSpecList, ipv4, port, seconds, secret } from './schema-common.js';
import { AuthSection } from './schema-auth.js';
import { oneSecret } from '../auth-plugins/radius/options.js';
import { ControlSection, DynamicAuthorizationSection, TelemetrySection } from './schema-operations.js';

export { PLUGIN_KINDS, type PluginKind } from './schema-auth.js';

export const AUTH_METHODS = ['mschap-v2', 'mschap-v1', 'chap-md5', 'pap'] as const;
export type AuthMethodName = (typeof AUTH_METHODS)[number];

export const MPPE_BITS = [40, 56, 128] as const;

const ListenSection = z.strictObject({
  address: ipv4.default('0.0.0.0'),
  port: port.default(1723),
});

/** A network interface name (Linux: at most 15 bytes, no "/", ":" or blanks). */
const lanInterface = z.string().regex(/^[^\s/:]{1,15}$/, { message: 'not an interface name (1 to 15 characters, no "/", ":" or blanks)' });

const PppSection = z
  .strictObject({
    name: z.string().min(1).default('pptpd'),
    auth: z
      .strictObject({
        allowed: z
          .array(z.enum(AUTH_METHODS))
          .min(1, { message: 'needs at least one method' })
          .default(['mschap-v2'])
          .refine((a) => new Set(a).size === a.length, { message: 'lists a method twice' }),
        required: z.boolean().default(true),
      })
      .prefault({}),
    mppe: z
      .strictObject({
        required: z.boolean().default(true),
        bits: z
          .array(z.literal(MPPE_BITS))
          .default([128])
          .refine((a) => new Set(a).size === a.length, { message: 'lists a key length twice' }),
        stateful: z.enum(['deny', 'allow', 'prefer']).default('deny'),
      })
      .prefault({})
      .refine((m) => !(m.required && m.bits.length === 0), {
        path: ['bits'],
        message: 'MPPE is required but no key length is allowed',
      }),
    dns: z.array(ipv4).max(2, { message: 'at most 2 addresses (RFC 1877 primary and secondary)' }).default([]),
    wins: z.array(ipv4).max(2, { message: 'at most 2 addresses (RFC 1877 primary and secondary)' }).default([]),
    mtu: z.number().int().min(576).max(1500).default(1400),
    mru: z.number().int().min(576).max(1500).default(1400),
    lcpEcho: z
      .strictObject({
        interval: seconds.default(30),
        failure: z.number().int().min(0).default(4),
      })
      .prefault({}),
    idle: seconds.default(0),
    maxConnect: seconds.default(0),
    // true: pppd's proxyarp (the interface whose subnet holds the client); names: publish there.
    proxyArp: z.union([z.boolean(), lanInterface.transform((n) => [n]), z.array(lanInterface).min(1, { message: 'names no interface' })]).default(false),
    debug: z.boolean().default(false),
  })
  .prefault({});

const PoolSection = z.strictObject({
  name: z.string().min(1).default('default'),
  local: ipSpecList(1).default(['10.8.0.1']),
  remote: ipSpecList(0).default(['10.8.0.2-254']),
  static: z.record(z.string().min(1), ipv4).default({}),
});

const LimitsSection = z.strictObject({
  connections: z.number().int().min(1).default(1000),
  perSourceAddress: z.number().int().min(0).default(16),
  callsPerControlConnection: z.number().int().min(1).max(65535).default(1),
  singleSession: z.enum(['allow', 'replace', 'deny']).default('allow'),
  stimeout: seconds.min(1).default(10),
  deadlines: z
    .strictObject({
      call: seconds.min(1).default(30),
      establish: seconds.min(1).default(30),
      authenticate: seconds.min(1).default(30),
      network: seconds.min(1).default(30),
    })
    .prefault({}),
});

const RadiusAcctServer = z
  .strictObject({
    host: z.string().min(1),
    port: port.default(1813),
    secret: secret.optional(),
    // A radiusclient `servers` file holding the secret for this host (config/secret-file.ts).
    secretFile: filePath.optional(),
  })
  .superRefine(oneSecret);

const AccountingSection = z.strictObject({
  wtmp: z.strictObject({ enabled: z.boolean().default(false), file: filePath.default('/var/log/wtmp') }).prefault({}),
  utmp: z.strictObject({ enabled: z.boolean().default(false), file: filePath.default('/var/run/utmp') }).prefault({}),
  radius: z
    .strictObject({
      servers: z.array(RadiusAcctServer).min(1, { message: 'needs at least one server' }),
      timeout: seconds.min(1).default(3),
      retries: z.number().int().min(0).max(10).default(3),
      interimInterval: seconds.default(0),
      nasIdentifier: z.string().min(1).default('pptpd-ts'),
      nasIpAddress: ipv4.optional(),
    })
    .optional(),
  journal: z
    .strictObject({
      enabled: z.boolean().default(true),
      path: filePath.default('/var/lib/pptpd-ts/journal.sqlite'),
    })
    .prefault({}),
  spoolDir: filePath.default('/var/lib/pptpd-ts/spool'),
  redis: z
    .strictObject({
      url: z.string().regex(/^rediss?:\/\//, { message: 'must be a redis:// or rediss:// URL' }),
      prefix: z.string().min(1).default('pptpd-ts'),
    })
    .optional(),
});

const LoggingSection = z.strictObject({
  level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
  format: z.enum(['json', 'pretty']).default('json'),
  file: filePath.optional(),
});

const DataplaneSection = z.strictObject({
  tun: interfaceName.default('pptp0'),
});

const HooksSection = z.strictObject({
  ipUp: filePath.optional(),
  ipDown: filePath.optional(),
  ipparam: z.boolean().default(true),
  timeout: seconds.min(1).default(30),
});

export const ConfigSchema = z.strictObject({
  listen: ListenSection.prefault({}),
  ppp: PppSection,
  pool: PoolSection.prefault({}),
  limits: LimitsSection.prefault({}),
  auth: AuthSection.prefault({}),
  accounting: AccountingSection.prefault({}),
  logging: LoggingSection.prefault({}),
  control: ControlSection.prefault({}),
  dataplane: DataplaneSection.prefault({}),
  telemetry: TelemetrySection.prefault({}),
  dynamicAuthorization: DynamicAuthorizationSection.optional(),
  pidfile: filePath.nullable().default('/run/pptpd-ts.pid'),
  hooks: HooksSection.prefault({}),
});

/** The validated configuration every module receives. */
export type Config = z.infer<typeof ConfigSchema>;
export type AuthChainEntry = Config['auth']['chain'][number];

/** The embedded configuration: what the server runs with when given no file. */
export function defaultConfig(): Config {
  return ConfigSchema.parse({});
}
