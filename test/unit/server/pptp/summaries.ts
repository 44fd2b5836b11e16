// Reads ../shared/real-clients/decoded-summaries.txt: a per-packet decode of each capture
// (scapy, cross-checked with tshark 4.0), one section per file. Test helper.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sharedDir } from '../../../helpers/paths.js';

export interface SummaryLine {
  readonly frame: number;
  readonly src: string;
  readonly dst: string;
  readonly text: string; // after "TCP " or "GREv1 "
}

/** The TCP or GREv1 lines of one capture's section. */
export function summaryLines(file: string, kind: 'TCP' | 'GREv1'): SummaryLine[] {
  const text = readFileSync(path.join(sharedDir, 'real-clients', 'decoded-summaries.txt'), 'utf8');
  const start = text.indexOf(`### ${file}\n`);
  assert.ok(start >= 0, `${file} in decoded-summaries.txt`);
  const end = text.indexOf('\n###', start + 4);
  const out: SummaryLine[] = [];
  for (const line of text.slice(start, end < 0 ? undefined : end).split('\n')) {
    const m = /^\s*(\d+) (\S+) > (\S+) (TCP|GREv1) (.*)$/.exec(line);
    if (m && m[4] === kind) out.push({ frame: Number(m[1]), src: m[2]!, dst: m[3]!, text: m[5]! });
  }
  return out;
}
