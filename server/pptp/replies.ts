// Builders for the messages the control core sends, with the defaults we use.
// Pure functions: message values in, message values out.

import { BearerType, FramingType, GeneralError, OcrpResult, PHONE_NUMBER_LENGTH, PROTOCOL_VERSION } from './constants.js';
import type { Cdn, Icrp, Ocrp, Ocrq } from './codec-call.js';
import type { Sccrq } from './codec-control.js';
import type { AcceptCallOptions, ControlOptions, PlaceCallOptions } from './control-types.js';

/** The SCCRQ/SCCRP fields describing us (§2.1, §2.2). */
export function ourStartFields(o: ControlOptions): Omit<Sccrq, 'type'> {
  return {
    protocolVersion: PROTOCOL_VERSION,
    framingCapabilities: o.framingCapabilities ?? 3, // async and sync, as Cisco IOS offers
    bearerCapabilities: o.bearerCapabilities ?? 3, // analog and digital
    maximumChannels: o.maximumChannels ?? 0,
    firmwareRevision: o.firmwareRevision ?? 1,
    hostName: o.hostName ?? 'local',
    vendorString: o.vendorString ?? 'pptpd-ts',
  };
}

/** An OCRP that refuses (or cannot take) the call with `peerCallId`; our Call ID is 0. */
export function ocrpRefusal(peerCallId: number, resultCode: number, errorCode: number, causeCode = 0): Ocrp {
  return {
    type: 'OCRP', callId: 0, peerCallId, resultCode, errorCode, causeCode,
    connectSpeed: 0, packetRecvWindowSize: 0, packetProcessingDelay: 0, physicalChannelId: 0,
  };
}

/** An ICRP that refuses an incoming call (we never take one: PPTP over IP has no phone line). */
export function icrpRefusal(peerCallId: number, resultCode: number, errorCode: number): Icrp {
  return { type: 'ICRP', callId: 0, peerCallId, resultCode, errorCode, packetRecvWindowSize: 0, packetTransmitDelay: 0 };
}

/**
 * A CDN. §2.13 says its Call ID is the PAC's, but PoPToP, accel-ppp and Windows RRAS
 * (ndpi__pptp.pcap: OCRP Call ID 11755, CDN Call ID 0) all send the PNS's id, and
 * pptp-linux looks the call up by its own id, so we send the PNS's id too.
 */
export function cdn(pnsCallId: number, resultCode: number, errorCode: number = GeneralError.None, causeCode = 0, callStatistics = ''): Cdn {
  return { type: 'CDN', callId: pnsCallId, resultCode, errorCode, causeCode, callStatistics };
}

/** Server: the OCRP that accepts `ocrq` (§2.8). */
export function ocrpAccept(ocrq: Ocrq, a: AcceptCallOptions): Ocrp {
  return {
    type: 'OCRP', callId: a.callId, peerCallId: ocrq.callId, resultCode: OcrpResult.Connected,
    errorCode: GeneralError.None, causeCode: 0,
    connectSpeed: a.connectSpeed ?? ocrq.maximumBps, // PoPToP reports the client's maximum
    packetRecvWindowSize: a.window ?? 64,
    packetProcessingDelay: a.processingDelay ?? 0,
    physicalChannelId: a.physicalChannelId ?? 0,
  };
}

/** Client: the OCRQ for a call (§2.7), with pptp-linux's speeds as defaults. */
export function ocrqFor(p: PlaceCallOptions): Ocrq {
  const phoneNumber = p.phoneNumber ?? '';
  return {
    type: 'OCRQ', callId: p.callId, callSerialNumber: p.callSerialNumber ?? 0,
    minimumBps: p.minimumBps ?? 2400, maximumBps: p.maximumBps ?? 10_000_000,
    bearerType: p.bearerType ?? BearerType.Any, framingType: p.framingType ?? FramingType.Either,
    packetRecvWindowSize: p.window ?? 64, packetProcessingDelay: p.processingDelay ?? 0,
    phoneNumberLength: Math.min(phoneNumber.length, PHONE_NUMBER_LENGTH), phoneNumber, subaddress: p.subaddress ?? '',
  };
}
