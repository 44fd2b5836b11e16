// An in-memory TUN device (after wireguard-go's tun/tuntest ChannelTUN): the
// test plays the kernel. `inject` is the kernel routing packets to the device;
// what the code under test writes lands in `written`.
//
// Like the native device, a delivered batch lives in one reused slab. After the
// handler returns, the slab is overwritten with 0xEE ("poisoned"), so code that
// keeps a view of a packet instead of copying it fails its tests here too.
import { ErrorCode, PptpdError } from '../../server/errors.js';
import type { PacketBatch } from '../../server/dataplane/native.js';
import type { PacketHandler, TunDevice } from '../../server/dataplane/tun.js';

export interface ChannelTunOptions {
  name?: string;
  mtu?: number;
  batchSize?: number;
  /** Overwrite the batch memory after each handler call (default true). */
  poison?: boolean;
}

export class ChannelTun implements TunDevice {
  readonly name: string;
  readonly mtu: number;
  readonly batchSize: number;
  /** Copies of the packets written to the device, oldest first. */
  readonly written: Buffer[] = [];
  /** Packets injected while no handler was set (the kernel would have queued or dropped them). */
  undelivered = 0;
  #handler: PacketHandler | undefined;
  #closed = false;
  readonly #poison: boolean;
  readonly #batch: PacketBatch;
  readonly #stride: number;
  #waiters: Array<{ n: number; resolve: () => void }> = [];

  constructor(options: ChannelTunOptions = {}) {
    this.name = options.name ?? 'ctun0';
    this.mtu = options.mtu ?? 1400;
    this.batchSize = options.batchSize ?? 64;
    this.#poison = options.poison ?? true;
    this.#stride = Math.max(this.mtu, 1500);
    const offsets = new Uint32Array(this.batchSize);
    for (let i = 0; i < this.batchSize; i++) offsets[i] = i * this.#stride;
    this.#batch = {
      slab: Buffer.alloc(this.batchSize * this.#stride), offsets, lengths: new Uint32Array(this.batchSize), count: 0,
    };
  }

  get closed(): boolean {
    return this.#closed;
  }

  onPackets(handler: PacketHandler | undefined): void {
    this.#assertOpen();
    this.#handler = handler;
  }

  /**
   * The kernel side: delivers `packets` to the handler in batches of at most
   * batchSize, synchronously. Packets longer than the MTU are refused (a real
   * TUN never carries them). Returns how many reached the handler.
   */
  inject(packets: readonly Uint8Array[]): number {
    this.#assertOpen();
    const handler = this.#handler;
    if (!handler) {
      this.undelivered += packets.length;
      return 0;
    }
    const b = this.#batch;
    let delivered = 0;
    let n = 0;
    const flush = (): void => {
      if (n === 0) return;
      b.count = n;
      handler(b);
      if (this.#poison) b.slab.fill(0xee);
      delivered += n;
      n = 0;
    };
    for (const p of packets) {
      if (p.length > this.mtu) throw new PptpdError(ErrorCode.STATE, `injected packet of ${p.length} bytes exceeds MTU ${this.mtu}`);
      b.slab.set(p, b.offsets[n]!);
      b.lengths[n] = p.length;
      n++;
      if (n === this.batchSize) flush();
    }
    flush();
    return delivered;
  }

  writePackets(batch: PacketBatch): number {
    this.#assertOpen();
    for (let i = 0; i < batch.count; i++) {
      const off = batch.offsets[i]!;
      this.written.push(Buffer.from(batch.slab.subarray(off, off + batch.lengths[i]!)));
    }
    this.#waiters = this.#waiters.filter((w) => (this.written.length >= w.n ? (w.resolve(), false) : true));
    return batch.count;
  }

  /** Removes and returns everything written so far. */
  takeWritten(): Buffer[] {
    return this.written.splice(0, this.written.length);
  }

  /** Resolves once at least `n` packets have been written in total; rejects after timeoutMs. */
  waitForWritten(n: number, timeoutMs = 2000): Promise<void> {
    if (this.written.length >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${this.written.length}/${n} packets written in ${timeoutMs} ms`)), timeoutMs);
      this.#waiters.push({ n, resolve: () => { clearTimeout(timer); resolve(); } });
    });
  }

  close(): void {
    this.#closed = true;
    this.#handler = undefined;
  }

  #assertOpen(): void {
    if (this.#closed) throw new PptpdError(ErrorCode.STATE, `TUN ${this.name} is closed`);
  }
}
