// Which keys the schema accepts at a path: used for "did you mean" hints on unknown keys,
// and by the documentation test to list every key. Walks zod 4 definitions (`_zod.def`);
// an auth chain entry is seen through its plugin's scheme in the registry.
import { z as zod, type z } from 'zod';
import { entryCommonSchema } from '../auth-plugins/registry.js';
import { ConfigSchema } from './schema.js';
import { authRegistry, ENTRY_COMMON_KEYS, isAuthChainEntrySchema, THROTTLE_FORMS, throttleView } from './schema-auth.js';

type Def = {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  options?: z.ZodType[];
  valueType?: z.ZodType;
};

const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

const WRAPPERS = ['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch'];

/** Strip optional/default/prefault/nullable/pipe wrappers. */
function unwrap(s: z.ZodType): z.ZodType {
  let cur = s;
  for (let i = 0; i < 16; i++) {
    const d = defOf(cur);
    if (d.innerType !== undefined && WRAPPERS.includes(d.type)) {
      cur = d.innerType;
    } else if (d.type === 'pipe' && d.out !== undefined) {
      cur = defOf(d.in as z.ZodType).type === 'transform' ? d.out : (d.in as z.ZodType);
    } else break;
  }
  return cur;
}

/** `s` without optional/default/prefault/... wrappers (pipes kept). */
function peel(s: z.ZodType): z.ZodType {
  let cur = s;
  for (let i = 0; i < 16; i++) {
    const d = defOf(cur);
    if (d.innerType === undefined || !WRAPPERS.includes(d.type)) break;
    cur = d.innerType;
  }
  return cur;
}

const entryViews = new Map<string, z.ZodType>();

/**
 * What a chain entry accepts: the common keys (unless `withCommon` is false) and, when
 * `kind` is registered, its scheme's options. Cached per kind.
 */
function entryView(kind: unknown, withCommon: boolean): z.ZodType {
  const known = typeof kind === 'string' && authRegistry.has(kind) ? kind : '';
  const id = `${withCommon ? '+' : '-'}${known}`;
  let view = entryViews.get(id);
  if (view === undefined) {
    const scheme = authRegistry.scheme(known);
    const options = scheme !== undefined ? (defOf(unwrap(scheme.options)).shape ?? {}) : {};
    const shape: Record<string, z.ZodType> = withCommon ? { ...entryCommonSchema.shape } : {};
    for (const [k, v] of Object.entries(options)) if (!ENTRY_COMMON_KEYS.includes(k)) shape[k] = v;
    view = zod.strictObject(shape);
    entryViews.set(id, view);
  }
  return view;
}

/** The schema to look into for `value`: the auth schemas checked in a transform show their view. */
function resolve(s: z.ZodType, value: unknown): z.ZodType {
  const inner = peel(s);
  if (isAuthChainEntrySchema(inner)) {
    const kind = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)['plugin'] : undefined;
    return entryView(kind, true);
  }
  return throttleView(inner, value) ?? s;
}

/** A union's first member that is a mapping (for key lookups in e.g. `x | false`). */
function objectMember(d: Def): z.ZodType | undefined {
  return d.options?.find((o) => defOf(unwrap(o)).type === 'object');
}

function schemaAt(path: readonly PropertyKey[], raw: unknown): z.ZodType | undefined {
  let cur: z.ZodType | undefined = ConfigSchema;
  let value = raw;
  for (const seg of path) {
    if (cur === undefined) return undefined;
    cur = resolve(cur, value);
    let d = defOf(unwrap(cur));
    if (d.type === 'union') {
      const o = objectMember(d);
      if (o === undefined) return undefined;
      d = defOf(unwrap(o));
    }
    if (d.type === 'object') cur = d.shape?.[String(seg)];
    else if (d.type === 'array') cur = d.element;
    else if (d.type === 'record') cur = d.valueType;
    else return undefined;
    value = value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[seg] : undefined;
  }
  if (cur === undefined) return undefined;
  cur = resolve(cur, value);
  const d = defOf(unwrap(cur));
  return d.type === 'union' ? objectMember(d) : cur;
}

/** Keys of the mapping the schema expects at `path` (empty when it is not a mapping). */
export function knownKeysAt(path: readonly PropertyKey[], raw: unknown): string[] {
  const s = schemaAt(path, raw);
  if (s === undefined) return [];
  const shape = defOf(unwrap(s)).shape;
  return shape === undefined ? [] : Object.keys(shape);
}

/**
 * Every key path of the schema as documented: `ppp.mppe.bits`, `auth.chain[].plugin` for
 * the keys every entry has, and each registered plugin's own options once per kind as
 * `auth.chain[ldap].tls.startTls` (taken from its scheme, so a new plugin needs docs).
 */
export function allKeyPaths(): string[] {
  const out: string[] = [];
  const walk = (s: z.ZodType, prefix: string, depth: number): void => {
    if (depth > 12) return;
    if (isAuthChainEntrySchema(s)) {
      walk(entryView(undefined, true), prefix, depth + 1);
      for (const kind of authRegistry.kinds()) walk(entryView(kind, false), prefix.replace(/\[\]$/, `[${kind}]`), depth + 1);
      return;
    }
    if (throttleView(peel(s), {}) !== undefined) {
      for (const form of THROTTLE_FORMS) walk(form, prefix, depth + 1);
      return;
    }
    const d = defOf(unwrap(s));
    if (d.type === 'object' && d.shape !== undefined) {
      for (const [k, v] of Object.entries(d.shape)) {
        const p = prefix === '' ? k : `${prefix}.${k}`;
        out.push(p);
        walk(v, p, depth + 1);
      }
    } else if (d.type === 'array' && d.element !== undefined) {
      walk(d.element, `${prefix}[]`, depth + 1);
    } else if (d.type === 'union' && d.options !== undefined) {
      for (const o of d.options) walk(o, prefix, depth + 1);
    }
  };
  walk(ConfigSchema, '', 0);
  return [...new Set(out)];
}
