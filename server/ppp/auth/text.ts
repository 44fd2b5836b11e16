// Names, passwords and messages arrive as raw octets. RFC 1334/1994 do not name a charset;
// Windows and pppd send ASCII in practice. We read valid UTF-8 as UTF-8 (so non-ASCII names
// match a UTF-8 chap-secrets file) and anything else as Latin-1, which keeps every byte.
import { isUtf8 } from 'node:buffer';

/** Octets from the wire → string, without ever throwing. */
export function decodeText(bytes: Buffer): string {
  return isUtf8(bytes) ? bytes.toString('utf8') : bytes.toString('latin1');
}

/** String → octets for the wire (UTF-8; ASCII stays ASCII). */
export function encodeText(text: string): Buffer {
  return Buffer.from(text, 'utf8');
}

/**
 * A peer's message made safe for logs and reasons: printable ASCII only (RFC 1334 §2.2.2
 * recommends 32..126), at most `max` characters.
 */
export function printable(bytes: Buffer, max = 120): string {
  let out = '';
  const n = Math.min(bytes.length, max);
  for (let i = 0; i < n; i++) {
    const c = bytes[i] as number;
    out += c >= 32 && c <= 126 ? String.fromCharCode(c) : '?';
  }
  return bytes.length > max ? `${out}…` : out;
}
