// The IP side of one client tunnel: who receives the packets that come out of it, and the
// ICMP Echo the client does itself (ping() and answering the server's pings). Kept small
// for a load generator holding thousands of tunnels: one handler is kept as is (a Set only
// from the second), and the Pinger is made on first ping.

import { randomInt } from 'node:crypto';
import { isDecodeError } from '../errors.js';
import { buildEchoReply, IcmpType, IPPROTO_ICMP, parseEcho } from './icmp.js';
import { Pinger } from './pinger.js';

export type IpHandler = (packet: Buffer) => void;

/** Sends an Echo Reply into the tunnel; false when it could not go. */
export interface EchoReplier {
  sendEchoReply(packet: Buffer): boolean;
}

export class IpPort {
  #one: IpHandler | undefined;
  #many: Set<IpHandler> | undefined;
  #pinger: Pinger | undefined;
  #echoAnswered = 0;

  /** Adds a receiver of every IP packet; returns its unsubscribe. */
  subscribe(handler: IpHandler): () => void {
    if (this.#one === undefined && this.#many === undefined) {
      this.#one = handler;
    } else {
      const many = (this.#many ??= new Set());
      if (this.#one !== undefined) many.add(this.#one);
      this.#one = undefined;
      many.add(handler);
    }
    return () => {
      if (this.#one === handler) this.#one = undefined;
      else this.#many?.delete(handler);
    };
  }

  get pinger(): Pinger {
    return (this.#pinger ??= new Pinger(randomInt(0x10000)));
  }

  /**
   * One packet out of the tunnel: an Echo Reply goes to the pinger, an Echo Request to our
   * address is answered through `replier` when `answerEcho`; then every subscriber sees it.
   */
  deliver(packet: Buffer, localIp: number, answerEcho: boolean, replier: EchoReplier): void {
    if (packet.length >= 20 && packet[9] === IPPROTO_ICMP) {
      const m = parseEcho(packet);
      if (!isDecodeError(m)) {
        if (m.type === IcmpType.EchoReply) this.#pinger?.onReply(m);
        else if (m.dst === localIp && answerEcho && replier.sendEchoReply(buildEchoReply(m))) this.#echoAnswered++;
      }
    }
    const one = this.#one;
    if (one !== undefined) one(packet);
    else if (this.#many !== undefined) for (const h of this.#many) h(packet);
  }

  /** Ends a ping in progress (the tunnel is going down). */
  cancel(): void {
    this.#pinger?.cancel();
  }

  counters(): { echoRequestsSent: number; echoRepliesReceived: number; echoRequestsAnswered: number } {
    return {
      echoRequestsSent: this.#pinger?.requestsSent ?? 0,
      echoRepliesReceived: this.#pinger?.repliesReceived ?? 0,
      echoRequestsAnswered: this.#echoAnswered,
    };
  }
}
