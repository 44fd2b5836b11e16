// What one plugin in the chain is and what it may answer. The chain (chain.ts)
// walks plugins in order; each one sees the request as rewritten so far and
// returns one PluginOutcome. Three roles share this one interface:
//   rewriter          → 'rewrite' (new userName/realm, optionally a branch to follow)
//   credential source → 'secret'  (the chain verifies locally, verify-local.ts)
//   verifier          → 'accept' | 'reject' (it checked the exchange itself, e.g. RADIUS)
// and any of them may 'pass' (not mine; ask the next one).

import type { Logger } from 'pino';
import type { AuthRequest, SessionAttributes } from './types.js';

/** A secret as a credential source knows it. Never logged, never put in a span. */
export type Secret =
  | { readonly kind: 'cleartext'; readonly password: string }
  /** NtPasswordHash (RFC 2759 §8.3): MD4 of the UTF-16LE password, 16 bytes. */
  | { readonly kind: 'nt-hash'; readonly hash: Buffer };

export type PluginOutcome =
  | {
      readonly type: 'rewrite';
      /** The request the rest of the chain sees (peerName must be kept). */
      readonly request: AuthRequest;
      /** Name of a sub-chain that replaces the rest of the current one. */
      readonly branch?: string;
    }
  | {
      readonly type: 'secret';
      readonly secret: Secret;
      /** Attributes for the accept if the secret verifies. */
      readonly attributes?: SessionAttributes;
      /** Where the secret came from, for logs (e.g. `/etc/ppp/chap-secrets:12`); never the secret. */
      readonly source?: string;
    }
  | {
      readonly type: 'accept';
      readonly userName?: string; // default: the request's userName
      readonly authenticatorResponse?: string;
      readonly mppeKeys?: { readonly sendKey: Buffer; readonly recvKey: Buffer };
      readonly attributes?: SessionAttributes;
    }
  | {
      readonly type: 'reject';
      readonly reason: string; // no secret in it
      readonly mschapError?: number;
      readonly replyMessage?: string;
    }
  | { readonly type: 'pass'; readonly reason?: string };

export interface PluginContext {
  /** Aborted when the plugin's timeout expires; I/O plugins should stop then. */
  readonly signal: AbortSignal;
  readonly logger: Logger;
}

export interface AuthPlugin {
  /** Instance name from config (`name:`), or the kind when not given; unique in a chain. */
  readonly name: string;
  /** The scheme this instance was built from, e.g. 'chap-secrets'. */
  readonly kind: string;
  /** Branch names this plugin may route to (checked against the chain's branches at build). */
  readonly branchTargets?: readonly string[];
  /** Called once before the first request (load files, open connections). */
  init?(): Promise<void>;
  handle(req: AuthRequest, ctx: PluginContext): Promise<PluginOutcome>;
  /** Release watchers, sockets. */
  close?(): Promise<void> | void;
}

/** How the chain treats a plugin that throws or times out. */
export type OnPluginError = 'pass' | 'reject';

/** A plugin as placed in a chain, with the options every entry has. */
export interface ChainEntry {
  readonly plugin: AuthPlugin;
  /** Per-plugin deadline; the chain default applies when absent. */
  readonly timeoutMs?: number;
  /** 'pass' (default): log and ask the next plugin; 'reject': the attempt fails. */
  readonly onError?: OnPluginError;
}
