// Configuration problems, as values: each names the file, the line and (for YAML) the
// key path, and says what is wrong. They never quote a secret.
import type { ParseIssue } from '../auth-plugins/chap-secrets/parse.js';

export type { ParseIssue };

export interface ConfigIssue extends ParseIssue {
  /** Key path in the YAML file, e.g. `auth.chain[0].servers[1].port` ('' for the whole file). */
  readonly key: string;
  /** 1-based column, when known. */
  readonly column?: number;
}

/** `a.b[0].c` from ['a', 'b', 0, 'c']. */
export function formatKeyPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

/** One line per issue: `file:line[:col]: error: key: message`. */
export function formatIssue(issue: ParseIssue & { key?: string; column?: number }): string {
  const where = `${issue.file}:${issue.line}${issue.column !== undefined ? `:${issue.column}` : ''}`;
  const key = issue.key !== undefined && issue.key !== '' ? `${issue.key}: ` : '';
  return `${where}: ${issue.severity}: ${key}${issue.message}`;
}

export function hasErrors(issues: readonly ParseIssue[]): boolean {
  return issues.some((i) => i.severity === 'error');
}

/** Replace every occurrence of a secret in a message (defence in depth). */
export function redact(message: string, secrets: ReadonlySet<string>): string {
  let out = message;
  for (const s of secrets) if (s.length >= 3) out = out.split(s).join('***');
  return out;
}

/** Closest of `candidates` to `word` by edit distance, if close enough to be a typo. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (a.length > 64 || b.length > 64) return Math.max(a.length, b.length);
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur.push(Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + cost));
    }
    prev = cur;
  }
  return prev[b.length] as number;
}
