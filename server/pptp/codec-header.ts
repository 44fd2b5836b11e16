// The 12-octet header every PPTP control message starts with (RFC 2637 §2):
//
//   Length (2) | PPTP Message Type (2) | Magic Cookie (4) | Control Message Type (2) | Reserved0 (2)
//
// plus the NUL-padded string fields several messages carry. Decoders here never
// throw and never read past the buffer: bad input gives a DecodeError value.

import { decodeError, type DecodeError } from '../errors.js';
import {
  HEADER_LENGTH,
  MAGIC_COOKIE,
  MessageLength,
  PptpMessageType,
  controlMessageName,
  type ControlMessageName,
} from './constants.js';

export const FORMAT = 'pptp';

/** Stable DecodeError reasons for the control channel; tests assert these exact strings. */
export const PptpDecodeReason = {
  /** Fewer octets than the 12-octet header, or than the Length field says. */
  Truncated: 'truncated',
  /** Length field disagrees with the number of octets given. */
  LengthMismatch: 'length-mismatch',
  /** Length field below the header size or above the framer's cap. */
  BadLength: 'bad-length',
  /** PPTP Message Type other than 1 (Control Message). */
  NotControlMessage: 'not-control-message',
  /** Magic Cookie other than 0x1A2B3C4D. */
  BadMagicCookie: 'bad-magic-cookie',
  /** Control Message Type outside 1..15. */
  UnknownMessageType: 'unknown-control-message-type',
  /** A known Control Message Type whose Length is not that type's exact size. */
  WrongLengthForType: 'wrong-length-for-type',
  /** A typed decoder was handed a different Control Message Type. */
  UnexpectedMessageType: 'unexpected-control-message-type',
} as const;
export type PptpDecodeReason = (typeof PptpDecodeReason)[keyof typeof PptpDecodeReason];

function fail(reason: PptpDecodeReason): DecodeError {
  return decodeError(FORMAT, reason);
}

/** A DataView over exactly the octets of `bytes` (which may be a subarray). */
export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Validate the header of one whole message and its size for its type.
 * Returns the RFC name of the Control Message Type, or a DecodeError.
 */
export function checkHeader(bytes: Uint8Array): ControlMessageName | DecodeError {
  if (bytes.length < HEADER_LENGTH) return fail(PptpDecodeReason.Truncated);
  const v = viewOf(bytes);
  const length = v.getUint16(0);
  if (length < HEADER_LENGTH) return fail(PptpDecodeReason.BadLength);
  if (length > bytes.length) return fail(PptpDecodeReason.Truncated);
  if (length !== bytes.length) return fail(PptpDecodeReason.LengthMismatch);
  if (v.getUint16(2) !== PptpMessageType.Control) return fail(PptpDecodeReason.NotControlMessage);
  if (v.getUint32(4) !== MAGIC_COOKIE) return fail(PptpDecodeReason.BadMagicCookie);
  const name = controlMessageName(v.getUint16(8));
  if (name === undefined) return fail(PptpDecodeReason.UnknownMessageType);
  // Reserved0 "MUST be 0" but is ignored on receipt, as PoPToP and pptp-linux do.
  if (length !== MessageLength[name]) return fail(PptpDecodeReason.WrongLengthForType);
  return name;
}

/** Allocate a zeroed message of the type's exact size with its header written. */
export function newMessage(name: ControlMessageName, type: number): { bytes: Uint8Array; view: DataView } {
  const bytes = new Uint8Array(MessageLength[name]);
  const view = viewOf(bytes);
  view.setUint16(0, bytes.length);
  view.setUint16(2, PptpMessageType.Control);
  view.setUint32(4, MAGIC_COOKIE);
  view.setUint16(8, type);
  return { bytes, view };
}

/**
 * Read a NUL-padded string field leniently: stop at the first NUL (or the field end),
 * one char per octet (latin1), so any octets survive a decode/encode round trip.
 */
export function readPadded(bytes: Uint8Array, offset: number, width: number): string {
  let end = offset;
  const limit = offset + width;
  while (end < limit && bytes[end] !== 0) end++;
  let s = '';
  for (let i = offset; i < end; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}

/**
 * Write a string into a NUL-padded field of `width` octets (the field is zero already).
 * Each char is written as one octet (latin1); a longer string is cut to the width,
 * which the RFC allows since the field needs no terminating NUL when full.
 */
export function writePadded(bytes: Uint8Array, offset: number, width: number, s: string): void {
  const n = Math.min(s.length, width);
  for (let i = 0; i < n; i++) bytes[offset + i] = s.charCodeAt(i) & 0xff;
}
