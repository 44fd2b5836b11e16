import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trace, context } from '@opentelemetry/api';
import { pino } from 'pino';
import { runPlugin } from '../../../auth-plugins/run-plugin.js';
import type { AuthPlugin, PluginContext } from '../../../auth-plugins/plugin.js';
import { pap, request } from './fixtures.js';

const stepCtx = (timeoutMs: number) => ({ tracer: trace.getTracer('t'), parent: context.active(), logger: pino({ level: 'silent' }), timeoutMs });

test('a plugin that reads its signal only after the deadline still sees it aborted', async () => {
  let kept: PluginContext | undefined;
  const plugin: AuthPlugin = { name: 'late', kind: 'fake', handle: (_req, ctx) => { kept = ctx; return new Promise(() => {}); } };
  const step = await runPlugin({ plugin }, request(pap('pw')), stepCtx(20));
  assert.equal(step.type, 'timeout');
  assert.equal(kept?.signal.aborted, true);
  assert.match(String((kept?.signal.reason as Error).message), /late timed out/);
});

test('a plugin that answers in time gets a live signal, the same object on every read', async () => {
  let ctxSeen: PluginContext | undefined;
  const plugin: AuthPlugin = { name: 'quick', kind: 'fake', handle: async (_req, ctx) => { ctxSeen = ctx; return { type: 'pass' }; } };
  const step = await runPlugin({ plugin }, request(pap('pw')), stepCtx(1000));
  assert.deepEqual(step, { type: 'outcome', outcome: { type: 'pass' } });
  assert.equal(ctxSeen?.signal.aborted, false);
  assert.equal(ctxSeen?.signal, ctxSeen?.signal);
});
