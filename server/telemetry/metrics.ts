// Server metrics on an OpenTelemetry Meter, fed two ways:
//  - events the runtime publishes on diagnostics_channel (server/events.ts): counters and
//    histograms that change when something happens (sessions started/ended, auth attempts,
//    set-up time, control connections opened, calls refused);
//  - polling the server object when a reader collects (observable instruments): live
//    sessions, traffic totals, GRE drops, pool usage, open control connections.
// Traffic counters are monotonic: octets of ended sessions (from sessionDown) plus the
// current octets of live ones, so a session's bytes move from the live part to the
// ended part in the same synchronous step that removes it from the registry.
// Attributes have bounded values only (methods, causes, results, plugin names) — never
// user names or addresses, which would make one time series per user.
// RADIUS client and accounting metrics live in radius-metrics.ts and accounting-metrics.ts.

import type { BatchObservableCallback, Meter } from '@opentelemetry/api';
import {
  Channel,
  subscribe,
  type AuthEvent,
  type CallRefusedEvent,
  type ControlUpEvent,
  type SessionDownEvent,
  type SessionUpEvent,
} from '../events.js';
import type { OperationsHost } from '../control/host.js';
import { registerAccountingMetrics, type AccountingMetricsHost } from './accounting-metrics.js';
import { registerRadiusMetrics } from './radius-metrics.js';

/** PptpServer as metrics see it; `accounting` is optional so hosts without it still fit. */
export type MetricsHost = Pick<OperationsHost, 'sessions' | 'pool' | 'dataPath' | 'links'> & AccountingMetricsHost;

/** Histogram buckets in seconds. */
const SETUP_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30];
const AUTH_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const DURATION_BUCKETS = [60, 300, 900, 1800, 3600, 4 * 3600, 8 * 3600, 24 * 3600];

export interface ServerMetrics {
  /** Counts a DM/CoA request outcome (server/control/dmcoa). */
  dynAuth(kind: string, result: string, reason?: string): void;
  /** Counts a control-socket request. */
  controlRequest(cmd: string, ok: boolean): void;
  /** Unsubscribes from the events and detaches the observable callbacks. */
  dispose(): void;
}

export function registerMetrics(meter: Meter, host: MetricsHost): ServerMetrics {
  const started = meter.createCounter('pptpd.sessions.started', { description: 'Sessions that came up (IPCP opened)' });
  const ended = meter.createCounter('pptpd.sessions.ended', { description: 'Sessions that ended, by Acct-Terminate-Cause and whether they had come up' });
  const refused = meter.createCounter('pptpd.calls.refused', { description: 'Outgoing-Call-Requests refused before a session existed' });
  const authAttempts = meter.createCounter('pptpd.auth.attempts', { description: 'Authentication attempts by method, result and deciding plugin' });
  const authTime = meter.createHistogram('pptpd.auth.duration_seconds', { unit: 's', description: 'Time the auth chain took', advice: { explicitBucketBoundaries: AUTH_BUCKETS } });
  const setupTime = meter.createHistogram('pptpd.session.setup_duration_seconds', { unit: 's', description: 'From Outgoing-Call-Request to IPCP opened', advice: { explicitBucketBoundaries: SETUP_BUCKETS } });
  const sessionTime = meter.createHistogram('pptpd.session.duration_seconds', { unit: 's', description: 'Length of sessions that ended after coming up', advice: { explicitBucketBoundaries: DURATION_BUCKETS } });
  const controlOpened = meter.createCounter('pptpd.control.connections.opened', { description: 'PPTP control connections accepted (TCP 1723)' });
  const dynAuth = meter.createCounter('pptpd.dynauth.requests', { description: 'RFC 5176 Disconnect/CoA requests by kind and result (ack, nak, dropped)' });
  const controlReq = meter.createCounter('pptpd.control_socket.requests', { description: 'Requests on the local control socket' });

  const active = meter.createObservableGauge('pptpd.sessions.active', { description: 'Live sessions by state (starting = before IPCP opened)' });
  const octets = meter.createObservableCounter('pptpd.traffic.bytes', { unit: 'By', description: 'IP octets through the tunnels; in = from clients, out = to clients' });
  const packets = meter.createObservableCounter('pptpd.traffic.packets', { description: 'IP packets through the tunnels; in = from clients, out = to clients' });
  const drops = meter.createObservableCounter('pptpd.dataplane.drops', { description: 'Packets dropped by the data path, by reason' });
  const poolAddrs = meter.createObservableGauge('pptpd.pool.addresses', { description: 'Client addresses by state (in_use includes static ones)' });
  const poolSize = meter.createObservableGauge('pptpd.pool.size', { description: 'Dynamic addresses in the pool' });
  const controlOpen = meter.createObservableGauge('pptpd.control.connections.active', { description: 'Open PPTP control connections' });

  const endedTotals = { inOctets: 0, outOctets: 0, inPackets: 0, outPackets: 0 };

  const unsubs = [
    registerRadiusMetrics(meter),
    registerAccountingMetrics(meter, host),
    subscribe<ControlUpEvent>(Channel.controlUp, () => controlOpened.add(1)),
    subscribe<CallRefusedEvent>(Channel.callRefused, () => refused.add(1)),
    subscribe<AuthEvent>(Channel.auth, (e) => {
      authAttempts.add(1, { method: e.method, result: e.result, plugin: e.plugin ?? 'none' });
      authTime.record(e.ms / 1000, { method: e.method, result: e.result });
    }),
    subscribe<SessionUpEvent>(Channel.sessionUp, (e) => {
      started.add(1, { method: e.method, encryption: e.encryption });
      setupTime.record(e.setupMs / 1000, { method: e.method });
    }),
    subscribe<SessionDownEvent>(Channel.sessionDown, (e) => {
      ended.add(1, { cause: e.cause, was_up: e.wasUp });
      if (e.wasUp) sessionTime.record(e.durationSeconds);
      endedTotals.inOctets += e.inputOctets;
      endedTotals.outOctets += e.outputOctets;
      endedTotals.inPackets += e.inputPackets;
      endedTotals.outPackets += e.outputPackets;
    }),
  ];

  const batch: BatchObservableCallback = (result) => {
    let starting = 0;
    let up = 0;
    let inO = endedTotals.inOctets;
    let outO = endedTotals.outOctets;
    let inP = endedTotals.inPackets;
    let outP = endedTotals.outPackets;
    for (const s of host.sessions()) {
      if (s.state === 'up') up++;
      else if (s.state === 'starting') starting++;
      inO += s.inputOctets;
      outO += s.outputOctets;
      inP += s.inputPackets;
      outP += s.outputPackets;
    }
    result.observe(active, up, { state: 'up' });
    result.observe(active, starting, { state: 'starting' });
    result.observe(octets, inO, { direction: 'in' });
    result.observe(octets, outO, { direction: 'out' });
    result.observe(packets, inP, { direction: 'in' });
    result.observe(packets, outP, { direction: 'out' });
    for (const [reason, n] of Object.entries(host.dataPath.drops)) {
      if (typeof n === 'number') result.observe(drops, n, { reason: snake(reason) });
    }
    result.observe(poolAddrs, host.pool.inUse, { state: 'in_use' });
    result.observe(poolAddrs, host.pool.free, { state: 'free' });
    result.observe(poolSize, host.pool.size);
    result.observe(controlOpen, host.links.size);
  };
  const observables = [active, octets, packets, drops, poolAddrs, poolSize, controlOpen];
  meter.addBatchObservableCallback(batch, observables);

  return {
    dynAuth: (kind, result, reason) => dynAuth.add(1, { kind, result, ...(reason !== undefined ? { reason } : {}) }),
    controlRequest: (cmd, ok) => controlReq.add(1, { cmd, ok }),
    dispose: () => {
      for (const u of unsubs) u();
      meter.removeBatchObservableCallback(batch, observables);
    },
  };
}

/** greWrongPeer → gre_wrong_peer (Prometheus label values read better in snake case). */
function snake(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
