// Text in and out of the audit commands (last, who, whois-ip): times as people type
// them, and rows as aligned columns or JSON. Pure functions; the CLI modules print.
import type { SessionRow } from './types.js';

export type ParsedTime = { ok: true; ms: number } | { ok: false; reason: string };

const TIME_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/**
 * ISO 8601 (`2024-05-03T14:02:00Z`, `…+02:00`), `YYYY-MM-DD HH:MM[:SS]`, `YYYY-MM-DD`,
 * `now`, or `@SECONDS` since the epoch. Without a zone the time is local, as `last --since` reads it.
 */
export function parseAuditTime(text: string, now: number = Date.now()): ParsedTime {
  const t = text.trim();
  if (t === 'now') return { ok: true, ms: now };
  if (/^@\d{1,12}$/.test(t)) return { ok: true, ms: Number(t.slice(1)) * 1000 };
  const m = TIME_RE.exec(t);
  if (m === null) return { ok: false, reason: `"${text}" is not a time (use ISO 8601 or YYYY-MM-DD HH:MM[:SS])` };
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [number, number, number, number, number, number];
  const ms = Math.floor(Number(`0.${m[7] ?? '0'}`) * 1000);
  const zone = m[8];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) {
    return { ok: false, reason: `"${text}": a field is out of range` };
  }
  const check = new Date(Date.UTC(y, mo - 1, d));
  if (check.getUTCDate() !== d) return { ok: false, reason: `"${text}": no such day` };
  if (zone === undefined) return { ok: true, ms: new Date(y, mo - 1, d, h, mi, s, ms).getTime() };
  let offsetMin = 0;
  if (zone !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2) || '0');
    if (oh > 23 || om > 59) return { ok: false, reason: `"${text}": bad zone offset` };
    offsetMin = (zone[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  return { ok: true, ms: Date.UTC(y, mo - 1, d, h, mi, s, ms) - offsetMin * 60_000 };
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** `YYYY-MM-DD HH:MM:SS` in local time. */
export function formatTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** `HH:MM:SS`, or `Nd HH:MM:SS` past a day. */
export function formatDuration(seconds: number): string {
  const days = Math.floor(seconds / 86400);
  const rest = seconds % 86400;
  const hms = `${pad(Math.floor(rest / 3600))}:${pad(Math.floor((rest % 3600) / 60))}:${pad(rest % 60)}`;
  return days > 0 ? `${days}d ${hms}` : hms;
}

/** Octets in binary units, one decimal: 512, 1.5K, 20.0M, 3.1G. */
export function formatBytes(n: number): string {
  const units = ['K', 'M', 'G', 'T', 'P'];
  if (n < 1024) return String(n);
  let v = n;
  let u = -1;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)}${units[u]}`;
}

/** Aligned columns (two spaces apart), header first; the last column is not padded. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}

/** A row for --json: times as ISO 8601 UTC strings. */
export function rowToJson(r: SessionRow): Record<string, unknown> {
  return {
    ...r,
    startTime: new Date(r.startTime).toISOString(),
    stopTime: r.stopTime === null ? null : new Date(r.stopTime).toISOString(),
    updatedAt: new Date(r.updatedAt).toISOString(),
  };
}
