// Write a Config as YAML with comments (for `pptpd-ts migrate`): a header, then each
// key's notes (where its value came from) just above it. The output parses back, through
// parseConfigText, to the same Config. Comments come from notes and issue messages,
// which never hold secrets; secret-bearing keys are written as they are in the config
// (a PoPToP migration has none: chap-secrets stays in its own file).
import { Document, isMap, isScalar, isSeq, type Node } from 'yaml';
import type { Config } from './schema.js';

export interface YamlNote {
  /** Key path such as `pool.remote` or `auth.chain[0]` ('' for the header). */
  readonly key: string;
  readonly text: string;
}

export function configToYaml(config: Config, notes: readonly YamlNote[] = [], header: readonly string[] = []): string {
  const doc = new Document(stripUndefined(config));
  const byKey = new Map<string, string[]>();
  for (const n of notes) {
    if (n.key === '') continue;
    const list = byKey.get(n.key) ?? [];
    list.push(n.text);
    byKey.set(n.key, list);
  }
  for (const [key, texts] of byKey) {
    const node = keyNode(doc, key);
    if (node === undefined) continue;
    const text = texts.map((t) => ` ${oneLine(t)}`).join('\n');
    node.commentBefore = node.commentBefore ? `${node.commentBefore}\n${text}` : text;
  }
  const head = [...header, ...notes.filter((n) => n.key === '').map((n) => n.text)].map((t) => ` ${oneLine(t)}`);
  if (head.length > 0) doc.commentBefore = head.join('\n');
  return doc.toString({ lineWidth: 0 });
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}

/** The key scalar (for a mapping entry) or item node at a path like `a.b[0].c`. */
function keyNode(doc: Document, key: string): Node | undefined {
  const segs = key.split(/\.|(?=\[)/).map((s) => (s.startsWith('[') ? Number(s.slice(1, -1)) : s));
  let cur: unknown = doc.contents;
  let found: Node | undefined;
  for (const seg of segs) {
    if (isMap(cur)) {
      const pair = cur.items.find((p) => isScalar(p.key) && p.key.value === seg);
      if (pair === undefined || !isScalar(pair.key)) return undefined;
      found = pair.key;
      cur = pair.value;
    } else if (isSeq(cur) && typeof seg === 'number') {
      const item = cur.items[seg] as Node | undefined;
      if (item === undefined) return undefined;
      found = item;
      cur = item;
    } else return undefined;
  }
  return found;
}

function stripUndefined(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripUndefined);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = stripUndefined(x);
    return out;
  }
  return v;
}
