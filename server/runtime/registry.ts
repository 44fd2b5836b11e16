// Live sessions, indexed the ways the data path and the operator need them:
// by our GRE call id (every received GRE packet), by tunnel address (every
// packet from TUN) and by user (single-session policy, kill --user).

import type { CallSession } from './call-session.js';

export class SessionRegistry {
  // Call ids are 16-bit: a flat array is the cheapest per-packet lookup.
  readonly #byCallId: (CallSession | undefined)[] = new Array(65536);
  readonly #byIp = new Map<number, CallSession>();
  readonly #byUser = new Map<string, Set<CallSession>>();
  readonly #all = new Set<CallSession>();

  get size(): number {
    return this.#all.size;
  }

  all(): IterableIterator<CallSession> {
    return this.#all.values();
  }

  add(s: CallSession): void {
    this.#all.add(s);
    this.#byCallId[s.callId] = s;
  }

  remove(s: CallSession): void {
    this.#all.delete(s);
    if (this.#byCallId[s.callId] === s) this.#byCallId[s.callId] = undefined;
    this.unbindAddress(s);
    this.unbindUser(s);
  }

  byCallId(id: number): CallSession | undefined {
    return this.#byCallId[id];
  }

  bindAddress(s: CallSession, ip: number): void {
    this.#byIp.set(ip, s);
  }

  unbindAddress(s: CallSession): void {
    const ip = s.remoteIp;
    if (ip !== undefined && this.#byIp.get(ip) === s) this.#byIp.delete(ip);
  }

  byIp(ip: number): CallSession | undefined {
    return this.#byIp.get(ip);
  }

  bindUser(s: CallSession, user: string): void {
    const key = user.toLowerCase();
    let set = this.#byUser.get(key);
    if (!set) this.#byUser.set(key, (set = new Set()));
    set.add(s);
  }

  unbindUser(s: CallSession): void {
    if (s.userName === undefined) return;
    const key = s.userName.toLowerCase();
    const set = this.#byUser.get(key);
    if (!set) return;
    set.delete(s);
    if (set.size === 0) this.#byUser.delete(key);
  }

  byUser(user: string): CallSession[] {
    return [...(this.#byUser.get(user.toLowerCase()) ?? [])];
  }
}
