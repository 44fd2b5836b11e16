// The shapes a CallSession is built from: its I/O edges (GRE transmit, TUN), the
// server-wide dependencies it shares with every call, and the call's own parameters.
import type { Logger } from 'pino';
import type { Authenticator } from '../../auth-plugins/types.js';
import type { AccountingRecorder } from '../../accounting/record.js';
import type { IpPool, Lease } from '../ippool.js';
import type { PppSessionOptions } from '../ppp/session-types.js';
import type { SessionRegistry } from './registry.js';
import type { CallSession } from './call-session.js';

/** Sends one GRE packet carrying `frame` (or an ack-only packet when frame is empty). */
export interface GreTx {
  send(dst: number, peerCallId: number, seq: number | undefined, ack: number | undefined, frame: Uint8Array): void;
  /** Copy-free sends (runtime DataPath): GRE header written, offset of the frame in greSlab, or -1 (oversize). */
  reserveFrame?(dst: number, peerCallId: number, seq: number | undefined, ack: number | undefined, frameLength: number): number;
  readonly greSlab?: Buffer;
}

/** Hands one IP packet to the kernel. */
export interface TunTx {
  write(packet: Uint8Array): void;
}

export interface CallDeps {
  readonly log: Logger;
  readonly chain: Authenticator;
  readonly pool: IpPool;
  /** `pool.static`: user name → fixed address. */
  readonly poolStatic?: Readonly<Record<string, string>>;
  readonly registry: SessionRegistry;
  readonly gre: GreTx;
  readonly tun: TunTx;
  readonly ppp: Omit<PppSessionOptions, 'role' | 'credentials'>;
  readonly dns: readonly string[];
  readonly wins: readonly string[];
  readonly nasIdentifier: string;
  /** Config maxconnect / idle in seconds (0 = off); RADIUS attributes override. */
  readonly maxConnect: number;
  readonly idle: number;
  /** Interim-Update period in seconds (0 = none) unless the auth reply gives one. */
  readonly interimInterval: number;
  readonly accounting?: AccountingRecorder | undefined;
  /** A session id for a call whose params carry none. */
  readonly newSessionId: () => string;
  /**
   * The session ended: the control connection (`owner`, from the call's params) clears the
   * call (CDN) unless it is already gone. One function for every call: the server shares one
   * deps object among all its calls instead of building closures per call.
   */
  readonly onEnded: (s: CallSession, owner: CallOwner | undefined) => void;
  /** Notified when the network comes up (single-session policy, hooks, metrics). */
  readonly onUp?: (s: CallSession) => void;
  /** Once the user is known: a reason to refuse the session (single-session policy), or undefined. */
  readonly admit?: (s: CallSession) => string | undefined;
}

export interface CallParams {
  readonly callId: number;
  readonly peerCallId: number;
  readonly peerIp: number;
  readonly localAddress: string;
  readonly peerWindow: number;
  /** The pool address reserved when the call was accepted (PoPToP hands one out per call). */
  readonly lease?: Lease | undefined;
  /** The session id chosen when the call was accepted (default: deps.newSessionId()). */
  readonly sessionId?: string | undefined;
  /** The control connection the call belongs to, handed back in deps.onEnded. */
  readonly owner?: CallOwner | undefined;
}

/** What carries a call: its control connection (ControlLink). */
export interface CallOwner {
  /** Our side ends the call: Call-Disconnect-Notify (if the call is still on this link). */
  clearCall(s: CallSession): void;
}

export type SessionState = 'starting' | 'up' | 'ended';
