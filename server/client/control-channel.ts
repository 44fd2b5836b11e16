// The I/O edge of the client's PPTP control connection (TCP 1723): feeds the sans-I/O
// ControlConnection core (role 'client', the PNS of RFC 2637) with bytes and time,
// writes what it emits, and hands its events to the owner. The server-role twin is
// runtime/control-link.ts.

import net from 'node:net';
import { ControlConnection } from '../pptp/control.js';
import type { ControlEvent, ControlOptions, PlaceCallOptions } from '../pptp/control-types.js';
import { StopReason } from '../pptp/constants.js';
import { now, TimerSlot } from '../timers.js';

/** The part of a TCP socket the channel uses (net.Socket fits; tests pass an in-memory one). */
export interface ControlSocket {
  readonly remoteAddress?: string | undefined;
  write(data: Uint8Array): unknown;
  end(): unknown;
  destroy(): unknown;
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

export interface DialOptions {
  readonly host: string;
  readonly port: number;
  readonly localAddress?: string | undefined;
  readonly timeoutMs: number;
}

/** Opens the TCP connection; rejects on error or after timeoutMs. */
export type Dialer = (o: DialOptions) => Promise<ControlSocket>;

/** The default dialer: a real TCP connection with Nagle off (control messages are small and latency-bound). */
export const tcpDialer: Dialer = (o) =>
  new Promise((resolve, reject) => {
    const socket = net.connect({
      host: o.host,
      port: o.port,
      ...(o.localAddress !== undefined ? { localAddress: o.localAddress } : {}),
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`TCP connect to ${o.host}:${o.port} timed out after ${o.timeoutMs} ms`));
    }, o.timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', onError);
      socket.setNoDelay(true);
      resolve(socket);
    });
    const onError = (err: Error): void => {
      clearTimeout(timer);
      reject(new Error(`TCP connect to ${o.host}:${o.port} failed: ${err.message}`));
    };
    socket.once('error', onError);
  });

export interface ControlChannelHandlers {
  /** Every core event, in order. */
  event(ev: ControlEvent): void;
  /** The TCP connection is gone (after 'stopped', or lost). Called once. */
  closed(): void;
}

export class ControlChannel {
  readonly core: ControlConnection;
  readonly #socket: ControlSocket;
  readonly #handlers: ControlChannelHandlers;
  // Field initializers and #listen: their closures hold `this` only, not the constructor's arguments.
  readonly #timer = new TimerSlot(() => {
    this.core.handleTimeout(now());
    this.#pump();
  });
  #closed = false;
  /** Set while #pump runs, so an event handler's calls into us do not re-enter it. */
  #pumping = false;
  #again = false;

  constructor(socket: ControlSocket, options: Omit<ControlOptions, 'role'>, handlers: ControlChannelHandlers) {
    this.#socket = socket;
    this.#handlers = handlers;
    this.core = new ControlConnection({ ...options, role: 'client' }, now());
    this.#listen();
  }

  #listen(): void {
    const socket = this.#socket;
    socket.on('data', (chunk) => {
      this.core.handleData(chunk, now());
      this.#pump();
    });
    socket.on('error', ignoreError); // 'close' follows and ends everything
    socket.on('close', () => this.#onClose());
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  /** SCCRQ (§3.1.1). */
  start(): void {
    this.core.start(now());
    this.#pump();
  }

  /** OCRQ (§2.7); the answer comes as call-connected or call-rejected. */
  placeCall(options: PlaceCallOptions): void {
    this.core.placeCall(options, now());
    this.#pump();
  }

  /** CCRQ (§2.12); the CDN comes back as call-cleared. False when there is no such call. */
  clearCall(callId: number): boolean {
    if (this.#closed) return false;
    const ok = this.core.clearCall(callId, now());
    this.#pump();
    return ok;
  }

  /** StopCCRQ (§2.3); 'stopped' follows on StopCCRP or the core's stop timeout. */
  stop(reason: number = StopReason.None): void {
    if (this.#closed) return;
    this.core.stop(now(), reason);
    this.#pump();
  }

  /** Closes TCP now (after whatever was written). */
  end(): void {
    if (this.#closed) return;
    this.#socket.end();
  }

  destroy(): void {
    this.#socket.destroy();
    this.#onClose();
  }

  #pump(): void {
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = true;
    try {
      // Bounded: each round drains what the previous round's handlers caused.
      for (let round = 0; round < 16; round++) {
        this.#again = false;
        for (let out = this.core.pollTransmit(); out; out = this.core.pollTransmit()) {
          if (!this.#closed) this.#socket.write(out);
        }
        for (let ev = this.core.pollEvent(); ev; ev = this.core.pollEvent()) {
          this.#handlers.event(ev);
          if (ev.type === 'stopped') this.end();
        }
        if (!this.#again) break;
      }
    } finally {
      this.#pumping = false;
    }
    if (!this.#closed) this.#timer.set(this.core.pollTimeout());
  }

  #onClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#timer.clear();
    this.#handlers.closed();
  }
}

function ignoreError(): void {
  /* the socket's 'close' follows an error and ends the channel */
}
