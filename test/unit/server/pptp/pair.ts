// Test helper: a server core and a client core wired back to back in memory with a
// virtual clock (quinn's tests/util.rs Pair, boringtun's create_two_tuns). Every loop
// is bounded.

import { ControlConnection } from '../../../../server/pptp/control.js';
import type { ControlEvent, ControlOptions } from '../../../../server/pptp/control-types.js';
import { decodeControlMessage, type ControlMessage } from '../../../../server/pptp/codec.js';
import { isDecodeError } from '../../../../server/errors.js';

/** Drain a core's transmits (decoded) and events. */
export function drain(c: ControlConnection): { sent: ControlMessage[]; events: ControlEvent[] } {
  const sent: ControlMessage[] = [];
  const events: ControlEvent[] = [];
  for (let b = c.pollTransmit(); b; b = c.pollTransmit()) {
    const m = decodeControlMessage(b);
    if (isDecodeError(m)) throw new Error(`core sent an undecodable message: ${m.reason}`);
    sent.push(m);
  }
  for (let e = c.pollEvent(); e; e = c.pollEvent()) events.push(e);
  return { sent, events };
}

export class Pair {
  now = 0;
  readonly server: ControlConnection;
  readonly client: ControlConnection;
  readonly serverEvents: ControlEvent[] = [];
  readonly clientEvents: ControlEvent[] = [];
  /** Every message on the wire, in order, with its direction. */
  readonly wire: Array<{ from: 'server' | 'client'; message: ControlMessage }> = [];
  /** When false, the client's transmits are dropped (a dead client). */
  clientAlive = true;

  constructor(server: Partial<ControlOptions> = {}, client: Partial<ControlOptions> = {}) {
    this.server = new ControlConnection({ ...server, role: 'server' }, this.now);
    this.client = new ControlConnection({ ...client, role: 'client' }, this.now);
  }

  /** Move bytes both ways until neither side has anything to send. */
  drive(): void {
    for (let round = 0; round < 100; round++) {
      let moved = false;
      for (let b = this.server.pollTransmit(); b; b = this.server.pollTransmit()) {
        moved = true;
        this.record('server', b);
        this.client.handleData(b, this.now);
      }
      for (let b = this.client.pollTransmit(); b; b = this.client.pollTransmit()) {
        moved = true;
        this.record('client', b);
        if (this.clientAlive) this.server.handleData(b, this.now);
      }
      for (let e = this.server.pollEvent(); e; e = this.server.pollEvent()) this.serverEvents.push(e);
      for (let e = this.client.pollEvent(); e; e = this.client.pollEvent()) this.clientEvents.push(e);
      if (!moved) return;
    }
    throw new Error('drive() did not settle in 100 rounds');
  }

  /** Advance the virtual clock by `ms`, firing each core's timers at their deadlines. */
  advance(ms: number): void {
    const end = this.now + ms;
    for (let step = 0; step < 10_000; step++) {
      const next = Math.min(this.server.pollTimeout() ?? Infinity, this.client.pollTimeout() ?? Infinity);
      if (next > end) break;
      this.now = Math.max(this.now, next);
      this.server.handleTimeout(this.now);
      this.client.handleTimeout(this.now);
      this.drive();
    }
    this.now = end;
    this.drive();
  }

  private record(from: 'server' | 'client', b: Uint8Array): void {
    const m = decodeControlMessage(b);
    if (!isDecodeError(m)) this.wire.push({ from, message: m });
  }
}

export function ofType<T extends ControlEvent['type']>(events: ControlEvent[], type: T): Array<Extract<ControlEvent, { type: T }>> {
  return events.filter((e): e is Extract<ControlEvent, { type: T }> => e.type === type);
}
