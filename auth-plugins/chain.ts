// The authentication chain: the one Authenticator PPP calls.
//
// Rules of one attempt:
//  1. A throttled user or source address is rejected at once (throttle.ts).
//  2. Plugins run in order, each under its own deadline and child span.
//     'rewrite' changes the request for the rest (and may jump into a named
//     branch, which replaces the rest of the current list); 'secret' is
//     verified locally (verify-local.ts); 'accept'/'reject' end the attempt;
//     'pass', 'cannot-verify' and (by default) errors and timeouts go on.
//  3. The first definitive verdict wins; if none, the attempt is rejected with
//     "no plugin could authenticate <user>".
// Secrets never reach a log line, a span attribute or an error message here:
// only names, outcomes, reasons written by plugins and timings do.

import { context, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import { pino, type Logger } from 'pino';
import { ErrorCode, PptpdError } from '../server/errors.js';
import type { AuthPlugin, ChainEntry, PluginOutcome } from './plugin.js';
import { runPlugin, type StepOutcome } from './run-plugin.js';
import { lazyChild } from './lazy-logger.js';
import { Throttle, type ThrottleOptions } from './throttle.js';
import type { AuthRequest, AuthResult, Authenticator } from './types.js';

export const DEFAULT_PLUGIN_TIMEOUT_MS = 10_000;
/** Branches may lead to branches; this bounds a misconfigured loop. */
export const MAX_BRANCH_HOPS = 8;
/** MS-CHAP "authentication failure" (RFC 2759 §6: E=691). */
export const MSCHAP_ERROR_AUTH_FAILURE = 691;

export interface AuthChainOptions {
  /** The main chain, in order. */
  readonly entries: readonly (ChainEntry | AuthPlugin)[];
  /** Named sub-chains a rewriter can route to. */
  readonly branches?: Readonly<Record<string, readonly (ChainEntry | AuthPlugin)[]>>;
  readonly logger?: Logger;
  readonly tracer?: Tracer;
  /** A Throttle (shared or pre-built), its options, or false to disable. Default: default limits. */
  readonly throttle?: Throttle | ThrottleOptions | false;
  /** Deadline for a plugin without its own timeoutMs. */
  readonly timeoutMs?: number;
}

export class AuthChain implements Authenticator {
  readonly #entries: readonly ChainEntry[];
  readonly #branches: ReadonlyMap<string, readonly ChainEntry[]>;
  readonly #logger: Logger;
  readonly #tracer: Tracer;
  readonly #throttle: Throttle | undefined;
  readonly #ownsThrottle: boolean;
  readonly #timeoutMs: number;

  constructor(options: AuthChainOptions) {
    this.#logger = options.logger ?? pino({ level: 'silent' });
    this.#tracer = options.tracer ?? trace.getTracer('pptpd-ts');
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_PLUGIN_TIMEOUT_MS;
    this.#entries = options.entries.map(toEntry);
    this.#branches = new Map(Object.entries(options.branches ?? {}).map(([k, v]) => [k, v.map(toEntry)]));
    if (options.throttle instanceof Throttle) {
      this.#throttle = options.throttle;
      this.#ownsThrottle = false;
    } else {
      this.#throttle = options.throttle === false ? undefined : new Throttle(options.throttle ?? {}, this.#logger);
      this.#ownsThrottle = true;
    }
    this.#checkNames();
  }

  /** Every plugin in the main chain and the branches (each once). */
  get plugins(): AuthPlugin[] {
    const all = [...this.#entries, ...[...this.#branches.values()].flat()].map((e) => e.plugin);
    return [...new Set(all)];
  }

  get throttle(): Throttle | undefined {
    return this.#throttle;
  }

  /** Runs every plugin's init (load files, connect). */
  async init(): Promise<void> {
    for (const p of this.plugins) await p.init?.();
  }

  async close(): Promise<void> {
    for (const p of this.plugins) await p.close?.();
    if (this.#ownsThrottle) this.#throttle?.close();
  }

  async authenticate(req: AuthRequest): Promise<AuthResult> {
    const started = performance.now();
    const span = this.#tracer.startSpan('pptpd.auth', {
      attributes: {
        'pptpd.auth.method': req.credentials.method,
        'pptpd.auth.peer_name': req.peerName,
        'pptpd.auth.peer_address': req.peerAddress,
        'pptpd.auth.call_id': req.callId,
      },
    });
    const log = lazyChild(this.#logger, { peerName: req.peerName, peerAddress: req.peerAddress, callId: req.callId, method: req.credentials.method });
    try {
      const gate = this.#throttle?.check(req);
      if (gate?.throttled) {
        span.setAttribute('pptpd.auth.throttled', gate.scope);
        const reason = `throttled: too many failed logins for ${gate.scope} ${gate.key}, retry in ${gate.retryAfterSeconds} s`;
        return this.#finish(span, log, started, { verdict: 'reject', reason, mschapError: MSCHAP_ERROR_AUTH_FAILURE }, req);
      }
      const result = await this.#walk(req, span, log);
      if (result.verdict === 'accept') this.#throttle?.recordSuccess(req);
      else this.#throttle?.recordFailure(req);
      return this.#finish(span, log, started, result, req);
    } catch (err) {
      // A bug in the chain itself: fail closed, never throw into PPP.
      span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(err) });
      log.error({ err: errorMessage(err) }, 'auth chain failed');
      const result: AuthResult = { verdict: 'reject', reason: 'internal error in the auth chain', mschapError: MSCHAP_ERROR_AUTH_FAILURE };
      return this.#finish(span, log, started, result, req);
    } finally {
      span.end();
    }
  }

  async #walk(original: AuthRequest, span: Span, log: Logger): Promise<AuthResult> {
    const parent = trace.setSpan(context.active(), span);
    let list = this.#entries;
    let req = original;
    let hops = 0;
    for (let i = 0; i < list.length; i++) {
      const entry = list[i]!;
      const step = await runPlugin(entry, req, { tracer: this.#tracer, parent, logger: log, timeoutMs: entry.timeoutMs ?? this.#timeoutMs });
      const verdict = this.#interpret(step, entry, req, original);
      if (verdict.kind === 'final') return verdict.result;
      if (verdict.kind === 'rewrite') {
        req = verdict.request;
        span.setAttribute('pptpd.auth.user_name', req.userName);
        if (verdict.branch !== undefined) {
          if (++hops > MAX_BRANCH_HOPS) {
            return { verdict: 'reject', reason: `branch loop: more than ${MAX_BRANCH_HOPS} hops`, mschapError: MSCHAP_ERROR_AUTH_FAILURE };
          }
          const next = this.#branches.get(verdict.branch);
          if (next === undefined) {
            return { verdict: 'reject', reason: `unknown branch ${verdict.branch}`, plugin: entry.plugin.name, mschapError: MSCHAP_ERROR_AUTH_FAILURE };
          }
          log.debug({ branch: verdict.branch, userName: req.userName }, 'auth continues in branch');
          list = next;
          i = -1;
        }
      }
    }
    return { verdict: 'reject', reason: `no plugin could authenticate ${req.userName}`, mschapError: MSCHAP_ERROR_AUTH_FAILURE };
  }

  #interpret(
    step: StepOutcome,
    entry: ChainEntry,
    req: AuthRequest,
    original: AuthRequest,
  ): { kind: 'final'; result: AuthResult } | { kind: 'rewrite'; request: AuthRequest; branch?: string } | { kind: 'next' } {
    const name = entry.plugin.name;
    switch (step.type) {
      case 'error':
      case 'timeout':
        if (entry.onError === 'reject') {
          return final({ verdict: 'reject', reason: `plugin ${name} ${step.type === 'timeout' ? 'timed out' : 'failed'}`, plugin: name, mschapError: MSCHAP_ERROR_AUTH_FAILURE });
        }
        return { kind: 'next' };
      case 'cannot-verify':
        return { kind: 'next' };
      case 'verified':
        return final({
          verdict: 'accept',
          userName: req.userName,
          ...(step.local.authenticatorResponse !== undefined ? { authenticatorResponse: step.local.authenticatorResponse } : {}),
          ...(step.local.mppeKeys !== undefined ? { mppeKeys: step.local.mppeKeys } : {}),
          attributes: step.attributes ?? {},
          plugin: name,
        });
      case 'mismatch':
        return final({ verdict: 'reject', reason: `authentication failed for ${req.userName}: ${step.reason}`, plugin: name, mschapError: MSCHAP_ERROR_AUTH_FAILURE });
      case 'outcome':
        return fromOutcome(step.outcome, name, req, original);
    }
  }

  #finish(span: Span, log: Logger, started: number, result: AuthResult, req: AuthRequest): AuthResult {
    const ms = Math.round((performance.now() - started) * 1000) / 1000;
    span.setAttribute('pptpd.auth.verdict', result.verdict);
    if (result.plugin !== undefined) span.setAttribute('pptpd.auth.plugin', result.plugin);
    if (result.verdict === 'accept') {
      span.setAttribute('pptpd.auth.user_name', result.userName);
      log.info({ userName: result.userName, plugin: result.plugin, ms }, 'auth accepted');
    } else {
      span.setAttribute('pptpd.auth.reason', result.reason);
      log.info({ userName: req.userName, plugin: result.plugin, reason: result.reason, ms }, 'auth rejected');
    }
    return result;
  }

  #checkNames(): void {
    const seen = new Map<string, AuthPlugin>();
    for (const p of this.plugins) {
      const other = seen.get(p.name);
      if (other !== undefined && other !== p) {
        throw new PptpdError(ErrorCode.CONFIG_INVALID, `auth chain: two plugins are named "${p.name}"; give one a distinct name`);
      }
      seen.set(p.name, p);
      for (const b of p.branchTargets ?? []) {
        if (!this.#branches.has(b)) {
          throw new PptpdError(ErrorCode.CONFIG_INVALID, `auth chain: plugin "${p.name}" routes to branch "${b}", which is not defined`);
        }
      }
    }
  }
}

function fromOutcome(
  o: PluginOutcome,
  name: string,
  req: AuthRequest,
  original: AuthRequest,
): { kind: 'final'; result: AuthResult } | { kind: 'rewrite'; request: AuthRequest; branch?: string } | { kind: 'next' } {
  switch (o.type) {
    case 'accept':
      return final({
        verdict: 'accept',
        userName: o.userName ?? req.userName,
        ...(o.authenticatorResponse !== undefined ? { authenticatorResponse: o.authenticatorResponse } : {}),
        ...(o.mppeKeys !== undefined ? { mppeKeys: o.mppeKeys } : {}),
        attributes: o.attributes ?? {},
        plugin: name,
      });
    case 'reject':
      return final({
        verdict: 'reject',
        reason: o.reason,
        mschapError: o.mschapError ?? MSCHAP_ERROR_AUTH_FAILURE,
        ...(o.replyMessage !== undefined ? { replyMessage: o.replyMessage } : {}),
        plugin: name,
      });
    case 'rewrite': {
      // A rewriter changes names only: what the peer sent stays as sent.
      const request: AuthRequest = { ...o.request, peerName: original.peerName, credentials: original.credentials };
      return o.branch !== undefined ? { kind: 'rewrite', request, branch: o.branch } : { kind: 'rewrite', request };
    }
    case 'secret': // run-plugin verifies secrets; never reaches here
    case 'pass':
      return { kind: 'next' };
  }
}

function final(result: AuthResult): { kind: 'final'; result: AuthResult } {
  return { kind: 'final', result };
}

function toEntry(x: ChainEntry | AuthPlugin): ChainEntry {
  return 'handle' in x ? { plugin: x } : x;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
