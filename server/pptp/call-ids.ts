// Call ID allocation (RFC 2637 §3.2.2). The RFC only needs a Call ID to be unique
// per tunnel, but GRE arrives on one raw socket for the whole process and is
// demultiplexed by the Call ID we assigned, so ours are unique process-wide: the
// composition root creates one allocator and every control connection shares it.
//
// A bitmap of the 65 536 ids (8 KiB). By default each allocation starts probing at a
// random id (from the CSPRNG pool): ids are unpredictable, so an off-path attacker who
// saw one call cannot guess the next one to aim spoofed GRE at it, and a released id is
// unlikely to come back soon (late GRE of a finished call does not reach a new one).
// With `start`, a rotating cursor hands ids out in order instead (deterministic tests).

import { ErrorCode, PptpdError } from '../errors.js';
import { pooledRandomUint32 } from '../random-pool.js';

const ID_COUNT = 0x10000;

export interface CallIdAllocatorOptions {
  /** Hand ids out in order from this one (tests). Default: a random id per allocation. */
  readonly start?: number;
  /** Never hand out 0: some peers treat Call ID 0 as "not assigned yet". Default true. */
  readonly skipZero?: boolean;
}

export class CallIdAllocator {
  private readonly used = new Uint8Array(ID_COUNT / 8);
  private cursor: number;
  private count = 0;
  private readonly skipZero: boolean;
  private readonly sequential: boolean;

  constructor(options: CallIdAllocatorOptions = {}) {
    this.sequential = options.start !== undefined;
    this.cursor = (options.start ?? 0) & 0xffff;
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
    if (!this.sequential) this.cursor = pooledRandomUint32() & 0xffff;
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
