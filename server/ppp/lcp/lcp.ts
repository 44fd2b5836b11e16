// LCP (RFC 1661 §5, §6) = the shared automaton + the LCP option handlers + the packets
// only LCP has: Echo-Request/Reply and Discard-Request (the RXR events), Protocol-Reject
// (both ways), Identification and Time-Remaining (RFC 1570 §2, taken silently: Windows
// sends two or three Identifications right after LCP opens) and the keepalive.
import type { DecodeError } from '../../errors.js';
import type { CpEvent } from '../fsm/automaton.js';
import { type CpPacket, encodeCp } from '../fsm/cp-codec.js';
import { type CpHooks, Negotiator } from '../fsm/negotiator.js';
import type { RestartConfig } from '../fsm/restart.js';
import { CpCode, Protocol } from '../protocols.js';
import { Keepalive } from './keepalive.js';
import { lcpOptionHandlers, type LcpOptionConfig, LcpOptionState } from './options.js';

export type LcpFatalCause = 'auth-refused' | 'loopback' | 'echo-timeout';

export interface LcpConfig extends LcpOptionConfig {
  readonly restart: RestartConfig;
  /** Echo-Request period, ms; 0 = no keepalive (pppd lcp-echo-interval, in ms here). */
  readonly echoIntervalMs: number;
  /** Unanswered Echo-Requests before the link is declared dead (pppd lcp-echo-failure). */
  readonly echoFailure: number;
}

export interface LcpHooks {
  /** Transmit an LCP packet. */
  send(payload: Buffer): void;
  up(now: number): void;
  down(now: number): void;
  finished(now: number, event: CpEvent): void;
  /** The peer Protocol-Rejected one of our protocols (never LCP itself). */
  protocolRejected(protocol: number, now: number): void;
  /** Negotiation or the link cannot continue; the session closes with this cause. */
  fatal(cause: LcpFatalCause, message: string, now: number): void;
  /** An Identification message (RFC 1570 §2.1), e.g. "MSRASV5.20". */
  identification?(message: Buffer): void;
  notice?(message: string): void;
}

const MAGIC_LEN = 4;

/** The LCP codes that are RXR events (RFC 1661 §4.1); one list for every session. */
const RXR_CODES: readonly number[] = [CpCode.EchoRequest, CpCode.EchoReply, CpCode.DiscardRequest];

export class Lcp {
  readonly fsm: Negotiator;
  readonly options = new LcpOptionState();
  readonly keepalive: Keepalive;

  constructor(
    cfg: LcpConfig,
    private readonly hooks: LcpHooks,
  ) {
    this.keepalive = new Keepalive(cfg.echoIntervalMs, cfg.echoFailure);
    this.fsm = new Negotiator({
      name: 'lcp',
      handlers: lcpOptionHandlers(cfg, this.options),
      restart: cfg.restart,
      rxrCodes: RXR_CODES,
      hooks: new LcpCpHooks(this, hooks),
    });
  }

  get deadline(): number | null {
    const a = this.fsm.deadline;
    const b = this.keepalive.deadline;
    if (a === null) return b;
    if (b === null) return a;
    return Math.min(a, b);
  }

  input(payload: Buffer, now: number): DecodeError | null {
    const err = this.fsm.input(payload, now);
    this.checkFatal(now);
    return err;
  }

  handleTimeout(now: number): void {
    this.fsm.handleTimeout(now);
    const v = this.keepalive.poll(now);
    if (v === 'send-echo') this.sendEchoRequest();
    else if (v === 'dead') {
      this.hooks.fatal('echo-timeout', `no LCP Echo-Reply to ${this.keepalive.outstanding} Echo-Requests`, now);
    }
    this.checkFatal(now);
  }

  /** RFC 1661 §5.7: only in the Opened state; Rejected-Information trimmed to the peer's MRU. */
  sendProtocolReject(protocol: number, info: Buffer): void {
    if (!this.fsm.isOpened) return;
    const room = Math.max(0, this.options.peerMru - 4 - 2);
    const data = Buffer.allocUnsafe(2 + Math.min(room, info.length));
    data.writeUInt16BE(protocol, 0);
    info.copy(data, 2, 0, data.length - 2);
    this.hooks.send(encodeCp(CpCode.ProtocolReject, this.fsm.allocateId(), data));
  }

  sendEchoRequest(): void {
    if (!this.fsm.isOpened) return;
    const data = Buffer.allocUnsafe(MAGIC_LEN);
    data.writeUInt32BE(this.options.localMagic >>> 0);
    this.hooks.send(encodeCp(CpCode.EchoRequest, this.fsm.allocateId(), data));
  }

  private checkFatal(now: number): void {
    const f = this.options.fatal;
    if (!f) return;
    this.options.fatal = null;
    this.hooks.fatal(f.cause, f.message, now);
  }

  /** RFC 1661 §5.8/§5.9, reached through the RXR event in the Opened state only. */
  /** @internal (LcpCpHooks) */
  receiveRxr(pkt: CpPacket, now: number): void {
    if (pkt.data.length < MAGIC_LEN) return;
    const magic = pkt.data.readUInt32BE(0);
    const ours = this.options.localMagic;
    if (ours !== 0 && magic === ours) {
      // RFC 1661 §6.4: our own magic coming back means a looped-back link.
      this.options.fatal = { cause: 'loopback', message: 'received our own magic number in an LCP echo packet' };
      return;
    }
    if (pkt.code === CpCode.EchoRequest) {
      const reply = Buffer.from(pkt.data);
      reply.writeUInt32BE(ours >>> 0, 0);
      this.hooks.send(encodeCp(CpCode.EchoReply, pkt.identifier, reply));
    } else if (pkt.code === CpCode.EchoReply) {
      this.keepalive.replied();
    }
    void now; // Discard-Request: nothing to do
  }

  /** @internal (LcpCpHooks) */
  receiveExtended(pkt: CpPacket, now: number): boolean {
    switch (pkt.code) {
      case CpCode.ProtocolReject: {
        // RFC 1661 §5.7: received outside Opened it is silently discarded.
        if (!this.fsm.isOpened || pkt.data.length < 2) return true;
        const proto = pkt.data.readUInt16BE(0);
        if (proto === Protocol.LCP) this.fsm.catastrophicReject(now);
        else this.hooks.protocolRejected(proto, now);
        return true;
      }
      case CpCode.Identification:
        if (pkt.data.length >= MAGIC_LEN) this.hooks.identification?.(pkt.data.subarray(MAGIC_LEN));
        return true;
      case CpCode.TimeRemaining:
        return true;
      default:
        return false;
    }
  }
}

/** The automaton's hooks as one object with prototype methods (no closures per session). */
class LcpCpHooks implements CpHooks {
  constructor(
    private readonly lcp: Lcp,
    private readonly hooks: LcpHooks,
  ) {}
  send(p: Buffer): void {
    this.hooks.send(p);
  }
  up(now: number): void {
    this.lcp.keepalive.start(now);
    this.hooks.up(now);
  }
  down(now: number): void {
    this.lcp.keepalive.stop();
    this.hooks.down(now);
  }
  finished(now: number, ev: CpEvent): void {
    this.hooks.finished(now, ev);
  }
  ser(pkt: CpPacket, now: number): void {
    this.lcp.receiveRxr(pkt, now);
  }
  extcode(pkt: CpPacket, now: number): boolean {
    return this.lcp.receiveExtended(pkt, now);
  }
  notice(m: string): void {
    this.hooks.notice?.(m);
  }
}
