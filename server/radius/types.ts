// The RADIUS client's public shapes (see client.ts for the rules behind them).

import type radius from 'radius';
import type { Logger } from 'pino';
import type { DecodeError } from '../errors.js';
import type { RadiusAttribute, ReceivedAttribute } from './attributes.js';

export interface RadiusServerConfig {
  readonly host: string;
  readonly port: number;
  readonly secret: string;
  /**
   * Refuse an Access-Accept/Reject without a valid Message-Authenticator
   * (CVE-2024-3596, BlastRADIUS). Default true. FreeRADIUS before 3.2.5 (Debian
   * 12 ships 3.2.1) adds none to non-EAP replies: set false for those.
   */
  readonly requireMessageAuthenticator?: boolean;
}

export interface RadiusClientOptions {
  readonly servers: readonly RadiusServerConfig[];
  /** Wait for a reply to one transmission, ms. Default 3000. */
  readonly timeoutMs?: number;
  /** Retransmissions to one server after the first. Default 2. */
  readonly retries?: number;
  /** How long a server that did not answer is skipped, s. Default 60; 0 never skips. */
  readonly deadTimeSeconds?: number;
  /** Local address of the sockets: '0.0.0.0' (default), '127.0.0.1', or any local address. */
  readonly bindAddress?: string;
  readonly logger?: Logger;
}

/** A server as logs and results name it: never its secret. */
export interface ServerRef {
  readonly host: string;
  readonly port: number;
  /** `host:port`. */
  readonly name: string;
}

export interface AttemptInfo {
  readonly server: ServerRef;
  /** 0-based transmission to this server. */
  readonly attempt: number;
  /** 0-based transmission over the whole send (all servers). */
  readonly transmission: number;
  /** Whole seconds since send() began, plus SendOptions.initialDelaySeconds (Acct-Delay-Time, RFC 2866 §5.2). */
  readonly delaySeconds: number;
  /** Hides a value the RFC 2865 §5.2 way with this server's secret and this packet's authenticator (User-Password). */
  hide(plain: Buffer): Buffer;
}

export type BuildAttributes = (attempt: AttemptInfo) => readonly RadiusAttribute[];

export interface SendOptions {
  /** Stops the send: it resolves `{ ok: false, aborted: true }`. */
  readonly signal?: AbortSignal;
  /** 'same' (default for Access-Request) or 'rebuild' (default for Accounting-Request): see the rules above. */
  readonly retransmit?: 'same' | 'rebuild';
  /** Added to delaySeconds (a record that waited in a queue before this send). */
  readonly initialDelaySeconds?: number;
}

export interface RadiusReply {
  readonly code: number;
  readonly codeName: string;
  readonly identifier: number;
  readonly packet: Buffer;
  readonly attributes: readonly ReceivedAttribute[];
  readonly server: ServerRef;
  /** Of the request this answers (needed to decrypt values in the reply). */
  readonly requestAuthenticator: Buffer;
  /** From the first transmission of this send to the reply, ms. */
  readonly elapsedMs: number;
  /** RFC 2865 §5.2 hidden value (MS-CHAP-MPPE-Keys) revealed, padding included. */
  reveal(value: Buffer): Buffer | DecodeError;
  /** RFC 2548 §2.4.2 salt-encrypted key (MS-MPPE-Send-Key / Recv-Key). */
  decryptKey(value: Buffer): Buffer | DecodeError;
  /** The codec's decoded view (attribute names from the loaded dictionaries). May throw. */
  decode(): radius.RadiusPacket;
}

export interface ServerReport {
  readonly server: ServerRef;
  readonly transmissions: number;
  /** Replies dropped by the checks of packet.ts. */
  readonly refused: number;
  readonly lastRefusal?: string;
  /** ICMP port unreachable came back. */
  readonly portUnreachable: boolean;
  /** Gave up waiting for a free Identifier (256 in flight). */
  readonly busy: boolean;
}

export type SendResult =
  | { readonly ok: true; readonly reply: RadiusReply; readonly servers: readonly ServerReport[] }
  | { readonly ok: false; readonly reason: string; readonly aborted: boolean; readonly servers: readonly ServerReport[] };

export interface RadiusClientStats {
  transmissions: number;
  replies: number;
  refused: number;
  /** Replies for no request in flight: duplicates and late ones. */
  unmatched: number;
  timeouts: number;
}
