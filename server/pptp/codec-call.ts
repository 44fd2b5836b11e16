// Call management, error reporting and PPP session control messages (RFC 2637
// §2.7–§2.15): OCRQ/OCRP, ICRQ/ICRP/ICCN, CCRQ, CDN, WEN, SLI. Offsets are from the
// start of the message, header included. Reserved fields are written as 0 and
// ignored on receipt. Readers assume checkHeader() accepted the octets first.

import { CALL_STATISTICS_LENGTH, ControlMessageType, PHONE_NUMBER_LENGTH } from './constants.js';
import { newMessage, readPadded, viewOf, writePadded } from './codec-header.js';

/** §2.7 Outgoing-Call-Request (PNS → PAC): what a PPTP client sends to open a tunnel. */
export interface Ocrq {
  readonly type: 'OCRQ';
  readonly callId: number; // assigned by the PNS; the PAC puts it in GRE packets it sends
  readonly callSerialNumber: number; // for logging only
  readonly minimumBps: number;
  readonly maximumBps: number;
  readonly bearerType: number; // BearerType
  readonly framingType: number; // FramingType
  readonly packetRecvWindowSize: number; // GRE packets the PNS can buffer for this call
  readonly packetProcessingDelay: number; // in 1/10 s; 0 from every real client seen
  readonly phoneNumberLength: number; // octets of Phone Number in use (kept as sent)
  readonly phoneNumber: string;
  readonly subaddress: string;
}

/** §2.8 Outgoing-Call-Reply (PAC → PNS). */
export interface Ocrp {
  readonly type: 'OCRP';
  readonly callId: number; // assigned by the PAC
  readonly peerCallId: number; // the OCRQ's Call ID
  readonly resultCode: number; // OcrpResult
  readonly errorCode: number; // GeneralError
  readonly causeCode: number; // Q.931 cause for ISDN; 0 otherwise
  readonly connectSpeed: number; // bps
  readonly packetRecvWindowSize: number;
  readonly packetProcessingDelay: number;
  readonly physicalChannelId: number; // vendor-specific, for logging
}

/** §2.9 Incoming-Call-Request (PAC → PNS). */
export interface Icrq {
  readonly type: 'ICRQ';
  readonly callId: number;
  readonly callSerialNumber: number;
  readonly callBearerType: number; // BearerType
  readonly physicalChannelId: number;
  readonly dialedNumberLength: number;
  readonly dialingNumberLength: number;
  readonly dialedNumber: string; // DNIS
  readonly dialingNumber: string; // CLID
  readonly subaddress: string;
}

/** §2.10 Incoming-Call-Reply (PNS → PAC). */
export interface Icrp {
  readonly type: 'ICRP';
  readonly callId: number;
  readonly peerCallId: number;
  readonly resultCode: number; // IcrpResult
  readonly errorCode: number;
  readonly packetRecvWindowSize: number;
  readonly packetTransmitDelay: number;
}

/** §2.11 Incoming-Call-Connected (PAC → PNS). */
export interface Iccn {
  readonly type: 'ICCN';
  readonly peerCallId: number;
  readonly connectSpeed: number;
  readonly packetRecvWindowSize: number;
  readonly packetTransmitDelay: number;
  readonly framingType: number;
}

/** §2.12 Call-Clear-Request (PNS → PAC). */
export interface Ccrq {
  readonly type: 'CCRQ';
  readonly callId: number; // the PNS's own Call ID (the peer's may not be known yet)
}

/** §2.13 Call-Disconnect-Notify (PAC → PNS). */
export interface Cdn {
  readonly type: 'CDN';
  readonly callId: number; // see control.ts for which id real PACs put here
  readonly resultCode: number; // CdnResult (Windows sends 0, MS-PTPT §3.2.5.5)
  readonly errorCode: number;
  readonly causeCode: number;
  readonly callStatistics: string; // vendor ASCII, up to 128 octets
}

/** §2.14 WAN-Error-Notify (PAC → PNS): cumulative error counters. */
export interface Wen {
  readonly type: 'WEN';
  readonly peerCallId: number;
  readonly crcErrors: number;
  readonly framingErrors: number;
  readonly hardwareOverruns: number;
  readonly bufferOverruns: number;
  readonly timeoutErrors: number;
  readonly alignmentErrors: number;
}

/** §2.15 Set-Link-Info: PPP-negotiated ACCMs (sent PNS → PAC; Windows RRAS sends it too). */
export interface Sli {
  readonly type: 'SLI';
  readonly peerCallId: number; // the receiver's Call ID
  readonly sendAccm: number;
  readonly receiveAccm: number;
  /** Reserved1, present only when non-zero: Windows RRAS sends garbage here (0xa196 in
   *  ndpi__pptp.pcap). Kept so decode → encode gives the same octets; we send 0. */
  readonly reserved1?: number;
}

export function readOcrq(b: Uint8Array): Ocrq {
  const v = viewOf(b);
  return {
    type: 'OCRQ',
    callId: v.getUint16(12),
    callSerialNumber: v.getUint16(14),
    minimumBps: v.getUint32(16),
    maximumBps: v.getUint32(20),
    bearerType: v.getUint32(24),
    framingType: v.getUint32(28),
    packetRecvWindowSize: v.getUint16(32),
    packetProcessingDelay: v.getUint16(34),
    phoneNumberLength: v.getUint16(36),
    phoneNumber: readPadded(b, 40, PHONE_NUMBER_LENGTH),
    subaddress: readPadded(b, 104, PHONE_NUMBER_LENGTH),
  };
}
export function writeOcrq(m: Ocrq): Uint8Array {
  const { bytes, view } = newMessage('OCRQ', ControlMessageType.OCRQ);
  view.setUint16(12, m.callId);
  view.setUint16(14, m.callSerialNumber);
  view.setUint32(16, m.minimumBps >>> 0);
  view.setUint32(20, m.maximumBps >>> 0);
  view.setUint32(24, m.bearerType >>> 0);
  view.setUint32(28, m.framingType >>> 0);
  view.setUint16(32, m.packetRecvWindowSize);
  view.setUint16(34, m.packetProcessingDelay);
  view.setUint16(36, m.phoneNumberLength);
  writePadded(bytes, 40, PHONE_NUMBER_LENGTH, m.phoneNumber);
  writePadded(bytes, 104, PHONE_NUMBER_LENGTH, m.subaddress);
  return bytes;
}

export function readOcrp(b: Uint8Array): Ocrp {
  const v = viewOf(b);
  return {
    type: 'OCRP',
    callId: v.getUint16(12),
    peerCallId: v.getUint16(14),
    resultCode: b[16]!,
    errorCode: b[17]!,
    causeCode: v.getUint16(18),
    connectSpeed: v.getUint32(20),
    packetRecvWindowSize: v.getUint16(24),
    packetProcessingDelay: v.getUint16(26),
    physicalChannelId: v.getUint32(28),
  };
}
export function writeOcrp(m: Ocrp): Uint8Array {
  const { bytes, view } = newMessage('OCRP', ControlMessageType.OCRP);
  view.setUint16(12, m.callId);
  view.setUint16(14, m.peerCallId);
  bytes[16] = m.resultCode;
  bytes[17] = m.errorCode;
  view.setUint16(18, m.causeCode);
  view.setUint32(20, m.connectSpeed >>> 0);
  view.setUint16(24, m.packetRecvWindowSize);
  view.setUint16(26, m.packetProcessingDelay);
  view.setUint32(28, m.physicalChannelId >>> 0);
  return bytes;
}

export function readIcrq(b: Uint8Array): Icrq {
  const v = viewOf(b);
  return {
    type: 'ICRQ',
    callId: v.getUint16(12),
    callSerialNumber: v.getUint16(14),
    callBearerType: v.getUint32(16),
    physicalChannelId: v.getUint32(20),
    dialedNumberLength: v.getUint16(24),
    dialingNumberLength: v.getUint16(26),
    dialedNumber: readPadded(b, 28, PHONE_NUMBER_LENGTH),
    dialingNumber: readPadded(b, 92, PHONE_NUMBER_LENGTH),
    subaddress: readPadded(b, 156, PHONE_NUMBER_LENGTH),
  };
}
export function writeIcrq(m: Icrq): Uint8Array {
  const { bytes, view } = newMessage('ICRQ', ControlMessageType.ICRQ);
  view.setUint16(12, m.callId);
  view.setUint16(14, m.callSerialNumber);
  view.setUint32(16, m.callBearerType >>> 0);
  view.setUint32(20, m.physicalChannelId >>> 0);
  view.setUint16(24, m.dialedNumberLength);
  view.setUint16(26, m.dialingNumberLength);
  writePadded(bytes, 28, PHONE_NUMBER_LENGTH, m.dialedNumber);
  writePadded(bytes, 92, PHONE_NUMBER_LENGTH, m.dialingNumber);
  writePadded(bytes, 156, PHONE_NUMBER_LENGTH, m.subaddress);
  return bytes;
}

export function readIcrp(b: Uint8Array): Icrp {
  const v = viewOf(b);
  return {
    type: 'ICRP',
    callId: v.getUint16(12),
    peerCallId: v.getUint16(14),
    resultCode: b[16]!,
    errorCode: b[17]!,
    packetRecvWindowSize: v.getUint16(18),
    packetTransmitDelay: v.getUint16(20),
  };
}
export function writeIcrp(m: Icrp): Uint8Array {
  const { bytes, view } = newMessage('ICRP', ControlMessageType.ICRP);
  view.setUint16(12, m.callId);
  view.setUint16(14, m.peerCallId);
  bytes[16] = m.resultCode;
  bytes[17] = m.errorCode;
  view.setUint16(18, m.packetRecvWindowSize);
  view.setUint16(20, m.packetTransmitDelay);
  return bytes;
}

export function readIccn(b: Uint8Array): Iccn {
  const v = viewOf(b);
  return {
    type: 'ICCN',
    peerCallId: v.getUint16(12),
    connectSpeed: v.getUint32(16),
    packetRecvWindowSize: v.getUint16(20),
    packetTransmitDelay: v.getUint16(22),
    framingType: v.getUint32(24),
  };
}
export function writeIccn(m: Iccn): Uint8Array {
  const { bytes, view } = newMessage('ICCN', ControlMessageType.ICCN);
  view.setUint16(12, m.peerCallId);
  view.setUint32(16, m.connectSpeed >>> 0);
  view.setUint16(20, m.packetRecvWindowSize);
  view.setUint16(22, m.packetTransmitDelay);
  view.setUint32(24, m.framingType >>> 0);
  return bytes;
}

export function readCcrq(b: Uint8Array): Ccrq {
  return { type: 'CCRQ', callId: viewOf(b).getUint16(12) };
}
export function writeCcrq(m: Ccrq): Uint8Array {
  const { bytes, view } = newMessage('CCRQ', ControlMessageType.CCRQ);
  view.setUint16(12, m.callId);
  return bytes;
}

export function readCdn(b: Uint8Array): Cdn {
  const v = viewOf(b);
  return {
    type: 'CDN',
    callId: v.getUint16(12),
    resultCode: b[14]!,
    errorCode: b[15]!,
    causeCode: v.getUint16(16),
    callStatistics: readPadded(b, 20, CALL_STATISTICS_LENGTH),
  };
}
export function writeCdn(m: Cdn): Uint8Array {
  const { bytes, view } = newMessage('CDN', ControlMessageType.CDN);
  view.setUint16(12, m.callId);
  bytes[14] = m.resultCode;
  bytes[15] = m.errorCode;
  view.setUint16(16, m.causeCode);
  writePadded(bytes, 20, CALL_STATISTICS_LENGTH, m.callStatistics);
  return bytes;
}

export function readWen(b: Uint8Array): Wen {
  const v = viewOf(b);
  return {
    type: 'WEN',
    peerCallId: v.getUint16(12),
    crcErrors: v.getUint32(16),
    framingErrors: v.getUint32(20),
    hardwareOverruns: v.getUint32(24),
    bufferOverruns: v.getUint32(28),
    timeoutErrors: v.getUint32(32),
    alignmentErrors: v.getUint32(36),
  };
}
export function writeWen(m: Wen): Uint8Array {
  const { bytes, view } = newMessage('WEN', ControlMessageType.WEN);
  view.setUint16(12, m.peerCallId);
  view.setUint32(16, m.crcErrors >>> 0);
  view.setUint32(20, m.framingErrors >>> 0);
  view.setUint32(24, m.hardwareOverruns >>> 0);
  view.setUint32(28, m.bufferOverruns >>> 0);
  view.setUint32(32, m.timeoutErrors >>> 0);
  view.setUint32(36, m.alignmentErrors >>> 0);
  return bytes;
}

export function readSli(b: Uint8Array): Sli {
  const v = viewOf(b);
  const sli: Sli = { type: 'SLI', peerCallId: v.getUint16(12), sendAccm: v.getUint32(16), receiveAccm: v.getUint32(20) };
  const reserved1 = v.getUint16(14);
  return reserved1 === 0 ? sli : { ...sli, reserved1 };
}
export function writeSli(m: Sli): Uint8Array {
  const { bytes, view } = newMessage('SLI', ControlMessageType.SLI);
  view.setUint16(12, m.peerCallId);
  view.setUint16(14, m.reserved1 ?? 0);
  view.setUint32(16, m.sendAccm >>> 0);
  view.setUint32(20, m.receiveAccm >>> 0);
  return bytes;
}
