// Control-connection management messages (RFC 2637 §2.1–§2.6): SCCRQ/SCCRP,
// StopCCRQ/StopCCRP, Echo-Request/Echo-Reply. Offsets are from the start of the
// message, header included, as in the RFC's diagrams. Reserved fields are written
// as 0 and ignored on receipt. The bodies assume checkHeader() already accepted
// the octets (codec.ts does that), so they cannot read past the buffer.

import { ControlMessageType, HOST_NAME_LENGTH } from './constants.js';
import { newMessage, readPadded, viewOf, writePadded } from './codec-header.js';

/** §2.1 Start-Control-Connection-Request. */
export interface Sccrq {
  readonly type: 'SCCRQ';
  readonly protocolVersion: number; // 0x0100 for version 1.0
  readonly framingCapabilities: number; // FramingCapability bits
  readonly bearerCapabilities: number; // BearerCapability bits
  readonly maximumChannels: number; // PAC: channels it supports; PNS: 0 (Windows) or 65535 (pptp-linux)
  readonly firmwareRevision: number; // vendor firmware (PAC) or PPTP driver (PNS) revision
  readonly hostName: string; // DNS name of the sender, up to 64 octets
  readonly vendorString: string; // vendor-specific, up to 64 octets
}

/** §2.2 Start-Control-Connection-Reply: the same fields, with Result/Error Code after the version. */
export interface Sccrp extends Omit<Sccrq, 'type'> {
  readonly type: 'SCCRP';
  readonly resultCode: number; // SccrpResult
  readonly errorCode: number; // GeneralError when resultCode is General Error
}

/** §2.3 Stop-Control-Connection-Request. */
export interface StopCcrq {
  readonly type: 'StopCCRQ';
  readonly reason: number; // StopReason
}

/** §2.4 Stop-Control-Connection-Reply. */
export interface StopCcrp {
  readonly type: 'StopCCRP';
  readonly resultCode: number; // StopResult
  readonly errorCode: number;
}

/** §2.5 Echo-Request: keepalive; the Identifier is echoed back. */
export interface EchoRequest {
  readonly type: 'EchoRequest';
  readonly identifier: number; // u32 chosen by the sender
}

/** §2.6 Echo-Reply. */
export interface EchoReply {
  readonly type: 'EchoReply';
  readonly identifier: number; // copied from the Echo-Request
  readonly resultCode: number; // EchoResult
  readonly errorCode: number;
}

// SCCRQ and SCCRP share a layout except for octets 14–15 (Reserved1 vs Result/Error Code).
function readStartBody(b: Uint8Array) {
  const v = viewOf(b);
  return {
    protocolVersion: v.getUint16(12),
    framingCapabilities: v.getUint32(16),
    bearerCapabilities: v.getUint32(20),
    maximumChannels: v.getUint16(24),
    firmwareRevision: v.getUint16(26),
    hostName: readPadded(b, 28, HOST_NAME_LENGTH),
    vendorString: readPadded(b, 92, HOST_NAME_LENGTH),
  };
}

function writeStartBody(b: Uint8Array, v: DataView, m: Omit<Sccrq, 'type'>): void {
  v.setUint16(12, m.protocolVersion);
  v.setUint32(16, m.framingCapabilities >>> 0);
  v.setUint32(20, m.bearerCapabilities >>> 0);
  v.setUint16(24, m.maximumChannels);
  v.setUint16(26, m.firmwareRevision);
  writePadded(b, 28, HOST_NAME_LENGTH, m.hostName);
  writePadded(b, 92, HOST_NAME_LENGTH, m.vendorString);
}

export function readSccrq(b: Uint8Array): Sccrq {
  return { type: 'SCCRQ', ...readStartBody(b) };
}
export function writeSccrq(m: Sccrq): Uint8Array {
  const { bytes, view } = newMessage('SCCRQ', ControlMessageType.SCCRQ);
  writeStartBody(bytes, view, m);
  return bytes;
}

export function readSccrp(b: Uint8Array): Sccrp {
  const { protocolVersion, ...rest } = readStartBody(b);
  return { type: 'SCCRP', protocolVersion, resultCode: b[14]!, errorCode: b[15]!, ...rest };
}
export function writeSccrp(m: Sccrp): Uint8Array {
  const { bytes, view } = newMessage('SCCRP', ControlMessageType.SCCRP);
  writeStartBody(bytes, view, m);
  bytes[14] = m.resultCode;
  bytes[15] = m.errorCode;
  return bytes;
}

export function readStopCcrq(b: Uint8Array): StopCcrq {
  return { type: 'StopCCRQ', reason: b[12]! };
}
export function writeStopCcrq(m: StopCcrq): Uint8Array {
  const { bytes } = newMessage('StopCCRQ', ControlMessageType.StopCCRQ);
  bytes[12] = m.reason;
  return bytes;
}

export function readStopCcrp(b: Uint8Array): StopCcrp {
  return { type: 'StopCCRP', resultCode: b[12]!, errorCode: b[13]! };
}
export function writeStopCcrp(m: StopCcrp): Uint8Array {
  const { bytes } = newMessage('StopCCRP', ControlMessageType.StopCCRP);
  bytes[12] = m.resultCode;
  bytes[13] = m.errorCode;
  return bytes;
}

export function readEchoRequest(b: Uint8Array): EchoRequest {
  return { type: 'EchoRequest', identifier: viewOf(b).getUint32(12) };
}
export function writeEchoRequest(m: EchoRequest): Uint8Array {
  const { bytes, view } = newMessage('EchoRequest', ControlMessageType.EchoRequest);
  view.setUint32(12, m.identifier >>> 0);
  return bytes;
}

export function readEchoReply(b: Uint8Array): EchoReply {
  return { type: 'EchoReply', identifier: viewOf(b).getUint32(12), resultCode: b[16]!, errorCode: b[17]! };
}
export function writeEchoReply(m: EchoReply): Uint8Array {
  const { bytes, view } = newMessage('EchoReply', ControlMessageType.EchoReply);
  view.setUint32(12, m.identifier >>> 0);
  bytes[16] = m.resultCode;
  bytes[17] = m.errorCode;
  return bytes;
}
