// What the RADIUS client publishes on node:diagnostics_channel: one event per exchange with
// one server (one send() that fails over asks several servers, one event each). Telemetry
// subscribes (server/telemetry/metrics.ts); the client never imports OpenTelemetry.
// Publishing costs nothing when no one subscribes.

import diagnostics_channel from 'node:diagnostics_channel';
import type { RequestCodeName } from './constants.js';

export const RadiusChannel = {
  /** A send()'s conversation with one server ended (answered, or given up on). */
  exchange: 'pptpd:radius:exchange',
} as const;
export type RadiusChannel = (typeof RadiusChannel)[keyof typeof RadiusChannel];

/**
 * How an exchange with one server ended:
 * - answered: a valid reply came back;
 * - no_answer: every transmission timed out (or only refused replies came);
 * - unreachable: ICMP port unreachable (nothing listens there);
 * - busy: 256 requests already in flight, no Identifier free in time;
 * - aborted: the caller's signal fired, or the client was closed.
 */
export const ExchangeResult = {
  Answered: 'answered',
  NoAnswer: 'no_answer',
  Unreachable: 'unreachable',
  Busy: 'busy',
  Aborted: 'aborted',
} as const;
export type ExchangeResult = (typeof ExchangeResult)[keyof typeof ExchangeResult];

export interface RadiusExchangeEvent {
  /** `host:port` (never the secret). */
  readonly server: string;
  readonly code: RequestCodeName;
  readonly result: ExchangeResult;
  /** Transmissions to this server (1 + retransmissions). */
  readonly transmissions: number;
  /** Transmissions whose wait for a reply ran out. */
  readonly timeouts: number;
  /** Replies dropped by the checks (bad authenticator, wrong code…). */
  readonly refused: number;
  /** From the first transmission to the reply (answered) or to giving up, ms. */
  readonly ms: number;
}

const exchangeChannel = diagnostics_channel.channel(RadiusChannel.exchange);

export function publishExchange(e: RadiusExchangeEvent): void {
  if (exchangeChannel.hasSubscribers) exchangeChannel.publish(e);
}

export function subscribeExchange(fn: (e: RadiusExchangeEvent) => void): () => void {
  const handler = (m: unknown): void => fn(m as RadiusExchangeEvent);
  diagnostics_channel.subscribe(RadiusChannel.exchange, handler);
  return () => diagnostics_channel.unsubscribe(RadiusChannel.exchange, handler);
}
