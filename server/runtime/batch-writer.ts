// Collects outgoing packets into one reusable slab and hands them to the kernel
// in one batched system call per event-loop turn (sendmmsg for GRE, a write loop
// for TUN). Packets queued during one turn go out together; a full batch is
// flushed at once.

import { allocBatch, type OutBatch } from '../dataplane/native.js';

export type FlushFn = (batch: OutBatch, destinations: Uint32Array) => void;

export class BatchWriter {
  readonly #batch: OutBatch;
  readonly #dst: Uint32Array;
  readonly #flush: FlushFn;
  #scheduled = false;

  constructor(capacity: number, stride: number, flush: FlushFn) {
    this.#batch = allocBatch(capacity, stride);
    this.#dst = new Uint32Array(capacity);
    this.#flush = flush;
  }

  get stride(): number {
    return this.#batch.stride;
  }

  /**
   * Reserves the next slot for a packet of `length` bytes to `destination`
   * (IPv4, host order; ignored for TUN) and returns the slab and the slot's
   * offset to write it at, or undefined when the packet cannot fit a slot.
   */
  reserve(length: number, destination: number): { slab: Buffer; offset: number } | undefined {
    const b = this.#batch;
    if (length > b.stride) return undefined;
    if (b.count === b.capacity) this.flush();
    const i = b.count++;
    b.lengths[i] = length;
    this.#dst[i] = destination;
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.flush());
    }
    return { slab: b.slab, offset: b.offsets[i]! };
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
