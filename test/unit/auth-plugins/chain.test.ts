import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { AuthChain } from '../../../auth-plugins/chain.js';
import { createRewriteDomain } from '../../../auth-plugins/rewrite-domain/plugin.js';
import { PptpdError } from '../../../server/errors.js';
import { fakePlugin, memoryLog, mschapV2, pap, request, secretPlugin } from './fixtures.js';

const rewriter = (opts: Partial<Parameters<typeof createRewriteDomain>[0]> = {}) =>
  createRewriteDomain({ mode: 'strip', forms: ['netbios', 'upn'], realms: {}, unknownRealm: 'continue', ...opts });

test('first definitive verdict wins; later plugins are not asked', async () => {
  const a = fakePlugin('a', () => ({ type: 'pass' }));
  const b = fakePlugin('b', () => ({ type: 'accept', attributes: { sessionTimeout: 60 } }));
  const c = fakePlugin('c', () => ({ type: 'reject', reason: 'never' }));
  const chain = new AuthChain({ entries: [a, b, c], throttle: false });
  const r = await chain.authenticate(request(pap('x')));
  assert.equal(r.verdict, 'accept');
  assert.equal(r.verdict === 'accept' && r.plugin, 'b');
  assert.equal(r.verdict === 'accept' && r.attributes.sessionTimeout, 60);
  assert.equal(a.seen.length, 1);
  assert.equal(c.seen.length, 0);
});

test('a reject stops the chain with its reason and MS-CHAP error 691 by default', async () => {
  const a = fakePlugin('a', () => ({ type: 'reject', reason: 'account disabled', mschapError: 647 }));
  const b = secretPlugin('b', 'x');
  const chain = new AuthChain({ entries: [a, b], throttle: false });
  const r = await chain.authenticate(request(pap('x')));
  assert.deepEqual(r, { verdict: 'reject', reason: 'account disabled', mschapError: 647, plugin: 'a' });
  assert.equal(b.seen.length, 0);
  const d = new AuthChain({ entries: [fakePlugin('d', () => ({ type: 'reject', reason: 'no' }))], throttle: false });
  const r2 = await d.authenticate(request(pap('x')));
  assert.equal(r2.verdict === 'reject' && r2.mschapError, 691);
});

test('all pass → reject "no plugin could authenticate <user>"', async () => {
  const chain = new AuthChain({ entries: [fakePlugin('a', () => ({ type: 'pass' })), fakePlugin('b', () => ({ type: 'pass' }))], throttle: false });
  const r = await chain.authenticate(request(pap('x'), { peerName: 'mallory' }));
  assert.equal(r.verdict, 'reject');
  assert.equal(r.verdict === 'reject' && r.reason, 'no plugin could authenticate mallory');
  assert.equal(r.plugin, undefined);
});

test('an empty chain rejects', async () => {
  const r = await new AuthChain({ entries: [], throttle: false }).authenticate(request(pap('x')));
  assert.equal(r.verdict, 'reject');
});

test('a secret is verified locally: right → accept with keys, wrong → reject, cannot-verify → next', async () => {
  const creds = mschapV2('alice', 'pw');
  const good = new AuthChain({ entries: [secretPlugin('s', 'pw')], throttle: false });
  const r = await good.authenticate(request(creds));
  assert.equal(r.verdict, 'accept');
  if (r.verdict === 'accept') {
    assert.equal(r.userName, 'alice');
    assert.match(r.authenticatorResponse ?? '', /^S=[0-9A-F]{40}$/);
    assert.equal(r.mppeKeys?.sendKey.length, 16);
    assert.equal(r.plugin, 's');
  }
  const bad = new AuthChain({ entries: [secretPlugin('s', 'nope'), secretPlugin('t', 'pw')], throttle: false });
  const r2 = await bad.authenticate(request(creds));
  assert.equal(r2.verdict, 'reject', 'a wrong secret is definitive: t is not asked');
  assert.equal(r2.plugin, 's');
  assert.match(r2.verdict === 'reject' ? r2.reason : '', /authentication failed for alice/);

  // CHAP-MD5 cannot be checked against an NT hash: the chain moves on.
  const { chapMd5Response, ntPasswordHash } = await import('../../../server/crypto/mschap.js');
  const challenge = Buffer.alloc(16, 1);
  const md5 = { method: 'chap-md5', identifier: 3, challenge, response: chapMd5Response(3, 'pw', challenge) } as const;
  const ntSource = fakePlugin('ldap-like', () => ({ type: 'secret', secret: { kind: 'nt-hash', hash: ntPasswordHash('pw') } }));
  const clear = secretPlugin('file', 'pw');
  const r3 = await new AuthChain({ entries: [ntSource, clear], throttle: false }).authenticate(request(md5));
  assert.equal(r3.verdict, 'accept');
  assert.equal(r3.plugin, 'file');
  assert.equal(clear.seen.length, 1);
});

test('a rewrite changes userName for later plugins but never peerName or credentials', async () => {
  const creds = pap('pw');
  const sneaky = fakePlugin('sneaky', (req) => ({
    type: 'rewrite',
    request: { ...req, userName: 'alice', peerName: 'forged', credentials: pap('other') },
  }));
  const after = fakePlugin('after', () => ({ type: 'pass' }));
  const chain = new AuthChain({ entries: [sneaky, after, secretPlugin('s', 'pw')], throttle: false });
  const r = await chain.authenticate(request(creds, { peerName: 'CORP\\alice' }));
  assert.equal(r.verdict, 'accept');
  assert.equal(r.verdict === 'accept' && r.userName, 'alice');
  assert.equal(after.seen[0]?.peerName, 'CORP\\alice');
  assert.equal(after.seen[0]?.userName, 'alice');
  assert.deepEqual(after.seen[0]?.credentials, creds);
});

test('a realm routes into its branch, which replaces the rest of the chain', async () => {
  const corp = secretPlugin('corp-src', 'pw');
  const isp = fakePlugin('isp-radius', () => ({ type: 'accept', userName: 'bob@isp.example' }));
  const rest = secretPlugin('local', 'pw');
  const chain = new AuthChain({
    entries: [rewriter({ realms: { CORP: 'corp', 'isp.example': 'isp' } }), rest],
    branches: { corp: [corp], isp: [isp] },
    throttle: false,
  });
  const r1 = await chain.authenticate(request(pap('pw'), { peerName: 'corp\\alice' }));
  assert.equal(r1.verdict === 'accept' && r1.plugin, 'corp-src');
  assert.equal(corp.seen[0]?.userName, 'alice');
  assert.equal(corp.seen[0]?.realm, 'corp');
  const r2 = await chain.authenticate(request(pap('pw'), { peerName: 'bob@isp.example' }));
  assert.equal(r2.verdict === 'accept' && r2.userName, 'bob@isp.example');
  assert.equal(rest.seen.length, 0, 'routed realms never reach the main chain again');
  // No realm: the main chain goes on.
  const r3 = await chain.authenticate(request(pap('pw'), { peerName: 'carol' }));
  assert.equal(r3.verdict === 'accept' && r3.plugin, 'local');
  // A branch where everyone passes rejects.
  const empty = new AuthChain({
    entries: [rewriter({ realms: { corp: 'corp' } }), secretPlugin('local', 'pw')],
    branches: { corp: [fakePlugin('p', () => ({ type: 'pass' }))] },
    throttle: false,
  });
  const r4 = await empty.authenticate(request(pap('pw'), { peerName: 'CORP\\alice' }));
  assert.equal(r4.verdict === 'reject' && r4.reason, 'no plugin could authenticate alice');
});

test('build-time checks: unknown branch target, duplicate names', () => {
  assert.throws(
    () => new AuthChain({ entries: [rewriter({ realms: { corp: 'missing' } })], throttle: false }),
    (e: unknown) => e instanceof PptpdError && /branch "missing"/.test(e.message),
  );
  assert.throws(
    () => new AuthChain({ entries: [secretPlugin('x', 'a'), secretPlugin('x', 'b')], throttle: false }),
    (e: unknown) => e instanceof PptpdError && /two plugins are named "x"/.test(e.message),
  );
});

test('a branch loop is cut after a bounded number of hops', async () => {
  const loop = fakePlugin('loop', (req) => ({ type: 'rewrite', request: req, branch: 'b' }), { branchTargets: ['b'] });
  const chain = new AuthChain({ entries: [loop], branches: { b: [loop] }, throttle: false });
  const r = await chain.authenticate(request(pap('x')));
  assert.equal(r.verdict, 'reject');
  assert.match(r.verdict === 'reject' ? r.reason : '', /branch loop/);
  assert.equal(loop.seen.length, 9);
});

test('a slow plugin times out, is aborted, and the chain moves on', async () => {
  let aborted = false;
  const slow = fakePlugin(
    'slow',
    (_req, signal) =>
      new Promise((resolve) => {
        const t = setTimeout(() => resolve({ type: 'accept' }), 5_000);
        signal.addEventListener('abort', () => {
          aborted = true;
          clearTimeout(t);
        });
      }),
  );
  const chain = new AuthChain({ entries: [{ plugin: slow, timeoutMs: 30 }, secretPlugin('file', 'pw')], throttle: false });
  const t0 = performance.now();
  const r = await chain.authenticate(request(pap('pw')));
  const ms = performance.now() - t0;
  assert.equal(r.verdict === 'accept' && r.plugin, 'file');
  assert.ok(ms < 1_000, `took ${ms} ms`);
  assert.ok(aborted, 'the slow plugin saw its signal abort');
});

test('onError: reject fails the attempt on timeout or throw; default pass goes on', async () => {
  const hang = fakePlugin('hang', () => new Promise(() => {}));
  const r = await new AuthChain({ entries: [{ plugin: hang, timeoutMs: 20, onError: 'reject' }, secretPlugin('f', 'pw')], throttle: false }).authenticate(
    request(pap('pw')),
  );
  assert.equal(r.verdict, 'reject');
  assert.match(r.verdict === 'reject' ? r.reason : '', /hang timed out/);
  const boom = fakePlugin('boom', () => {
    throw new Error('connection refused');
  });
  const r2 = await new AuthChain({ entries: [boom, secretPlugin('f', 'pw')], throttle: false }).authenticate(request(pap('pw')));
  assert.equal(r2.verdict === 'accept' && r2.plugin, 'f');
  const r3 = await new AuthChain({ entries: [{ plugin: boom, onError: 'reject' }], throttle: false }).authenticate(request(pap('pw')));
  assert.match(r3.verdict === 'reject' ? r3.reason : '', /boom failed/);
  // The chain-wide default applies to plugins without their own timeout.
  const t0 = performance.now();
  const r4 = await new AuthChain({ entries: [hang], timeoutMs: 25, throttle: false }).authenticate(request(pap('pw')));
  assert.equal(r4.verdict, 'reject');
  assert.ok(performance.now() - t0 < 1_000);
});

test('logs say accepted/rejected with names and reasons, never the password', async () => {
  const log = memoryLog();
  const logger = pino({ level: 'debug' }, log.stream);
  const chain = new AuthChain({ entries: [secretPlugin('file', 'Tr0ub4dor&3')], logger, throttle: false });
  await chain.authenticate(request(pap('Tr0ub4dor&3'), { peerName: 'alice' }));
  await chain.authenticate(request(pap('Tr0ub4dor&4'), { peerName: 'alice' }));
  const all = log.lines.join('');
  assert.match(all, /auth accepted/);
  assert.match(all, /auth rejected/);
  assert.doesNotMatch(all, /Tr0ub4dor/);
});
