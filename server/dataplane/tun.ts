// The TUN device: where decrypted client packets enter the host's IP stack and
// where packets for clients leave it. The interface follows wireguard-go's
// tun.Device (batched read/write, MTU, name, close) so the session code can be
// driven by an in-memory fake (test/helpers/channel-tun.ts) as well as by the
// kernel device below.
//
// Each packet is a bare IPv4 (or IPv6) packet: the device is opened with
// IFF_TUN | IFF_NO_PI, so there is no link header and no packet-info prefix.
import { existsSync, writeFileSync } from 'node:fs';
import { ErrorCode, PptpdError } from '../errors.js';
import {
  ReaderMode, loadDataplane, newWriteStats, writeOrDrop,
  type ErrnoError, type NativeReader, type PacketBatch, type ReaderStats, type WriteStats,
} from './native.js';

/** Receives a batch; the batch's memory is reused after the call returns. */
export type PacketHandler = (batch: PacketBatch) => void;

export interface TunDevice {
  readonly name: string;
  /** The device's MTU: the largest IP packet it carries. */
  readonly mtu: number;
  /** The most packets one handler call can carry. */
  readonly batchSize: number;
  /** Packets from the kernel (routed to the device) go to `handler`; undefined stops reading. */
  onPackets(handler: PacketHandler | undefined): void;
  /** Hands packets 0..batch.count-1 to the kernel; returns how many it took (the rest are dropped and counted). */
  writePackets(batch: PacketBatch): number;
  /** Stops reading and releases the device (a non-persistent TUN disappears). Idempotent. */
  close(): void;
}

export interface TunOptions {
  /** Interface name (at most 15 bytes); empty lets the kernel choose tunN. */
  name?: string;
  /** Default 1400: PPTP's usual MTU, leaving room for GRE + PPP + MPPE inside a 1500-byte path. */
  mtu?: number;
  /** Bring the link up (default true). Addresses and routes are the caller's (`ip addr`, `ip route`). */
  up?: boolean;
  /** Disable IPv6 on the device (default true): PPTP here carries IPv4 only, and
   *  this stops the kernel's router solicitations from reaching us. */
  disableIpv6?: boolean;
  /** Packets per read batch (default 64). */
  batch?: number;
  /** Called once when reading fails for good (device deleted); default: thrown as uncaught. */
  onError?: (err: ErrnoError) => void;
}

export interface TunStats {
  readonly read: ReaderStats | undefined;
  readonly write: Readonly<WriteStats>;
}

/** Sets net.ipv6.conf.<name>.disable_ipv6 = 1 in the caller's namespace (no-op without IPv6). */
export function disableIpv6(name: string): void {
  const file = `/proc/sys/net/ipv6/conf/${name}/disable_ipv6`;
  if (existsSync(file)) writeFileSync(file, '1\n');
}

/** The kernel's TUN device through the native addon. Needs CAP_NET_ADMIN. */
export class NativeTun implements TunDevice {
  readonly name: string;
  readonly mtu: number;
  readonly batchSize: number;
  readonly #fd: number;
  readonly #stride: number;
  readonly #onError: ((err: ErrnoError) => void) | undefined;
  readonly #writeStats = newWriteStats();
  #reader: NativeReader | undefined;
  #lastReadStats: ReaderStats | undefined;
  #closed = false;

  private constructor(fd: number, name: string, mtu: number, batch: number, onError: TunOptions['onError']) {
    this.#fd = fd;
    this.name = name;
    this.mtu = mtu;
    this.batchSize = batch;
    // Room for one MTU-sized packet per slot, rounded to a cache-friendly 64.
    this.#stride = Math.ceil((Math.max(mtu, 1500) + 64) / 64) * 64;
    this.#onError = onError;
  }

  static open(options: TunOptions = {}): NativeTun {
    const mtu = options.mtu ?? 1400;
    const batch = options.batch ?? 64;
    if (!Number.isInteger(mtu) || mtu < 68 || mtu > 65535) {
      throw new PptpdError(ErrorCode.CONFIG_INVALID, `TUN mtu ${mtu} outside 68..65535`);
    }
    const addon = loadDataplane();
    const { fd, name } = addon.openTun(options.name ?? '', mtu);
    try {
      if (options.disableIpv6 ?? true) disableIpv6(name);
      if (options.up ?? true) addon.setLinkUp(name, true);
    } catch (e) {
      addon.close(fd);
      throw e;
    }
    return new NativeTun(fd, name, mtu, batch, options.onError);
  }

  onPackets(handler: PacketHandler | undefined): void {
    this.#assertOpen();
    this.#stopReader();
    if (handler === undefined) return;
    const { Reader } = loadDataplane();
    // The callbacks run from the event loop, never inside the constructor,
    // so `batch` exists by then. It is a view of the reader's reused arrays.
    const reader = new Reader(this.#fd, ReaderMode.Tun, this.batchSize, this.#stride, (count) => {
      batch.count = count;
      handler(batch);
    }, (err) => this.#fail(err));
    const batch: PacketBatch = { slab: reader.slab, offsets: reader.offsets, lengths: reader.lengths, count: 0 };
    this.#reader = reader;
  }

  writePackets(batch: PacketBatch): number {
    this.#assertOpen();
    const { writeBatch } = loadDataplane();
    const fd = this.#fd;
    return writeOrDrop((start, end) => writeBatch(fd, batch.slab, batch.offsets, batch.lengths, start, end),
      batch.count, this.#writeStats);
  }

  stats(): TunStats {
    return { read: this.#reader?.stats() ?? this.#lastReadStats, write: { ...this.#writeStats } };
  }

  close(): void {
    if (this.#closed) return;
    this.#stopReader();
    this.#closed = true;
    loadDataplane().close(this.#fd);
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
    if (this.#closed) throw new PptpdError(ErrorCode.STATE, `TUN ${this.name} is closed`);
  }
}
