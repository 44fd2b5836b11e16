// The PPP session's public shapes: options, the actions it emits (quinn/str0m style:
// the caller drains them after every input), the events among them, and counters.
import type { AuthCredentials, AuthMethod, AuthResult } from '../../auth-plugins/types.js';
import type { CcpResult } from './ccp/ccp.js';
import type { MppeCcpPolicy } from './ccp/mppe-option.js';
import type { RestartConfig } from './fsm/restart.js';
import type { AuthClientOptions, AuthProtocolHandler, AuthServerOptions } from './auth/types.js';

export type PppRole = 'server' | 'client';

/** RFC 1661 §3.2 phases. */
export const Phase = {
  Dead: 'dead',
  Establish: 'establish',
  Authenticate: 'authenticate',
  Network: 'network',
  Terminate: 'terminate',
} as const;
export type Phase = (typeof Phase)[keyof typeof Phase];

/** Why a link went down (also the accounting Terminate-Cause source). */
export const DownCause = {
  PeerTerminate: 'peer-terminate', // the peer sent LCP Terminate-Request
  EchoTimeout: 'echo-timeout', // lcp-echo-failure unanswered Echo-Requests
  AuthFailed: 'auth-failed', // the credentials were refused
  AuthRefused: 'auth-refused', // the peer would not run any allowed auth method
  AuthTimeout: 'auth-timeout', // authenticate-phase deadline passed
  MppeRefused: 'mppe-refused', // MPPE required but not agreed (or no keys for it)
  MppeLost: 'mppe-lost', // CCP went down or renegotiated after MPPE was up
  LcpRenegotiated: 'lcp-renegotiated', // the peer renegotiated LCP after authentication
  Admin: 'admin', // close() by the operator / the server shutting down
  Loopback: 'loopback', // our own magic number came back
  NegotiationTimeout: 'negotiation-timeout', // LCP/IPCP never converged (Max-Configure or phase deadline)
  NcpFailed: 'ncp-failed', // IPCP was rejected or terminated by the peer
  LowerDown: 'lower-down', // the PPTP call / GRE went away
  ProtocolError: 'protocol-error', // the peer Code-Rejected a core LCP code (RXJ-)
} as const;
export type DownCause = (typeof DownCause)[keyof typeof DownCause];

export interface NetworkConfig {
  /** Our tunnel address (pppd `localip`). */
  readonly local: string;
  /** The address assigned to the peer. */
  readonly remote: string;
  /** Up to two DNS servers (RFC 1877 options 129/131). */
  readonly dns?: readonly string[];
  /** Up to two NBNS/WINS servers (RFC 1877 options 130/132). */
  readonly wins?: readonly string[];
}

export interface PhaseDeadlines {
  /** Dead→LCP Opened, ms. */
  readonly establishMs: number;
  /** LCP Opened→authenticated, ms. */
  readonly authenticateMs: number;
  /** Authenticated→IPCP Opened (network-up), ms; includes waiting for setNetwork(). */
  readonly networkMs: number;
}

export interface AuthFactories {
  createServer(method: AuthMethod, opts: AuthServerOptions): AuthProtocolHandler;
  createClient(method: AuthMethod, opts: AuthClientOptions): AuthProtocolHandler;
}

export interface PppSessionOptions {
  readonly role: PppRole;
  /** Server: methods we may ask for. Client: methods we accept. Preference is fixed: MS-CHAPv2, MS-CHAPv1, CHAP-MD5, PAP. Empty (server) = no authentication. */
  readonly authMethods: readonly AuthMethod[];
  readonly mppe: MppeCcpPolicy;
  /** Server role: our name in CHAP Challenges (pppd `name`). */
  readonly serverName?: string;
  /** Client role: who we are. */
  readonly credentials?: { readonly userName: string; readonly password: string };
  /** Our MRU (asked from the peer when not 1500). */
  readonly mru?: number;
  /** The largest packet we send; the peer's MRU may lower it. */
  readonly mtu?: number;
  /** LCP Echo-Request period, ms (0 = off). Default 30 000 (pptpd's options file: lcp-echo-interval 30). */
  readonly echoIntervalMs?: number;
  /** Default 4 (lcp-echo-failure 4). */
  readonly echoFailure?: number;
  readonly restart?: Partial<RestartConfig>;
  readonly deadlines?: Partial<PhaseDeadlines>;
  /** Randomness for magic numbers and challenges (tests inject a fixed source). */
  readonly random?: (n: number) => Buffer;
  /** Configure-Requests carrying our own magic before we call the link looped back. Default 5. */
  readonly loopbackLimit?: number;
  /** Client role: ask for DNS (129/131) and WINS (130/132) servers. Defaults true / false. */
  readonly requestDns?: boolean;
  readonly requestWins?: boolean;
  /** Stateful MPPE: Linux-style full rekey on a flushed packet (default true; see crypto/mppe.ts). */
  readonly mppeFlushRekeys?: boolean;
  /** Auth handler factories (defaults: server/ppp/auth). */
  readonly auth?: Partial<AuthFactories>;
  /** Retransmit settings handed to the auth handlers. */
  readonly authRetransmitMs?: number;
  readonly authMaxRetransmits?: number;
  readonly authMaxChallenges?: number;
}

export interface NetworkUp {
  readonly local: string;
  readonly remote: string;
  readonly dns: readonly string[];
  readonly wins: readonly string[];
  /** Negotiated MPPE per direction, or null when the link is not encrypted. */
  readonly mppe: CcpResult | null;
  /** Largest IP packet to send to the peer (min of our MTU and its MRU). */
  readonly mtu: number;
}

export type PppEvent =
  | { readonly type: 'phase'; readonly phase: Phase }
  /** Server role: ask the plugin chain, then call handleAuthVerdict(). */
  | { readonly type: 'auth-verify'; readonly peerName: string; readonly credentials: AuthCredentials; readonly attempt: number }
  | {
      readonly type: 'authenticated';
      readonly userName: string;
      readonly method: AuthMethod | null;
      readonly result?: AuthResult;
    }
  | ({ readonly type: 'network-up' } & NetworkUp)
  /** LCP Identification text (RFC 1570), e.g. "MSRASV5.20": tells which client this is. */
  | { readonly type: 'identification'; readonly message: string }
  /** Worth a log line; never contains a secret. */
  | { readonly type: 'notice'; readonly message: string }
  | { readonly type: 'down'; readonly cause: DownCause; readonly message: string };

export type PppAction =
  /** A PPP frame for GRE. */
  | { readonly type: 'transmit'; readonly frame: Buffer }
  /** A decrypted IP packet for the TUN device. */
  | { readonly type: 'deliver'; readonly packet: Buffer }
  /** Call handleTimeout() at this time (ms on the caller's clock); null = no timer. */
  | { readonly type: 'timer'; readonly at: number | null }
  | { readonly type: 'event'; readonly event: PppEvent };

/** Per-direction counters (rx = from the peer). Octets are PPP frame / IP packet sizes. */
export interface PppStats {
  rxFrames: number;
  rxOctets: number;
  txFrames: number;
  txOctets: number;
  rxIpPackets: number;
  rxIpOctets: number;
  txIpPackets: number;
  txIpOctets: number;
  /** Frames we could not parse or decrypt, or data that arrived before the network was up. */
  rxDropped: number;
  /** IP packets refused by sendIp() (network not up, or MPPE required but not running). */
  txDropped: number;
}

export function newStats(): PppStats {
  return {
    rxFrames: 0,
    rxOctets: 0,
    txFrames: 0,
    txOctets: 0,
    rxIpPackets: 0,
    rxIpOctets: 0,
    txIpPackets: 0,
    txIpOctets: 0,
    rxDropped: 0,
    txDropped: 0,
  };
}

export const SESSION_DEFAULTS = {
  mru: 1500,
  mtu: 1500,
  echoIntervalMs: 30_000,
  echoFailure: 4,
  loopbackLimit: 5,
  serverName: 'pptpd',
  deadlines: { establishMs: 60_000, authenticateMs: 60_000, networkMs: 60_000 } satisfies PhaseDeadlines,
} as const;
