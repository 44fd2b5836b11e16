// Reads FreeRADIUS accounting detail files: records separated by blank lines, each a
// timestamp line followed by "\tName = Value" lines.
import fs from 'node:fs';

export type DetailRecord = Record<string, string[]>;

export function parseDetail(text: string): DetailRecord[] {
  const out: DetailRecord[] = [];
  for (const block of text.split(/\n\s*\n/)) {
    const rows = block.split('\n').filter((l) => l.trim() !== '');
    if (rows.length < 2) continue;
    const rec: DetailRecord = {};
    for (const row of rows.slice(1)) {
      const m = /^\s+([\w-]+) = (.*)$/.exec(row);
      if (!m) continue;
      const v = m[2]!.replace(/^"(.*)"$/, '$1');
      (rec[m[1]!] ??= []).push(v);
    }
    out.push(rec);
  }
  return out;
}

export function readDetails(files: readonly string[]): DetailRecord[] {
  return files.flatMap((f) => parseDetail(fs.readFileSync(f, 'utf8')));
}

export function one(rec: DetailRecord, name: string): string | undefined {
  return rec[name]?.[0];
}
