// The contract between PPP authentication (server/ppp/auth) and the plugin chain.
// PPP hands over what the peer sent; the chain answers accept (with keys and
// attributes) or reject. Plugins are rewriters, credential sources or verifiers.

import type { AddressRule } from '../config/address-rule.js';

export type AuthMethod = 'pap' | 'chap-md5' | 'mschap-v1' | 'mschap-v2';

/** What the peer sent, per method (field names from RFC 1334/1994/2433/2759). */
export type AuthCredentials =
  | { readonly method: 'pap'; readonly password: string }
  | {
      readonly method: 'chap-md5';
      readonly identifier: number; // CHAP packet Identifier, part of the MD5 input
      readonly challenge: Buffer;
      readonly response: Buffer; // 16 bytes
    }
  | {
      readonly method: 'mschap-v1';
      readonly challenge: Buffer; // 8 bytes, ours
      readonly lmResponse: Buffer; // 24 bytes
      readonly ntResponse: Buffer; // 24 bytes
      readonly useNtResponse: boolean; // the Flags field (1 = use NT response)
    }
  | {
      readonly method: 'mschap-v2';
      readonly authenticatorChallenge: Buffer; // 16 bytes, ours
      readonly peerChallenge: Buffer; // 16 bytes
      readonly ntResponse: Buffer; // 24 bytes
      readonly flags: number;
    };

export interface AuthRequest {
  /** The Name the peer sent, byte for byte (e.g. `CORP\alice`); used for logs and accounting. */
  readonly peerName: string;
  /** The name plugins look up; rewriters change this one (e.g. `alice`). */
  readonly userName: string;
  readonly credentials: AuthCredentials;
  /** Client's public address (Calling-Station-Id). */
  readonly peerAddress: string;
  /** Our address the client connected to (Called-Station-Id). */
  readonly localAddress: string;
  /** PPTP call id, used as NAS-Port. */
  readonly callId: number;
  /** Local name (pppd `name`), the server column of chap-secrets. */
  readonly serverName: string;
  /** Realm removed by a rewriter, if any. */
  readonly realm?: string;
}

/**
 * MPPE master session keys from the server's point of view (RFC 3079: the
 * MasterSendKey/MasterReceiveKey, 16 bytes each; 40/56-bit use their first 8 bytes).
 * MS-RADIUS MS-MPPE-Send-Key is our send key.
 */
export interface MppeKeys {
  readonly sendKey: Buffer;
  readonly recvKey: Buffer;
}

/** What RADIUS (or any plugin) says about encryption (RFC 2548 2.4.4/2.4.5). */
export interface MppePolicy {
  /** MS-MPPE-Encryption-Policy: 1 allowed, 2 required. */
  readonly required: boolean;
  /** MS-MPPE-Encryption-Types bits: 0x02 = 40-bit, 0x04 = 128-bit (RFC 2548), 0x08 = 56-bit. */
  readonly types?: number;
}

/** Attributes an accept carries; the session applies them. */
export interface SessionAttributes {
  readonly framedIpAddress?: string;
  /**
   * The only addresses the client may have (a chap-secrets address column); absent = any.
   * Any plugin may set it. Every address the session would give (pool, pool.static,
   * Framed-IP-Address, the one the client asks for in IPCP) is held to it, and the pool
   * leases inside it (server/runtime/session-address.ts).
   */
  readonly allowedAddresses?: AddressRule;
  readonly sessionTimeout?: number; // seconds
  readonly idleTimeout?: number; // seconds
  readonly acctInterimInterval?: number; // seconds
  readonly class?: readonly Buffer[]; // echoed in accounting
  readonly replyMessage?: string;
  readonly mppePolicy?: MppePolicy;
}

export type AuthResult =
  | {
      readonly verdict: 'accept';
      /** Name to account under (after rewriting). */
      readonly userName: string;
      /** MS-CHAPv2 authenticator response "S=<40 hex>" (RFC 2759 §5). */
      readonly authenticatorResponse?: string;
      readonly mppeKeys?: MppeKeys;
      readonly attributes: SessionAttributes;
      /** Which plugin answered (for logs/metrics). */
      readonly plugin: string;
    }
  | {
      readonly verdict: 'reject';
      /** For logs; never contains a secret. */
      readonly reason: string;
      /** MS-CHAP error code to send (691 auth failure, 646 restricted hours, 648 expired, 649 no dial-in...). */
      readonly mschapError?: number;
      readonly replyMessage?: string;
      readonly plugin?: string;
    };

/** The one call PPP makes. Implemented by the plugin chain. */
export interface Authenticator {
  authenticate(req: AuthRequest): Promise<AuthResult>;
}
