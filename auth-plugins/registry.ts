// Plugin registry: scheme (plugin kind) → factory, in hapi's scheme/strategy
// split. A scheme is registered once ('chap-secrets', 'rewrite-domain', later
// 'radius', 'ldap'); a config entry `{ plugin: <kind>, name?, timeoutMs?,
// onError?, ...options }` becomes one configured instance. Options are checked
// against the scheme's zod schema here, at start, so a typo stops the server
// with a message naming the entry and the key — and never echoing a value.

import type { Logger } from 'pino';
import { z } from 'zod';
import { ErrorCode, PptpdError } from '../server/errors.js';
import type { AuthPlugin, ChainEntry } from './plugin.js';

export interface PluginDeps {
  /** Instance name (the entry's `name`, else the kind). */
  readonly name: string;
  readonly logger: Logger;
}

export interface PluginScheme<S extends z.ZodType = z.ZodType> {
  /** The value of `plugin:` in config. */
  readonly kind: string;
  /** One line for docs and `--help`. */
  readonly description: string;
  /** The scheme's own options (without plugin/name/timeoutMs/onError); should be strict. */
  readonly options: S;
  create(options: z.output<S>, deps: PluginDeps): AuthPlugin;
}

/** Keys every entry may have, whatever its kind. */
export const entryCommonSchema = z.looseObject({
  plugin: z.string().min(1).describe('plugin kind, e.g. chap-secrets'),
  name: z.string().min(1).optional().describe('instance name, unique in the chain (default: the kind)'),
  timeoutMs: z.number().int().positive().optional().describe('deadline for this plugin (default: the chain timeout)'),
  onError: z.enum(['pass', 'reject']).optional().describe('on error or timeout: ask the next plugin (pass) or fail the attempt'),
});
const COMMON_KEYS = ['plugin', 'name', 'timeoutMs', 'onError'] as const;

export class PluginRegistry {
  readonly #schemes = new Map<string, PluginScheme>();

  /** Adds a scheme; a kind can be registered once. */
  register<S extends z.ZodType>(scheme: PluginScheme<S>): this {
    if (this.#schemes.has(scheme.kind)) {
      throw new PptpdError(ErrorCode.STATE, `auth plugin kind "${scheme.kind}" is already registered`);
    }
    this.#schemes.set(scheme.kind, scheme as unknown as PluginScheme);
    return this;
  }

  has(kind: string): boolean {
    return this.#schemes.has(kind);
  }

  kinds(): string[] {
    return [...this.#schemes.keys()];
  }

  scheme(kind: string): PluginScheme | undefined {
    return this.#schemes.get(kind);
  }

  /**
   * Builds one chain entry from a config entry. `where` names it in errors,
   * e.g. `auth.chain[2]` or `/etc/pptpd/config.yaml: auth.chain[2]`.
   */
  create(entry: unknown, where: string, logger: Logger): ChainEntry {
    const common = entryCommonSchema.safeParse(entry);
    if (!common.success) throw invalid(where, undefined, common.error);
    const { plugin: kind, name, timeoutMs, onError } = common.data;
    const scheme = this.#schemes.get(kind);
    if (scheme === undefined) {
      throw new PptpdError(
        ErrorCode.CONFIG_INVALID,
        `${where}: unknown auth plugin "${kind}" (known: ${this.kinds().join(', ') || 'none'})`,
      );
    }
    const rest: Record<string, unknown> = { ...common.data };
    for (const k of COMMON_KEYS) delete rest[k];
    const options = scheme.options.safeParse(rest);
    if (!options.success) throw invalid(where, kind, options.error);
    const instanceName = name ?? kind;
    const plugin = scheme.create(options.data, { name: instanceName, logger: logger.child({ plugin: instanceName }) });
    return {
      plugin,
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      ...(onError !== undefined ? { onError } : {}),
    };
  }
}

/** One line per problem: `where (kind): key.path: message`. zod's messages do not quote values. */
function invalid(where: string, kind: string | undefined, error: z.ZodError): PptpdError {
  const head = kind === undefined ? where : `${where} (${kind})`;
  const lines = error.issues.map((i) => `${head}: ${i.path.length > 0 ? i.path.join('.') : '(entry)'}: ${i.message}`);
  return new PptpdError(ErrorCode.CONFIG_INVALID, lines.join('\n'));
}
