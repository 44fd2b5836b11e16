// Which keys the schema accepts at a path: used for "did you mean" hints on unknown keys,
// and by the documentation test to list every key. Walks zod 4 definitions (`_zod.def`).
import type { z } from 'zod';
import { ConfigSchema } from './schema.js';

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

/** Strip optional/default/prefault/nullable/pipe wrappers. */
function unwrap(s: z.ZodType): z.ZodType {
  let cur = s;
  for (let i = 0; i < 16; i++) {
    const d = defOf(cur);
    if (d.innerType !== undefined && ['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch'].includes(d.type)) {
      cur = d.innerType;
    } else if (d.type === 'pipe' && d.out !== undefined) {
      cur = defOf(d.in as z.ZodType).type === 'transform' ? d.out : (d.in as z.ZodType);
    } else break;
  }
  return cur;
}

/** Union member matching the raw value's discriminator (`plugin`), if any. */
function pickOption(options: readonly z.ZodType[], raw: unknown): z.ZodType | undefined {
  const plugin = raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>)['plugin'] : undefined;
  for (const o of options) {
    const shape = defOf(unwrap(o)).shape;
    const lit = shape?.['plugin'];
    if (lit !== undefined && (defOf(lit) as unknown as { values?: unknown[] }).values?.includes(plugin)) return o;
  }
  return undefined;
}

function schemaAt(path: readonly PropertyKey[], raw: unknown): z.ZodType | undefined {
  let cur: z.ZodType | undefined = ConfigSchema;
  let value = raw;
  for (const seg of path) {
    if (cur === undefined) return undefined;
    let d = defOf(unwrap(cur));
    if (d.type === 'union' && d.options !== undefined) {
      cur = pickOption(d.options, value);
      if (cur === undefined) return undefined;
      d = defOf(unwrap(cur));
    }
    if (d.type === 'object') cur = d.shape?.[String(seg)];
    else if (d.type === 'array') cur = d.element;
    else if (d.type === 'record') cur = d.valueType;
    else return undefined;
    value = value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[seg] : undefined;
  }
  if (cur === undefined) return undefined;
  const d = defOf(unwrap(cur));
  if (d.type === 'union' && d.options !== undefined) return pickOption(d.options, value);
  return cur;
}

/** Keys of the mapping the schema expects at `path` (empty when it is not a mapping). */
export function knownKeysAt(path: readonly PropertyKey[], raw: unknown): string[] {
  const s = schemaAt(path, raw);
  if (s === undefined) return [];
  const shape = defOf(unwrap(s)).shape;
  return shape === undefined ? [] : Object.keys(shape);
}

/**
 * Every key path of the schema as documented: `ppp.mppe.bits`, `auth.chain[].plugin`,
 * chain entries once per plugin as `auth.chain[radius].servers[].secret`.
 */
export function allKeyPaths(): string[] {
  const out: string[] = [];
  const walk = (s: z.ZodType, prefix: string, depth: number): void => {
    if (depth > 12) return;
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
      for (const o of d.options) {
        const lit = defOf(unwrap(o)).shape?.['plugin'];
        const tag = lit !== undefined ? String((defOf(lit) as unknown as { values: unknown[] }).values[0]) : '';
        walk(o, tag !== '' ? prefix.replace(/\[\]$/, `[${tag}]`) : prefix, depth + 1);
      }
    }
  };
  walk(ConfigSchema, '', 0);
  return out;
}
