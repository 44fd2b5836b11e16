// What the operations layer (control socket, DM/CoA, metrics, traces) needs from a
// running server — a narrow, structural view of runtime/server.ts `PptpServer`, so
// unit tests pass a small typed fake and the runtime never depends on this folder.

import type { SessionSelector, SessionView } from '../runtime/server.js';

export type { SessionSelector, SessionView };

/** Why an operator command ends a session (RFC 2866 Acct-Terminate-Cause). */
export type KillCause = 'Admin-Reset' | 'NAS-Request';

export interface OperationsHost {
  /** Every live session, as the operator sees it. */
  sessions(): SessionView[];
  /** Ends the selected sessions; returns how many. */
  kill(sel: SessionSelector, cause?: KillCause, reason?: string): number;
  /** New Session-Timeout / Idle-Timeout (seconds, 0 = off) for the selected sessions; returns how many. */
  changeTimeouts(sel: SessionSelector, t: { sessionTimeout?: number; idleTimeout?: number }): number;
  /** The address pool (metrics). */
  readonly pool: { readonly size: number; readonly free: number; readonly inUse: number };
  /** GRE/TUN drop counters by reason (metrics). */
  readonly dataPath: { readonly drops: object };
  /** Open PPTP control connections (metrics). */
  readonly links: { readonly size: number };
  /** Call id → session (to parent the auth chain's spans under the set-up span). */
  readonly registry: { byCallId(id: number): { readonly sessionId: string } | undefined };
}
