// One Control Protocol instance (LCP, IPCP or CCP): the RFC 1661 automaton (automaton.ts)
// plus the Restart timer/counters (restart.ts), driving a list of option handlers. It turns
// received packets into RFC 1661 events (RCR+/-, RCA, RCN, RTR, RTA, RUC, RXJ+/-, RXR),
// performs the actions the table gives (scr, sca, scn, str, sta, scj, ser, irc, zrc,
// tlu, tld, tls, tlf) and reports the layer actions through hooks. A protocol adds
// options by adding handlers, never a branch here (pppd fsm.c / accel-ppp ppp_fsm.c idea).
//
// Rules: sans-I/O (packets leave through hooks.send, time comes in as `now`); never throws
// on peer input; an invalid Ack/Nak/Reject is silently discarded (RFC 1661 §4.3 RCA/RCN).
import { type DecodeError, decodeError } from '../../errors.js';
import { CpCode } from '../protocols.js';
import { CpAction, CpEvent, CpState, timerRuns, transition, type Transition } from './automaton.js';
import { type CpOption, type CpPacket, decodeCp, decodeOptions, encodeCp, encodeOptions } from './cp-codec.js';
import { type RestartConfig, RestartState } from './restart.js';

/** A handler's answer to one option of the peer's Configure-Request (RFC 1661 §5.1-5.4). */
export type OptionVerdict =
  | { readonly kind: 'ack' }
  | { readonly kind: 'nak'; readonly data: Buffer } // suggest this value instead
  | { readonly kind: 'reject' };

export const ACK: OptionVerdict = { kind: 'ack' };
export const REJECT: OptionVerdict = { kind: 'reject' };
export const nak = (data: Buffer): OptionVerdict => ({ kind: 'nak', data });

/** One Configuration Option type of one protocol (accel-ppp's lcp_option_handler_t idea). */
export interface OptionHandler {
  readonly type: number;
  readonly name: string;
  /** Start of a negotiation (irc,scr from Starting/Closed/Stopped): restore our wanted values. */
  resetLocal?(): void;
  /** Before each peer Configure-Request: forget the peer's values (option absent = default). */
  resetPeer?(): void;
  /** Data for our next Configure-Request, or null to leave the option out. */
  request?(): Buffer | null;
  /** The peer's Configure-Request carries this option with `data`. Absent = Reject. */
  check?(data: Buffer): OptionVerdict;
  /** The peer's request lacked the option: data to append to our Nak to ask for it, or null. */
  missing?(): Buffer | null;
  /** Our request was Acked: this is the value now in force for the peer→us direction. */
  acked?(data: Buffer): void;
  /** The peer Naked this option with a suggestion (RFC 1661 §5.3). */
  naked?(data: Buffer): void;
  /** The peer Rejected this option (RFC 1661 §5.4). */
  rejected?(): void;
}

/** What the owning protocol learns from its automaton. */
export interface CpHooks {
  /** Transmit a packet of this protocol (Code, Identifier, Length, Data). */
  send(payload: Buffer): void;
  /** tlu: entering Opened. */
  up?(now: number): void;
  /** tld: leaving Opened. */
  down?(now: number): void;
  /** tls: the lower layer is needed. */
  started?(now: number): void;
  /** tlf: Initial/Closed/Stopped reached; `event` says why (TO-, RTA, RXJ-, Close…). */
  finished?(now: number, event: CpEvent): void;
  /** ser: an Echo-Request/Echo-Reply/Discard-Request (RXR) in the Opened state. */
  ser?(packet: CpPacket, now: number): void;
  /** Codes other than 1-7 and the RXR codes. Return false to Code-Reject (RUC). */
  extcode?(packet: CpPacket, now: number): boolean;
  /** The peer Code-Rejected `code`; only called for codes outside 1-7 (RXJ+). */
  codeRejected?(code: number, now: number): void;
  /** Something worth a log line (invalid reply, crossed connection). */
  notice?(message: string): void;
}

export interface NegotiatorOptions {
  /** 'lcp', 'ipcp', 'ccp': DecodeError format and log prefix. */
  readonly name: string;
  readonly handlers: readonly OptionHandler[];
  readonly restart: RestartConfig;
  readonly hooks: CpHooks;
  /** Codes that are RXR events (LCP: Echo-Request, Echo-Reply, Discard-Request). */
  readonly rxrCodes?: readonly number[];
}

type Reply = { code: number; data: Buffer };
// Shared, never written: every negotiator starts with these instead of its own copies.
const NO_OPTIONS: Buffer = Buffer.alloc(0);
const NO_CODES: readonly number[] = [];

export class Negotiator {
  state: CpState = CpState.Initial;
  readonly restart: RestartState;
  // Lists searched linearly (≤ 6 entries): a Map/Set costs ~200 bytes per negotiator.
  private readonly ordered: readonly OptionHandler[];
  private readonly rxr: readonly number[];
  private readonly hooks: CpHooks;
  readonly name: string;
  /** Identifier of our last Configure-Request and its options field (for the Ack check). */
  private reqId = -1;
  private reqOptions: Buffer = NO_OPTIONS;
  /** A reply to reqId was already taken: later ones are duplicates (RFC 1661 §4.3 RCA note). */
  private reqAnswered = true;
  private nextId = 0;
  /** Identifier for our Terminate-Request / Code-Reject and other unsolicited packets. */
  private termId = -1;
  private termData: Buffer | null = null;
  /** Per-event context read by the actions. */
  private pendingReply: Reply | null = null;
  private pendingPacket: CpPacket | null = null;
  private pendingRaw: Buffer | null = null;

  constructor(opts: NegotiatorOptions) {
    this.name = opts.name;
    this.ordered = opts.handlers;
    this.restart = new RestartState(opts.restart);
    this.rxr = opts.rxrCodes ?? NO_CODES;
    this.hooks = opts.hooks;
  }

  private handler(type: number): OptionHandler | undefined {
    for (const h of this.ordered) if (h.type === type) return h;
    return undefined;
  }

  /** Next Restart timer deadline, or null. */
  get deadline(): number | null {
    return this.restart.deadline;
  }

  get isOpened(): boolean {
    return this.state === CpState.Opened;
  }

  /** Allocate an Identifier for a packet this protocol originates (Echo, Reset-Request…). */
  allocateId(): number {
    const id = this.nextId;
    this.nextId = (this.nextId + 1) & 0xff;
    return id;
  }

  up(now: number): void {
    this.fire(CpEvent.Up, now);
  }
  down(now: number): void {
    this.fire(CpEvent.Down, now);
  }
  open(now: number): void {
    this.fire(CpEvent.Open, now);
  }
  /** Administrative Close; `data` goes in the Terminate-Request (e.g. a reason text). */
  close(now: number, data: Buffer | null = null): void {
    this.termData = data;
    this.fire(CpEvent.Close, now);
  }
  /** RXJ- from outside (LCP rejected by the peer's Protocol-Reject). */
  catastrophicReject(now: number): void {
    this.fire(CpEvent.RxjMinus, now);
  }

  handleTimeout(now: number): void {
    if (!this.restart.expired(now)) return;
    this.restart.deadline = null;
    this.fire(this.restart.timeoutIsPlus() ? CpEvent.TimeoutPlus : CpEvent.TimeoutMinus, now);
  }

  /** A packet of this protocol from the peer. Returns a DecodeError for malformed input. */
  input(payload: Buffer, now: number): DecodeError | null {
    const pkt = decodeCp(payload, this.name);
    if ('kind' in pkt) return pkt;
    this.pendingPacket = pkt;
    this.pendingRaw = payload;
    try {
      return this.dispatch(pkt, now);
    } finally {
      this.pendingPacket = null;
      this.pendingRaw = null;
      this.pendingReply = null;
    }
  }

  private dispatch(pkt: CpPacket, now: number): DecodeError | null {
    const s = this.state;
    if (s === CpState.Initial || s === CpState.Starting) return null; // every receive event is illegal here
    switch (pkt.code) {
      case CpCode.ConfigureRequest:
        return this.receiveConfigureRequest(pkt, now);
      case CpCode.ConfigureAck:
        if (this.negotiating() && !this.validReply(pkt, true)) return null;
        this.ackReceived(pkt);
        this.fire(CpEvent.Rca, now);
        return null;
      case CpCode.ConfigureNak:
      case CpCode.ConfigureReject: {
        if (!this.negotiating()) {
          this.fire(CpEvent.Rcn, now);
          return null;
        }
        if (!this.validReply(pkt, false)) return null;
        const opts = decodeOptions(pkt.data, this.name);
        if (!Array.isArray(opts)) return opts;
        if (pkt.code === CpCode.ConfigureReject && !this.rejectIsSubset(opts)) {
          this.hooks.notice?.(`${this.name}: Configure-Reject id ${pkt.identifier} is not a subset of our request; discarded`);
          return null;
        }
        this.answered();
        this.applyNakOrReject(pkt.code, opts);
        this.fire(CpEvent.Rcn, now);
        return null;
      }
      case CpCode.TerminateRequest:
        this.fire(CpEvent.Rtr, now);
        return null;
      case CpCode.TerminateAck:
        this.fire(CpEvent.Rta, now);
        return null;
      case CpCode.CodeReject: {
        if (pkt.data.length < 1) return decodeError(this.name, 'empty Code-Reject');
        const code = pkt.data[0] as number;
        // RFC 1661 §4.3: rejecting one of the codes every implementation must know is fatal.
        const catastrophic = code >= CpCode.ConfigureRequest && code <= CpCode.CodeReject;
        if (!catastrophic) this.hooks.codeRejected?.(code, now);
        this.fire(catastrophic ? CpEvent.RxjMinus : CpEvent.RxjPlus, now);
        return null;
      }
      default:
        if (this.rxr.includes(pkt.code)) {
          this.fire(CpEvent.Rxr, now);
          return null;
        }
        if (this.hooks.extcode?.(pkt, now)) return null;
        this.fire(CpEvent.Ruc, now);
        return null;
    }
  }

  private negotiating(): boolean {
    const s = this.state;
    return s === CpState.ReqSent || s === CpState.AckRcvd || s === CpState.AckSent || s === CpState.Opened;
  }

  private validReply(pkt: CpPacket, isAck: boolean): boolean {
    if (pkt.identifier !== this.reqId || this.reqAnswered) {
      this.hooks.notice?.(`${this.name}: reply id ${pkt.identifier} does not answer our request id ${this.reqId}; discarded`);
      return false;
    }
    // RFC 1661 §5.2: the Ack's options MUST match the request exactly.
    if (isAck && !pkt.data.equals(this.reqOptions)) {
      this.hooks.notice?.(`${this.name}: Configure-Ack id ${pkt.identifier} does not match our request; discarded`);
      return false;
    }
    return true;
  }

  private ackReceived(pkt: CpPacket): void {
    if (!this.negotiating()) return;
    this.answered();
    const opts = decodeOptions(pkt.data, this.name);
    if (!Array.isArray(opts)) return;
    for (const o of opts) this.handler(o.type)?.acked?.(o.data);
  }

  /**
   * Our request got its reply: later replies to it are discarded before its options are
   * looked at (validReply), so they are not kept — on an Opened link they would only
   * pin memory (and the 8 KB Buffer pool slab they were cut from) for the link's life.
   */
  private answered(): void {
    this.reqAnswered = true;
    this.reqOptions = NO_OPTIONS;
  }

  private rejectIsSubset(opts: readonly CpOption[]): boolean {
    const sent = decodeOptions(this.reqOptions, this.name);
    if (!Array.isArray(sent)) return false;
    return opts.every((o) => sent.some((s) => s.type === o.type && s.data.equals(o.data)));
  }

  private applyNakOrReject(code: number, opts: readonly CpOption[]): void {
    for (const o of opts) {
      const h = this.handler(o.type);
      if (!h) continue;
      if (code === CpCode.ConfigureReject) h.rejected?.();
      else h.naked?.(o.data);
    }
  }

  private receiveConfigureRequest(pkt: CpPacket, now: number): DecodeError | null {
    const s = this.state;
    // Closed answers with Terminate-Ack; Closing/Stopping ignore it: no option processing.
    if (s === CpState.Closed || s === CpState.Closing || s === CpState.Stopping) {
      this.fire(CpEvent.RcrPlus, now);
      return null;
    }
    const opts = decodeOptions(pkt.data, this.name);
    if (!Array.isArray(opts)) return opts; // malformed: discard, the peer retransmits
    const reply = this.evaluateRequest(pkt, opts);
    this.pendingReply = reply;
    this.fire(reply.code === CpCode.ConfigureAck ? CpEvent.RcrPlus : CpEvent.RcrMinus, now);
    return null;
  }

  /** RFC 1661 §5.1-5.4: Reject beats Nak beats Ack; an Ack echoes the options unchanged. */
  private evaluateRequest(pkt: CpPacket, opts: readonly CpOption[]): Reply {
    for (const h of this.ordered) h.resetPeer?.();
    const rejects: CpOption[] = [];
    const naks: CpOption[] = [];
    for (const o of opts) {
      const h = this.handler(o.type);
      const v = h?.check ? h.check(o.data) : REJECT;
      if (v.kind === 'reject') rejects.push(o);
      else if (v.kind === 'nak') naks.push({ type: o.type, data: v.data });
    }
    if (rejects.length === 0) {
      for (const h of this.ordered) {
        // ≤ 6 handlers × a handful of options: a scan, not a Set per request.
        if (!h.missing || hasType(opts, h.type)) continue;
        const want = h.missing();
        if (want) naks.push({ type: h.type, data: want });
      }
    }
    if (rejects.length > 0) return { code: CpCode.ConfigureReject, data: encodeOptions(rejects) };
    if (naks.length > 0) {
      // Max-Failure: stop suggesting, refuse the options instead (RFC 1661 §4.6).
      if (this.restart.naksExhausted()) {
        const refused = opts.filter((o) => naks.some((n) => n.type === o.type));
        if (refused.length > 0) return { code: CpCode.ConfigureReject, data: encodeOptions(refused) };
      }
      return { code: CpCode.ConfigureNak, data: encodeOptions(naks) };
    }
    return { code: CpCode.ConfigureAck, data: pkt.data };
  }

  /** Feed one event to the RFC 1661 table and perform its actions. */
  private fire(event: CpEvent, now: number): void {
    const from = this.state;
    const t = transition(from, event);
    if (!t) return; // illegal event (RFC 1661 §4.4 "-"): no transition, no reset
    if (t.note === 'x') this.hooks.notice?.(`${this.name}: crossed connection (${event} in ${from})`);
    this.perform(t, from, event, now);
  }

  private perform(t: Transition, from: CpState, event: CpEvent, now: number): void {
    const freshStart = from <= CpState.Stopped && t.actions.includes(CpAction.scr);
    let sawScr = false;
    // Set the state first so hooks (tlu/tld) observe the new state.
    this.state = t.next;
    for (const a of t.actions) {
      switch (a) {
        case CpAction.irc:
          this.restart.initialize(t.actions.includes(CpAction.str));
          break;
        case CpAction.zrc:
          this.restart.zero(now);
          break;
        case CpAction.scr:
          if (freshStart && !sawScr) {
            this.restart.failures = 0;
            for (const h of this.ordered) h.resetLocal?.();
          }
          sawScr = true;
          this.sendConfigureRequest(now);
          break;
        case CpAction.sca:
          this.restart.failures = 0;
          this.sendReply();
          break;
        case CpAction.scn:
          if (this.pendingReply?.code === CpCode.ConfigureNak) this.restart.failures += 1;
          this.sendReply();
          break;
        case CpAction.str:
          this.termId = this.allocateId();
          this.hooks.send(encodeCp(CpCode.TerminateRequest, this.termId, this.termData));
          this.restart.transmitted(now);
          break;
        case CpAction.sta:
          // Answer a Terminate-Request (or any packet received in Closed/Stopped) with its own id.
          this.hooks.send(encodeCp(CpCode.TerminateAck, this.pendingPacket?.identifier ?? this.allocateId()));
          break;
        case CpAction.scj:
          if (this.pendingRaw) this.hooks.send(encodeCp(CpCode.CodeReject, this.allocateId(), this.pendingRaw));
          break;
        case CpAction.ser:
          if (this.pendingPacket) this.hooks.ser?.(this.pendingPacket, now);
          break;
        case CpAction.tlu:
          this.hooks.up?.(now);
          break;
        case CpAction.tld:
          this.hooks.down?.(now);
          break;
        case CpAction.tls:
          this.hooks.started?.(now);
          break;
        case CpAction.tlf:
          this.hooks.finished?.(now, event);
          break;
      }
    }
    if (!timerRuns(this.state)) this.restart.stop();
  }

  private sendConfigureRequest(now: number): void {
    const opts: CpOption[] = [];
    for (const h of this.ordered) {
      const data = h.request?.();
      if (data) opts.push({ type: h.type, data });
    }
    this.reqOptions = encodeOptions(opts);
    // RFC 1661 §5.1: a new Identifier whenever the options change or a reply arrived; we
    // simply take a new one for every transmission, as pppd and Windows do.
    this.reqId = this.allocateId();
    this.reqAnswered = false;
    this.hooks.send(encodeCp(CpCode.ConfigureRequest, this.reqId, this.reqOptions));
    this.restart.transmitted(now);
  }

  private sendReply(): void {
    const r = this.pendingReply;
    const p = this.pendingPacket;
    if (!r || !p) return;
    this.hooks.send(encodeCp(r.code, p.identifier, r.data));
  }
}

function hasType(opts: readonly CpOption[], type: number): boolean {
  for (const o of opts) if (o.type === type) return true;
  return false;
}
