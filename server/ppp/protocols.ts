// PPP Protocol field values this server knows (RFC 1661 §2, the IANA "PPP DLL Protocol
// Numbers" registry) and the packet Codes shared by the Control Protocols (RFC 1661 §5,
// RFC 1962 §2 for CCP's Reset-Request/Ack).

export const Protocol = {
  IP: 0x0021, // RFC 1332
  MPPE: 0x00fd, // RFC 1962 "compressed datagram"; MPPE rides here (RFC 3078 §3)
  IPCP: 0x8021, // RFC 1332
  IPV6CP: 0x8057, // RFC 5072 — we do not speak it: Protocol-Reject
  CCP: 0x80fd, // RFC 1962
  LCP: 0xc021, // RFC 1661
  PAP: 0xc023, // RFC 1334
  CHAP: 0xc223, // RFC 1994
} as const;
export type Protocol = (typeof Protocol)[keyof typeof Protocol];

/** Names for logs; anything else prints as hex. */
export const ProtocolName: Readonly<Record<number, string>> = {
  [Protocol.IP]: 'IP',
  [Protocol.MPPE]: 'MPPE',
  [Protocol.IPCP]: 'IPCP',
  [Protocol.IPV6CP]: 'IPV6CP',
  [Protocol.CCP]: 'CCP',
  [Protocol.LCP]: 'LCP',
  [Protocol.PAP]: 'PAP',
  [Protocol.CHAP]: 'CHAP',
};

export function protocolName(p: number): string {
  return ProtocolName[p] ?? `0x${p.toString(16).padStart(4, '0')}`;
}

/** Control Protocol packet Codes (RFC 1661 §5; 12/13 from RFC 1570; 14/15 CCP, RFC 1962 §2). */
export const CpCode = {
  ConfigureRequest: 1,
  ConfigureAck: 2,
  ConfigureNak: 3,
  ConfigureReject: 4,
  TerminateRequest: 5,
  TerminateAck: 6,
  CodeReject: 7,
  ProtocolReject: 8, // LCP only
  EchoRequest: 9, // LCP only
  EchoReply: 10, // LCP only
  DiscardRequest: 11, // LCP only
  Identification: 12, // LCP only, RFC 1570 §2.1
  TimeRemaining: 13, // LCP only, RFC 1570 §2.2
  ResetRequest: 14, // CCP only
  ResetAck: 15, // CCP only
} as const;
export type CpCode = (typeof CpCode)[keyof typeof CpCode];

/**
 * True for a Network Control Protocol number (0x8000-0xbfff, RFC 1661 §2): when the peer
 * sends one we do not speak, LCP answers Protocol-Reject and the link stays up.
 */
export function isNcp(protocol: number): boolean {
  return protocol >= 0x8000 && protocol <= 0xbfff;
}
