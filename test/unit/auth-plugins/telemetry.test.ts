import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { pino } from 'pino';
import { AuthChain } from '../../../auth-plugins/chain.js';
import { createRewriteDomain } from '../../../auth-plugins/rewrite-domain/plugin.js';
import { ntPasswordHash } from '../../../server/crypto/mschap.js';
import { fakePlugin, memoryLog, memoryTracer, mschapV2, request, secretPlugin } from './fixtures.js';

function serialize(s: ReadableSpan): string {
  return JSON.stringify({ name: s.name, attributes: s.attributes, status: s.status, events: s.events, links: s.links });
}

test('one span per attempt with one child per plugin; no secret in any span or log line', async () => {
  const { exporter, provider } = memoryTracer();
  const log = memoryLog();
  const password = 'Corr3ct-Horse';
  const hash = ntPasswordHash(password);
  const rewrite = createRewriteDomain({ mode: 'strip', forms: ['netbios', 'upn'], realms: {}, unknownRealm: 'continue' });
  const passer = fakePlugin('ldap-down', () => ({ type: 'pass', reason: 'user not in directory' }));
  const ntSource = fakePlugin('nt', () => ({ type: 'secret', secret: { kind: 'nt-hash', hash } }));
  const chain = new AuthChain({
    entries: [rewrite, passer, ntSource],
    tracer: provider.getTracer('test'),
    logger: pino({ level: 'debug' }, log.stream),
    throttle: false,
  });
  const creds = mschapV2('CORP\\alice', password);
  const r = await chain.authenticate(request(creds, { peerName: 'CORP\\alice' }));
  assert.equal(r.verdict, 'accept');
  const wrong = mschapV2('CORP\\alice', 'not-it');
  const r2 = await chain.authenticate(request(wrong, { peerName: 'CORP\\alice' }));
  assert.equal(r2.verdict, 'reject');

  const spans = exporter.getFinishedSpans();
  const roots = spans.filter((s) => s.name === 'pptpd.auth');
  assert.equal(roots.length, 2);
  for (const root of roots) {
    assert.equal(root.parentSpanContext, undefined);
    const children = spans.filter((s) => s.parentSpanContext?.spanId === root.spanContext().spanId);
    assert.deepEqual(
      children.map((c) => c.attributes['pptpd.auth.plugin.name']),
      ['rewrite-domain', 'ldap-down', 'nt'],
    );
    for (const c of children) {
      assert.equal(typeof c.attributes['pptpd.auth.plugin.latency_ms'], 'number');
      assert.equal(c.spanContext().traceId, root.spanContext().traceId);
    }
    assert.deepEqual(
      children.map((c) => c.attributes['pptpd.auth.plugin.outcome']),
      ['rewrite', 'pass', root === roots[0] ? 'accept' : 'reject'],
    );
    assert.equal(root.attributes['pptpd.auth.peer_name'], 'CORP\\alice');
    assert.equal(root.attributes['pptpd.auth.user_name'], 'alice');
    assert.equal(root.attributes['pptpd.auth.method'], 'mschap-v2');
  }
  assert.equal(roots[0]!.attributes['pptpd.auth.verdict'], 'accept');
  assert.equal(roots[1]!.attributes['pptpd.auth.verdict'], 'reject');

  // Nothing secret anywhere: password, NT hash, keys, responses.
  const forbidden = [password, 'not-it', hash.toString('hex'), hash.toString('hex').toUpperCase(), hash.toString('base64')];
  if (r.verdict === 'accept') {
    forbidden.push(r.mppeKeys!.sendKey.toString('hex'), r.mppeKeys!.recvKey.toString('hex'), r.authenticatorResponse!.slice(2));
  }
  forbidden.push(creds.ntResponse.toString('hex'), wrong.ntResponse.toString('hex'));
  const text = spans.map(serialize).join('\n') + log.lines.join('');
  assert.ok(text.length > 500, 'something was recorded');
  for (const f of forbidden) assert.ok(!text.includes(f), `found a secret in spans/logs: ${f.slice(0, 4)}…`);
  await provider.shutdown();
});

test('timeouts and errors show on the plugin span as ERROR status', async () => {
  const { exporter, provider } = memoryTracer();
  const chain = new AuthChain({
    entries: [
      { plugin: fakePlugin('hang', () => new Promise(() => {})), timeoutMs: 20 },
      fakePlugin('boom', () => {
        throw new Error('socket closed');
      }),
      secretPlugin('file', 'pw'),
    ],
    tracer: provider.getTracer('test'),
    throttle: false,
  });
  const { pap } = await import('./fixtures.js');
  await chain.authenticate(request(pap('pw')));
  const byName = new Map(exporter.getFinishedSpans().map((s) => [s.attributes['pptpd.auth.plugin.name'] ?? s.name, s]));
  assert.equal(byName.get('hang')?.attributes['pptpd.auth.plugin.outcome'], 'timeout');
  assert.equal(byName.get('hang')?.status.code, 2);
  assert.equal(byName.get('boom')?.attributes['pptpd.auth.plugin.outcome'], 'error');
  assert.equal(byName.get('boom')?.status.message, 'socket closed');
  assert.equal(byName.get('file')?.attributes['pptpd.auth.plugin.outcome'], 'accept');
  await provider.shutdown();
});

test('a throttled attempt is one span with no plugin children', async () => {
  const { exporter, provider } = memoryTracer();
  const { pap } = await import('./fixtures.js');
  const chain = new AuthChain({
    entries: [secretPlugin('file', 'pw')],
    tracer: provider.getTracer('test'),
    throttle: { user: { maxFailures: 1, windowSeconds: 60, lockoutSeconds: 60 }, address: false },
  });
  await chain.authenticate(request(pap('bad')));
  exporter.reset();
  await chain.authenticate(request(pap('pw')));
  const spans = exporter.getFinishedSpans();
  assert.equal(spans.length, 1);
  assert.equal(spans[0]!.attributes['pptpd.auth.throttled'], 'user');
  await chain.close();
  await provider.shutdown();
});
