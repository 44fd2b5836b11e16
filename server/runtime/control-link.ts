// The I/O edge of one PPTP control connection (TCP 1723): feeds the sans-I/O
// ControlConnection core with bytes and time, writes what it emits, and turns its
// events into calls (CallSession) through the server's decisions.

import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { TerminateCause } from '../../accounting/record.js';
import { ControlConnection } from '../pptp/control.js';
import { CdnResult, StopReason } from '../pptp/constants.js';
import type { ControlEvent, ControlOptions } from '../pptp/control-types.js';
import { FieldLogger } from '../log.js';
import { now, TimerSlot } from '../timers.js';
import type { CallSession } from './call-session.js';
import { Channel, publish, subscribed } from '../events.js';

/** What a control link asks of the server. */
export interface ControlHost {
  /** Accept or refuse an Outgoing-Call-Request; on accept returns the new session (not yet started). */
  placeCall(
    link: ControlLink,
    ocrq: Extract<ControlEvent, { type: 'outgoing-call-request' }>,
  ): { ok: true; session: CallSession } | { ok: false; result: number; error: number; reason: string };
  /** The link is gone (after its calls ended). */
  linkClosed(link: ControlLink): void;
}

/** Limits the runtime applies on top of the control core. */
export interface ControlLinkLimits {
  /** limits.deadlines.call: from SCCRP until a call is accepted, ms (0 = none). */
  readonly callDeadlineMs?: number;
}

export class ControlLink {
  readonly peerAddress: string;
  readonly localAddress: string;
  /** Every line carries peer. */
  readonly log: FieldLogger;
  readonly calls = new Map<number, CallSession>();
  readonly #socket: Socket;
  readonly #core: ControlConnection;
  readonly #timer: TimerSlot;
  readonly #host: ControlHost;
  readonly #callDeadlineMs: number;
  /** limits.deadlines.call, from SCCRP until the first call (made only when that starts). */
  #callTimer: TimerSlot | undefined;
  #closed = false;
  /** Reading is paused because the peer does not read our replies (see #flushTransmit). */
  #paused = false;
  /** Cuts a peer that stays paused too long (it reads nothing and keeps its slot). */
  #stallTimer: TimerSlot | undefined;

  constructor(socket: Socket, options: ControlOptions, host: ControlHost, log: Logger, limits: ControlLinkLimits = {}) {
    this.#socket = socket;
    this.#host = host;
    this.#callDeadlineMs = limits.callDeadlineMs ?? 0;
    this.peerAddress = normalize(socket.remoteAddress);
    this.localAddress = normalize(socket.localAddress);
    this.log = new FieldLogger(log, { peer: this.peerAddress });
    this.#core = new ControlConnection(options, now());
    this.#timer = new TimerSlot(() => {
      this.#core.handleTimeout(now());
      this.#pump();
    });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.#core.handleData(chunk, now());
      this.#pump();
    });
    socket.on('drain', () => this.#onDrain());
    socket.on('error', (err) => this.log.debug({ err: err.message }, 'control connection error'));
    socket.on('close', () => this.#onClose());
    if (subscribed(Channel.controlUp)) publish(Channel.controlUp, { peer: this.peerAddress });
    this.#pump();
  }

  /** Our side ends a call (session over): Call-Disconnect-Notify. */
  clearCall(s: CallSession): void {
    if (this.calls.get(s.callId) !== s) return;
    this.calls.delete(s.callId);
    if (this.#closed) return;
    this.#core.clearCall(s.callId, now(), { resultCode: CdnResult.AdminShutdown });
    this.#pump();
  }

  /** Stop-Control-Connection-Request (server shutdown): calls first, then the link. */
  stop(reason: number): void {
    if (this.#closed) return;
    this.#core.stop(now(), reason);
    this.#pump();
  }

  destroy(): void {
    this.#socket.destroy();
  }

  #pump(): void {
    this.#flushTransmit();
    for (let ev = this.#core.pollEvent(); ev; ev = this.#core.pollEvent()) this.#onEvent(ev);
    // Handling events may have queued replies (a refused OCRQ's OCRP, a CDN).
    this.#flushTransmit();
    this.#timer.set(this.#core.pollTimeout());
  }

  #onEvent(ev: ControlEvent): void {
    switch (ev.type) {
      case 'control-connection-up':
        if (this.log.enabled('info')) {
          this.log.info(
            { vendor: ev.peer.vendorString, host: ev.peer.hostName, firmware: ev.peer.firmwareRevision },
            `control connection up from ${this.peerAddress} (${ev.peer.vendorString || 'unknown vendor'})`,
          );
        }
        if (this.#callDeadlineMs > 0) this.#armCallDeadline();
        return;
      case 'outgoing-call-request': {
        const r = this.#host.placeCall(this, ev);
        if (!r.ok) {
          this.log.warn({ reason: r.reason }, `call from ${this.peerAddress} refused: ${r.reason}`);
          publish(Channel.callRefused, { peer: this.peerAddress, reason: r.reason });
          this.#core.rejectCall(ev.peerCallId, r.result, r.error);
          this.#flushTransmit(); // #pump wrote transmits before events: without this the OCRP waits for the next input
          return;
        }
        const s = r.session;
        this.#callTimer?.clear();
        this.#callTimer = undefined;
        this.calls.set(s.callId, s);
        this.#core.acceptCall(ev.peerCallId, { callId: s.callId, window: 64 });
        // The OCRP must leave before our first GRE packet (LCP Configure-Request).
        this.#flushTransmit();
        s.start();
        return;
      }
      case 'call-cleared': {
        const s = ev.callId === undefined ? undefined : this.calls.get(ev.callId);
        if (s) {
          this.calls.delete(s.callId);
          const cause: TerminateCause = ev.by === 'peer' ? 'User-Request' : ev.by === 'stop' ? 'Lost-Carrier' : 'NAS-Request';
          s.lowerDown(cause, ev.by === 'peer' ? 'client cleared the call' : `call cleared (${ev.by})`);
        }
        return;
      }
      case 'set-link-info':
        this.log.debug({ sendAccm: ev.sendAccm, receiveAccm: ev.receiveAccm }, 'set-link-info');
        return;
      case 'wan-error-notify':
        this.log.info({ ...ev }, 'WAN-Error-Notify from the client');
        return;
      case 'echo-timeout':
        this.log.warn(`control connection from ${this.peerAddress}: no answer to Echo-Request, dropping it`);
        this.#endCalls('Lost-Carrier', 'PPTP echo timeout');
        return;
      case 'protocol-error':
        this.log.warn({ message: ev.message, fatal: ev.fatal }, `PPTP protocol error from ${this.peerAddress}: ${ev.reason}`);
        return;
      case 'stopped':
        this.log.info({ by: ev.by }, `control connection closed (${ev.reason})`);
        this.#endCalls(ev.by === 'peer' ? 'User-Request' : 'Lost-Carrier', `control connection stopped: ${ev.reason}`);
        this.#socket.end();
        // A peer that never closes its side (dead, or flooding us with half-open TCP) would
        // keep the socket, and its per-source slot, forever: give it a moment, then cut it.
        setTimeout(() => this.#socket.destroy(), CLOSE_GRACE_MS).unref();
        return;
    }
  }

  // A connection that never places a call holds a socket and a per-source slot for
  // nothing (a cheap flood): it gets limits.deadlines.call to do so, then is stopped.
  #armCallDeadline(): void {
    this.#callTimer ??= new TimerSlot(() => {
      if (this.#closed || this.calls.size > 0) return;
      this.log.warn(
        `control connection from ${this.peerAddress}: no call within ${this.#callDeadlineMs / 1000} s (limits.deadlines.call), closing it`,
      );
      this.stop(StopReason.None);
    });
    this.#callTimer.set(now() + this.#callDeadlineMs);
  }

  // Every request may earn a reply (Echo-Request → Echo-Reply): a peer that sends but never
  // reads would make us buffer replies without end. Past WRITE_PAUSE_BYTES unsent we stop
  // reading it (TCP then pushes back on the peer) until the buffer drains; past
  // WRITE_LIMIT_BYTES, or paused for STALL_MS, the connection is cut.
  #flushTransmit(): void {
    for (let out = this.#core.pollTransmit(); out; out = this.#core.pollTransmit()) {
      if (!this.#closed) this.#socket.write(out);
    }
    if (this.#closed) return;
    const pending = this.#socket.writableLength;
    if (pending > WRITE_LIMIT_BYTES) return this.#cut(`${pending} bytes of replies unread`);
    if (pending > WRITE_PAUSE_BYTES && !this.#paused) {
      this.#paused = true;
      this.#socket.pause();
      this.#stallTimer ??= new TimerSlot(() => {
        if (this.#paused) this.#cut(`it has not read our replies for ${STALL_MS / 1000} s`);
      });
      this.#stallTimer.set(now() + STALL_MS);
    }
  }

  #onDrain(): void {
    if (!this.#paused || this.#closed) return;
    this.#paused = false;
    this.#stallTimer?.clear();
    this.#socket.resume();
  }

  #cut(why: string): void {
    this.log.warn(`control connection from ${this.peerAddress} dropped: ${why} (a peer must read what it asks for)`);
    this.#socket.destroy();
  }

  #endCalls(cause: TerminateCause, reason: string): void {
    for (const s of [...this.calls.values()]) {
      this.calls.delete(s.callId);
      s.lowerDown(cause, reason);
    }
  }

  #onClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#timer.clear();
    this.#stallTimer?.clear();
    this.#callTimer?.clear();
    this.#callTimer = undefined;
    this.#endCalls('Lost-Carrier', 'control connection lost');
    publish(Channel.controlDown, { peer: this.peerAddress });
    this.#host.linkClosed(this);
  }
}

/** Unsent reply bytes at which we stop reading a peer (a normal connection holds < 1 KB). */
const WRITE_PAUSE_BYTES = 64 * 1024;
/** Unsent reply bytes at which the connection is cut (one read chunk's replies past the pause). */
const WRITE_LIMIT_BYTES = 1024 * 1024;
/** How long a peer may leave us paused before it is cut. */
const STALL_MS = 30_000;

/** How long a stopped connection waits for the peer's FIN before the socket is destroyed. */
const CLOSE_GRACE_MS = 2_000;

function normalize(addr: string | undefined): string {
  if (!addr) return '0.0.0.0';
  return addr.startsWith('::ffff:') ? addr.slice(7) : addr;
}
