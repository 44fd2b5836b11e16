// One entry point for PPTP control messages (RFC 2637 §2): decode any whole message
// (as cut by framer.ts) into a typed value, or encode one. Also an encode/decode pair
// per message type. Decoders check Length, PPTP Message Type, Magic Cookie, Control
// Message Type and the type's exact size, and return a DecodeError, never throw.

import { type DecodeError, decodeError, isDecodeError } from '../errors.js';
import type { ControlMessageName } from './constants.js';
import { FORMAT, PptpDecodeReason, checkHeader } from './codec-header.js';
import * as ctl from './codec-control.js';
import * as call from './codec-call.js';

export type { Sccrq, Sccrp, StopCcrq, StopCcrp, EchoRequest, EchoReply } from './codec-control.js';
export type { Ocrq, Ocrp, Icrq, Icrp, Iccn, Ccrq, Cdn, Wen, Sli } from './codec-call.js';
export { PptpDecodeReason } from './codec-header.js';

export type ControlMessage =
  | ctl.Sccrq
  | ctl.Sccrp
  | ctl.StopCcrq
  | ctl.StopCcrp
  | ctl.EchoRequest
  | ctl.EchoReply
  | call.Ocrq
  | call.Ocrp
  | call.Icrq
  | call.Icrp
  | call.Iccn
  | call.Ccrq
  | call.Cdn
  | call.Wen
  | call.Sli;

/** The message type named `N`, e.g. `MessageOf<'OCRQ'>` is `Ocrq`. */
export type MessageOf<N extends ControlMessageName> = Extract<ControlMessage, { type: N }>;

const readers: { readonly [N in ControlMessageName]: (b: Uint8Array) => MessageOf<N> } = {
  SCCRQ: ctl.readSccrq,
  SCCRP: ctl.readSccrp,
  StopCCRQ: ctl.readStopCcrq,
  StopCCRP: ctl.readStopCcrp,
  EchoRequest: ctl.readEchoRequest,
  EchoReply: ctl.readEchoReply,
  OCRQ: call.readOcrq,
  OCRP: call.readOcrp,
  ICRQ: call.readIcrq,
  ICRP: call.readIcrp,
  ICCN: call.readIccn,
  CCRQ: call.readCcrq,
  CDN: call.readCdn,
  WEN: call.readWen,
  SLI: call.readSli,
};

const writers: { readonly [N in ControlMessageName]: (m: MessageOf<N>) => Uint8Array } = {
  SCCRQ: ctl.writeSccrq,
  SCCRP: ctl.writeSccrp,
  StopCCRQ: ctl.writeStopCcrq,
  StopCCRP: ctl.writeStopCcrp,
  EchoRequest: ctl.writeEchoRequest,
  EchoReply: ctl.writeEchoReply,
  OCRQ: call.writeOcrq,
  OCRP: call.writeOcrp,
  ICRQ: call.writeIcrq,
  ICRP: call.writeIcrp,
  ICCN: call.writeIccn,
  CCRQ: call.writeCcrq,
  CDN: call.writeCdn,
  WEN: call.writeWen,
  SLI: call.writeSli,
};

/** Decode one whole control message (exactly `Length` octets). */
export function decodeControlMessage(bytes: Uint8Array): ControlMessage | DecodeError {
  const name = checkHeader(bytes);
  if (isDecodeError(name)) return name;
  return (readers[name] as (b: Uint8Array) => ControlMessage)(bytes);
}

/** Decode one whole message that must be of type `name`. */
export function decodeAs<N extends ControlMessageName>(name: N, bytes: Uint8Array): MessageOf<N> | DecodeError {
  const got = checkHeader(bytes);
  if (isDecodeError(got)) return got;
  if (got !== name) return decodeError(FORMAT, PptpDecodeReason.UnexpectedMessageType);
  return readers[name](bytes);
}

/** Encode a control message into a new buffer of its exact size. */
export function encodeControlMessage(m: ControlMessage): Uint8Array {
  return (writers[m.type] as (x: ControlMessage) => Uint8Array)(m);
}

// Named encode/decode pairs, one per message type.
export const decodeSccrq = (b: Uint8Array) => decodeAs('SCCRQ', b);
export const encodeSccrq: (m: ctl.Sccrq) => Uint8Array = ctl.writeSccrq;
export const decodeSccrp = (b: Uint8Array) => decodeAs('SCCRP', b);
export const encodeSccrp: (m: ctl.Sccrp) => Uint8Array = ctl.writeSccrp;
export const decodeStopCcrq = (b: Uint8Array) => decodeAs('StopCCRQ', b);
export const encodeStopCcrq: (m: ctl.StopCcrq) => Uint8Array = ctl.writeStopCcrq;
export const decodeStopCcrp = (b: Uint8Array) => decodeAs('StopCCRP', b);
export const encodeStopCcrp: (m: ctl.StopCcrp) => Uint8Array = ctl.writeStopCcrp;
export const decodeEchoRequest = (b: Uint8Array) => decodeAs('EchoRequest', b);
export const encodeEchoRequest: (m: ctl.EchoRequest) => Uint8Array = ctl.writeEchoRequest;
export const decodeEchoReply = (b: Uint8Array) => decodeAs('EchoReply', b);
export const encodeEchoReply: (m: ctl.EchoReply) => Uint8Array = ctl.writeEchoReply;
export const decodeOcrq = (b: Uint8Array) => decodeAs('OCRQ', b);
export const encodeOcrq: (m: call.Ocrq) => Uint8Array = call.writeOcrq;
export const decodeOcrp = (b: Uint8Array) => decodeAs('OCRP', b);
export const encodeOcrp: (m: call.Ocrp) => Uint8Array = call.writeOcrp;
export const decodeIcrq = (b: Uint8Array) => decodeAs('ICRQ', b);
export const encodeIcrq: (m: call.Icrq) => Uint8Array = call.writeIcrq;
export const decodeIcrp = (b: Uint8Array) => decodeAs('ICRP', b);
export const encodeIcrp: (m: call.Icrp) => Uint8Array = call.writeIcrp;
export const decodeIccn = (b: Uint8Array) => decodeAs('ICCN', b);
export const encodeIccn: (m: call.Iccn) => Uint8Array = call.writeIccn;
export const decodeCcrq = (b: Uint8Array) => decodeAs('CCRQ', b);
export const encodeCcrq: (m: call.Ccrq) => Uint8Array = call.writeCcrq;
export const decodeCdn = (b: Uint8Array) => decodeAs('CDN', b);
export const encodeCdn: (m: call.Cdn) => Uint8Array = call.writeCdn;
export const decodeWen = (b: Uint8Array) => decodeAs('WEN', b);
export const encodeWen: (m: call.Wen) => Uint8Array = call.writeWen;
export const decodeSli = (b: Uint8Array) => decodeAs('SLI', b);
export const encodeSli: (m: call.Sli) => Uint8Array = call.writeSli;
