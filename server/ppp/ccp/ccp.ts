// CCP (RFC 1962) = the shared automaton + the MPPE option (the only one we speak; Deflate,
// BSD-Compress, Predictor, MPPC… have no handler and are Rejected) + Reset-Request /
// Reset-Ack (codes 14/15, RFC 1962 §2), which stateful MPPE uses after packet loss
// (RFC 3078 §8.2).
import type { DecodeError } from '../../errors.js';
import type { CpEvent } from '../fsm/automaton.js';
import { type CpPacket, encodeCp } from '../fsm/cp-codec.js';
import { type CpHooks, Negotiator } from '../fsm/negotiator.js';
import type { RestartConfig } from '../fsm/restart.js';
import { CpCode } from '../protocols.js';
import { type MppeCcpPolicy, type MppeDirection, mppeOptionHandler, MppeOptionState } from './mppe-option.js';

export interface CcpResult {
  /** Us→peer (from the peer's request we Acked); null = not encrypted. */
  readonly send: MppeDirection | null;
  /** Peer→us (from our request the peer Acked); null = not encrypted. */
  readonly recv: MppeDirection | null;
}

export interface CcpHooks {
  send(payload: Buffer): void;
  up(result: CcpResult, now: number): void;
  down(now: number): void;
  finished(now: number, event: CpEvent): void;
  /** The peer lost packets: our encoder must flush (MppeEncoder.resetRequest). Reset-Ack is sent here. */
  resetRequested(now: number): void;
  /** Our Reset-Request was answered. */
  resetAcked?(now: number): void;
  notice?(message: string): void;
}

export class Ccp {
  readonly fsm: Negotiator;
  readonly mppe = new MppeOptionState();
  /** Time our last Reset-Request went out, or null when none is outstanding. */
  private resetSentAt: number | null = null;

  constructor(
    readonly policy: MppeCcpPolicy,
    private readonly restart: RestartConfig,
    private readonly hooks: CcpHooks,
  ) {
    this.fsm = new Negotiator({
      name: 'ccp',
      handlers: [mppeOptionHandler(policy, this.mppe)],
      restart,
      hooks: new CcpCpHooks(this, hooks),
    });
  }

  /** tld: a Reset-Request still outstanding is forgotten. @internal (CcpCpHooks) */
  lowerDown(): void {
    this.resetSentAt = null;
  }

  /** Codes 14/15 (RFC 1962 §2); false for any other code (Code-Reject). @internal (CcpCpHooks) */
  receiveExtended(pkt: CpPacket, now: number): boolean {
    const hooks = this.hooks;
    if (pkt.code === CpCode.ResetRequest) {
      if (this.fsm.isOpened) {
        hooks.resetRequested(now);
        // RFC 1962 §2: Reset-Ack carries the Identifier of the Reset-Request.
        hooks.send(encodeCp(CpCode.ResetAck, pkt.identifier, pkt.data));
      }
      return true;
    }
    if (pkt.code === CpCode.ResetAck) {
      if (this.resetSentAt !== null) {
        this.resetSentAt = null;
        hooks.resetAcked?.(now);
      }
      return true;
    }
    return false;
  }

  input(payload: Buffer, now: number): DecodeError | null {
    return this.fsm.input(payload, now);
  }

  /**
   * Our decoder lost sync: ask the peer to flush. At most one outstanding Reset-Request
   * per Restart period, however many packets the decoder drops meanwhile.
   */
  requestReset(now: number): boolean {
    if (!this.fsm.isOpened) return false;
    if (this.resetSentAt !== null && now - this.resetSentAt < this.restart.restartMs) return false;
    this.resetSentAt = now;
    this.hooks.send(encodeCp(CpCode.ResetRequest, this.fsm.allocateId()));
    return true;
  }
}

/** The automaton's hooks as one object with prototype methods (no closures per session). */
class CcpCpHooks implements CpHooks {
  constructor(
    private readonly ccp: Ccp,
    private readonly hooks: CcpHooks,
  ) {}
  send(p: Buffer): void {
    this.hooks.send(p);
  }
  up(now: number): void {
    this.hooks.up({ send: this.ccp.mppe.send, recv: this.ccp.mppe.recv }, now);
  }
  down(now: number): void {
    this.ccp.lowerDown();
    this.hooks.down(now);
  }
  finished(now: number, ev: CpEvent): void {
    this.hooks.finished(now, ev);
  }
  extcode(pkt: CpPacket, now: number): boolean {
    return this.ccp.receiveExtended(pkt, now);
  }
  notice(m: string): void {
    this.hooks.notice?.(m);
  }
}
