// The raw GRE socket: every IP protocol 47 datagram that reaches this host
// (this network namespace) arrives here, and we send GRE packets to clients
// through it. PPTP's data channel is enhanced GRE (RFC 2637 §4.1) straight
// over IPv4, with no ports: demultiplexing by (source address, call id) is the
// GRE layer's job (server/gre/), not this file's.
//
// Receive: batches of packets; for each, its IPv4 source and the bytes after
// the IPv4 header (the GRE header onwards). The kernel has already reassembled
// fragments; datagrams with a bad IPv4 header or longer than the slot size are
// dropped and counted by the addon.
// Send: batches of GRE packets (header + payload, no IPv4 header: the kernel
// adds it), each to its own IPv4 destination, through sendmmsg.
//
// Needs CAP_NET_RAW. A firewall must let IP protocol 47 in (see docs/dataplane.md).
import { ErrorCode, PptpdError } from '../errors.js';
import { ipv4FromString } from '../gre/ipv4.js';
import {
  ReaderMode, loadDataplane, newWriteStats, writeOrDrop,
  type ErrnoError, type NativeReader, type PacketBatch, type ReaderStats, type WriteStats,
} from './native.js';

/** A received batch: offsets/lengths cover the GRE packet, `sources[i]` is packet i's IPv4 source (host order). */
export interface GreBatch extends PacketBatch {
  readonly sources: Uint32Array;
}

export type GreHandler = (batch: GreBatch) => void;

export interface GreSocketOptions {
  /** Receive buffer in bytes (default 8 MiB, forced past rmem_max with CAP_NET_ADMIN): absorbs bursts. */
  rcvbuf?: number;
  /** Send buffer in bytes (default 4 MiB). */
  sndbuf?: number;
  /** Datagrams per receive batch (default 64). */
  batch?: number;
  /** Bytes per receive slot (default 2048); longer datagrams are dropped. */
  stride?: number;
  /** Called once when receiving fails for good; default: thrown as uncaught. */
  onError?: (err: ErrnoError) => void;
}

export interface GreSocketStats {
  readonly received: ReaderStats | undefined;
  readonly sent: Readonly<WriteStats>;
}

/** "10.0.0.1" → 0x0a000001. Throws PptpdError for anything but a dotted quad. */
export function parseIPv4(text: string): number {
  const n = ipv4FromString(text);
  if (n === undefined) throw new PptpdError(ErrorCode.CONFIG_INVALID, `not an IPv4 address: ${text}`);
  return n;
}

/** 0x0a000001 → "10.0.0.1". */
export { ipv4ToString as formatIPv4 } from '../gre/ipv4.js';

export class GreSocket {
  readonly fd: number;
  readonly batchSize: number;
  readonly #stride: number;
  readonly #onError: ((err: ErrnoError) => void) | undefined;
  readonly #sendStats = newWriteStats();
  #reader: NativeReader | undefined;
  #lastReadStats: ReaderStats | undefined;
  #closed = false;

  private constructor(fd: number, batch: number, stride: number, onError: GreSocketOptions['onError']) {
    this.fd = fd;
    this.batchSize = batch;
    this.#stride = stride;
    this.#onError = onError;
  }

  static open(options: GreSocketOptions = {}): GreSocket {
    const fd = loadDataplane().openRawGre(options.rcvbuf ?? 8 << 20, options.sndbuf ?? 4 << 20);
    return new GreSocket(fd, options.batch ?? 64, options.stride ?? 2048, options.onError);
  }

  /** Starts (or replaces, or with undefined stops) delivery of received batches. */
  onPackets(handler: GreHandler | undefined): void {
    this.#assertOpen();
    this.#stopReader();
    if (handler === undefined) return;
    const { Reader } = loadDataplane();
    // Callbacks come from the event loop, after `batch` below exists.
    const reader = new Reader(this.fd, ReaderMode.RawIPv4, this.batchSize, this.#stride, (count) => {
      batch.count = count;
      handler(batch);
    }, (err) => this.#fail(err));
    const sources = reader.sources;
    if (!sources) throw new PptpdError(ErrorCode.NATIVE, 'raw reader without sources');
    const batch: GreBatch = { slab: reader.slab, offsets: reader.offsets, lengths: reader.lengths, sources, count: 0 };
    this.#reader = reader;
  }

  /**
   * Sends packets 0..batch.count-1, packet i to dstIPv4[i] (host order).
   * Returns how many the kernel took; refused ones (no route, queue full) are
   * dropped and counted in stats().sent.
   */
  send(batch: PacketBatch, dstIPv4: Uint32Array): number {
    this.#assertOpen();
    const { sendBatch } = loadDataplane();
    const fd = this.fd;
    return writeOrDrop((start, end) => sendBatch(fd, batch.slab, batch.offsets, batch.lengths, dstIPv4, start, end),
      batch.count, this.#sendStats);
  }

  /** The buffer sizes the kernel granted (it reports twice what was asked). */
  bufferSizes(): { rcvbuf: number; sndbuf: number } {
    this.#assertOpen();
    return loadDataplane().socketBufferSizes(this.fd);
  }

  stats(): GreSocketStats {
    return { received: this.#reader?.stats() ?? this.#lastReadStats, sent: { ...this.#sendStats } };
  }

  /** Stops receiving and closes the socket. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#stopReader();
    this.#closed = true;
    loadDataplane().close(this.fd);
  }

  #stopReader(): void {
    if (!this.#reader) return;
    this.#lastReadStats = this.#reader.stats();
    this.#reader.stop();
    this.#reader = undefined;
  }

  #fail(err: ErrnoError): void {
    this.#stopReader();
    if (!this.#onError) throw err;
    this.#onError(err);
  }

  #assertOpen(): void {
    if (this.#closed) throw new PptpdError(ErrorCode.STATE, 'GRE socket is closed');
  }
}
