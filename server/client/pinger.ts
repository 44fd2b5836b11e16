// ping through the tunnel: ICMP Echo Requests from our tunnel address, one at a time,
// each waiting a bounded time for its Echo Reply, matched by Identifier and Sequence
// Number (RFC 792) and by the source being the address we pinged.

import { now } from '../timers.js';
import { buildEchoRequest, IcmpType, type EchoMessage } from './icmp.js';
import type { PingOptions, PingResult } from './types.js';

export const PING_DEFAULTS = { count: 3, size: 56, timeoutMs: 1000, intervalMs: 0 } as const;
/** A ping run is bounded in count too (the load benchmark uses many small runs, not one huge one). */
export const MAX_PING_COUNT = 100_000;

interface Outstanding {
  readonly seq: number;
  readonly dst: number;
  readonly sentAt: number;
  readonly done: (rtt: number | undefined) => void;
}

export class Pinger {
  /** Our Identifier: one per client, so replies to another client's pings are not taken. */
  readonly id: number;
  requestsSent = 0;
  repliesReceived = 0;
  #seq = 0;
  #waiting: Outstanding | undefined;

  constructor(id: number) {
    this.id = id & 0xffff;
  }

  /** An Echo Reply from the tunnel; true when it answered our outstanding request. */
  onReply(m: EchoMessage): boolean {
    const w = this.#waiting;
    if (m.type !== IcmpType.EchoReply || m.id !== this.id || !w || m.seq !== w.seq || m.src !== w.dst) return false;
    this.repliesReceived++;
    this.#waiting = undefined;
    w.done(now() - w.sentAt);
    return true;
  }

  /**
   * Sends `count` Echo Requests from `src` to `dst` through `send` (false = could not send).
   * Sequential: the next request goes after the reply or the timeout.
   */
  async run(src: number, dst: number, send: (packet: Buffer) => boolean, o: PingOptions = {}): Promise<PingResult> {
    const count = Math.max(0, Math.min(o.count ?? PING_DEFAULTS.count, MAX_PING_COUNT));
    const timeoutMs = o.timeoutMs ?? PING_DEFAULTS.timeoutMs;
    const intervalMs = o.intervalMs ?? PING_DEFAULTS.intervalMs;
    const rttMs: number[] = [];
    let sent = 0;
    for (let i = 0; i < count; i++) {
      if (this.#waiting) break; // another run() is in progress on this client: not supported
      const seq = (this.#seq = (this.#seq + 1) & 0xffff);
      const pkt = buildEchoRequest({ src, dst, id: this.id, seq, size: o.size ?? PING_DEFAULTS.size });
      const rtt = await new Promise<number | undefined>((resolve) => {
        const timer = setTimeout(() => {
          if (this.#waiting?.seq === seq) this.#waiting = undefined;
          resolve(undefined);
        }, timeoutMs);
        this.#waiting = {
          seq,
          dst,
          sentAt: now(),
          done: (r) => {
            clearTimeout(timer);
            resolve(r);
          },
        };
        if (!send(pkt)) {
          this.#waiting = undefined;
          clearTimeout(timer);
          resolve(undefined);
          return;
        }
        sent++;
        this.requestsSent++;
      });
      if (rtt !== undefined) rttMs.push(rtt);
      else if (sent <= i) break; // the tunnel refused to send: it is down
      if (intervalMs > 0 && i + 1 < count) await new Promise((r) => setTimeout(r, intervalMs));
    }
    return { sent, received: rttMs.length, rttMs };
  }

  /** Abandons the outstanding request (the tunnel went down). */
  cancel(): void {
    const w = this.#waiting;
    this.#waiting = undefined;
    w?.done(undefined);
  }
}

