import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { configFromPoptop } from '../../../config/poptop.js';
import { parseConfigText } from '../../../config/load.js';
import { configToYaml } from '../../../config/emit-yaml.js';
import { PptpdError, ErrorCode } from '../../../server/errors.js';
import { repoRoot } from '../../helpers/paths.js';
import { chapSecretsOptions } from '../../../auth-plugins/chap-secrets/plugin.js';

/** The entry a migration writes: the plugin's own defaults, with the file pppd used. */
const chapEntry = (file: string) => ({ plugin: 'chap-secrets', ...chapSecretsOptions.parse({ file }) });

const root = (name: string): string => path.join(repoRoot, 'test/fixtures/poptop', name);
const fromFixture = (name: string) => configFromPoptop({ pptpdConf: path.join(root(name), 'etc/pptpd.conf'), root: root(name) });

test('HOWTO set-up: pool, MS-CHAPv2 + MPPE-128, DNS/WINS, wtmp, /etc/ppp/options first', () => {
  const { config: c, issues, notes } = fromFixture('howto');
  assert.deepEqual(issues.map((i) => [path.basename(i.file), i.line, i.severity]), [['pptpd.conf', 6, 'warning']]); // speed
  assert.deepEqual(c.pool.local, ['192.168.0.1']);
  assert.deepEqual(c.pool.remote, ['192.168.0.234-238', '192.168.0.245']);
  assert.equal(c.ppp.name, 'pptpd');
  assert.deepEqual(c.ppp.auth, { allowed: ['mschap-v2'], required: true });
  assert.deepEqual(c.ppp.mppe, { required: true, bits: [128], stateful: 'deny' });
  assert.deepEqual([c.ppp.dns, c.ppp.wins], [['192.168.0.10', '192.168.0.11'], ['192.168.0.12']]);
  assert.deepEqual([c.ppp.proxyArp, c.ppp.debug, c.ppp.lcpEcho.interval, c.ppp.lcpEcho.failure], [true, true, 30, 4]);
  assert.deepEqual([c.limits.connections, c.limits.stimeout], [100, 10]);
  assert.equal(c.accounting.wtmp.enabled, true);
  assert.deepEqual(c.auth.chain, [chapEntry('/etc/ppp/chap-secrets')]);
  assert.ok(notes.some((n) => n.key === 'pool.remote' && n.text.includes('pptpd.conf:24')));
});

test('the interop VM set-up (pptp-server.sh): options on one line, logfile dropped', () => {
  const { config: c, issues } = fromFixture('interop');
  assert.deepEqual(c.pool.local, ['10.232.0.100']);
  assert.deepEqual(c.pool.remote, ['10.232.0.101-110']);
  assert.deepEqual(c.ppp.dns, ['10.232.0.53']);
  assert.deepEqual(c.ppp.auth.allowed, ['mschap-v2']);
  assert.deepEqual(c.ppp.mppe.bits, [128]);
  assert.deepEqual(issues.map((i) => [path.basename(i.file), i.line]), [['pptpd-options', 3]]);
});

test('delegate, listen, pidfile, noipparam, chap-secrets option, mppe-stateful, require-mschap', () => {
  const { config: c } = fromFixture('delegate');
  assert.deepEqual(c.pool.remote, []);
  assert.deepEqual([c.listen.address, c.pidfile, c.hooks.ipparam, c.limits.connections], ['192.0.2.10', '/var/run/pptpd-test.pid', false, 50]);
  assert.equal(c.ppp.name, 'vpn.example.org');
  assert.deepEqual(c.ppp.auth.allowed, ['mschap-v2', 'mschap-v1']);
  assert.deepEqual(c.ppp.mppe, { required: true, bits: [128], stateful: 'allow' });
  assert.deepEqual([c.ppp.mtu, c.ppp.mru, c.ppp.idle, c.ppp.maxConnect], [1396, 1396, 600, 86400]);
  assert.equal(c.auth.chain[0]?.plugin === 'chap-secrets' && c.auth.chain[0].file, '/etc/ppp/vpn-secrets');
  assert.equal(c.hooks.ipUp, '/etc/ppp/vpn-up');
});

test('--chap-secrets overrides the secrets path', () => {
  const { config: c } = configFromPoptop({ pptpdConf: path.join(root('howto'), 'etc/pptpd.conf'), root: root('howto'), chapSecrets: '/srv/secrets' });
  assert.deepEqual(c.auth.chain, [chapEntry('/srv/secrets')]);
});

test('malformed files: errors and warnings with file:line, secrets never shown', () => {
  const { issues } = fromFixture('malformed');
  const where = issues.map((i) => `${path.basename(i.file)}:${i.line}:${i.severity}`);
  for (const w of ['pptpd.conf:3:error', 'pptpd.conf:4:warning', 'pptpd.conf:5:warning', 'pptpd.conf:7:warning', 'options.pptpd:4:error', 'options.pptpd:5:error', 'options.pptpd:6:error']) {
    assert.ok(where.includes(w), `${w} in ${where.join(' ')}`);
  }
  for (const i of issues) assert.ok(!i.message.includes('hunter2'));
});

test('no MPPE option means no encryption, as pppd did; a missing options file is an error', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pptpd-poptop-'));
  try {
    mkdirSync(path.join(dir, 'etc/ppp'), { recursive: true });
    writeFileSync(path.join(dir, 'etc/pptpd.conf'), 'option /etc/ppp/options.pptpd\nlocalip 10.0.0.1\nremoteip 10.0.0.2-9\n');
    writeFileSync(path.join(dir, 'etc/ppp/options.pptpd'), 'name pptpd\nrequire-mschap-v2\n');
    const { config, issues } = configFromPoptop({ pptpdConf: path.join(dir, 'etc/pptpd.conf'), root: dir });
    assert.deepEqual(config.ppp.mppe, { required: false, bits: [], stateful: 'deny' });
    assert.deepEqual(issues.map((i) => [i.severity, /no require-mppe/.test(i.message)]), [['warning', true]]);
    rmSync(path.join(dir, 'etc/ppp/options.pptpd'));
    const missing = configFromPoptop({ pptpdConf: path.join(dir, 'etc/pptpd.conf'), root: dir }).issues;
    assert.ok(missing.some((i) => i.severity === 'error' && i.line === 1 && /cannot read the pppd options file/.test(i.message)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an unreadable pptpd.conf is CONFIG_IO', () => {
  assert.throws(() => configFromPoptop({ pptpdConf: '/nonexistent/pptpd.conf' }), (e: unknown) => e instanceof PptpdError && e.code === ErrorCode.CONFIG_IO);
});

test('migrate output parses back to the same configuration (every fixture)', () => {
  for (const name of ['howto', 'interop', 'delegate']) {
    const { config, notes, issues } = fromFixture(name);
    const yaml = configToYaml(config, [...notes, ...issues.map((i) => ({ key: '', text: `${i.file}:${i.line}: ${i.message}` }))], ['header']);
    const back = parseConfigText(yaml, `${name}.yaml`);
    assert.deepEqual(back.issues.filter((i) => i.severity === 'error'), [], name);
    assert.deepEqual(back.config, config, name);
    assert.match(yaml, /^# header/);
  }
});
