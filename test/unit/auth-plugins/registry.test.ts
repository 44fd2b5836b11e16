import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { z } from 'zod';
import { buildAuthChain, createDefaultRegistry } from '../../../auth-plugins/build.js';
import { PluginRegistry } from '../../../auth-plugins/registry.js';
import { PptpdError } from '../../../server/errors.js';
import { fakePlugin, mschapV2, pap, request } from './fixtures.js';

const silent = pino({ level: 'silent' });

function configError(pattern: RegExp) {
  return (e: unknown) => e instanceof PptpdError && e.code === 'PPTPD_ERR_CONFIG_INVALID' && pattern.test(e.message);
}

test('registry: scheme → configured instance with validated options and common keys', () => {
  const seen: unknown[] = [];
  const reg = new PluginRegistry().register({
    kind: 'static',
    description: 'test',
    options: z.strictObject({ answer: z.enum(['accept', 'reject']), secret: z.string().optional() }),
    create: (opts, deps) => {
      seen.push(opts);
      return fakePlugin(deps.name, () => (opts.answer === 'accept' ? { type: 'accept' } : { type: 'reject', reason: 'static' }));
    },
  });
  const e = reg.create({ plugin: 'static', name: 'yes', timeoutMs: 50, onError: 'reject', answer: 'accept' }, 'auth.chain[0]', silent);
  assert.equal(e.plugin.name, 'yes');
  assert.equal(e.timeoutMs, 50);
  assert.equal(e.onError, 'reject');
  assert.deepEqual(seen[0], { answer: 'accept' }, 'common keys are not passed to the scheme');
  assert.equal(reg.create({ plugin: 'static', answer: 'reject' }, 'x', silent).plugin.name, 'static', 'name defaults to the kind');

  assert.throws(() => reg.create({ plugin: 'nope' }, 'auth.chain[1]', silent), configError(/auth\.chain\[1\]: unknown auth plugin "nope" \(known: static\)/));
  assert.throws(() => reg.create({ plugin: 'static', answer: 'maybe' }, 'auth.chain[2]', silent), configError(/auth\.chain\[2\] \(static\): answer:/));
  assert.throws(() => reg.create({ plugin: 'static', answer: 'accept', typo: 1 }, 'auth.chain[3]', silent), configError(/typo/));
  assert.throws(() => reg.create({ plugin: 'static', answer: 'accept', timeoutMs: -1 }, 'auth.chain[4]', silent), configError(/timeoutMs/));
  assert.throws(() => reg.create('chap-secrets', 'auth.chain[5]', silent), configError(/auth\.chain\[5\]/));
  // A bad option value is not echoed in the message.
  assert.throws(
    () => reg.create({ plugin: 'static', answer: 'accept', secret: 12345678 }, 'auth.chain[6]', silent),
    (e: unknown) => e instanceof PptpdError && !e.message.includes('12345678'),
  );
  assert.throws(() => reg.register({ kind: 'static', description: '', options: z.object({}), create: () => fakePlugin('x', () => ({ type: 'pass' })) }));
  assert.deepEqual(createDefaultRegistry().kinds().sort(), ['chap-secrets', 'ldap', 'radius', 'rewrite-domain']);
});

test('buildAuthChain: YAML-shaped config with a branch, init loads the file', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'pptpd-build-'));
  try {
    const corp = path.join(dir, 'corp-secrets');
    const local = path.join(dir, 'chap-secrets');
    await writeFile(corp, 'alice * corp-pw 10.8.1.5\n');
    await writeFile(local, 'alice pptpd local-pw *\n');
    const chain = await buildAuthChain(
      {
        timeoutMs: 2000,
        throttle: { user: { maxFailures: 3, windowSeconds: 60, lockoutSeconds: 60 } },
        chain: [
          { plugin: 'rewrite-domain', realms: { corp: 'corp' } },
          { plugin: 'chap-secrets', name: 'local', file: local, watch: false },
        ],
        branches: { corp: [{ plugin: 'chap-secrets', name: 'corp-file', file: corp, watch: false, sessionTimeout: 28800 }] },
      },
      { logger: silent },
    );
    try {
      const r1 = await chain.authenticate(request(mschapV2('CORP\\alice', 'corp-pw'), { peerName: 'CORP\\alice' }));
      assert.equal(r1.verdict, 'accept');
      if (r1.verdict === 'accept') {
        assert.equal(r1.plugin, 'corp-file');
        assert.equal(r1.attributes.framedIpAddress, '10.8.1.5');
        assert.equal(r1.attributes.sessionTimeout, 28800);
      }
      const r2 = await chain.authenticate(request(pap('local-pw'), { peerName: 'alice' }));
      assert.equal(r2.verdict === 'accept' && r2.plugin, 'local');
      assert.deepEqual(chain.plugins.map((p) => p.name), ['rewrite-domain', 'local', 'corp-file']);
    } finally {
      await chain.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('buildAuthChain: config errors name the entry', async () => {
  await assert.rejects(buildAuthChain({ chain: [] }), configError(/auth\.chain:/));
  await assert.rejects(buildAuthChain({ chain: [{ plugin: 'chap-secrets', file: 5 }] }), configError(/auth\.chain\[0\] \(chap-secrets\): file/));
  await assert.rejects(
    buildAuthChain({ chain: [{ plugin: 'rewrite-domain' }], branches: { b: [{ plugin: 'nosuch' }] } }),
    configError(/auth\.branches\.b\[0\]: unknown auth plugin "nosuch"/),
  );
  await assert.rejects(
    buildAuthChain({ chain: [{ plugin: 'rewrite-domain', realms: { corp: 'nowhere' } }] }),
    configError(/branch "nowhere"/),
  );
  await assert.rejects(
    buildAuthChain({ chain: [{ plugin: 'chap-secrets', file: '/nonexistent/pptpd-test/chap-secrets', watch: false }] }, { where: 'pptpd.yaml: auth' }),
    (e: unknown) => e instanceof PptpdError && e.code === 'PPTPD_ERR_CONFIG_IO',
  );
});

test('buildAuthChain: the short throttle form of config/schema-auth.ts, and 0 to turn it off', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'pptpd-build-'));
  try {
    const file = path.join(dir, 'chap-secrets');
    await writeFile(file, 'alice * pw *\n');
    const entry = { plugin: 'chap-secrets', file, watch: false };
    const on = await buildAuthChain({ chain: [entry], throttle: { maxFailures: 2, window: 60, lockout: 300 } });
    try {
      await on.authenticate(request(pap('bad'), { peerName: 'alice' }));
      await on.authenticate(request(pap('bad'), { peerName: 'alice' }));
      const r = await on.authenticate(request(pap('pw'), { peerName: 'alice' }));
      assert.match(r.verdict === 'reject' ? r.reason : '', /^throttled/);
    } finally {
      await on.close();
    }
    const off = await buildAuthChain({ chain: [entry], throttle: { maxFailures: 0, window: 60, lockout: 300 } });
    try {
      assert.equal(off.throttle, undefined);
      for (let i = 0; i < 10; i++) await off.authenticate(request(pap('bad'), { peerName: 'alice' }));
      assert.equal((await off.authenticate(request(pap('pw'), { peerName: 'alice' }))).verdict, 'accept');
    } finally {
      await off.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
