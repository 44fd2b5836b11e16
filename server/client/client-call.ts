// One PPTP call from the client's side = one PPP link in the client role. Binds the
// sans-I/O cores (GRE window, PPP session) to the shared GRE sender, the way the
// server's runtime/call-session.ts does for the server role, minus TUN: IP packets
// the PPP link delivers go to a callback, and IP packets to send come from the caller.
//
// The call exists (and is attached to ClientGre) from the OCRQ on, because the server's
// first LCP Configure-Request may overtake its OCRP: GRE and TCP are different paths.
// Frames that arrive before connected() are kept (a few, copied) and replayed.

import type { GrePacket } from '../gre/codec.js';
import { GreWindow, type GreWindowCounters } from '../gre/window.js';
import { PppSession } from '../ppp/session.js';
import type { DownCause, NetworkUp, PppEvent, PppSessionOptions, PppStats } from '../ppp/session-types.js';
import type { AuthMethod } from '../../auth-plugins/types.js';
import { earliest, now, TimerSlot } from '../timers.js';
import type { GreEndpoint, GreSender } from './client-gre.js';

export interface ClientCallHooks {
  /** IPCP is up (and MPPE, when negotiated): IP may flow. */
  networkUp(e: NetworkUp, method: AuthMethod | null): void;
  /** A decrypted IP packet from the server; a view valid only during the call. */
  deliver(packet: Buffer): void;
  /** The PPP link is dead (whatever the reason); called once. */
  down(cause: DownCause, message: string): void;
  /** Worth a log line (never a secret). */
  notice?(message: string): void;
}

/** Early frames kept before connected(): the server retransmits anything beyond these. */
const MAX_EARLY = 8;

export class ClientCall implements GreEndpoint {
  readonly peerIp: number;
  /** Our Call ID (set by attach, before the OCRQ goes out). */
  callId = 0;
  /** The server's Call ID, from its OCRP; GRE we send carries it. */
  peerCallId: number | undefined;
  readonly ppp: PppSession;
  #gre: GreWindow | undefined;
  readonly #sender: GreSender;
  readonly #hooks: ClientCallHooks;
  // A field initializer: its closure holds `this` only, not the constructor's arguments.
  readonly #timer = new TimerSlot(() => this.#onTimer());
  /** Frames that came before the OCRP (made on first use: usually there are none). */
  #early: GrePacket[] | undefined;
  #method: AuthMethod | null = null;
  #dead = false;

  constructor(peerIp: number, ppp: Omit<PppSessionOptions, 'role'>, sender: GreSender, hooks: ClientCallHooks) {
    this.peerIp = peerIp;
    this.#sender = sender;
    this.#hooks = hooks;
    this.ppp = new PppSession({ ...ppp, role: 'client' });
  }

  get stats(): PppStats {
    return this.ppp.stats;
  }

  get greCounters(): GreWindowCounters | undefined {
    return this.#gre?.counters;
  }

  get isDead(): boolean {
    return this.#dead;
  }

  /** The OCRP said Connected: GRE may flow, LCP starts (RFC 2637 §4: the call is up). */
  connected(peerCallId: number, peerWindow: number, t: number): void {
    if (this.#gre || this.#dead) return;
    this.peerCallId = peerCallId;
    this.#gre = new GreWindow({ peerWindow });
    this.ppp.start(t);
    this.#pump(t);
    const early = this.#early;
    this.#early = undefined;
    if (early) for (const pkt of early) this.onGre(pkt, t);
  }

  // ---- per-packet path ------------------------------------------------------------------

  onGre(pkt: GrePacket, t: number): void {
    if (this.#dead) return;
    const w = this.#gre;
    if (!w) {
      const early = (this.#early ??= []);
      if (early.length < MAX_EARLY && pkt.seq !== undefined) early.push({ ...pkt, payload: Buffer.from(pkt.payload) });
      return;
    }
    if (pkt.ack !== undefined) w.onAck(pkt.ack, t);
    if (pkt.seq === undefined || pkt.payload.length === 0 || !w.onData(pkt.seq, t)) {
      this.#armTimer();
      return;
    }
    // A view into the receive slab: PPP decrypts in place; deliveries are consumed before we return.
    this.ppp.handleFrame(pkt.payload as Buffer, t);
    this.#pump(t);
  }

  /** Sends one IP packet through the tunnel; false when the link cannot carry it now. */
  sendIp(packet: Buffer, t: number = now()): boolean {
    if (this.#dead || !this.#gre) return false;
    const dropped = this.ppp.stats.txDropped;
    this.ppp.sendIp(packet, t);
    this.#pump(t);
    return this.ppp.stats.txDropped === dropped;
  }

  // ---- control --------------------------------------------------------------------------

  /** Ends the link from our side: LCP Terminate-Request; down() follows on Terminate-Ack or timeout. */
  close(reason: string, t: number = now()): void {
    if (this.#dead) return;
    if (!this.#gre) return this.lowerDown(t);
    this.ppp.close('admin', t, reason);
    this.#pump(t);
  }

  /** The call or control connection is gone: no more frames either way. */
  lowerDown(t: number = now()): void {
    if (this.#dead) return;
    if (!this.#gre) {
      this.#ended('lower-down', 'call ended before it was connected');
      return;
    }
    this.ppp.lowerDown(t);
    this.#pump(t);
  }

  // ---- outputs --------------------------------------------------------------------------

  #pump(t: number): void {
    for (const a of this.ppp.drain()) {
      switch (a.type) {
        case 'transmit':
          this.#transmit(a.frame, t);
          break;
        case 'deliver':
          this.#hooks.deliver(a.packet);
          break;
        case 'event':
          this.#onEvent(a.event);
          break;
        case 'timer':
          break; // re-armed below from nextTimeout()
      }
    }
    this.#armTimer();
  }

  #transmit(frame: Buffer, t: number): void {
    const w = this.#gre;
    if (!w || this.peerCallId === undefined) return;
    this.#sender.send(this.peerIp, this.peerCallId, w.takeSeq(t), w.takeAck(), frame);
  }

  #onEvent(e: PppEvent): void {
    switch (e.type) {
      case 'authenticated':
        this.#method = e.method;
        return;
      case 'network-up':
        this.#hooks.networkUp(e, this.#method);
        return;
      case 'down':
        this.#ended(e.cause, e.message);
        return;
      case 'notice':
        this.#hooks.notice?.(e.message);
        return;
      default:
        return;
    }
  }

  #armTimer(): void {
    if (this.#dead) return;
    this.#timer.set(earliest(this.ppp.nextTimeout(), this.#gre?.nextDeadline()));
  }

  #onTimer(): void {
    if (this.#dead || !this.#gre || this.peerCallId === undefined) return;
    const t = now();
    const ack = this.#gre.ackDue(t);
    if (ack !== undefined) this.#sender.send(this.peerIp, this.peerCallId, undefined, ack, EMPTY);
    this.ppp.handleTimeout(t);
    this.#pump(t);
  }

  #ended(cause: DownCause, message: string): void {
    if (this.#dead) return;
    this.#dead = true;
    this.#timer.clear();
    this.#early = undefined;
    this.#hooks.down(cause, message);
  }
}

const EMPTY = new Uint8Array(0);
