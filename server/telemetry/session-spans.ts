// Traces of session set-up, built from the lifecycle events (server/events.ts) — the
// runtime and the PPP core never import OpenTelemetry.
//
// One trace per call:
//   pptpd.session.setup                first phase event → sessionUp (OK) or sessionDown (ERROR)
//   ├─ pptpd.ppp.establish             LCP (RFC 1661 §3.2 Link Establishment phase)
//   ├─ pptpd.ppp.authenticate          PAP / CHAP / MS-CHAP
//   │   └─ pptpd.auth                  the auth chain's own span (auth-plugins/chain.ts)
//   │       └─ pptpd.auth.plugin …     one per plugin
//   └─ pptpd.ppp.network               CCP + IPCP
// Phase spans start and end at the `at` time of the phase events (performance.now() ms,
// turned into wall-clock ms here: the SDK reads a bare number as ms since the epoch).
//
// The auth chain starts `pptpd.auth` with no parent in the active context (its caller
// runs it from a plain promise, not inside a span). ParentingTracerProvider wraps the
// SDK provider: a root span carrying `pptpd.auth.call_id` gets the current phase span of
// the session that owns that call id as its parent. Everything else passes through.

import {
  context,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
  type SpanOptions,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import { Channel, subscribe, type AuthEvent, type PhaseEvent, type SessionDownEvent, type SessionUpEvent } from '../events.js';

/** Phases that get a child span; terminate/dead end the current one. */
const TRACED_PHASES: ReadonlySet<string> = new Set(['establish', 'authenticate', 'network']);
/** Bound on sessions tracked at once (call ids are 16-bit); beyond it new set-ups are not traced. */
const MAX_TRACKED = 65_536;

/** performance.now() ms → ms since the epoch. */
function wall(at: number): number {
  return performance.timeOrigin + at;
}

interface Tracked {
  setup: Span | undefined;
  phase: Span | undefined;
  phaseName: string | undefined;
}

export class SessionSpans {
  readonly #tracer: Tracer;
  readonly #sessions = new Map<string, Tracked>();
  readonly #unsubs: (() => void)[];

  constructor(tracer: Tracer) {
    this.#tracer = tracer;
    this.#unsubs = [
      subscribe<PhaseEvent>(Channel.phase, (e) => this.#phase(e)),
      subscribe<AuthEvent>(Channel.auth, (e) => this.#auth(e)),
      subscribe<SessionUpEvent>(Channel.sessionUp, (e) => this.#up(e)),
      subscribe<SessionDownEvent>(Channel.sessionDown, (e) => this.#down(e)),
    ];
  }

  /** Sessions whose set-up is being traced or that are up (for tests and leak checks). */
  get tracked(): number {
    return this.#sessions.size;
  }

  /** The context new auth spans of `sessionId` should start in (its current phase, else its set-up). */
  contextFor(sessionId: string): Context | undefined {
    const t = this.#sessions.get(sessionId);
    const span = t?.phase ?? t?.setup;
    return span ? trace.setSpan(context.active(), span) : undefined;
  }

  dispose(): void {
    for (const u of this.#unsubs) u();
    for (const t of this.#sessions.values()) {
      t.phase?.end();
      t.setup?.setStatus({ code: SpanStatusCode.ERROR, message: 'telemetry stopped' });
      t.setup?.end();
    }
    this.#sessions.clear();
  }

  #phase(e: PhaseEvent): void {
    let t = this.#sessions.get(e.sessionId);
    if (!t) {
      if (e.phase === 'dead' || this.#sessions.size >= MAX_TRACKED) return;
      const setup = this.#tracer.startSpan('pptpd.session.setup', { startTime: wall(e.at), attributes: { 'pptpd.session.id': e.sessionId } }, context.active());
      t = { setup, phase: undefined, phaseName: undefined };
      this.#sessions.set(e.sessionId, t);
    }
    if (!t.setup) return; // already up: later phases (terminate, dead) are not part of set-up
    t.phase?.end(wall(e.at));
    t.phase = undefined;
    t.phaseName = e.phase;
    if (TRACED_PHASES.has(e.phase)) {
      t.phase = this.#tracer.startSpan(`pptpd.ppp.${e.phase}`, { startTime: wall(e.at) }, trace.setSpan(context.active(), t.setup));
    }
  }

  #auth(e: AuthEvent): void {
    const t = this.#sessions.get(e.sessionId);
    const span = t?.phaseName === 'authenticate' ? t.phase : t?.setup;
    span?.setAttributes({
      'pptpd.auth.method': e.method,
      'pptpd.auth.result': e.result,
      ...(e.plugin !== undefined ? { 'pptpd.auth.plugin': e.plugin } : {}),
    });
    if (e.result === 'reject' && span) span.setStatus({ code: SpanStatusCode.ERROR, message: e.reason ?? 'rejected' });
  }

  #up(e: SessionUpEvent): void {
    const t = this.#sessions.get(e.sessionId);
    if (!t?.setup) return;
    t.phase?.end();
    t.setup.setAttributes({
      'pptpd.session.user': e.userName,
      'pptpd.session.address': e.address,
      'pptpd.auth.method': e.method,
      'pptpd.session.encryption': e.encryption,
      'pptpd.session.setup_ms': e.setupMs,
    });
    t.setup.setStatus({ code: SpanStatusCode.OK });
    t.setup.end();
    // Keep the entry (without spans) until sessionDown, so terminate/dead start no new trace.
    t.setup = undefined;
    t.phase = undefined;
  }

  #down(e: SessionDownEvent): void {
    const t = this.#sessions.get(e.sessionId);
    this.#sessions.delete(e.sessionId);
    if (!t?.setup) return;
    t.phase?.end();
    t.setup.setAttributes({ 'pptpd.session.end_cause': e.cause, ...(e.userName !== undefined ? { 'pptpd.session.user': e.userName } : {}) });
    t.setup.setStatus({ code: SpanStatusCode.ERROR, message: `ended before up: ${e.cause}` });
    t.setup.end();
  }
}

/** The attribute the auth chain puts on `pptpd.auth` (auth-plugins/chain.ts). */
export const AUTH_CALL_ID_ATTRIBUTE = 'pptpd.auth.call_id';

/**
 * Wraps a TracerProvider so that the auth chain's root spans become children of the
 * session set-up trace. `sessionOfCall` maps a PPTP call id to the live session id.
 */
export class ParentingTracerProvider implements TracerProvider {
  readonly #inner: TracerProvider;
  readonly #spans: () => SessionSpans | undefined;
  readonly #sessionOfCall: (callId: number) => string | undefined;

  constructor(inner: TracerProvider, spans: () => SessionSpans | undefined, sessionOfCall: (callId: number) => string | undefined) {
    this.#inner = inner;
    this.#spans = spans;
    this.#sessionOfCall = sessionOfCall;
  }

  getTracer(name: string, version?: string, options?: { schemaUrl?: string }): Tracer {
    const inner = this.#inner.getTracer(name, version, options);
    const parentFor = (opts: SpanOptions | undefined, ctx: Context | undefined): Context | undefined => {
      const base = ctx ?? context.active();
      if (trace.getSpan(base) !== undefined) return ctx;
      const callId = opts?.attributes?.[AUTH_CALL_ID_ATTRIBUTE];
      if (typeof callId !== 'number') return ctx;
      const sid = this.#sessionOfCall(callId);
      return (sid !== undefined ? this.#spans()?.contextFor(sid) : undefined) ?? ctx;
    };
    return {
      startSpan: (n: string, opts?: SpanOptions, ctx?: Context) => inner.startSpan(n, opts, parentFor(opts, ctx)),
      startActiveSpan: ((n: string, ...rest: unknown[]) => {
        const fn = rest.pop() as (span: Span) => unknown;
        const opts = rest[0] as SpanOptions | undefined;
        const ctx = parentFor(opts, rest[1] as Context | undefined) ?? context.active();
        return inner.startActiveSpan(n, opts ?? {}, ctx, fn);
      }) as Tracer['startActiveSpan'],
    };
  }
}
