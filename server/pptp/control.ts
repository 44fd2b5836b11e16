// The PPTP control connection (RFC 2637 §3.1) as a sans-I/O core, for both roles
// (h11 / quinn-proto style):
//
//   inputs   handleData(bytes, now), handleTimeout(now), and the caller's decisions:
//            start(), acceptCall(), rejectCall(), placeCall(), clearCall(), setLinkInfo(), stop()
//   outputs  pollTransmit() → bytes for the TCP socket, pollEvent() → ControlEvent,
//            pollTimeout() → when to call handleTimeout() next
//
// Rules: nothing here throws on peer input (a peer's fault becomes a 'protocol-error'
// event, and a reply with the RFC's result code where the RFC gives one); the caller's
// misuse (e.g. placeCall() on a server) throws PptpdError. Time only moves forward.
//
// Connection states (§3.1.1, §3.1.2): idle → [client: wait-ctl-reply] → established →
// wait-stop-reply → closed. After 'stopped' the caller flushes transmits and closes TCP.

import { ErrorCode, PptpdError, isDecodeError } from '../errors.js';
import {
  CdnResult, EchoResult, GeneralError, IcrpResult, OcrpResult, PROTOCOL_VERSION, SccrpResult, StopReason,
  StopResult, type ControlMessageName,
} from './constants.js';
import { type ControlMessage, decodeControlMessage, encodeControlMessage } from './codec.js';
import type { Ocrq } from './codec-call.js';
import type { Sccrp, Sccrq } from './codec-control.js';
import { ControlFramer } from './framer.js';
import { CallTable, type Call } from './call.js';
import { EchoKeepalive } from './keepalive.js';
import { handleCallMessage, type CallContext } from './call-messages.js';
import { cdn, icrpRefusal, ocrpAccept, ocrpRefusal, ocrqFor, ourStartFields } from './replies.js';
import type {
  AcceptCallOptions, ClearedBy, ControlEvent, ControlOptions, PlaceCallOptions, Role,
} from './control-types.js';

export type ConnectionState = 'idle' | 'wait-ctl-reply' | 'established' | 'wait-stop-reply' | 'closed';

export const DEFAULT_START_TIMEOUT_MS = 10_000; // PoPToP `stimeout`
export const DEFAULT_STOP_TIMEOUT_MS = 10_000;
export const DEFAULT_CALL_TIMEOUT_MS = 30_000;
/** Non-fatal protocol errors tolerated on one connection before it is closed. */
export const MAX_PROTOCOL_ERRORS = 16;

export class ControlConnection {
  readonly role: Role;
  private state: ConnectionState = 'idle';
  private protocolErrors = 0;
  private readonly framer = new ControlFramer();
  private readonly calls = new CallTable();
  /** Server: OCRQs waiting for acceptCall()/rejectCall(), by the peer's Call ID. */
  /** Made with the first OCRQ and dropped when empty again: an established call leaves none. */
  private pending: Map<number, Ocrq> | null = null;
  private readonly keepalive: EchoKeepalive;
  private readonly transmits: Uint8Array[] = [];
  private readonly events: ControlEvent[] = [];
  private startDeadline: number | undefined;
  private stopDeadline: number | undefined;
  private readonly o: ControlOptions;

  /** `now` is when the TCP connection was accepted (server) or created (client). */
  constructor(options: ControlOptions, now: number) {
    this.o = options;
    this.role = options.role;
    this.keepalive = new EchoKeepalive(options.echoInterval, options.echoTimeout, options.firstEchoIdentifier);
    // §3.1.2 idle: the receiver waits for SCCRQ; PoPToP gives up after `stimeout`.
    if (this.role === 'server') this.startDeadline = now + (options.startTimeout ?? DEFAULT_START_TIMEOUT_MS);
  }

  /** What call-messages.ts needs to handle call messages for this connection. Made per call
   *  message (a few per call) rather than kept: an idle connection should not pay for it. */
  private callContext(): CallContext {
    return {
      role: this.role,
      calls: this.calls,
      pending: (this.pending ??= new Map()),
      send: (m) => this.send(m),
      emit: (e) => this.events.push(e),
      unexpected: (type, reason) => this.unexpected(type, reason),
    };
  }

  get connectionState(): ConnectionState {
    return this.state;
  }

  get isClosed(): boolean {
    return this.state === 'closed';
  }

  /** Number of calls (established or being set up) on this connection. */
  get callCount(): number {
    return this.calls.size;
  }

  // ---- outputs -------------------------------------------------------------

  /** Next message to write to the TCP socket, in order. */
  pollTransmit(): Uint8Array | undefined {
    return this.transmits.shift();
  }

  /** Next event, in order. */
  pollEvent(): ControlEvent | undefined {
    return this.events.shift();
  }

  /** When handleTimeout() must next be called, or undefined. */
  pollTimeout(): number | undefined {
    if (this.state === 'closed') return undefined;
    let t: number | undefined;
    for (const d of [this.startDeadline, this.stopDeadline, this.keepalive.deadline(), this.calls.nextDeadline()]) {
      if (d !== undefined && (t === undefined || d < t)) t = d;
    }
    return t;
  }

  // ---- inputs --------------------------------------------------------------

  /** Bytes received on the TCP connection, in any chunking. */
  handleData(bytes: Uint8Array, now: number): void {
    if (this.state === 'closed') return;
    for (const item of this.framer.push(bytes)) {
      if (isDecodeError(item)) {
        // §2.16 Bad-Format: the stream cannot be resynchronised.
        this.protocolError(item.reason, true);
        this.close('error', `control stream broken: ${item.reason}`);
        return;
      }
      const msg = decodeControlMessage(item);
      if (isDecodeError(msg)) {
        this.protocolError(msg.reason, false);
        if (this.isClosed) return;
        continue;
      }
      this.keepalive.received(now);
      this.dispatch(msg, now);
      if (this.isClosed) return;
    }
  }

  /** Call at (or after) the time pollTimeout() gave. */
  handleTimeout(now: number): void {
    if (this.state === 'closed') return;
    if (this.startDeadline !== undefined && now >= this.startDeadline) {
      const what = this.role === 'server' ? 'no SCCRQ within the start timeout' : 'no SCCRP within the start timeout';
      this.close('timeout', what);
      return;
    }
    if (this.stopDeadline !== undefined && now >= this.stopDeadline) {
      this.close('timeout', 'no StopCCRP within the stop timeout');
      return;
    }
    const ka = this.keepalive.onTimeout(now);
    if (ka?.kind === 'send-echo-request') this.send({ type: 'EchoRequest', identifier: ka.identifier });
    if (ka?.kind === 'dead') {
      this.events.push({ type: 'echo-timeout' });
      this.close('timeout', 'no reply to Echo-Request');
      return;
    }
    for (const call of this.calls.all()) {
      if (call.deadline === undefined || now < call.deadline) continue;
      this.calls.remove(call.callId);
      if (call.state === 'wait-reply') {
        // §2.12: CCRQ carries our own Call ID so a call can be aborted before OCRP.
        this.send({ type: 'CCRQ', callId: call.callId });
        this.events.push({ type: 'call-rejected', callId: call.callId, resultCode: 0, errorCode: 0, causeCode: 0 });
      } else {
        this.cleared(call, 'timeout');
      }
    }
  }

  /** Client: open the control connection by sending SCCRQ (§3.1.1). */
  start(now: number): void {
    this.expectRole('client', 'start');
    if (this.state !== 'idle') throw new PptpdError(ErrorCode.STATE, `start() in state ${this.state}`);
    this.send({ type: 'SCCRQ', ...ourStartFields(this.o) });
    this.state = 'wait-ctl-reply';
    this.startDeadline = now + (this.o.startTimeout ?? DEFAULT_START_TIMEOUT_MS);
  }

  /** Server: accept the pending OCRQ from `peerCallId` (OCRP Connected). False if it is no longer pending. */
  acceptCall(peerCallId: number, options: AcceptCallOptions): boolean {
    this.expectRole('server', 'acceptCall');
    const ocrq = this.pending?.get(peerCallId);
    if (!ocrq || this.state !== 'established') return false;
    if (this.calls.byCallId(options.callId)) {
      throw new PptpdError(ErrorCode.STATE, `Call ID ${options.callId} already used on this connection`);
    }
    this.forget(peerCallId);
    this.calls.add({ callId: options.callId, peerCallId, state: 'established', deadline: undefined });
    this.send(ocrpAccept(ocrq, options));
    return true;
  }

  /** Drops a pending OCRQ (true if it was pending), and the table once it is empty. */
  private forget(peerCallId: number): boolean {
    const p = this.pending;
    if (!p?.delete(peerCallId)) return false;
    if (p.size === 0) this.pending = null;
    return true;
  }

  /** Server: refuse the pending OCRQ from `peerCallId` with an OCRP Result Code (§2.8). */
  rejectCall(peerCallId: number, resultCode: number, errorCode: number = GeneralError.None, causeCode = 0): boolean {
    this.expectRole('server', 'rejectCall');
    if (!this.forget(peerCallId) || this.state !== 'established') return false;
    this.send(ocrpRefusal(peerCallId, resultCode, errorCode, causeCode));
    return true;
  }

  /** Client: ask the PAC for a call (OCRQ, §2.7). The answer comes as call-connected or call-rejected. */
  placeCall(options: PlaceCallOptions, now: number): void {
    this.expectRole('client', 'placeCall');
    if (this.state !== 'established') throw new PptpdError(ErrorCode.STATE, `placeCall() in state ${this.state}`);
    if (this.calls.byCallId(options.callId)) throw new PptpdError(ErrorCode.STATE, `Call ID ${options.callId} in use`);
    this.calls.add({ callId: options.callId, peerCallId: 0, state: 'wait-reply', deadline: now + this.callTimeout() });
    this.send(ocrqFor(options));
  }

  /**
   * Hang up a call. Server: send CDN now (default Result Admin-Shutdown). Client: send CCRQ
   * and wait for the CDN. False if there is no such call (or it is already being cleared).
   */
  clearCall(callId: number, now: number, how: { resultCode?: number; causeCode?: number; callStatistics?: string } = {}): boolean {
    const call = this.calls.byCallId(callId);
    if (!call || call.state === 'wait-disconnect' || this.state !== 'established') return false;
    if (this.role === 'server') {
      this.send(cdn(call.peerCallId, how.resultCode ?? CdnResult.AdminShutdown, GeneralError.None, how.causeCode, how.callStatistics));
      this.calls.remove(callId);
      this.cleared(call, 'local');
    } else {
      this.send({ type: 'CCRQ', callId });
      call.state = 'wait-disconnect';
      call.deadline = now + this.callTimeout();
    }
    return true;
  }

  /** Send Set-Link-Info for a call (§2.15): the ACCMs PPP negotiated. */
  setLinkInfo(callId: number, accm: { sendAccm: number; receiveAccm: number }): boolean {
    const call = this.calls.byCallId(callId);
    if (!call || call.state !== 'established' || this.state !== 'established') return false;
    this.send({ type: 'SLI', peerCallId: call.peerCallId, sendAccm: accm.sendAccm, receiveAccm: accm.receiveAccm });
    return true;
  }

  /**
   * Stop the control connection (§3.1.1 "Local Terminate"): clear every call (CDN from a
   * server, CCRQ from a client), send StopCCRQ and wait for StopCCRP.
   */
  stop(now: number, reason: number = StopReason.None): void {
    if (this.state === 'closed' || this.state === 'wait-stop-reply') return;
    if (this.state !== 'established') {
      this.close('local', 'stopped before the control connection was established');
      return;
    }
    this.clearAll(true);
    this.send({ type: 'StopCCRQ', reason });
    this.state = 'wait-stop-reply';
    this.stopDeadline = now + (this.o.stopTimeout ?? DEFAULT_STOP_TIMEOUT_MS);
    this.keepalive.stop();
  }

  // ---- message handling ----------------------------------------------------

  private dispatch(m: ControlMessage, now: number): void {
    if (this.role === 'server' && this.state === 'idle' && m.type !== 'SCCRQ') return this.beforeStart(m);
    switch (m.type) {
      case 'SCCRQ': return this.onSccrq(m, now);
      case 'SCCRP': return this.onSccrp(m, now);
      case 'StopCCRQ':
        // §3.1.1 established/wait_stop_reply: reply, then close TCP (also resolves a stop collision).
        this.send({ type: 'StopCCRP', resultCode: StopResult.Ok, errorCode: GeneralError.None });
        this.close('peer', `StopCCRQ with reason ${m.reason}`);
        return;
      case 'StopCCRP':
        if (this.state === 'wait-stop-reply') this.close('local', 'StopCCRP received');
        else this.unexpected(m.type);
        return;
      case 'EchoRequest':
        if (this.state === 'established' || this.state === 'wait-stop-reply') {
          this.send({ type: 'EchoReply', identifier: m.identifier, resultCode: EchoResult.Ok, errorCode: GeneralError.None });
        } else {
          this.send({ type: 'EchoReply', identifier: m.identifier, resultCode: EchoResult.GeneralError, errorCode: GeneralError.NotConnected });
          this.unexpected(m.type);
        }
        return;
      case 'EchoReply':
        return; // keepalive.received() already counted it
      default:
        return this.dispatchCall(m);
    }
  }

  // §3.1.1: an idle server waits for SCCRQ alone. Anything else is answered once with
  // §2.16 Not-Connected where the message has a reply carrying it, and the connection is
  // closed: a peer that never starts must not be able to make us answer it without end.
  private beforeStart(m: ControlMessage): void {
    if (m.type === 'EchoRequest') {
      this.send({ type: 'EchoReply', identifier: m.identifier, resultCode: EchoResult.GeneralError, errorCode: GeneralError.NotConnected });
    } else if (m.type === 'OCRQ') {
      this.send(ocrpRefusal(m.callId, OcrpResult.GeneralError, GeneralError.NotConnected, 0));
    } else if (m.type === 'ICRQ') {
      this.send(icrpRefusal(m.callId, IcrpResult.GeneralError, GeneralError.NotConnected));
    }
    const reason = `${m.type} before Start-Control-Connection-Request`;
    this.protocolError(reason, true, m.type);
    this.close('error', reason);
  }

  /** Call management and session messages: only meaningful on an established connection. */
  private dispatchCall(m: ControlMessage): void {
    if (this.state === 'wait-stop-reply') return; // calls are already cleared; late CDNs etc. are normal
    if (this.state !== 'established') {
      // §2.16 Not-Connected, answered where the message has a reply carrying it.
      if (m.type === 'OCRQ') this.send(ocrpRefusal(m.callId, OcrpResult.GeneralError, GeneralError.NotConnected, 0));
      if (m.type === 'ICRQ') this.send(icrpRefusal(m.callId, IcrpResult.GeneralError, GeneralError.NotConnected));
      this.unexpected(m.type);
      return;
    }
    handleCallMessage(this.callContext(), m);
  }

  private onSccrq(m: Sccrq, now: number): void {
    if (this.role !== 'server') return this.unexpected(m.type);
    if (this.state === 'established') {
      this.send({ type: 'SCCRP', ...ourStartFields(this.o), resultCode: SccrpResult.ChannelExists, errorCode: GeneralError.None });
      return this.unexpected(m.type);
    }
    if (this.state !== 'idle') return this.unexpected(m.type);
    if (m.protocolVersion < PROTOCOL_VERSION) {
      // §3.1.2: an earlier version we cannot support gets an SCCRP with our version, then close.
      this.send({ type: 'SCCRP', ...ourStartFields(this.o), resultCode: SccrpResult.BadVersion, errorCode: GeneralError.None });
      this.close('error', `unsupported protocol version 0x${m.protocolVersion.toString(16)}`);
      return;
    }
    this.send({ type: 'SCCRP', ...ourStartFields(this.o), resultCode: SccrpResult.Success, errorCode: GeneralError.None });
    this.established(m, now);
  }

  private onSccrp(m: Sccrp, now: number): void {
    if (this.role !== 'client' || this.state !== 'wait-ctl-reply') return this.unexpected(m.type);
    if (m.resultCode !== SccrpResult.Success) {
      this.close('peer', `SCCRP result ${m.resultCode} error ${m.errorCode}`);
      return;
    }
    if (m.protocolVersion < PROTOCOL_VERSION) {
      // §3.1.1 wait_ctl_reply: an earlier, unsupported version → StopCCRQ (Stop-Protocol).
      this.startDeadline = undefined;
      this.state = 'established';
      this.stop(now, StopReason.StopProtocol);
      return;
    }
    this.established(m, now);
  }

  private established(peer: Sccrq | Sccrp, now: number): void {
    this.state = 'established';
    this.startDeadline = undefined;
    this.keepalive.start(now);
    const { protocolVersion, framingCapabilities, bearerCapabilities, maximumChannels, firmwareRevision, hostName, vendorString } = peer;
    this.events.push({
      type: 'control-connection-up',
      peer: { protocolVersion, framingCapabilities, bearerCapabilities, maximumChannels, firmwareRevision, hostName, vendorString },
    });
  }

  // ---- helpers -------------------------------------------------------------

  private send(m: ControlMessage): void {
    this.transmits.push(encodeControlMessage(m));
  }

  private callTimeout(): number {
    return this.o.callTimeout ?? DEFAULT_CALL_TIMEOUT_MS;
  }

  private cleared(call: Call, by: ClearedBy): void {
    this.events.push({ type: 'call-cleared', callId: call.callId, peerCallId: call.peerCallId, by });
  }

  /** Drop every call; with `notify`, tell the peer (CDN from a server, CCRQ from a client). */
  private clearAll(notify: boolean): void {
    for (const call of this.calls.all()) {
      if (notify && call.state !== 'wait-disconnect') {
        if (this.role === 'server') this.send(cdn(call.peerCallId, CdnResult.AdminShutdown));
        else this.send({ type: 'CCRQ', callId: call.callId });
      }
      this.calls.remove(call.callId);
      this.cleared(call, 'stop');
    }
    this.pending = null;
  }

  private close(by: 'peer' | 'local' | 'timeout' | 'error', reason: string): void {
    if (this.state === 'closed') return;
    this.clearAll(false);
    this.state = 'closed';
    this.startDeadline = undefined;
    this.stopDeadline = undefined;
    this.keepalive.stop();
    this.events.push({ type: 'stopped', by, reason });
  }

  // Each non-fatal error is tolerated (and logged) up to MAX_PROTOCOL_ERRORS per connection;
  // past that the peer is misbehaving on purpose or broken, and is cut rather than logged forever.
  private protocolError(reason: string, fatal: boolean, message?: ControlMessageName): void {
    if (!fatal && ++this.protocolErrors > MAX_PROTOCOL_ERRORS) {
      fatal = true;
      reason = `${reason} (more than ${MAX_PROTOCOL_ERRORS} protocol errors)`;
    }
    this.events.push(message ? { type: 'protocol-error', reason, message, fatal } : { type: 'protocol-error', reason, fatal });
    if (fatal && !this.isClosed && this.protocolErrors > MAX_PROTOCOL_ERRORS) this.close('error', reason);
  }

  private unexpected(type: ControlMessageName, reason = `unexpected ${type} in state ${this.state}`): void {
    this.protocolError(reason, false, type);
  }

  private expectRole(role: Role, what: string): void {
    if (this.role !== role) throw new PptpdError(ErrorCode.STATE, `${what}() is for the ${role} role`);
  }
}
