// Call management and session messages on an established control connection
// (RFC 2637 §2.7–§2.15, §3.2): OCRQ/OCRP, ICRQ, CCRQ/CDN, WEN, SLI, for both roles.
// control.ts owns the connection state and hands these over only when established;
// the functions here see the connection's calls through a small context.

import { CdnResult, GeneralError, IcrpResult, OcrpResult, type ControlMessageName } from './constants.js';
import type { ControlMessage } from './codec.js';
import type { Cdn, Ccrq, Ocrp, Ocrq, Sli, Wen } from './codec-call.js';
import type { CallTable } from './call.js';
import { cdn, icrpRefusal, ocrpRefusal } from './replies.js';
import type { ClearedBy, ControlEvent, Role } from './control-types.js';

export interface CallContext {
  readonly role: Role;
  readonly calls: CallTable;
  /** Server: OCRQs waiting for acceptCall()/rejectCall(), by the peer's Call ID. */
  readonly pending: Map<number, Ocrq>;
  send(m: ControlMessage): void;
  emit(e: ControlEvent): void;
  unexpected(type: ControlMessageName, reason?: string): void;
}

/** Handle one call message received on an established connection. */
export function handleCallMessage(c: CallContext, m: ControlMessage): void {
  switch (m.type) {
    case 'OCRQ': return onOcrq(c, m);
    case 'OCRP': return onOcrp(c, m);
    case 'ICRQ':
      // We never accept incoming calls (PPTP over IP has no telephone line).
      c.send(icrpRefusal(m.callId, IcrpResult.DoNotAccept, GeneralError.None));
      return c.unexpected(m.type);
    case 'CCRQ': return onCcrq(c, m);
    case 'CDN': return onCdn(c, m);
    case 'WEN': return onWen(c, m);
    case 'SLI': return onSli(c, m);
    default:
      return c.unexpected(m.type); // ICRP, ICCN (we never send ICRQ); connection messages never come here
  }
}

function onOcrq(c: CallContext, m: Ocrq): void {
  if (c.role !== 'server') {
    c.send(ocrpRefusal(m.callId, OcrpResult.DoNotAccept, GeneralError.None, 0));
    return c.unexpected(m.type);
  }
  if (c.pending.has(m.callId) || c.calls.byPeerCallId(m.callId)) {
    // §2.16 Bad-Call ID: the peer reuses a Call ID that is still in use on this tunnel.
    c.send(ocrpRefusal(m.callId, OcrpResult.GeneralError, GeneralError.BadCallId, 0));
    return c.unexpected(m.type, 'OCRQ reuses a Call ID in use');
  }
  c.pending.set(m.callId, m);
  c.emit({
    type: 'outgoing-call-request', peerCallId: m.callId, serial: m.callSerialNumber, minimumBps: m.minimumBps,
    maximumBps: m.maximumBps, bearerType: m.bearerType, framingType: m.framingType, window: m.packetRecvWindowSize,
    processingDelay: m.packetProcessingDelay, phoneNumber: m.phoneNumber, subaddress: m.subaddress,
  });
}

function onOcrp(c: CallContext, m: Ocrp): void {
  const call = c.role === 'client' ? c.calls.byCallId(m.peerCallId) : undefined;
  if (!call || call.state !== 'wait-reply') return c.unexpected(m.type);
  if (m.resultCode !== OcrpResult.Connected) {
    c.calls.remove(call.callId);
    c.emit({ type: 'call-rejected', callId: call.callId, resultCode: m.resultCode, errorCode: m.errorCode, causeCode: m.causeCode });
    return;
  }
  call.peerCallId = m.callId;
  call.state = 'established';
  call.deadline = undefined;
  c.emit({
    type: 'call-connected', callId: call.callId, peerCallId: m.callId, connectSpeed: m.connectSpeed,
    window: m.packetRecvWindowSize, processingDelay: m.packetProcessingDelay,
  });
}

function onCcrq(c: CallContext, m: Ccrq): void {
  if (c.role !== 'server') return c.unexpected(m.type);
  // §2.12: the Call ID is the PNS's, i.e. our peerCallId.
  const call = c.calls.byPeerCallId(m.callId);
  if (call) {
    c.send(cdn(m.callId, CdnResult.Request));
    c.calls.remove(call.callId);
    c.emit({ type: 'call-cleared', callId: call.callId, peerCallId: call.peerCallId, by: 'peer' });
  } else if (c.pending.delete(m.callId)) {
    c.send(cdn(m.callId, CdnResult.Request));
    c.emit({ type: 'call-cleared', callId: undefined, peerCallId: m.callId, by: 'peer' });
  } else {
    c.send(cdn(m.callId, CdnResult.GeneralError, GeneralError.BadCallId));
    c.unexpected(m.type, 'CCRQ for an unknown Call ID');
  }
}

function onCdn(c: CallContext, m: Cdn): void {
  if (c.role !== 'client') return c.unexpected(m.type);
  // §2.13 says the PAC's Call ID; real PACs put the PNS's (ours): see replies.ts cdn().
  const call = c.calls.byCallId(m.callId) ?? c.calls.byPeerCallId(m.callId);
  if (!call) return c.unexpected(m.type, 'CDN for an unknown Call ID');
  c.calls.remove(call.callId);
  const by: ClearedBy = call.state === 'wait-disconnect' ? 'local' : 'peer';
  c.emit({
    type: 'call-cleared', callId: call.callId, peerCallId: call.peerCallId, by,
    resultCode: m.resultCode, errorCode: m.errorCode, causeCode: m.causeCode, callStatistics: m.callStatistics,
  });
}

function onWen(c: CallContext, m: Wen): void {
  const call = c.role === 'client' ? c.calls.byCallId(m.peerCallId) : undefined;
  if (!call) return c.unexpected(m.type);
  const { type: _t, peerCallId: _p, ...counters } = m;
  c.emit({ type: 'wan-error-notify', callId: call.callId, ...counters });
}

function onSli(c: CallContext, m: Sli): void {
  // "Peer's Call ID" is the receiver's id (ours); fall back to the sender's for peers that mix them up.
  const call = c.calls.byCallId(m.peerCallId) ?? c.calls.byPeerCallId(m.peerCallId);
  if (!call) return c.unexpected(m.type, 'SLI for an unknown Call ID');
  c.emit({ type: 'set-link-info', callId: call.callId, sendAccm: m.sendAccm, receiveAccm: m.receiveAccm });
}
