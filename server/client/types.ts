// The PPTP client's public shapes: what connect() takes and gives, how it fails, what
// it reports when the tunnel goes down, and its counters.

import type { AuthMethod } from '../../auth-plugins/types.js';
import type { GreWindowCounters } from '../gre/window.js';
import type { CcpResult } from '../ppp/ccp/ccp.js';
import type { MppeCcpPolicy } from '../ppp/ccp/mppe-option.js';
import type { PppSessionOptions, PppStats } from '../ppp/session-types.js';

export const PPTP_PORT = 1723;

/** Methods a client accepts when none is named: PAP only when asked for (it sends the password in clear). */
export const DEFAULT_CLIENT_METHODS: readonly AuthMethod[] = ['mschap-v2', 'mschap-v1', 'chap-md5'];

/** Encrypt when the server offers it, any strength, stateless unless the server asks for stateful. */
export const DEFAULT_CLIENT_MPPE: MppeCcpPolicy = { required: false, bits: [128, 56, 40], stateful: 'allow' };

export interface ConnectOptions {
  /** The server's IPv4 address (GRE is demultiplexed by it, so a name is not enough). */
  readonly server: string;
  readonly port?: number;
  readonly user: string;
  readonly password: string;
  /** Method(s) we accept; the server proposes, LCP settles (RFC 1661 §6.2). Default DEFAULT_CLIENT_METHODS. */
  readonly method?: AuthMethod | readonly AuthMethod[];
  /** MPPE policy (RFC 3078); omitted fields come from DEFAULT_CLIENT_MPPE. */
  readonly mppe?: Partial<MppeCcpPolicy>;
  /** Local IPv4 address to connect from. */
  readonly localAddress?: string;
  /** Bound on the whole setup, TCP connect to IPCP up. Default 30 s. */
  readonly timeoutMs?: number;
  /** Our Host Name in SCCRQ. Default 'local' (as pptp-linux). */
  readonly hostName?: string;
  /** PPP settings beyond the above (echo, MRU/MTU, deadlines, randomness for tests). */
  readonly ppp?: Partial<Omit<PppSessionOptions, 'role' | 'authMethods' | 'mppe' | 'credentials'>>;
}

export interface ConnectResult {
  /** Our tunnel address (IPCP IP-Address the server gave us). */
  readonly local: string;
  /** The server's tunnel address. */
  readonly remote: string;
  /** DNS / WINS servers from IPCP (RFC 1877), each listed once. */
  readonly dns: readonly string[];
  readonly wins: readonly string[];
  /** MPPE per direction, or null when the link is not encrypted. */
  readonly mppe: CcpResult | null;
  /** The method we authenticated with (null: the server asked for none). */
  readonly method: AuthMethod | null;
  /** Largest IP packet to send (our MTU and the server's MRU). */
  readonly mtu: number;
  /** ms from connect() to IPCP up. */
  readonly setupMs: number;
  readonly callId: number;
  readonly peerCallId: number;
}

/** Why connect() failed. */
export const ClientFailure = {
  GreSocket: 'gre-socket', // the raw GRE socket could not be opened (not root?)
  Tcp: 'tcp', // TCP connect failed
  Control: 'control', // the control connection was refused or stopped
  CallRejected: 'call-rejected', // OCRP was not Connected
  AuthFailed: 'auth-failed', // the server refused our credentials
  Ppp: 'ppp', // PPP negotiation failed (LCP, CCP/MPPE, IPCP)
  Timeout: 'timeout', // the setup bound passed
  Closed: 'closed', // close() was called during connect()
  Usage: 'usage', // bad options (not an IPv4 server address, connect() twice)
} as const;
export type ClientFailure = (typeof ClientFailure)[keyof typeof ClientFailure];

export class ClientError extends Error {
  readonly reason: ClientFailure;
  constructor(reason: ClientFailure, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
    this.name = 'ClientError';
  }
}

/** Why an established tunnel went down. */
export interface DownInfo {
  /** A PPP DownCause ('peer-terminate', 'echo-timeout', ...), or 'call-cleared' / 'control-stopped' / 'closed'. */
  readonly cause: string;
  readonly message: string;
}

export interface PingOptions {
  /** Echo Requests to send, one after another (default 3). */
  readonly count?: number;
  /** Echo data octets (default 56). */
  readonly size?: number;
  /** Wait for each reply at most this long (default 1000 ms). */
  readonly timeoutMs?: number;
  /** Pause after each reply before the next request (default 0). */
  readonly intervalMs?: number;
}

export interface PingResult {
  readonly sent: number;
  readonly received: number;
  /** Round-trip times of the answered requests, in order, ms. */
  readonly rttMs: readonly number[];
}

export interface ClientCounters {
  readonly ppp: Readonly<PppStats>;
  readonly gre: Readonly<GreWindowCounters> | undefined;
  readonly echoRequestsSent: number;
  readonly echoRepliesReceived: number;
  /** Echo Requests from the server that we answered. */
  readonly echoRequestsAnswered: number;
}
