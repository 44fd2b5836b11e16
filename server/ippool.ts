// The client address pool, PoPToP style (pptpd.conf(5) localip/remoteip). Sans-I/O.
//
// Slots: remote address i of `remote`. When `local` is ONE address every client shares
// it as our end of the link; when it holds several, slot i pairs local[i] with remote[i]
// (PoPToP gives each connection its own pair) and the pool has min(|local|, |remote|) slots.
//
// Free slots sit in a doubly linked list (typed arrays, no per-lease allocation beyond the
// Lease record): lease takes the head, release appends to the tail. So a never-used
// address goes before any released one and released addresses come back least recently
// released first, which keeps an address from being handed straight to someone else.
// Every operation is O(1) but slotOf(), which is O(number of list items in the spec).
//
// leaseWithin(rule) leases inside a user's allowed addresses (a chap-secrets address
// column): the free-list head when the rule allows it (O(1), the common case), else the
// lowest free slot the rule allows, found through a free bitmap (32 slots per step) over
// the slots each permitting word covers, in the rule's order — so the cost is the part of
// the pool the rule names divided by 32, plus one rule check per free address met there
// (only excluded ones are passed over), never a walk over every lease.
//
// Static addresses (chap-secrets address column, RADIUS Framed-IP-Address, pool.static)
// are leased when free and in no one else's hands: inside the ranges they take their slot
// out of the free list; outside the ranges they are kept apart, with the first local
// address as our end.
import { ErrorCode, PptpdError } from './errors.js';
import { ruleAllows, type AddressRule } from '../config/address-rule.js';
import { addressAt, formatIpv4, firstDuplicate, parseIpSpec, parseIpv4, type Block, type Ipv4 } from '../config/ip-spec.js';

export interface PoolOptions {
  /** Name used in messages and metrics (e.g. "default"). */
  readonly name: string;
  /** Our end of each link: one shared address or one per client (ip-specification). */
  readonly local: string | readonly string[];
  /** Clients' addresses (ip-specification); may be empty for static-only pools. */
  readonly remote: string | readonly string[];
}

export interface Lease {
  /** The client's address (IPCP IP-Address we assign). */
  readonly remote: string;
  /** Our address on the link. */
  readonly local: string;
  /** Who holds it (a session id or user name; the caller decides). */
  readonly owner: string;
  /** True when asked for by address (chap-secrets, RADIUS, pool.static). */
  readonly static: boolean;
}

export type LeaseFailure =
  | { readonly ok: false; readonly reason: 'exhausted'; readonly pool: string; readonly message: string }
  | {
      readonly ok: false;
      readonly reason: 'in-use';
      readonly pool: string;
      readonly address: string;
      readonly holder: string;
      readonly message: string;
    }
  | { readonly ok: false; readonly reason: 'invalid'; readonly pool: string; readonly address: string; readonly message: string }
  | { readonly ok: false; readonly reason: 'none-allowed'; readonly pool: string; readonly message: string };

export type LeaseResult = { readonly ok: true; readonly lease: Lease } | LeaseFailure;

const NONE = -1;

function blocksOrThrow(name: string, what: string, spec: string | readonly string[], allowEmpty: boolean): readonly Block[] {
  if (allowEmpty && (spec.length === 0 || (typeof spec === 'string' && spec.trim() === ''))) return [];
  const r = parseIpSpec(spec);
  if (!r.ok) throw new PptpdError(ErrorCode.CONFIG_INVALID, `pool "${name}": ${what}: ${r.error}`);
  const dup = firstDuplicate(r.blocks);
  if (dup !== undefined) throw new PptpdError(ErrorCode.CONFIG_INVALID, `pool "${name}": ${what}: ${formatIpv4(dup)} is listed twice`);
  return r.blocks;
}

function indexIn(blocks: readonly Block[], addr: Ipv4): number {
  let base = 0;
  for (const b of blocks) {
    const d = addr - b.start;
    if (d >= 0 && d % b.stride === 0 && d / b.stride < b.count) return base + d / b.stride;
    base += b.count;
  }
  return NONE;
}

/** 0.0.0.0, loopback, multicast, class E and broadcast: never a client address. */
function isUnusable(a: Ipv4): boolean {
  return a === 0 || a >>> 24 === 127 || a >>> 28 >= 0xe;
}

export class IpPool {
  readonly name: string;
  /** Number of dynamic slots. */
  readonly size: number;
  readonly #remote: readonly Block[];
  readonly #local: readonly Block[];
  readonly #sharedLocal: string | undefined;
  readonly #next: Int32Array;
  readonly #prev: Int32Array;
  /** Bit i set = slot i is free (mirrors the free list, for leaseWithin). */
  readonly #freeBits: Uint32Array;
  readonly #leases: (Lease | undefined)[];
  readonly #outside = new Map<Ipv4, Lease>();
  #head = NONE;
  #tail = NONE;
  #inUse = 0;

  constructor(options: PoolOptions) {
    this.name = options.name;
    this.#local = blocksOrThrow(options.name, 'local', options.local, false);
    this.#remote = blocksOrThrow(options.name, 'remote', options.remote, true);
    const localCount = this.#local.reduce((n, b) => n + b.count, 0);
    const remoteCount = this.#remote.reduce((n, b) => n + b.count, 0);
    for (const b of this.#remote) {
      for (let i = 0; i < b.count; i++) {
        if (indexIn(this.#local, b.start + i * b.stride) !== NONE) {
          throw new PptpdError(ErrorCode.CONFIG_INVALID, `pool "${this.name}": ${formatIpv4(b.start + i * b.stride)} is both local and remote`);
        }
      }
    }
    this.#sharedLocal = localCount === 1 ? formatIpv4(addressAt(this.#local, 0)) : undefined;
    this.size = localCount === 1 ? remoteCount : Math.min(localCount, remoteCount);
    this.#next = new Int32Array(this.size);
    this.#prev = new Int32Array(this.size);
    this.#freeBits = new Uint32Array((this.size + 31) >>> 5);
    this.#leases = new Array<Lease | undefined>(this.size);
    for (let i = 0; i < this.size; i++) this.#append(i);
  }

  /** Addresses leased now (dynamic and static). */
  get inUse(): number {
    return this.#inUse + this.#outside.size;
  }

  /** Dynamic slots still free. */
  get free(): number {
    return this.size - this.#inUse;
  }

  /**
   * Lease an address for `owner`: the next free one, or `address` when given (a static
   * address: leased if free and in no one else's hands, even outside the ranges).
   */
  lease(owner: string, address?: string): LeaseResult {
    if (address !== undefined) return this.#leaseStatic(owner, address);
    const slot = this.#head;
    if (slot === NONE) {
      return {
        ok: false,
        reason: 'exhausted',
        pool: this.name,
        message: `No more free addresses in pool "${this.name}" (all ${this.size} in use)`,
      };
    }
    this.#unlink(slot);
    return { ok: true, lease: this.#take(slot, owner, false) };
  }

  /**
   * Lease a free address that `rule` allows: the next free one if it may have it, else the
   * lowest free one inside the rule. 'none-allowed' when no free address is.
   */
  leaseWithin(owner: string, rule: AddressRule): LeaseResult {
    const head = this.#head;
    if (head !== NONE && ruleAllows(rule, addressAt(this.#remote, head))) {
      this.#unlink(head);
      return { ok: true, lease: this.#take(head, owner, false) };
    }
    for (const m of rule.matches) {
      if (!m.permit) continue;
      const slot = this.#freeSlotIn(m.base, (m.base | ~m.mask) >>> 0, rule);
      if (slot !== NONE) {
        this.#unlink(slot);
        return { ok: true, lease: this.#take(slot, owner, false) };
      }
    }
    return {
      ok: false,
      reason: 'none-allowed',
      pool: this.name,
      message: `no free address of pool "${this.name}" (${this.free} of ${this.size} free) is allowed`,
    };
  }

  /** The lowest free slot whose address is in [lo, hi] and allowed by `rule`, or NONE. */
  #freeSlotIn(lo: Ipv4, hi: Ipv4, rule: AddressRule): number {
    let base = 0;
    for (const b of this.#remote) {
      if (base >= this.size) break;
      const first = Math.max(0, Math.ceil((lo - b.start) / b.stride));
      const last = Math.min(b.count - 1, Math.floor((hi - b.start) / b.stride), this.size - 1 - base);
      if (first <= last) {
        const slot = this.#scanFree(base + first, base + last, rule);
        if (slot !== NONE) return slot;
      }
      base += b.count;
    }
    return NONE;
  }

  /** Free slots from..to (inclusive), 32 at a time; the first the rule allows. */
  #scanFree(from: number, to: number, rule: AddressRule): number {
    for (let w = from >>> 5; w <= to >>> 5; w++) {
      let bits = this.#freeBits[w] as number;
      if (w === from >>> 5) bits &= ~0 << (from & 31);
      if (w === to >>> 5 && (to & 31) !== 31) bits &= (1 << ((to & 31) + 1)) - 1;
      while (bits !== 0) {
        const low = bits & -bits;
        const slot = (w << 5) + 31 - Math.clz32(low);
        if (ruleAllows(rule, addressAt(this.#remote, slot))) return slot;
        bits ^= low;
      }
    }
    return NONE;
  }

  /** Give an address back. Returns false when it was not leased. */
  release(address: string): boolean {
    const a = parseIpv4(address);
    if (a === undefined) return false;
    if (this.#outside.delete(a)) return true;
    const slot = this.slotOf(address);
    if (slot === NONE || this.#leases[slot] === undefined) return false;
    this.#leases[slot] = undefined;
    this.#inUse--;
    this.#append(slot);
    return true;
  }

  /** Current holder of an address, if leased. */
  holderOf(address: string): string | undefined {
    const a = parseIpv4(address);
    if (a === undefined) return undefined;
    const outside = this.#outside.get(a);
    if (outside !== undefined) return outside.owner;
    const slot = this.slotOf(address);
    return slot === NONE ? undefined : this.#leases[slot]?.owner;
  }

  /** Every current lease (dynamic first, then static ones outside the ranges). */
  *leases(): Generator<Lease> {
    for (const l of this.#leases) if (l !== undefined) yield l;
    yield* this.#outside.values();
  }

  /** Dynamic slot of an address, or -1 when it is not one of the pool's slots. */
  slotOf(address: string): number {
    const a = parseIpv4(address);
    if (a === undefined) return NONE;
    const i = indexIn(this.#remote, a);
    return i !== NONE && i < this.size ? i : NONE;
  }

  #leaseStatic(owner: string, address: string): LeaseResult {
    const a = parseIpv4(address);
    const invalid = (why: string): LeaseFailure => ({
      ok: false,
      reason: 'invalid',
      pool: this.name,
      address,
      message: `${address} cannot be leased from pool "${this.name}": ${why}`,
    });
    if (a === undefined) return invalid('not an IPv4 address');
    if (isUnusable(a)) return invalid('reserved address (0.0.0.0, loopback, multicast or class E)');
    if (indexIn(this.#local, a) !== NONE) return invalid('it is a local address of the pool');
    const holder = this.holderOf(address);
    if (holder !== undefined) {
      return {
        ok: false,
        reason: 'in-use',
        pool: this.name,
        address,
        holder,
        message: `${address} is already leased from pool "${this.name}"`,
      };
    }
    const slot = this.slotOf(address);
    if (slot !== NONE) {
      this.#unlink(slot);
      return { ok: true, lease: this.#take(slot, owner, true) };
    }
    const lease: Lease = { remote: address, local: this.#localFor(0), owner, static: true };
    this.#outside.set(a, lease);
    return { ok: true, lease };
  }

  #localFor(slot: number): string {
    return this.#sharedLocal ?? formatIpv4(addressAt(this.#local, slot));
  }

  /** Record a lease on a slot already unlinked from the free list. */
  #take(slot: number, owner: string, isStatic: boolean): Lease {
    const lease: Lease = { remote: formatIpv4(addressAt(this.#remote, slot)), local: this.#localFor(slot), owner, static: isStatic };
    this.#leases[slot] = lease;
    this.#inUse++;
    return lease;
  }

  #append(slot: number): void {
    this.#freeBits[slot >>> 5]! |= 1 << (slot & 31);
    this.#next[slot] = NONE;
    this.#prev[slot] = this.#tail;
    if (this.#tail === NONE) this.#head = slot;
    else this.#next[this.#tail] = slot;
    this.#tail = slot;
  }

  #unlink(slot: number): void {
    this.#freeBits[slot >>> 5]! &= ~(1 << (slot & 31));
    const p = this.#prev[slot] as number;
    const n = this.#next[slot] as number;
    if (p === NONE) this.#head = n;
    else this.#next[p] = n;
    if (n === NONE) this.#tail = p;
    else this.#prev[n] = p;
    this.#next[slot] = NONE;
    this.#prev[slot] = NONE;
  }
}
