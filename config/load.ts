// Parse and validate a YAML configuration. Every issue names the file, the key path and
// the line (from the yaml package's node ranges and LineCounter) and says what is wrong.
// Secrets are never quoted: messages are built from issue codes, never from the source
// text, and every secret value found in the file is redacted from them as well.
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, isMap, isScalar, isSeq, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { ConfigSchema, type Config } from './schema.js';
import { SECRET_KEYS } from './schema-common.js';
import { checkConfig, type Finding } from './semantics.js';
import { closest, formatIssue, formatKeyPath, hasErrors, redact, type ConfigIssue } from './issues.js';
import { knownKeysAt } from './schema-keys.js';
import { ErrorCode, PptpdError } from '../server/errors.js';

export type { ConfigIssue } from './issues.js';

const YAML_MESSAGES: Readonly<Record<string, string>> = {
  MULTIPLE_DOCS: 'the file holds more than one YAML document (---); keep one',
  TAB_AS_INDENT: 'a tab is used for indentation; YAML allows spaces only',
  MISSING_CHAR: 'a quote or bracket is not closed',
  BAD_INDENT: 'bad indentation',
  BLOCK_AS_IMPLICIT_KEY: 'a nested mapping on the same line as its key: put it on the next line, indented (or quote the value if it holds ": ")',
  MULTILINE_IMPLICIT_KEY: 'a key must fit on one line',
};

/**
 * Parse configuration text. No file I/O (interfaces named in ppp.proxyArp are looked up on this host). `file` is only used in issues. `more` adds
 * findings about the parsed configuration (config/host-checks.ts), located by key like
 * the schema's own.
 */
export function parseConfigText(text: string, file: string, more?: (config: Config) => readonly Finding[]): { config?: Config; issues: ConfigIssue[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const issues: ConfigIssue[] = [];

  for (const e of doc.errors) {
    const where = pos(lineCounter, e.pos[0]);
    let message = YAML_MESSAGES[e.code] ?? `YAML syntax error (${e.code.toLowerCase().replace(/_/g, ' ')})`;
    if (e.code === 'DUPLICATE_KEY') {
      const key = /^("[^"\n]*"|'[^'\n]*'|[^:\n]+)/.exec(text.slice(e.pos[0]))?.[1]?.trim().replace(/^["']|["']$/g, '');
      message = `key "${key ?? '?'}" appears twice in the same mapping`;
    }
    issues.push({ file, line: where.line, column: where.column, severity: 'error', key: '', message });
  }
  if (issues.length > 0) return { issues };

  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    issues.push({ file, line: 1, severity: 'error', key: '', message: `cannot read the YAML: ${(e as Error).message}` });
    return { issues };
  }
  if (raw === null || raw === undefined) raw = {}; // an empty file means "all defaults"
  const secrets = collectSecrets(raw);
  const issue = (path: readonly PropertyKey[], severity: 'error' | 'warning', message: string): ConfigIssue => {
    const where = locate(doc, lineCounter, path);
    return { file, line: where.line, column: where.column, severity, key: formatKeyPath(path), message: redact(message, secrets) };
  };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return { issues: [issue([], 'error', 'the top level must be a mapping of sections (listen:, ppp:, pool:, ...)')] };
  }

  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    for (const zi of parsed.error.issues.flatMap(closestForm)) {
      if (zi.code === 'unrecognized_keys') {
        for (const k of zi.keys) {
          const hint = closest(k, knownKeysAt(zi.path, raw));
          issues.push(issue([...zi.path, k], 'error', `unknown key "${k}"${hint !== undefined ? ` (did you mean "${hint}"?)` : ''}`));
        }
      } else issues.push(issue(zi.path, 'error', describeZodIssue(zi, valueAt(raw, zi.path))));
    }
    return { issues: sortIssues(issues) };
  }
  for (const f of [...checkConfig(parsed.data), ...(more?.(parsed.data) ?? [])]) issues.push(issue(f.path, f.severity, f.message));
  return { config: parsed.data, issues: sortIssues(issues) };
}

/** Read, parse and validate a YAML file; throws PptpdError CONFIG_INVALID listing every error. */
export function loadConfigFile(path: string): Config {
  const { config, issues } = parseConfigText(readConfigText(path), path);
  if (config === undefined || hasErrors(issues)) throw invalidConfig(path, issues);
  return config;
}

export function readConfigText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    throw new PptpdError(ErrorCode.CONFIG_IO, `${path}: cannot read the configuration file (${code})`, { cause: e });
  }
}

/** The error thrown for a configuration that does not validate; `cause` holds the issues. */
export function invalidConfig(file: string, issues: readonly ConfigIssue[] | readonly import('./issues.js').ParseIssue[]): PptpdError {
  const errors = issues.filter((i) => i.severity === 'error');
  const lines = errors.map((i) => `  ${formatIssue(i)}`).join('\n');
  return new PptpdError(
    ErrorCode.CONFIG_INVALID,
    `${file}: invalid configuration (${errors.length} error${errors.length === 1 ? '' : 's'}):\n${lines}`,
    { cause: issues },
  );
}

function sortIssues(issues: ConfigIssue[]): ConfigIssue[] {
  return issues.sort((a, b) => a.line - b.line || (a.column ?? 0) - (b.column ?? 0));
}

function pos(lc: LineCounter, offset: number): { line: number; column: number } {
  const p = lc.linePos(offset);
  return { line: p.line, column: p.col };
}

/** Line of the deepest node on `path` that exists: the key's line when it has one. */
function locate(doc: Document, lc: LineCounter, path: readonly PropertyKey[]): { line: number; column?: number } {
  let cur: unknown = doc.contents;
  let best: Node | undefined = isMap(cur) || isSeq(cur) || isScalar(cur) ? (cur as Node) : undefined;
  for (const seg of path) {
    if (isMap(cur)) {
      const pair = cur.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(seg));
      if (pair === undefined) break;
      best = isScalar(pair.key) ? pair.key : ((pair.value as Node | null) ?? best);
      cur = pair.value;
    } else if (isSeq(cur) && typeof seg === 'number') {
      const item = cur.items[seg] as Node | undefined;
      if (item === undefined || item === null) break;
      best = item;
      cur = item;
    } else break;
  }
  const offset = best?.range?.[0];
  return offset === undefined ? { line: 1 } : pos(lc, offset);
}

/**
 * A value that fits no member of a union (`limit | false`) is reported through the one
 * member that matches its shape, when exactly one does: its issues name the key at fault
 * ("unknown key windowSecond") where "has none of the accepted forms" would not.
 */
function closestForm(zi: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (zi.code !== 'invalid_union' || zi.errors.length < 2) return [zi];
  const wrongShape = (list: readonly z.core.$ZodIssue[]): boolean =>
    list.every((i) => i.path.length === 0 && (i.code === 'invalid_type' || i.code === 'invalid_value'));
  const fitting = zi.errors.filter((list) => !wrongShape(list));
  const only = fitting.length === 1 ? fitting[0] : undefined;
  if (only === undefined || only.length === 0) return [zi];
  return only.map((i) => ({ ...i, path: [...zi.path, ...i.path] })).flatMap(closestForm);
}

export function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let cur = raw;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[seg];
  }
  return cur;
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'number') return Number.isInteger(v) ? 'an integer' : 'a number';
  return `a ${typeof v}`;
}

/** A message for one zod issue, built from its code: never from the offending value. */
export function describeZodIssue(zi: z.core.$ZodIssue, value: unknown): string {
  switch (zi.code) {
    case 'invalid_type':
      if (value === undefined) return 'is required';
      if (zi.expected === 'int') return `must be a whole number, got ${kindOf(value)}`;
      return `must be ${zi.expected === 'object' ? 'a mapping' : zi.expected === 'array' ? 'a list' : `a ${zi.expected}`}, got ${kindOf(value)}`;
    case 'invalid_value':
      return `must be one of ${zi.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_union':
      if ('discriminator' in zi && typeof zi.discriminator === 'string') {
        const options = (zi as { options?: unknown[] }).options ?? [];
        return `must be one of ${options.map((o) => JSON.stringify(o)).join(', ')}`;
      }
      return 'has none of the accepted forms';
    case 'too_small':
      if (zi.origin === 'array') return zi.message.startsWith('needs') ? zi.message : `needs at least ${String(zi.minimum)} item(s)`;
      if (zi.origin === 'string') return 'must not be empty';
      return `must be ${zi.inclusive === false ? 'greater than' : 'at least'} ${String(zi.minimum)}`;
    case 'too_big':
      if (zi.origin === 'array') return zi.message.startsWith('at most') ? zi.message : `at most ${String(zi.maximum)} item(s)`;
      return `must be ${zi.inclusive === false ? 'less than' : 'at most'} ${String(zi.maximum)}`;
    case 'invalid_format':
      return zi.message;
    case 'custom':
      return zi.message;
    default:
      return zi.message;
  }
}

/** Every value under a secret-bearing key, for redaction. */
function collectSecrets(raw: unknown, out = new Set<string>(), depth = 0): Set<string> {
  if (depth > 32 || raw === null || typeof raw !== 'object') return out;
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (SECRET_KEYS.has(k) && (typeof v === 'string' || typeof v === 'number')) out.add(String(v));
    else collectSecrets(v, out, depth + 1);
  }
  return out;
}
