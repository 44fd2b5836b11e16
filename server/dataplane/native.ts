// The native addon's loader and typed API (sources: server/dataplane/native/,
// built by `npm ci` through binding.gyp into build/Release/pptpd_dataplane.node).
//
// Rules of this edge:
// - The addon does system calls only; everything it returns is raw packets in
//   reused memory (a "slab" plus offsets/lengths), so the per-packet path
//   allocates nothing.
// - System-call failures are Errors shaped like Node's: `code` ('EACCES'),
//   `errno` (negative), `syscall`. A missing build is a PptpdError NATIVE.
// - Batched writes never throw for one bad packet: `writeOrDrop` drops it,
//   counts it and goes on; only a fatal error (closed fd) is thrown.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode, PptpdError } from '../errors.js';

/** Packets in one shared byte array: packet i is slab[offsets[i], offsets[i] + lengths[i]). */
export interface PacketBatch {
  readonly slab: Buffer;
  readonly offsets: Uint32Array;
  readonly lengths: Uint32Array;
  /** Packets 0..count-1 are valid. */
  count: number;
}

/** A batch a caller fills before writing: slot i starts at i * stride. */
export interface OutBatch extends PacketBatch {
  readonly capacity: number;
  readonly stride: number;
}

/** How the native Reader reads its fd. */
export const ReaderMode = {
  /** read(2) per packet; offsets/lengths cover whole IP packets. */
  Tun: 0,
  /** recvmmsg(2); the IPv4 header is checked and skipped; `sources` is filled. */
  RawIPv4: 1,
} as const;
export type ReaderMode = (typeof ReaderMode)[keyof typeof ReaderMode];

export interface ReaderStats {
  /** Packets handed to onBatch. */
  readonly packets: number;
  /** onBatch calls. */
  readonly batches: number;
  /** Datagrams dropped as malformed or truncated (longer than the stride). */
  readonly dropped: number;
  /** Failed reads, fatal or not. */
  readonly errors: number;
}

export interface NativeReader {
  readonly slab: Buffer;
  readonly offsets: Uint32Array;
  readonly lengths: Uint32Array;
  /** RawIPv4 mode: each packet's IPv4 source as a host-order integer. */
  readonly sources?: Uint32Array;
  /** Stops polling (idempotent). Call before closing the fd. */
  stop(): void;
  stats(): ReaderStats;
}

/** The addon's exports, as declared in server/dataplane/native/common.h. */
export interface DataplaneAddon {
  openTun(name: string, mtu: number): { fd: number; name: string };
  setLinkUp(name: string, up: boolean): void;
  openRawGre(rcvbuf: number, sndbuf: number): number;
  socketBufferSizes(fd: number): { rcvbuf: number; sndbuf: number };
  close(fd: number): void;
  /** sendmmsg to dstIPv4[i] (host order) for packets [start, end); returns how many went out. */
  sendBatch(
    fd: number, slab: Uint8Array, offsets: Uint32Array, lengths: Uint32Array,
    dstIPv4: Uint32Array, start: number, end: number,
  ): number;
  /** write(2) per packet for [start, end); returns how many went out. */
  writeBatch(fd: number, slab: Uint8Array, offsets: Uint32Array, lengths: Uint32Array, start: number, end: number): number;
  Reader: new (
    fd: number, mode: ReaderMode, batch: number, stride: number,
    onBatch: (count: number) => void, onError: (err: ErrnoError) => void,
  ) => NativeReader;
  /** Which RC4 XORs payloads: OpenSSL's (its RC4_options(), e.g. "rc4(8x,int)") or "builtin". */
  readonly mppeRc4Engine: string;
  /** Bytes of one MPPE direction's state buffer (mppe.cc MppeState). */
  readonly mppeStateSize: number;
  /** Sets up `state` for a direction: StartKey, initial SessionKey (RFC 3079 §3), RC4 keyed. */
  mppeInit(state: Uint8Array, masterKey: Uint8Array, bits: 40 | 56 | 128): void;
  /**
   * `keyChanges` RFC 3078 §7.3 key changes (or, with none and `flushed`, an RC4 re-key with
   * the current key), then RC4 over buf[start, end) in place. Throws TypeError/RangeError on
   * a bad state or range (caller bugs), never reads outside `buf`.
   */
  mppeCrypt(state: Uint8Array, buf: Uint8Array, start: number, end: number, keyChanges: number, flushed: boolean): void;
}

/** A failed system call, as the addon throws it. */
export interface ErrnoError extends Error {
  readonly code: string;
  readonly errno: number;
  readonly syscall: string;
  readonly path?: string;
}

export function isErrnoError(e: unknown): e is ErrnoError {
  return e instanceof Error && typeof (e as { code?: unknown }).code === 'string' &&
    typeof (e as { syscall?: unknown }).syscall === 'string';
}

/** Errors that will not go away by retrying the next packet (mirrors IsFatalErrno in errors.cc). */
export function isFatalErrno(e: unknown): boolean {
  return isErrnoError(e) && (e.code === 'EBADF' || e.code === 'EBADFD' || e.code === 'ENOTSOCK' || e.code === 'EFAULT');
}

const ADDON_FILE = 'pptpd_dataplane.node';
let cached: DataplaneAddon | undefined;
let loadFailure: string | undefined;

/** Where the built addon is: the nearest folder up from here holding binding.gyp (source or dist/ layout). */
export function addonPath(): string | undefined {
  const override = process.env['PPTPD_DATAPLANE_ADDON'];
  if (override) return override;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 5; up++) {
    if (existsSync(path.join(dir, 'binding.gyp'))) {
      const file = path.join(dir, 'build', 'Release', ADDON_FILE);
      return existsSync(file) ? file : undefined;
    }
    dir = path.dirname(dir);
  }
  return undefined;
}

/** The addon, loaded once. Throws PptpdError(NATIVE) when it is not built or not loadable. */
export function loadDataplane(): DataplaneAddon {
  if (cached) return cached;
  if (loadFailure === undefined) {
    const file = addonPath();
    if (file === undefined) {
      loadFailure = `native addon ${ADDON_FILE} not built (run \`npm ci\` or \`npx node-gyp rebuild\`)`;
    } else {
      try {
        cached = createRequire(import.meta.url)(file) as DataplaneAddon;
        return cached;
      } catch (e) {
        loadFailure = `native addon ${file} failed to load: ${(e as Error).message}`;
      }
    }
  }
  throw new PptpdError(ErrorCode.NATIVE, loadFailure);
}

/** Why the addon cannot be used, or undefined when it can (for test skips). */
export function dataplaneUnavailable(): string | undefined {
  try {
    loadDataplane();
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** An empty batch of `capacity` slots of `stride` bytes, offsets preset to i * stride. */
export function allocBatch(capacity: number, stride: number): OutBatch {
  if (!Number.isInteger(capacity) || capacity < 1 || !Number.isInteger(stride) || stride < 1) {
    throw new PptpdError(ErrorCode.STATE, `bad batch shape ${capacity} x ${stride}`);
  }
  const offsets = new Uint32Array(capacity);
  for (let i = 0; i < capacity; i++) offsets[i] = i * stride;
  return { slab: Buffer.alloc(capacity * stride), offsets, lengths: new Uint32Array(capacity), count: 0, capacity, stride };
}

/** Counters a writer keeps; writeOrDrop adds to them. */
export interface WriteStats {
  packets: number;
  dropped: number;
  /** Batches handed to writeOrDrop with at least one packet (packets / batches = the batch size achieved). */
  batches: number;
  /** The code of the last error that dropped a packet ('EAGAIN' for back-pressure). */
  lastError: string | undefined;
}

export function newWriteStats(): WriteStats {
  return { packets: 0, dropped: 0, batches: 0, lastError: undefined };
}

/**
 * Writes packets [0, count) with a native batch call `op(start, end)` (see
 * batch_io.cc for its contract). A packet the kernel refuses (no route,
 * too big, malformed) is dropped and counted; when the kernel pushes back
 * (queue full) the rest of the batch is dropped, as a router would. Fatal
 * errors (closed fd) are thrown. Returns how many packets went out.
 */
export function writeOrDrop(op: (start: number, end: number) => number, count: number, stats: WriteStats): number {
  let i = 0;
  let written = 0;
  if (count > 0) stats.batches++;
  // Each pass either sends >= 1 packet, drops one, or ends: at most 2 * count passes.
  for (let pass = 0; i < count && pass <= 2 * count; pass++) {
    let n: number;
    try {
      n = op(i, count);
    } catch (e) {
      if (!isErrnoError(e) || isFatalErrno(e)) throw e;
      stats.dropped++;
      stats.lastError = e.code;
      i++;
      continue;
    }
    if (n === 0) {
      stats.dropped += count - i;
      stats.lastError = 'EAGAIN';
      break;
    }
    written += n;
    i += n;
  }
  stats.packets += written;
  return written;
}
