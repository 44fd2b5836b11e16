// One step of the chain: call one plugin under its deadline inside its own
// child span, and verify a returned secret locally. The span records the
// plugin's name, kind, outcome and latency — never the secret, the peer's
// response or any key.

import { SpanStatusCode, type Context, type Tracer } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { lazyChild } from './lazy-logger.js';
import type { ChainEntry, PluginContext, PluginOutcome } from './plugin.js';
import type { AuthRequest, SessionAttributes } from './types.js';
import { verifyLocal, type LocalVerdict } from './verify-local.js';

export type StepOutcome =
  | { readonly type: 'outcome'; readonly outcome: Exclude<PluginOutcome, { type: 'secret' }> }
  | {
      readonly type: 'verified';
      readonly local: Extract<LocalVerdict, { status: 'ok' }>;
      readonly attributes?: SessionAttributes;
      readonly source?: string;
    }
  | { readonly type: 'mismatch'; readonly reason: string; readonly source?: string }
  | { readonly type: 'cannot-verify'; readonly reason: string; readonly source?: string }
  | { readonly type: 'error'; readonly message: string }
  | { readonly type: 'timeout' };

export interface StepContext {
  readonly tracer: Tracer;
  /** Context holding the attempt's span, so the plugin span is its child. */
  readonly parent: Context;
  readonly logger: Logger;
  readonly timeoutMs: number;
}

/** The span outcome attribute: one word per way a step can end. */
export function outcomeLabel(step: StepOutcome): string {
  switch (step.type) {
    case 'outcome':
      return step.outcome.type;
    case 'verified':
      return 'accept';
    case 'mismatch':
      return 'reject';
    default:
      return step.type;
  }
}

export async function runPlugin(entry: ChainEntry, req: AuthRequest, ctx: StepContext): Promise<StepOutcome> {
  const { plugin } = entry;
  const span = ctx.tracer.startSpan(
    `pptpd.auth.plugin ${plugin.name}`,
    { attributes: { 'pptpd.auth.plugin.name': plugin.name, 'pptpd.auth.plugin.kind': plugin.kind } },
    ctx.parent,
  );
  const log = lazyChild(ctx.logger, { plugin: plugin.name });
  const started = performance.now();
  let step: StepOutcome;
  try {
    step = await callWithDeadline(entry, req, log, ctx.timeoutMs);
  } catch (err) {
    step = { type: 'error', message: err instanceof Error ? err.message : String(err) };
  }
  const latency = performance.now() - started;
  span.setAttribute('pptpd.auth.plugin.outcome', outcomeLabel(step));
  span.setAttribute('pptpd.auth.plugin.latency_ms', Math.round(latency * 1000) / 1000);
  switch (step.type) {
    case 'outcome':
      if (step.outcome.type === 'pass' && step.outcome.reason !== undefined) span.setAttribute('pptpd.auth.plugin.reason', step.outcome.reason);
      if (step.outcome.type === 'reject') span.setAttribute('pptpd.auth.plugin.reason', step.outcome.reason);
      if (step.outcome.type === 'rewrite') span.setAttribute('pptpd.auth.plugin.user_name', step.outcome.request.userName);
      log.debug({ outcome: step.outcome.type, ms: latency }, 'plugin answered');
      break;
    case 'mismatch':
    case 'cannot-verify':
      span.setAttribute('pptpd.auth.plugin.reason', step.reason);
      if (step.source !== undefined) span.setAttribute('pptpd.auth.plugin.source', step.source);
      log.debug({ outcome: step.type, reason: step.reason, source: step.source, ms: latency }, 'plugin answered');
      break;
    case 'error':
      span.setStatus({ code: SpanStatusCode.ERROR, message: step.message });
      log.warn({ err: step.message, ms: latency }, 'plugin failed');
      break;
    case 'timeout':
      span.setStatus({ code: SpanStatusCode.ERROR, message: `timed out after ${ctx.timeoutMs} ms` });
      log.warn({ timeoutMs: ctx.timeoutMs }, 'plugin timed out');
      break;
    case 'verified':
      if (step.source !== undefined) span.setAttribute('pptpd.auth.plugin.source', step.source);
      log.debug({ outcome: 'accept', source: step.source, ms: latency }, 'plugin answered');
      break;
  }
  span.end();
  return step;
}

async function callWithDeadline(entry: ChainEntry, req: AuthRequest, logger: Logger, timeoutMs: number): Promise<StepOutcome> {
  // The AbortController is made when a plugin first reads ctx.signal: local sources
  // (chap-secrets) never do, and one per step per attempt is not free.
  let abort: AbortController | undefined;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const ctx: PluginContext = {
    get signal(): AbortSignal {
      return (abort ??= new AbortController()).signal;
    },
    logger,
  };
  try {
    const outcome = await Promise.race([entry.plugin.handle(req, ctx), deadline]);
    if (outcome === 'timeout') {
      (abort ??= new AbortController()).abort(new Error(`plugin ${entry.plugin.name} timed out`)); // also for a late reader
      return { type: 'timeout' };
    }
    if (outcome.type !== 'secret') return { type: 'outcome', outcome };
    const local = verifyLocal(req, outcome.secret);
    const source = outcome.source !== undefined ? { source: outcome.source } : {};
    if (local.status === 'ok') {
      return { type: 'verified', local, ...source, ...(outcome.attributes !== undefined ? { attributes: outcome.attributes } : {}) };
    }
    return { type: local.status, reason: local.reason, ...source };
  } finally {
    clearTimeout(timer);
  }
}
