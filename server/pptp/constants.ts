// RFC 2637 §1.4 and §2: the PPTP control channel's numbers, codes and sizes.
// Every constant is an `as const` object with a derived union type.

/** TCP port of the control connection (RFC 2637 §1.4). */
export const PPTP_PORT = 1723;

/** Magic Cookie carried by every control message (RFC 2637 §2). */
export const MAGIC_COOKIE = 0x1a2b3c4d;

/** Protocol Version 1.0: high octet version, low octet revision (§2.1). */
export const PROTOCOL_VERSION = 0x0100;

/** PPTP Message Type: only Control Messages are defined (§1.4). */
export const PptpMessageType = {
  Control: 1,
  Management: 2,
} as const;
export type PptpMessageType = (typeof PptpMessageType)[keyof typeof PptpMessageType];

/** Control Message Type (§1.4 table). Names follow the RFC's abbreviations. */
export const ControlMessageType = {
  SCCRQ: 1, // Start-Control-Connection-Request
  SCCRP: 2, // Start-Control-Connection-Reply
  StopCCRQ: 3, // Stop-Control-Connection-Request
  StopCCRP: 4, // Stop-Control-Connection-Reply
  EchoRequest: 5, // Echo-Request
  EchoReply: 6, // Echo-Reply
  OCRQ: 7, // Outgoing-Call-Request
  OCRP: 8, // Outgoing-Call-Reply
  ICRQ: 9, // Incoming-Call-Request
  ICRP: 10, // Incoming-Call-Reply
  ICCN: 11, // Incoming-Call-Connected
  CCRQ: 12, // Call-Clear-Request
  CDN: 13, // Call-Disconnect-Notify
  WEN: 14, // WAN-Error-Notify
  SLI: 15, // Set-Link-Info
} as const;
export type ControlMessageName = keyof typeof ControlMessageType;
export type ControlMessageType = (typeof ControlMessageType)[ControlMessageName];

const names: Record<number, ControlMessageName> = {};
for (const [name, value] of Object.entries(ControlMessageType)) names[value] = name as ControlMessageName;

/** The RFC abbreviation for a Control Message Type number, or undefined if unknown. */
export function controlMessageName(type: number): ControlMessageName | undefined {
  return names[type];
}

/** Size of the header every control message starts with: Length, PPTP Message Type,
 *  Magic Cookie, Control Message Type, Reserved0 (§2). */
export const HEADER_LENGTH = 12;

/** Exact total Length of each control message, header included (§2.1–§2.15). */
export const MessageLength: Readonly<Record<ControlMessageName, number>> = {
  SCCRQ: 156,
  SCCRP: 156,
  StopCCRQ: 16,
  StopCCRP: 16,
  EchoRequest: 16,
  EchoReply: 20,
  OCRQ: 168,
  OCRP: 32,
  ICRQ: 220,
  ICRP: 24,
  ICCN: 28,
  CCRQ: 16,
  CDN: 148,
  WEN: 40,
  SLI: 24,
} as const;

/** Smallest and largest defined messages; the framer's sanity bounds start here. */
export const MIN_MESSAGE_LENGTH = 16;
export const MAX_MESSAGE_LENGTH = 220;

/** Width of the NUL-padded string fields. */
export const HOST_NAME_LENGTH = 64; // Host Name, Vendor String (§2.1)
export const PHONE_NUMBER_LENGTH = 64; // Phone Number, Subaddress, Dialed/Dialing Number (§2.7, §2.9)
export const CALL_STATISTICS_LENGTH = 128; // Call Statistics (§2.13)

/** Framing Capabilities bit mask (§2.1). */
export const FramingCapability = {
  Asynchronous: 1,
  Synchronous: 2,
} as const;

/** Bearer Capabilities bit mask (§2.1). */
export const BearerCapability = {
  Analog: 1,
  Digital: 2,
} as const;

/** Framing Type of a call (§2.7 OCRQ, §2.11 ICCN). */
export const FramingType = {
  Asynchronous: 1,
  Synchronous: 2,
  Either: 3,
} as const;
export type FramingType = (typeof FramingType)[keyof typeof FramingType];

/** Bearer Type of a call (§2.7 OCRQ, §2.9 ICRQ). */
export const BearerType = {
  Analog: 1,
  Digital: 2,
  Any: 3,
} as const;
export type BearerType = (typeof BearerType)[keyof typeof BearerType];

/** General Error Codes (§2.16), carried in the Error Code field of replies. */
export const GeneralError = {
  None: 0,
  NotConnected: 1, // no control connection exists yet for this PAC-PNS pair
  BadFormat: 2, // Length is wrong or Magic Cookie value is incorrect
  BadValue: 3, // a field value out of range or a reserved field non-zero
  NoResource: 4, // insufficient resources to handle this command now
  BadCallId: 5, // the Call ID is invalid in this context
  PacError: 6, // a generic vendor-specific error occurred in the PAC
} as const;
export type GeneralError = (typeof GeneralError)[keyof typeof GeneralError];

/** SCCRP Result Code (§2.2). */
export const SccrpResult = {
  Success: 1,
  GeneralError: 2,
  ChannelExists: 3, // command channel already exists
  NotAuthorized: 4, // requester is not authorized to establish a command channel
  BadVersion: 5, // the protocol version of the requester is not supported
} as const;
export type SccrpResult = (typeof SccrpResult)[keyof typeof SccrpResult];

/** StopCCRQ Reason (§2.3). */
export const StopReason = {
  None: 1, // general request to clear the control connection
  StopProtocol: 2, // can't support the peer's version of the protocol
  LocalShutdown: 3, // requester is being shut down
} as const;
export type StopReason = (typeof StopReason)[keyof typeof StopReason];

/** StopCCRP Result Code (§2.4). */
export const StopResult = {
  Ok: 1,
  GeneralError: 2,
} as const;

/** Echo-Reply Result Code (§2.6). */
export const EchoResult = {
  Ok: 1,
  GeneralError: 2,
} as const;

/** OCRP Result Code (§2.8). */
export const OcrpResult = {
  Connected: 1,
  GeneralError: 2,
  NoCarrier: 3,
  Busy: 4,
  NoDialTone: 5,
  TimeOut: 6,
  DoNotAccept: 7, // the PAC is administratively prohibited from accepting the call
} as const;
export type OcrpResult = (typeof OcrpResult)[keyof typeof OcrpResult];

/** ICRP Result Code (§2.10). */
export const IcrpResult = {
  Connect: 1,
  GeneralError: 2,
  DoNotAccept: 3,
} as const;

/** CDN Result Code (§2.13). */
export const CdnResult = {
  LostCarrier: 1,
  GeneralError: 2,
  AdminShutdown: 3,
  Request: 4, // disconnected because of a Call-Clear-Request
} as const;
export type CdnResult = (typeof CdnResult)[keyof typeof CdnResult];
