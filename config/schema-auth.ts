// `auth` section: the plugin chain (one entry per configured strategy, in order), named
// branches a rewriter can route realms to, the default per-plugin deadline and the
// failed-login throttle. Its output is what auth-plugins/build.ts `authConfigSchema`
// accepts, so the server hands `config.auth` to buildAuthChain() as it is.
//
// An entry's own options are not described here: they are validated by the scheme its
// plugin registered (auth-plugins/registry.ts), so the configuration and the plugins
// never disagree about a key, and a scheme added to createDefaultRegistry() is accepted
// here with no change. Issues keep their path (auth.chain[1].servers[0].port), hence their
// YAML line, and their zod code (unknown keys still get a "did you mean"); zod's messages
// never quote the offending value, so a secret cannot reach one.
import { z } from 'zod';
import { authConfigSchema, createDefaultRegistry } from '../auth-plugins/build.js';
import type { ChapSecretsOptions } from '../auth-plugins/chap-secrets/plugin.js';
import { entryCommonSchema, type PluginRegistry } from '../auth-plugins/registry.js';
import type { RewriteDomainOptions } from '../auth-plugins/rewrite-domain/plugin.js';
import { throttleOptionsSchema, type ThrottleOptions } from '../auth-plugins/throttle.js';
import { closest } from './issues.js';
import { seconds } from './schema-common.js';

/** Every plugin kind this build knows (the schemes of createDefaultRegistry()). */
export const authRegistry: PluginRegistry = createDefaultRegistry();

/** The plugin kinds this build knows, in registration order. */
export const PLUGIN_KINDS: readonly string[] = authRegistry.kinds();
/** A plugin kind: any registered scheme's `kind` (see PLUGIN_KINDS). */
export type PluginKind = string;

/** Keys every entry may have whatever its kind: plugin, name, timeoutMs, onError. */
export const ENTRY_COMMON_KEYS: readonly string[] = Object.keys(entryCommonSchema.shape);

type EntryCommon = z.output<typeof entryCommonSchema>;

/**
 * A parsed chain entry: the common keys, then its plugin's options with the plugin's
 * defaults filled in (exactly what the plugin's `create` will receive).
 */
export type AuthChainEntry = Pick<EntryCommon, 'plugin' | 'name' | 'timeoutMs' | 'onError'> & { readonly [option: string]: unknown };

/** Option types of the schemes whose keys config/ reads itself. */
interface KnownOptions {
  'chap-secrets': ChapSecretsOptions;
  'rewrite-domain': RewriteDomainOptions;
}

/** Narrows an entry to one kind, typing its options. */
export function isEntryOf<K extends keyof KnownOptions>(entry: AuthChainEntry, kind: K): entry is AuthChainEntry & KnownOptions[K] & { plugin: K } {
  return entry.plugin === kind;
}

/** The (finalized) issues of a nested parse, raised again relative to the current value. */
function reraise(ctx: z.core.$RefinementCtx, issues: readonly z.core.$ZodIssue[]): void {
  for (const issue of issues) ctx.addIssue({ ...issue } as z.core.$ZodRawIssue);
}

function entryOf(value: Record<string, unknown>, ctx: z.core.$RefinementCtx): AuthChainEntry {
  const kind = value['plugin'] as string;
  const scheme = authRegistry.scheme(kind);
  const common = entryCommonSchema.safeParse(value);
  if (!common.success) reraise(ctx, common.error.issues);
  if (scheme === undefined) {
    const hint = closest(kind, authRegistry.kinds());
    ctx.addIssue({
      code: 'custom',
      path: ['plugin'],
      message:
        `unknown auth plugin "${kind}"${hint !== undefined ? ` (did you mean "${hint}"?)` : ''}; ` +
        `this build knows ${authRegistry.kinds().join(', ')}`,
    });
    return z.NEVER;
  }
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (!ENTRY_COMMON_KEYS.includes(k)) rest[k] = v;
  const options = scheme.options.safeParse(rest);
  if (!options.success) reraise(ctx, options.error.issues);
  if (!common.success || !options.success) return z.NEVER;
  const { plugin, name, timeoutMs, onError } = common.data;
  const entry: Record<string, unknown> = {
    plugin,
    ...(name !== undefined ? { name } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(onError !== undefined ? { onError } : {}),
  };
  // An option named like a common key could only hold its default (the registry takes the
  // key for the entry), so it is left out rather than pass for the entry's own value;
  // test/unit/config/schema.test.ts checks that no registered scheme has one.
  for (const [k, v] of Object.entries(options.data as Record<string, unknown>)) if (!ENTRY_COMMON_KEYS.includes(k)) entry[k] = v;
  return entry as AuthChainEntry;
}

/**
 * One chain entry. Only `plugin` is checked before the transform (without it there is no
 * scheme to ask); the common keys and the plugin's options are then checked together, so
 * one pass reports every problem of the entry.
 */
export const AuthChainEntry: z.ZodType<AuthChainEntry, z.input<typeof entryCommonSchema>> = z
  .looseObject({ plugin: entryCommonSchema.shape.plugin })
  .transform(entryOf);

const AuthChain = z.array(AuthChainEntry).min(1, { message: 'needs at least one plugin' });

/** The short form: one limit for user names and source addresses alike (auth-plugins flatThrottleSchema). */
const ShortThrottle = z.strictObject({
  maxFailures: z.number().int().min(0).default(5),
  window: seconds.min(1).default(60),
  lockout: seconds.default(300),
});
const SHORT_KEYS: readonly string[] = Object.keys(ShortThrottle.shape);
const SCOPED_KEYS: readonly string[] = Object.keys(throttleOptionsSchema.shape);

/** Which form a throttle mapping is written in: per-scope when it names a scope. */
function throttleForm(value: unknown): z.ZodType {
  const scoped = value !== null && typeof value === 'object' && SCOPED_KEYS.some((k) => Object.hasOwn(value, k));
  return scoped ? throttleOptionsSchema : ShortThrottle;
}

export type AuthThrottle = z.output<typeof ShortThrottle> | ThrottleOptions | false;

/**
 * `throttle`: the short form, per-scope limits (`user:`/`address:`, each a limit or false;
 * auth-plugins/throttle.ts) or `false`. The form is chosen from the keys rather than by a
 * zod union, so a mistake is reported on its key ("did you mean") and not as "none of the
 * accepted forms".
 */
export const AuthThrottle: z.ZodType<AuthThrottle, unknown> = z.unknown().transform((value, ctx): AuthThrottle => {
  if (value === false) return false;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    ctx.addIssue({ code: 'custom', message: 'must be a mapping (maxFailures, window, lockout; or user, address) or false' });
    return z.NEVER;
  }
  const form = throttleForm(value);
  if (form === throttleOptionsSchema) {
    const mixed = SHORT_KEYS.filter((k) => Object.hasOwn(value, k));
    for (const k of mixed) {
      ctx.addIssue({ code: 'custom', path: [k], message: 'the short form (maxFailures, window, lockout) cannot be mixed with per-scope limits (user, address)' });
    }
    if (mixed.length > 0) return z.NEVER;
  }
  const r = form.safeParse(value);
  if (!r.success) {
    reraise(ctx, r.error.issues);
    return z.NEVER;
  }
  return r.data as AuthThrottle;
});

export const AuthSection = z.strictObject({
  // The embedded default: pppd's chap-secrets; a fresh machine without the file still starts.
  chain: AuthChain.prefault([{ plugin: 'chap-secrets', missingFile: 'empty' }]),
  branches: z.record(z.string().min(1), AuthChain).default({}),
  timeoutMs: authConfigSchema.shape.timeoutMs,
  throttle: AuthThrottle.prefault({}),
});

/** Is `s` the chain entry schema (whose keys depend on the entry's plugin)? */
export function isAuthChainEntrySchema(s: unknown): boolean {
  return s === AuthChainEntry;
}

/**
 * For key lookups (config/schema-keys.ts): the schemas checked inside a transform here,
 * seen as the mapping they accept for `value`; undefined for every other schema.
 */
export function throttleView(s: unknown, value: unknown): z.ZodType | undefined {
  return s === AuthThrottle ? throttleForm(value) : undefined;
}

/** Every form of `throttle`, for the documentation walk. */
export const THROTTLE_FORMS: readonly z.ZodType[] = [ShortThrottle, throttleOptionsSchema];

/** A chain entry with its key path (`['auth', 'chain', 0]`, `['auth', 'branches', 'corp', 1]`). */
export interface LocatedEntry {
  readonly entry: AuthChainEntry;
  readonly path: readonly (string | number)[];
}

/** Every entry of the main chain, then of each branch, with its path. */
export function authEntries(auth: { readonly chain: readonly AuthChainEntry[]; readonly branches: Readonly<Record<string, readonly AuthChainEntry[]>> }): LocatedEntry[] {
  const out: LocatedEntry[] = auth.chain.map((entry, i) => ({ entry, path: ['auth', 'chain', i] }));
  for (const [branch, list] of Object.entries(auth.branches)) {
    list.forEach((entry, i) => out.push({ entry, path: ['auth', 'branches', branch, i] }));
  }
  return out;
}
