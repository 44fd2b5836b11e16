// glibc `struct utmp` as stored in /var/run/utmp and /var/log/wtmp on x86_64 Linux.
// Layout checked against /usr/include/x86_64-linux-gnu/bits/utmp.h and offsetof() from a
// C program on this machine: 384 bytes, little-endian. Because x86_64 defines
// __WORDSIZE_TIME64_COMPAT32, ut_session and ut_tv are 32-bit (the same file is shared
// with 32-bit programs), so seconds run out in January 2038 as they do for glibc.
//
//   off size field
//     0    2 ut_type        short (EMPTY … ACCOUNTING)
//     4    4 ut_pid         pid_t (2 bytes of padding before it)
//     8   32 ut_line        char[], NUL-padded, not always NUL-terminated
//    40    4 ut_id          char[4]
//    44   32 ut_user        char[]
//    76  256 ut_host        char[]
//   332    4 ut_exit        { short e_termination; short e_exit; }
//   336    4 ut_session     int32
//   340    8 ut_tv          { int32 tv_sec; int32 tv_usec; }
//   348   16 ut_addr_v6     int32[4], network byte order; IPv4 uses the first word only
//   364   20 __glibc_reserved
import { isIP } from 'node:net';
import { decodeError, type DecodeError, PptpdError, ErrorCode } from '../../server/errors.js';

export const UTMP_SIZE = 384;

export const UtmpOffset = {
  type: 0,
  pid: 4,
  line: 8,
  id: 40,
  user: 44,
  host: 76,
  exitTermination: 332,
  exitExit: 334,
  session: 336,
  tvSec: 340,
  tvUsec: 344,
  addrV6: 348,
  reserved: 364,
} as const;

export const UtmpFieldSize = { line: 32, id: 4, user: 32, host: 256, addrV6: 16, reserved: 20 } as const;

/** ut_type values (bits/utmp.h). */
export const UtmpType = {
  EMPTY: 0,
  RUN_LVL: 1,
  BOOT_TIME: 2,
  NEW_TIME: 3,
  OLD_TIME: 4,
  INIT_PROCESS: 5,
  LOGIN_PROCESS: 6,
  USER_PROCESS: 7,
  DEAD_PROCESS: 8,
  ACCOUNTING: 9,
} as const;
export type UtmpType = (typeof UtmpType)[keyof typeof UtmpType];

export interface UtmpRecord {
  readonly type: UtmpType;
  readonly pid: number;
  readonly line: string;
  readonly id: string;
  readonly user: string;
  readonly host: string;
  readonly exitTermination: number;
  readonly exitStatus: number;
  /** int32; we keep a hash of the session id here as an idempotency marker (see sink.ts). */
  readonly session: number;
  readonly tvSec: number;
  readonly tvUsec: number;
  /** '' (all zero), a dotted IPv4 address (only the first word set) or an IPv6 address. */
  readonly addr: string;
}

const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;

/** A record with every field zero/empty, with the given fields set. */
export function utmpRecord(fields: Partial<UtmpRecord> & { type: UtmpType }): UtmpRecord {
  return {
    pid: 0, line: '', id: '', user: '', host: '', exitTermination: 0, exitStatus: 0,
    session: 0, tvSec: 0, tvUsec: 0, addr: '',
    ...fields,
  };
}

/** Encode into `out` at `offset` (a fresh 384-byte buffer when omitted). Throws PptpdError on values that do not fit. */
export function encodeUtmp(rec: UtmpRecord, out: Buffer = Buffer.alloc(UTMP_SIZE), offset = 0): Buffer {
  if (offset < 0 || offset + UTMP_SIZE > out.length) throw fault('output buffer too small');
  out.fill(0, offset, offset + UTMP_SIZE);
  out.writeInt16LE(rec.type, offset + UtmpOffset.type);
  out.writeInt32LE(int32(rec.pid, 'pid'), offset + UtmpOffset.pid);
  putString(out, offset + UtmpOffset.line, UtmpFieldSize.line, rec.line);
  putString(out, offset + UtmpOffset.id, UtmpFieldSize.id, rec.id);
  putString(out, offset + UtmpOffset.user, UtmpFieldSize.user, rec.user);
  putString(out, offset + UtmpOffset.host, UtmpFieldSize.host, rec.host);
  out.writeInt16LE(int16(rec.exitTermination, 'exitTermination'), offset + UtmpOffset.exitTermination);
  out.writeInt16LE(int16(rec.exitStatus, 'exitStatus'), offset + UtmpOffset.exitExit);
  out.writeInt32LE(int32(rec.session, 'session'), offset + UtmpOffset.session);
  out.writeInt32LE(int32(rec.tvSec, 'tvSec'), offset + UtmpOffset.tvSec);
  out.writeInt32LE(int32(rec.tvUsec, 'tvUsec'), offset + UtmpOffset.tvUsec);
  const addr = addressBytes(rec.addr);
  if (addr === undefined) throw fault(`addr "${rec.addr}" is not an IP address`);
  addr.copy(out, offset + UtmpOffset.addrV6);
  return out;
}

/** Decode one record at `offset`. Never throws; never reads outside [offset, offset+384). */
export function decodeUtmp(buf: Buffer, offset = 0): UtmpRecord | DecodeError {
  if (!Number.isInteger(offset) || offset < 0 || buf.length - offset < UTMP_SIZE) {
    return decodeError('utmp', `need ${UTMP_SIZE} bytes at offset ${offset}, have ${Math.max(0, buf.length - offset)}`);
  }
  const type = buf.readInt16LE(offset + UtmpOffset.type);
  if (type < UtmpType.EMPTY || type > UtmpType.ACCOUNTING) return decodeError('utmp', `unknown ut_type ${type}`);
  const usec = buf.readInt32LE(offset + UtmpOffset.tvUsec);
  if (usec < 0 || usec > 999_999) return decodeError('utmp', `ut_tv.tv_usec ${usec} out of range`);
  return {
    type: type as UtmpType,
    pid: buf.readInt32LE(offset + UtmpOffset.pid),
    line: getString(buf, offset + UtmpOffset.line, UtmpFieldSize.line),
    id: getString(buf, offset + UtmpOffset.id, UtmpFieldSize.id),
    user: getString(buf, offset + UtmpOffset.user, UtmpFieldSize.user),
    host: getString(buf, offset + UtmpOffset.host, UtmpFieldSize.host),
    exitTermination: buf.readInt16LE(offset + UtmpOffset.exitTermination),
    exitStatus: buf.readInt16LE(offset + UtmpOffset.exitExit),
    session: buf.readInt32LE(offset + UtmpOffset.session),
    tvSec: buf.readInt32LE(offset + UtmpOffset.tvSec),
    tvUsec: usec,
    addr: addressString(buf.subarray(offset + UtmpOffset.addrV6, offset + UtmpOffset.addrV6 + UtmpFieldSize.addrV6)),
  };
}

/**
 * Every whole record of a utmp/wtmp file image. A record that does not decode is
 * reported by index and skipped; a trailing partial record (a torn append) is reported too.
 */
export function decodeUtmpFile(buf: Buffer): { records: { index: number; record: UtmpRecord }[]; errors: { index: number; error: DecodeError }[] } {
  const records: { index: number; record: UtmpRecord }[] = [];
  const errors: { index: number; error: DecodeError }[] = [];
  const whole = Math.floor(buf.length / UTMP_SIZE);
  for (let i = 0; i < whole; i++) {
    const r = decodeUtmp(buf, i * UTMP_SIZE);
    if ('kind' in r) errors.push({ index: i, error: r });
    else records.push({ index: i, record: r });
  }
  if (buf.length % UTMP_SIZE !== 0) {
    errors.push({ index: whole, error: decodeError('utmp', `trailing ${buf.length % UTMP_SIZE} bytes (a partial record)`) });
  }
  return { records, errors };
}

/**
 * ut_id for a line: its last four bytes, as login(1) and sshd derive it ("pts/7" → "ts/7",
 * "pptp7" → "ptp7"). glibc's pututline() finds a process's slot by ut_id.
 */
export function utIdForLine(line: string): string {
  const b = Buffer.from(line, 'utf8');
  return b.subarray(Math.max(0, b.length - UtmpFieldSize.id)).toString('latin1');
}

/** 16 bytes for ut_addr_v6: IPv4 in the first word (network order), IPv6 in all four; undefined if not an address. */
export function addressBytes(addr: string): Buffer | undefined {
  const out = Buffer.alloc(UtmpFieldSize.addrV6);
  if (addr === '') return out;
  const v = isIP(addr);
  if (v === 4) {
    addr.split('.').forEach((p, i) => (out[i] = Number(p)));
    return out;
  }
  if (v !== 6 || addr.includes('%')) return undefined;
  let [head = '', tail = ''] = addr.split('::');
  if (!addr.includes('::')) tail = '';
  const words = (s: string): number[] => {
    const parts = s === '' ? [] : s.split(':');
    const last = parts[parts.length - 1];
    if (last !== undefined && last.includes('.')) {
      const q = last.split('.').map(Number);
      parts.splice(parts.length - 1, 1, (((q[0] ?? 0) << 8) | (q[1] ?? 0)).toString(16), (((q[2] ?? 0) << 8) | (q[3] ?? 0)).toString(16));
    }
    return parts.map((p) => parseInt(p, 16));
  };
  const h = words(head);
  const t = words(tail);
  const all = [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  all.forEach((w, i) => out.writeUInt16BE(w, i * 2));
  return out;
}

/** The inverse of addressBytes (the same rule utmpdump uses: words 1–3 zero means IPv4). */
export function addressString(b: Buffer): string {
  if (b.every((x) => x === 0)) return '';
  if (b.readUInt32BE(4) === 0 && b.readUInt32BE(8) === 0 && b.readUInt32BE(12) === 0) {
    return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  }
  const w: string[] = [];
  for (let i = 0; i < 16; i += 2) w.push(b.readUInt16BE(i).toString(16));
  // The URL parser gives the RFC 5952 canonical text (longest zero run as ::).
  return new URL(`http://[${w.join(':')}]/`).hostname.slice(1, -1);
}

function putString(out: Buffer, at: number, size: number, s: string): void {
  const b = Buffer.from(s, 'utf8');
  let n = Math.min(b.length, size);
  // Do not cut a UTF-8 sequence in half: back up to the start of the last character.
  if (n < b.length) while (n > 0 && ((b[n] ?? 0) & 0xc0) === 0x80) n--;
  b.copy(out, at, 0, n);
}

function getString(buf: Buffer, at: number, size: number): string {
  const field = buf.subarray(at, at + size);
  const nul = field.indexOf(0);
  return field.subarray(0, nul === -1 ? size : nul).toString('utf8');
}

function int32(v: number, name: string): number {
  if (!Number.isInteger(v) || v < INT32_MIN || v > INT32_MAX) throw fault(`${name} ${v} does not fit in int32`);
  return v;
}

function int16(v: number, name: string): number {
  if (!Number.isInteger(v) || v < -0x8000 || v > 0x7fff) throw fault(`${name} ${v} does not fit in int16`);
  return v;
}

function fault(msg: string): PptpdError {
  return new PptpdError(ErrorCode.STATE, `utmp: ${msg}`);
}
