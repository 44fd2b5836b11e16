// `auth` section: the plugin chain (one entry per configured strategy, a discriminated
// union on `plugin`) and the failed-login throttle. Each plugin validates its own
// options again when it registers; this schema catches typos and missing keys at start.
import { z } from 'zod';
import { filePath, ipv4, port, seconds, secret } from './schema-common.js';

export const PLUGIN_KINDS = ['chap-secrets', 'radius', 'ldap', 'rewrite-domain'] as const;
export type PluginKind = (typeof PLUGIN_KINDS)[number];

const common = {
  /** Name of this strategy in logs, metrics and traces; defaults to the plugin kind. */
  name: z.string().min(1).optional(),
};

export const ChapSecretsEntry = z.strictObject({
  plugin: z.literal('chap-secrets'),
  ...common,
  file: filePath.default('/etc/ppp/chap-secrets'),
  watch: z.boolean().default(true),
});

export const RewriteDomainEntry = z.strictObject({
  plugin: z.literal('rewrite-domain'),
  ...common,
  mode: z.enum(['strip', 'keep']).default('strip'),
  realms: z.record(z.string().min(1), z.string()).default({}),
});

const RadiusServer = z.strictObject({
  host: z.string().min(1),
  port: port.default(1812),
  secret,
});

export const RadiusEntry = z.strictObject({
  plugin: z.literal('radius'),
  ...common,
  servers: z.array(RadiusServer).min(1, { message: 'needs at least one server' }),
  timeout: seconds.min(1).default(3),
  retries: z.number().int().min(0).max(10).default(3),
  nasIdentifier: z.string().min(1).default('pptpd-ts'),
  nasIpAddress: ipv4.optional(),
});

const LdapTls = z.strictObject({
  startTls: z.boolean().default(false),
  caFile: filePath.optional(),
  rejectUnauthorized: z.boolean().default(true),
});

export const LdapEntry = z
  .strictObject({
    plugin: z.literal('ldap'),
    ...common,
    url: z.string().regex(/^ldaps?:\/\/[^\s/]+/, { message: 'must be an ldap:// or ldaps:// URL' }),
    bindDn: z.string().min(1).optional(),
    bindPassword: secret.optional(),
    baseDn: z.string().min(1),
    filter: z.string().includes('{user}', { message: 'must contain {user}, replaced by the (escaped) user name' }).default('(uid={user})'),
    ntHashAttribute: z.string().min(1).default('sambaNTPassword'),
    group: z.string().min(1).optional(),
    groupAttribute: z.string().min(1).default('memberOf'),
    tls: LdapTls.prefault({}),
    timeout: seconds.min(1).default(5),
  })
  .superRefine((v, ctx) => {
    if (v.bindPassword !== undefined && v.bindDn === undefined) {
      ctx.addIssue({ code: 'custom', path: ['bindDn'], message: 'bindPassword is set but bindDn is not' });
    }
  });

export const AuthChainEntry = z.discriminatedUnion('plugin', [ChapSecretsEntry, RewriteDomainEntry, RadiusEntry, LdapEntry]);

export const AuthSection = z.strictObject({
  chain: z
    .array(AuthChainEntry)
    .min(1, { message: 'needs at least one plugin' })
    .prefault([{ plugin: 'chap-secrets' }]),
  throttle: z
    .strictObject({
      maxFailures: z.number().int().min(0).default(5),
      window: seconds.min(1).default(60),
      lockout: seconds.default(300),
    })
    .prefault({}),
});
