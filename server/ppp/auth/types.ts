// The contract between PPP authentication (this folder) and the PPP session (LCP/IPCP/CCP).
// A handler is sans-I/O: the session feeds it packets, timeouts and the plugin chain's
// verdicts, each with `now` (ms on the caller's clock), and performs the actions it returns,
// in order. Handlers never throw on peer input; a malformed packet is ignored.
import type { AuthCredentials, AuthMethod, AuthResult, MppeKeys } from '../../../auth-plugins/types.js';

export type { AuthCredentials, AuthMethod, AuthResult, MppeKeys };

/** PPP protocol numbers of the authentication protocols (RFC 1334 §2, RFC 1994 §2). */
export { PppProtocol } from './constants.js';

export type AuthAction =
  /** A whole PAP/CHAP packet (Code, Identifier, Length, data) to send under `protocol`. */
  | { type: 'send'; protocol: number; payload: Buffer }
  /** Retransmit/give-up deadline in ms on the caller's clock; null = no timer. Replaces any earlier one. */
  | { type: 'timer'; at: number | null }
  /** Server role: ask the plugin chain; answer later with handleVerdict(). */
  | { type: 'verify'; peerName: string; credentials: AuthCredentials }
  /** Authenticated. mppeKeys are this side's view (sendKey = what we encrypt with). */
  | { type: 'success'; userName: string; mppeKeys?: MppeKeys; result?: AuthResult }
  /** Give up; LCP terminates the link. `reason` never contains a secret. */
  | { type: 'failure'; reason: string; mschapError?: number };

/** One per link, per direction of authentication. */
export interface AuthProtocolHandler {
  readonly method: AuthMethod;
  /** 0xc023 (PAP) or 0xc223 (CHAP, all three algorithms). */
  readonly protocol: number;
  /** Server: first Challenge (CHAP) or start waiting (PAP). Client: first PAP Authenticate-Request. */
  start(now: number): AuthAction[];
  /** `packet` = the PPP payload of this protocol (no protocol field). */
  input(packet: Buffer, now: number): AuthAction[];
  /** Call when the last `timer` deadline is reached. */
  handleTimeout(now: number): AuthAction[];
  /** Server role only: the chain's answer to the last `verify` action. */
  handleVerdict(result: AuthResult, now: number): AuthAction[];
  /**
   * After 'success': a handler that does only what is still needed for the rest of the link
   * (re-answering a retransmitted Response), so the session need not keep the whole
   * exchange. Absent = keep this one.
   */
  settled?(): AuthProtocolHandler;
}

export interface AuthServerOptions {
  /** Our name (pppd `name`), sent in the CHAP Challenge Name field. */
  serverName: string;
  /** MS-CHAP: how many challenges (attempts) the peer gets before we give up. Default 1. */
  maxChallenges?: number;
  /** Restart timer, ms. Default 3000 (pppd chap-restart / pap-restart). */
  retransmitMs?: number;
  /** Challenge transmissions (CHAP) or the PAP wait in units of retransmitMs. Default 10. */
  maxRetransmits?: number;
  /** Randomness for challenges; default crypto.randomBytes. Tests inject a fixed source. */
  random?: (n: number) => Buffer;
}

export interface AuthClientOptions {
  /** Name sent on the wire as is (e.g. `CORP\alice`). */
  userName: string;
  password: string;
  /** Restart timer for PAP Authenticate-Request, ms. Default 3000. */
  retransmitMs?: number;
  /** PAP Authenticate-Request transmissions before giving up. Default 10. */
  maxRetransmits?: number;
  /** CHAP: how long to wait for the server's first Challenge (and between attempts), ms. Default 30000. */
  waitMs?: number;
  /** Randomness for the MS-CHAPv2 Peer-Challenge; default crypto.randomBytes. */
  random?: (n: number) => Buffer;
}

export { createAuthServer, createAuthClient, lcpAuthOption, methodFromLcp } from './factory.js';
export { ChapAlgorithm, MschapError } from './constants.js';
