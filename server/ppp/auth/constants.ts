// Codes, sizes and defaults of the PPP authentication protocols (RFC 1334, 1994, 2433, 2759).

/** PPP protocol numbers of the authentication protocols (RFC 1334 §2, RFC 1994 §2). */
export const PppProtocol = { PAP: 0xc023, CHAP: 0xc223 } as const;
export type PppProtocol = (typeof PppProtocol)[keyof typeof PppProtocol];

/** PAP packet codes (RFC 1334 §2.2). */
export const PapCode = {
  AuthenticateRequest: 1,
  AuthenticateAck: 2,
  AuthenticateNak: 3,
} as const;
export type PapCode = (typeof PapCode)[keyof typeof PapCode];

/** CHAP packet codes (RFC 1994 §4). MS-CHAP adds Change-Password (5, 6, 7), which we do not implement. */
export const ChapCode = {
  Challenge: 1,
  Response: 2,
  Success: 3,
  Failure: 4,
} as const;
export type ChapCode = (typeof ChapCode)[keyof typeof ChapCode];

/** CHAP Algorithm octet of the LCP Authentication-Protocol option (RFC 1994 §3, RFC 2433 §3, RFC 2759 §2). */
export const ChapAlgorithm = {
  MD5: 0x05,
  MSCHAPv1: 0x80,
  MSCHAPv2: 0x81,
} as const;
export type ChapAlgorithm = (typeof ChapAlgorithm)[keyof typeof ChapAlgorithm];

/** MS-CHAP error codes carried as E= in Failure messages (RFC 2433 §8, RFC 2759 §6). */
export const MschapError = {
  RESTRICTED_LOGON_HOURS: 646,
  ACCT_DISABLED: 647,
  PASSWD_EXPIRED: 648,
  NO_DIALIN_PERMISSION: 649,
  AUTHENTICATION_FAILURE: 691,
  CHANGING_PASSWORD: 709,
} as const;
export type MschapError = (typeof MschapError)[keyof typeof MschapError];

/** Header of every PAP and CHAP packet: Code, Identifier, Length (RFC 1334 §2.2, RFC 1994 §4). */
export const AUTH_HEADER_LEN = 4;

/** Field sizes (RFC 2433 §5/§6, RFC 2759 §3/§4). */
export const Sizes = {
  MD5_CHALLENGE: 16, // our choice; RFC 1994 allows any length ≥ 1
  MD5_RESPONSE: 16,
  MSCHAPV1_CHALLENGE: 8,
  MSCHAPV1_RESPONSE: 49, // LM-Response 24, NT-Response 24, Flags 1
  MSCHAPV2_CHALLENGE: 16,
  MSCHAPV2_RESPONSE: 49, // Peer-Challenge 16, Reserved 8, NT-Response 24, Flags 1
  NT_RESPONSE: 24,
  AUTHENTICATOR_RESPONSE_HEX: 40, // "S=" + 40 uppercase hex digits (RFC 2759 §5)
} as const;

/** Defaults, chosen like pppd (chap-restart 3 s, chap-max-challenge 10, pap-timeout 30 s, chap-timeout 60 s). */
export const AuthDefaults = {
  retransmitMs: 3000,
  maxRetransmits: 10,
  maxChallenges: 1,
  clientWaitMs: 60_000,
} as const;

/** Human-readable texts we put in Message fields; they never contain a secret. */
export const AuthMessages = {
  PAP_ACK: 'Login ok',
  PAP_NAK: 'Login incorrect',
  CHAP_SUCCESS: 'Access granted',
  CHAP_FAILURE: 'Access denied',
} as const;
