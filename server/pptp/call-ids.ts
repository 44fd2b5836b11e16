// Call ID allocation (RFC 2637 §3.2.2). The RFC only needs a Call ID to be unique
// per tunnel, but GRE arrives on one raw socket for the whole process and is
// demultiplexed by the Call ID we assigned, so ours are unique process-wide: the
// composition root creates one allocator and every control connection shares it.
//
// A bitmap of the 65 536 ids (8 KiB) and a rotating cursor: allocation is O(1)
// amortised, and a released id is not reused until the cursor comes round again,
// so late GRE packets of a finished call are unlikely to reach a new one.

import { ErrorCode, PptpdError } from '../errors.js';

const ID_COUNT = 0x10000;

export interface CallIdAllocatorOptions {
  /** First id to try (default: random), so restarts do not reuse recent ids. */
  readonly start?: number;
  /** Never hand out 0: some peers treat Call ID 0 as "not assigned yet". Default true. */
  readonly skipZero?: boolean;
}

export class CallIdAllocator {
  private readonly used = new Uint8Array(ID_COUNT / 8);
  private cursor: number;
  private count = 0;
  private readonly skipZero: boolean;

  constructor(options: CallIdAllocatorOptions = {}) {
    this.cursor = (options.start ?? Math.floor(Math.random() * ID_COUNT)) & 0xffff;
    this.skipZero = options.skipZero ?? true;
  }

  /** Ids currently handed out. */
  get inUse(): number {
    return this.count;
  }

  /** Ids that can be handed out in total. */
  get capacity(): number {
    return this.skipZero ? ID_COUNT - 1 : ID_COUNT;
  }

  /** A free Call ID, now reserved; undefined when all are taken. */
  allocate(): number | undefined {
    if (this.count >= this.capacity) return undefined;
    for (let i = 0; i < ID_COUNT; i++) {
      const id = this.cursor;
      this.cursor = (this.cursor + 1) & 0xffff;
      if (id === 0 && this.skipZero) continue;
      if (!this.isUsed(id)) {
        this.used[id >> 3]! |= 1 << (id & 7);
        this.count++;
        return id;
      }
    }
    return undefined; // unreachable while count is accurate
  }

  /** Whether `id` is currently handed out. */
  isUsed(id: number): boolean {
    return (this.used[(id & 0xffff) >> 3]! & (1 << (id & 7))) !== 0;
  }

  /** Give `id` back. Releasing an id that is not in use is our own bug. */
  release(id: number): void {
    if (!Number.isInteger(id) || id < 0 || id > 0xffff || !this.isUsed(id)) {
      throw new PptpdError(ErrorCode.STATE, `release of Call ID ${id}, which is not allocated`);
    }
    this.used[id >> 3]! &= ~(1 << (id & 7));
    this.count--;
  }
}
