import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { ConfigSchema, defaultConfig, PLUGIN_KINDS } from '../../../config/schema.js';
import { AuthChainEntry, authRegistry, ENTRY_COMMON_KEYS } from '../../../config/schema-auth.js';
import { allKeyPaths, knownKeysAt } from '../../../config/schema-keys.js';
import { authConfigSchema, buildAuthChain } from '../../../auth-plugins/build.js';
import { PptpdError } from '../../../server/errors.js';
import { repoRoot } from '../../helpers/paths.js';

test('defaultConfig is a fixed point of the schema and a fresh object each time', () => {
  const a = defaultConfig();
  assert.deepEqual(ConfigSchema.parse(a), a);
  a.pool.remote.push('10.9.9.9');
  assert.deepEqual(defaultConfig().pool.remote, ['10.8.0.2-254']);
});

test('address lists accept a PoPToP string or a YAML list and come out as a list', () => {
  const c = ConfigSchema.parse({ pool: { local: '10.0.0.1', remote: '10.0.0.2-5,10.0.0.9' } });
  assert.deepEqual([c.pool.local, c.pool.remote], [['10.0.0.1'], ['10.0.0.2-5', '10.0.0.9']]);
  assert.deepEqual(ConfigSchema.parse({ pool: { remote: '' } }).pool.remote, []);
});

test('nested defaults apply inside a section given partially (prefault)', () => {
  const c = ConfigSchema.parse({ ppp: { mppe: { stateful: 'allow' } }, auth: { chain: [{ plugin: 'ldap', url: 'ldap://h', baseDn: 'dc=x' }] } });
  assert.deepEqual(c.ppp.mppe, { required: true, bits: [128], stateful: 'allow' });
  const ldap = c.auth.chain[0];
  assert.equal(ldap?.plugin, 'ldap');
  assert.deepEqual([ldap?.['filter'], (ldap?.['tls'] as { rejectUnauthorized?: boolean } | undefined)?.rejectUnauthorized, ldap?.['timeout']], ['(uid={user})', true, 5]);
});

test('a chain entry is its common keys plus exactly what its plugin scheme parses (defaults included)', () => {
  for (const kind of authRegistry.kinds()) {
    const minimal: Record<string, Record<string, unknown>> = {
      ldap: { url: 'ldap://127.0.0.1', baseDn: 'dc=x' },
      radius: { servers: [{ host: '127.0.0.1', secret: 'testing123' }] },
    };
    const options = minimal[kind] ?? {};
    const entry = AuthChainEntry.parse({ plugin: kind, name: `my-${kind}`, onError: 'reject', ...options });
    const fromScheme = authRegistry.scheme(kind)!.options.parse(options) as Record<string, unknown>;
    for (const k of ENTRY_COMMON_KEYS) delete fromScheme[k]; // a shadowed option is the common key
    assert.deepEqual(entry, { plugin: kind, name: `my-${kind}`, onError: 'reject', ...fromScheme }, kind);
  }
  assert.equal(defaultConfig().auth.chain[0]?.['file'], '/etc/ppp/chap-secrets');
});

test('config.auth is what buildAuthChain accepts: the server builds the chain from it as it is', async () => {
  const c = ConfigSchema.parse({
    auth: {
      timeoutMs: 2500,
      chain: [{ plugin: 'rewrite-domain', realms: { corp: 'corp' } }, { plugin: 'chap-secrets', file: '/nonexistent/cs', timeoutMs: 500, onError: 'reject' }],
      branches: { corp: [{ plugin: 'chap-secrets', name: 'corp-secrets', file: '/nonexistent/corp' }] },
      throttle: { maxFailures: 3 },
    },
  });
  assert.ok(authConfigSchema.safeParse(c.auth).success);
  assert.ok(authConfigSchema.safeParse(defaultConfig().auth).success);
  const chain = await buildAuthChain(c.auth, { init: false });
  try {
    assert.deepEqual(chain.plugins.map((p) => p.name), ['rewrite-domain', 'chap-secrets', 'corp-secrets']);
  } finally {
    await chain.close();
  }
});

test('auth.throttle: short form (with defaults), per-scope limits or false, each as the chain takes it', () => {
  const forms: [unknown, unknown][] = [
    [{ maxFailures: 3 }, { maxFailures: 3, window: 60, lockout: 300 }],
    [{ user: { maxFailures: 2, windowSeconds: 10, lockoutSeconds: 20 }, address: false }, { user: { maxFailures: 2, windowSeconds: 10, lockoutSeconds: 20 }, address: false }],
    [false, false],
  ];
  for (const [input, output] of forms) {
    const auth = ConfigSchema.parse({ auth: { throttle: input } }).auth;
    assert.deepEqual(auth.throttle, output);
    assert.ok(authConfigSchema.safeParse(auth).success, JSON.stringify(input));
  }
  for (const bad of [true, 5, { maxFailures: 3, user: false }, { user: { maxFailures: 1 } }, { window: 0 }]) {
    assert.ok(!ConfigSchema.safeParse({ auth: { throttle: bad } }).success, JSON.stringify(bad));
  }
  assert.deepEqual(knownKeysAt(['auth', 'throttle'], { auth: { throttle: { user: {} } } }), ['user', 'address']);
  assert.deepEqual(knownKeysAt(['auth', 'throttle', 'user'], { auth: { throttle: { user: {} } } }), ['maxFailures', 'windowSeconds', 'lockoutSeconds']);
  assert.deepEqual(knownKeysAt(['auth', 'throttle'], {}), ['maxFailures', 'window', 'lockout']);
});

test('no plugin scheme has an option named like a key every entry has (it could never be set)', () => {
  for (const kind of authRegistry.kinds()) {
    const options = authRegistry.scheme(kind)!.options as unknown as { shape?: Record<string, unknown> };
    const shadowed = Object.keys(options.shape ?? {}).filter((k) => ENTRY_COMMON_KEYS.includes(k));
    assert.deepEqual(shadowed, [], kind);
  }
});

test('what the plugins refuse, the schema refuses, on the same key', () => {
  const bad: [unknown, string][] = [
    [{ plugin: 'chap-secrets', debounceMs: -1 }, 'debounceMs'],
    [{ plugin: 'chap-secrets', timeoutMs: 0 }, 'timeoutMs'],
    [{ plugin: 'chap-secrets', onError: 'retry' }, 'onError'],
    [{ plugin: 'rewrite-domain', forms: [] }, 'forms'],
    [{ plugin: 'rewrite-domain', unknownRealm: 'drop' }, 'unknownRealm'],
    [{ plugin: 'chap-secrets', watch: 'yes', fiel: '/x' }, 'watch'],
    [{ plugin: 'nope' }, 'plugin'],
    [{ name: 'x' }, 'plugin'],
  ];
  for (const [entry, key] of bad) {
    const r = ConfigSchema.safeParse({ auth: { chain: [entry] } });
    assert.ok(!r.success, JSON.stringify(entry));
    assert.ok(r.error.issues.some((i) => i.path.join('.') === `auth.chain.0.${key}`), `${JSON.stringify(entry)}: ${JSON.stringify(r.error.issues)}`);
    assert.throws(() => authRegistry.create(entry, 'auth.chain[0]', pino({ level: 'silent' })), PptpdError, JSON.stringify(entry));
  }
  // Both problems of one entry come out of one pass (common key and plugin option).
  const both = ConfigSchema.safeParse({ auth: { chain: [{ plugin: 'chap-secrets', timeoutMs: -5, debounceMs: 'x' }] } });
  assert.deepEqual(both.error?.issues.map((i) => i.path.join('.')).sort(), ['auth.chain.0.debounceMs', 'auth.chain.0.timeoutMs']);
});

test('knownKeysAt follows the registry: common keys plus the plugin scheme\'s options', () => {
  const raw = { auth: { chain: [{ plugin: 'chap-secrets' }, { plugin: 'ldap' }, { plugin: 'nope' }], branches: { corp: [{ plugin: 'ldap' }] } } };
  const chap = knownKeysAt(['auth', 'chain', 0], raw);
  for (const k of ['plugin', 'name', 'timeoutMs', 'onError', 'file', 'debounceMs', 'emptyAddressList']) assert.ok(chap.includes(k), k);
  assert.ok(!chap.includes('url'));
  assert.ok(knownKeysAt(['auth', 'chain', 1], raw).includes('ntHashAttribute'));
  assert.deepEqual(knownKeysAt(['auth', 'chain', 2], raw), [...ENTRY_COMMON_KEYS]);
  assert.ok(knownKeysAt(['auth', 'branches', 'corp', 0, 'tls'], raw).includes('startTls'));
  assert.deepEqual(knownKeysAt(['auth'], raw), ['chain', 'branches', 'timeoutMs', 'throttle']);
  assert.ok(knownKeysAt(['listen'], {}).includes('address'));
  assert.deepEqual(knownKeysAt(['listen', 'port'], {}), []);
});

test('allKeyPaths lists each registered plugin\'s options once per kind, and the common keys once', () => {
  const keys = allKeyPaths();
  for (const kind of authRegistry.kinds()) assert.ok(keys.some((k) => k.startsWith(`auth.chain[${kind}].`)), kind);
  assert.ok(keys.includes('auth.chain[chap-secrets].debounceMs'));
  assert.ok(keys.includes('auth.chain[].onError'));
  assert.ok(!keys.some((k) => /^auth\.chain\[[a-z-]+\]\.(plugin|name|timeoutMs|onError)$/.test(k)));
  assert.deepEqual(PLUGIN_KINDS, authRegistry.kinds());
});

test('docs/configuration.md documents every key of the schema', () => {
  const doc = readFileSync(path.join(repoRoot, 'docs/configuration.md'), 'utf8');
  const keys = allKeyPaths();
  assert.ok(keys.length > 100);
  const missing = keys.filter((k) => !doc.includes(`\`${k}\``));
  assert.deepEqual(missing, []);
});
