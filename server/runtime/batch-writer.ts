// Collects outgoing packets into one reusable slab and hands them to the kernel in one
// batched system call (sendmmsg for GRE, a write loop for TUN). The packet path flushes
// at the end of each received batch it handled (so a reply never waits for the next
// event-loop turn); anything queued outside a batch (timers, control messages) goes at
// the end of the turn through setImmediate, and a full slab is flushed at once.
// Per packet: no allocation (reserve() returns an offset into the slab).

import { allocBatch, type OutBatch } from '../dataplane/native.js';

export type FlushFn = (batch: OutBatch, destinations: Uint32Array) => void;

export class BatchWriter {
  readonly #batch: OutBatch;
  readonly #dst: Uint32Array;
  readonly #flush: FlushFn;
  readonly #onImmediate = (): void => this.flush();
  #scheduled = false;

  constructor(capacity: number, stride: number, flush: FlushFn) {
    this.#batch = allocBatch(capacity, stride);
    this.#dst = new Uint32Array(capacity);
    this.#flush = flush;
  }

  get stride(): number {
    return this.#batch.stride;
  }

  /** The slab reserve() offsets point into (the same Buffer for the writer's life). */
  get slab(): Buffer {
    return this.#batch.slab;
  }

  /** Packets queued and not yet flushed. */
  get pending(): number {
    return this.#batch.count;
  }

  /**
   * Reserves the next slot for a packet of `length` bytes to `destination` (IPv4, host
   * order; ignored for TUN) and returns the offset in `slab` to write it at, or -1 when
   * the packet cannot fit a slot.
   */
  reserve(length: number, destination: number): number {
    const b = this.#batch;
    if (length > b.stride) return -1;
    if (b.count === b.capacity) this.flush();
    const i = b.count++;
    b.lengths[i] = length;
    this.#dst[i] = destination;
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#onImmediate);
    }
    return b.offsets[i]!;
  }

  /** Sends what is queued now. */
  flush(): void {
    this.#scheduled = false;
    if (this.#batch.count === 0) return;
    try {
      this.#flush(this.#batch, this.#dst);
    } finally {
      this.#batch.count = 0;
    }
  }
}
