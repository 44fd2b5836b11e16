// Lifecycle events the protocol runtime publishes on node:diagnostics_channel.
// Telemetry (metrics, traces), hooks and anything else observe them from outside:
// the cores and the runtime never import OpenTelemetry (undici's diagnostics style).
// Publishing costs nothing when no one subscribes (hasSubscribers is checked).

import diagnostics_channel from 'node:diagnostics_channel';

export const Channel = {
  /** A control connection was accepted. */
  controlUp: 'pptpd:control:up',
  /** A control connection closed. */
  controlDown: 'pptpd:control:down',
  /** A call (Outgoing-Call-Request) was refused before a session existed. */
  callRefused: 'pptpd:call:refused',
  /** A PPP phase began (establish, authenticate, network, terminate, dead). */
  phase: 'pptpd:session:phase',
  /** One authentication attempt finished. */
  auth: 'pptpd:session:auth',
  /** IPCP opened: the session is up. */
  sessionUp: 'pptpd:session:up',
  /** The session ended (after up or before). */
  sessionDown: 'pptpd:session:down',
  /** One attempt to deliver an accounting record to one sink ended (accounting/dispatcher.ts). */
  accountingDelivery: 'pptpd:accounting:delivery',
} as const;
export type Channel = (typeof Channel)[keyof typeof Channel];

export interface ControlUpEvent {
  readonly peer: string;
}
export interface ControlDownEvent {
  readonly peer: string;
}
export interface CallRefusedEvent {
  readonly peer: string;
  readonly reason: string;
}
export interface PhaseEvent {
  readonly sessionId: string;
  readonly phase: string;
  /** performance.now() ms. */
  readonly at: number;
}
export interface AuthEvent {
  readonly sessionId: string;
  readonly peerName: string;
  readonly method: string;
  readonly result: 'accept' | 'reject';
  readonly plugin?: string | undefined;
  readonly reason?: string | undefined;
  readonly ms: number;
}
export interface SessionUpEvent {
  readonly sessionId: string;
  readonly userName: string;
  readonly address: string;
  readonly method: string;
  readonly encryption: string;
  /** ms from the OCRQ to IPCP Opened. */
  readonly setupMs: number;
}
export interface SessionDownEvent {
  readonly sessionId: string;
  readonly userName?: string | undefined;
  /** Acct-Terminate-Cause. */
  readonly cause: string;
  readonly wasUp: boolean;
  readonly inputOctets: number;
  readonly outputOctets: number;
  readonly inputPackets: number;
  readonly outputPackets: number;
  readonly durationSeconds: number;
}

export interface AccountingDeliveryEvent {
  /** Target name: a sink (wtmp, journal, radius) or the shared-queue forwarder (redis). */
  readonly sink: string;
  readonly eventId: string;
  /** start, interim, stop, accounting-on, accounting-off. */
  readonly type: string;
  readonly sessionId?: string | undefined;
  /** 1 for the first try. */
  readonly attempt: number;
  readonly ok: boolean;
  readonly error?: string | undefined;
  /** When the record was made (ms since the epoch): its age at delivery is startTime + ms − recordTime. */
  readonly recordTime: number;
  /** When this attempt began, ms since the epoch. */
  readonly startTime: number;
  /** How long the attempt took, ms. */
  readonly ms: number;
}

const channels = new Map<string, diagnostics_channel.Channel>();
function channel(name: Channel): diagnostics_channel.Channel {
  let c = channels.get(name);
  if (!c) channels.set(name, (c = diagnostics_channel.channel(name)));
  return c;
}

export function publish(name: typeof Channel.controlUp, e: ControlUpEvent): void;
export function publish(name: typeof Channel.controlDown, e: ControlDownEvent): void;
export function publish(name: typeof Channel.callRefused, e: CallRefusedEvent): void;
export function publish(name: typeof Channel.phase, e: PhaseEvent): void;
export function publish(name: typeof Channel.auth, e: AuthEvent): void;
export function publish(name: typeof Channel.sessionUp, e: SessionUpEvent): void;
export function publish(name: typeof Channel.sessionDown, e: SessionDownEvent): void;
export function publish(name: typeof Channel.accountingDelivery, e: AccountingDeliveryEvent): void;
export function publish(name: Channel, e: unknown): void {
  const c = channel(name);
  if (c.hasSubscribers) c.publish(e);
}

/** Whether anyone listens on `name`: lets a caller skip building an event no one reads. */
export function subscribed(name: Channel): boolean {
  return channel(name).hasSubscribers;
}

export function subscribe<T>(name: Channel, fn: (e: T) => void): () => void {
  const handler = (m: unknown) => fn(m as T);
  diagnostics_channel.subscribe(name, handler);
  return () => diagnostics_channel.unsubscribe(name, handler);
}
