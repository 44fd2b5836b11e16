// RADIUS numbers the client and its users need (RFC 2865, 2866, 2869, 3579,
// 2548). Names are the RFCs' attribute and code names. The `radius` codec knows
// them by name too; these numbers are for reading raw packets (attributes.ts),
// which must not depend on which dictionaries happen to be loaded.

/** Packet Code field (RFC 2865 §3, RFC 2866 §3). */
export const RadiusCode = {
  ACCESS_REQUEST: 1,
  ACCESS_ACCEPT: 2,
  ACCESS_REJECT: 3,
  ACCOUNTING_REQUEST: 4,
  ACCOUNTING_RESPONSE: 5,
  ACCESS_CHALLENGE: 11,
  STATUS_SERVER: 12,
} as const;
export type RadiusCode = (typeof RadiusCode)[keyof typeof RadiusCode];

/** The requests this client sends, by the codec's name for them. */
export const RequestCodeName = {
  'Access-Request': RadiusCode.ACCESS_REQUEST,
  'Accounting-Request': RadiusCode.ACCOUNTING_REQUEST,
} as const;
export type RequestCodeName = keyof typeof RequestCodeName;

/** Which reply codes answer which request code (RFC 2865 §4, RFC 2866 §4). */
export const REPLY_CODES: Readonly<Record<number, readonly number[]>> = {
  [RadiusCode.ACCESS_REQUEST]: [RadiusCode.ACCESS_ACCEPT, RadiusCode.ACCESS_REJECT, RadiusCode.ACCESS_CHALLENGE],
  [RadiusCode.ACCOUNTING_REQUEST]: [RadiusCode.ACCOUNTING_RESPONSE],
};

export const CODE_NAMES: Readonly<Record<number, string>> = {
  1: 'Access-Request',
  2: 'Access-Accept',
  3: 'Access-Reject',
  4: 'Accounting-Request',
  5: 'Accounting-Response',
  11: 'Access-Challenge',
  12: 'Status-Server',
};

/** Packet layout (RFC 2865 §3). */
export const HEADER_LENGTH = 20;
export const AUTHENTICATOR_OFFSET = 4;
export const AUTHENTICATOR_LENGTH = 16;
/** RFC 2865 §3: "The maximum length is 4096". */
export const MAX_PACKET_LENGTH = 4096;
/** RFC 2865 §5.2: User-Password is at most 128 octets once padded. */
export const MAX_USER_PASSWORD_LENGTH = 128;

/** Attribute types (RFC 2865 §5, RFC 2866 §5, RFC 2869 §5, RFC 3579 §3.2). */
export const Attr = {
  USER_NAME: 1,
  USER_PASSWORD: 2,
  CHAP_PASSWORD: 3,
  NAS_IP_ADDRESS: 4,
  NAS_PORT: 5,
  SERVICE_TYPE: 6,
  FRAMED_PROTOCOL: 7,
  FRAMED_IP_ADDRESS: 8,
  REPLY_MESSAGE: 18,
  CLASS: 25,
  VENDOR_SPECIFIC: 26,
  SESSION_TIMEOUT: 27,
  IDLE_TIMEOUT: 28,
  CALLED_STATION_ID: 30,
  CALLING_STATION_ID: 31,
  NAS_IDENTIFIER: 32,
  ACCT_DELAY_TIME: 41,
  CHAP_CHALLENGE: 60,
  NAS_PORT_TYPE: 61,
  ACCT_INTERIM_INTERVAL: 85,
  MESSAGE_AUTHENTICATOR: 80,
} as const;
export type Attr = (typeof Attr)[keyof typeof Attr];

/** Message-Authenticator is HMAC-MD5, 16 octets, 18 with type and length (RFC 3579 §3.2). */
export const MESSAGE_AUTHENTICATOR_LENGTH = 16;

/** Microsoft's SMI Network Management Private Enterprise Code (RFC 2548 §2). */
export const VENDOR_MICROSOFT = 311;

/** Microsoft vendor-specific attribute types (RFC 2548 §2). */
export const MsAttr = {
  MS_CHAP_RESPONSE: 1,
  MS_CHAP_ERROR: 2,
  MS_MPPE_ENCRYPTION_POLICY: 7,
  MS_MPPE_ENCRYPTION_TYPES: 8,
  MS_CHAP_DOMAIN: 10,
  MS_CHAP_CHALLENGE: 11,
  MS_CHAP_MPPE_KEYS: 12,
  MS_MPPE_SEND_KEY: 16,
  MS_MPPE_RECV_KEY: 17,
  MS_CHAP2_RESPONSE: 25,
  MS_CHAP2_SUCCESS: 26,
  MS_PRIMARY_DNS_SERVER: 28,
  MS_SECONDARY_DNS_SERVER: 29,
} as const;
export type MsAttr = (typeof MsAttr)[keyof typeof MsAttr];

/** Attribute values (RFC 2865 §5.6, §5.7, §5.41; RFC 2548 §2.4.4). */
export const ServiceType = { FRAMED_USER: 2 } as const;
export const FramedProtocol = { PPP: 1 } as const;
export const NasPortType = { VIRTUAL: 5 } as const;
export const MppeEncryptionPolicy = { ALLOWED: 1, REQUIRED: 2 } as const;

/** Framed-IP-Address values that are not an address (RFC 2865 §5.8). */
export const FRAMED_IP_USER_CHOOSES = '255.255.255.255';
export const FRAMED_IP_NAS_CHOOSES = '255.255.255.254';
