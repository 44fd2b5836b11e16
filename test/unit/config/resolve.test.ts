import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resolveConfig, checkChapSecretsFiles, withChapSecrets } from '../../../config/resolve.js';
import { ConfigSchema, defaultConfig } from '../../../config/schema.js';
import { chapSecretsOptions } from '../../../auth-plugins/chap-secrets/plugin.js';
import { PptpdError, ErrorCode } from '../../../server/errors.js';
import { repoRoot } from '../../helpers/paths.js';

const fixture = (name: string) => path.join(repoRoot, 'test/fixtures/poptop', name);

test('no file: the embedded default (a missing /etc/ppp/chap-secrets is a warning, as the plugin starts without it)', () => {
  const r = resolveConfig({});
  assert.deepEqual(r.config, defaultConfig());
  assert.deepEqual(r.issues.filter((i) => i.severity === 'error'), []);
});

test('embedded default matches the documented product defaults', () => {
  const c = defaultConfig();
  assert.deepEqual([c.listen.address, c.listen.port], ['0.0.0.0', 1723]);
  assert.deepEqual([c.pool.local, c.pool.remote], [['10.8.0.1'], ['10.8.0.2-254']]);
  assert.deepEqual(c.ppp.auth.allowed, ['mschap-v2']);
  assert.deepEqual([c.ppp.mppe.required, c.ppp.mppe.bits], [true, [128]]);
  // The chap-secrets plugin's own defaults, filled in by its scheme.
  assert.deepEqual(c.auth.chain, [{ plugin: 'chap-secrets', file: '/etc/ppp/chap-secrets', watch: true, missingFile: 'empty', debounceMs: 200, emptyAddressList: 'reject' }]);
  assert.deepEqual([c.auth.branches, c.auth.timeoutMs, c.auth.throttle], [{}, 10_000, { maxFailures: 5, window: 60, lockout: 300 }]);
  assert.equal(c.accounting.journal.enabled, true);
  assert.deepEqual([c.accounting.radius, c.accounting.redis], [undefined, undefined]);
  assert.ok(c.auth.chain.every((e) => e.plugin !== 'radius' && e.plugin !== 'ldap'));
});

test('YAML, PoPToP, both (refused), --chap-secrets override', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pptpd-resolve-'));
  try {
    const yaml = path.join(dir, 'c.yaml');
    writeFileSync(yaml, 'auth:\n  chain:\n    - plugin: radius\n      servers: [{host: 127.0.0.1, secret: testing123}]\n');
    const y = resolveConfig({ config: yaml });
    assert.equal(y.config.auth.chain[0]?.plugin, 'radius');
    const cs = path.join(dir, 'cs');
    writeFileSync(cs, 'alice * secret *\n');
    assert.throws(() => resolveConfig({ config: yaml, chapSecrets: path.join(dir, 'missing') }), /cannot read the chap-secrets file \(ENOENT\)/);
    const withSecrets = resolveConfig({ config: yaml, chapSecrets: cs });
    assert.deepEqual(withSecrets.config.auth.chain.map((e) => e.plugin), ['chap-secrets', 'radius']);
    assert.equal(withSecrets.issues.length, 1);
    const p = resolveConfig({ pptpdConf: path.join(fixture('interop'), 'etc/pptpd.conf'), root: fixture('interop'), chapSecrets: cs });
    assert.deepEqual(p.config.pool.remote, ['10.232.0.101-110']);
    assert.equal(p.config.auth.chain[0]?.plugin === 'chap-secrets' && p.config.auth.chain[0].file, cs);
    assert.throws(() => resolveConfig({ config: yaml, pptpdConf: '/etc/pptpd.conf' }), PptpdError);
    writeFileSync(yaml, 'listen:\n  port: -1\n');
    assert.throws(() => resolveConfig({ config: yaml }), (e: unknown) => e instanceof PptpdError && e.code === ErrorCode.CONFIG_INVALID && e.message.includes(':2:'));
    assert.throws(
      () => resolveConfig({ pptpdConf: path.join(fixture('malformed'), 'etc/pptpd.conf'), root: fixture('malformed') }),
      (e: unknown) => e instanceof PptpdError && e.code === ErrorCode.CONFIG_INVALID && e.message.includes('pptpd.conf:3'),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('withChapSecrets replaces every chap-secrets entry in place', () => {
  const c = defaultConfig();
  const r = withChapSecrets(c, '/new');
  assert.equal(r.issue, undefined);
  // A file named on the command line must exist: the embedded entry's missingFile: empty does not carry over.
  assert.deepEqual(r.config.auth.chain, [{ ...c.auth.chain[0], file: '/new', missingFile: 'error' }]);
  assert.equal(c.auth.chain[0]?.['file'], '/etc/ppp/chap-secrets', 'input untouched');
});

test('withChapSecrets puts a full chap-secrets entry (plugin defaults) first when the chain has none', () => {
  const c = ConfigSchema.parse({ auth: { chain: [{ plugin: 'rewrite-domain' }, { plugin: 'ldap', url: 'ldap://127.0.0.1', baseDn: 'dc=x' }] } });
  const r = withChapSecrets(c, '/srv/cs');
  assert.equal(r.issue?.severity, 'warning');
  assert.deepEqual(r.config.auth.chain[0], { plugin: 'chap-secrets', ...chapSecretsOptions.parse({ file: '/srv/cs' }) });
  assert.deepEqual(r.config.auth.chain.slice(1), c.auth.chain);
});

test('checkChapSecretsFiles also checks the files branches name, each file once', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pptpd-resolve-'));
  try {
    const good = path.join(dir, 'good');
    writeFileSync(good, 'alice * pw *\n');
    const c = ConfigSchema.parse({
      auth: {
        chain: [{ plugin: 'rewrite-domain', realms: { corp: 'corp' } }, { plugin: 'chap-secrets', file: good }],
        branches: { corp: [{ plugin: 'chap-secrets', name: 'corp-secrets', file: path.join(dir, 'missing') }, { plugin: 'chap-secrets', name: 'again', file: good }] },
      },
    });
    const r = checkChapSecretsFiles(c);
    assert.deepEqual(r.files, [good, path.join(dir, 'missing')]);
    assert.deepEqual(r.issues.map((i) => [i.file, i.severity]), [[path.join(dir, 'missing'), 'error']]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('checkChapSecretsFiles parses the files the chain names (under root) and reports unreadable ones', () => {
  const ok = checkChapSecretsFiles(defaultConfig(), fixture('howto'));
  assert.deepEqual(ok.issues, []);
  const missing = checkChapSecretsFiles(withChapSecrets(defaultConfig(), '/nonexistent/cs').config);
  assert.equal(missing.issues[0]?.severity, 'error');
});
