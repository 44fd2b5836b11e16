// From the `auth:` section of the config to a ready AuthChain. The section's
// shape (authConfigSchema) is checked here; each entry's own options are
// checked by its scheme in the registry.
//
//   auth:
//     timeoutMs: 5000
//     throttle: { user: { maxFailures: 5, windowSeconds: 300, lockoutSeconds: 300 } }
//     chain:
//       - plugin: rewrite-domain
//         realms: { corp: corp }
//       - plugin: chap-secrets
//         file: /etc/ppp/chap-secrets
//     branches:
//       corp:
//         - { plugin: ldap, ... }

import type { Tracer } from '@opentelemetry/api';
import { pino, type Logger } from 'pino';
import { z } from 'zod';
import { ErrorCode, PptpdError } from '../server/errors.js';
import { AuthChain } from './chain.js';
import { chapSecretsScheme } from './chap-secrets/plugin.js';
import { ldapScheme } from './ldap/plugin.js';
import { radiusScheme } from './radius/plugin.js';
import { PluginRegistry } from './registry.js';
import { rewriteDomainScheme } from './rewrite-domain/plugin.js';
import { flatThrottleSchema, fromFlatThrottle, throttleOptionsSchema } from './throttle.js';

const entrySchema = z.looseObject({ plugin: z.string().min(1) });

export const authConfigSchema = z.strictObject({
  chain: z.array(entrySchema).min(1).describe('plugins in the order they are asked'),
  branches: z.record(z.string().min(1), z.array(entrySchema).min(1)).default({}).describe('named sub-chains a rewriter routes realms to'),
  timeoutMs: z.number().int().positive().default(10_000).describe('default per-plugin deadline'),
  throttle: z
    .union([throttleOptionsSchema, flatThrottleSchema.transform(fromFlatThrottle), z.literal(false)])
    .default({})
    .describe('failed-login throttling: per-scope limits, the short form {maxFailures, window, lockout}, or false'),
});
export type AuthConfig = z.input<typeof authConfigSchema>;

/** The registry with every plugin kind this build knows. RADIUS and LDAP register here when they land. */
export function createDefaultRegistry(): PluginRegistry {
  return new PluginRegistry().register(chapSecretsScheme).register(rewriteDomainScheme).register(ldapScheme).register(radiusScheme);
}

export interface BuildOptions {
  readonly registry?: PluginRegistry;
  readonly logger?: Logger;
  readonly tracer?: Tracer;
  /** Prefix for error messages, e.g. `/etc/pptpd/pptpd.yaml: auth`. */
  readonly where?: string;
  /** Run every plugin's init() (default true). */
  readonly init?: boolean;
}

export async function buildAuthChain(config: unknown, options: BuildOptions = {}): Promise<AuthChain> {
  const where = options.where ?? 'auth';
  const parsed = authConfigSchema.safeParse(config);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${where}.${i.path.join('.')}: ${i.message}`);
    throw new PptpdError(ErrorCode.CONFIG_INVALID, lines.join('\n'));
  }
  const cfg = parsed.data;
  const registry = options.registry ?? createDefaultRegistry();
  const logger = options.logger ?? pino({ level: 'silent' });
  const entries = cfg.chain.map((e, i) => registry.create(e, `${where}.chain[${i}]`, logger));
  const branches = Object.fromEntries(
    Object.entries(cfg.branches).map(([name, list]) => [name, list.map((e, i) => registry.create(e, `${where}.branches.${name}[${i}]`, logger))]),
  );
  const chain = new AuthChain({
    entries,
    branches,
    logger,
    timeoutMs: cfg.timeoutMs,
    throttle: cfg.throttle,
    ...(options.tracer !== undefined ? { tracer: options.tracer } : {}),
  });
  if (options.init !== false) {
    try {
      await chain.init();
    } catch (err) {
      await chain.close();
      throw err;
    }
  }
  return chain;
}
