// pppd plugins in PoPToP files: radius.so translated (auth entry + accounting.radius,
// secrets referenced by secretFile), radattr.so a note, and every plugin that could decide
// who gets in and cannot be translated an error naming its line, at check-config, migrate
// and serve (resolveConfig) alike.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { configFromPoptop } from '../../../config/poptop.js';
import { resolveConfig } from '../../../config/resolve.js';
import { parseConfigText } from '../../../config/load.js';
import { runCheckConfig } from '../../../server/cli/check-config.js';
import { runMigrate } from '../../../server/cli/migrate.js';
import { controlSocketPath } from '../../../server/control/cli-support.js';
import { PptpdError, ErrorCode } from '../../../server/errors.js';
import { repoRoot } from '../../helpers/paths.js';

const FIXTURE = path.join(repoRoot, 'test/fixtures/poptop/radius');
const SECRET = 'fixture-radius-s3cret';

/** A copy of the radius fixture to edit: `edit(relPath, fn)` rewrites one file. */
function copy(): { root: string; conf: string; edit(rel: string, fn: (t: string) => string): void; done(): void } {
  const root = mkdtempSync(path.join(tmpdir(), 'ptd-rplg-'));
  cpSync(FIXTURE, root, { recursive: true });
  return {
    root,
    conf: path.join(root, 'etc/pptpd.conf'),
    edit: (rel, fn) => writeFileSync(path.join(root, rel), fn(readFileSync(path.join(root, rel), 'utf8'))),
    done: () => rmSync(root, { recursive: true, force: true }),
  };
}

test('radius.so + radiusclient.conf + servers: a radius entry and accounting.radius, secrets by secretFile', () => {
  const { config: c, issues, notes } = configFromPoptop({ pptpdConf: path.join(FIXTURE, 'etc/pptpd.conf'), root: FIXTURE });
  assert.deepEqual(issues.map((i) => [path.basename(i.file), i.line, i.severity]), [['pptpd-options', 13, 'warning']], 'radattr.so: a note only');
  assert.match(issues[0]!.message, /radattr\.so/);
  assert.equal(c.auth.chain.length, 1, 'RADIUS replaces chap-secrets, as radius.so did in pppd');
  const e = c.auth.chain[0]!;
  assert.equal(e.plugin, 'radius');
  assert.deepEqual(e['servers'], [{ host: '127.0.0.1', port: 1812, secretFile: '/etc/radiusclient/servers', requireMessageAuthenticator: true }]);
  assert.deepEqual([e['replyTimeoutMs'], e['retries'], e['deadTimeSeconds'], e['bindAddress']], [3000, 2, 0, '0.0.0.0']);
  assert.equal(e.timeoutMs, 1 * (1 + 2) * 3000 + 1000, 'the chain waits as long as radiusclient could');
  assert.deepEqual(c.accounting.radius?.servers, [{ host: '127.0.0.1', port: 1813, secretFile: '/etc/radiusclient/servers' }]);
  assert.deepEqual([c.accounting.radius?.timeout, c.accounting.radius?.retries], [3, 2]);
  assert.ok(notes.some((n) => n.key === 'auth.chain' && /pptpd-options:12: plugin radius\.so/.test(n.text)));
  assert.ok(notes.some((n) => n.key === 'auth.chain[0].servers[0]' && /radiusclient\.conf:\d+: authserver 127\.0\.0\.1:1812/.test(n.text)));
  assert.ok(notes.some((n) => n.key === 'accounting.radius.servers[0]' && /acctserver/.test(n.text)));
  assert.ok(!JSON.stringify(c).includes(SECRET), 'no secret in the translated configuration');
});

test('migrate: YAML references the servers file, holds no secret, and loads back to the same configuration', () => {
  const r = runMigrate({ pptpdConf: path.join(FIXTURE, 'etc/pptpd.conf'), root: FIXTURE });
  assert.equal(r.exitCode, 0, r.messages.join('\n'));
  assert.ok(!r.yaml.includes(SECRET));
  assert.match(r.yaml, /secretFile: \/etc\/radiusclient\/servers/);
  const back = parseConfigText(r.yaml, 'migrated.yaml');
  assert.deepEqual(back.issues.filter((i) => i.severity === 'error'), []);
  assert.deepEqual(back.config?.auth, configFromPoptop({ pptpdConf: path.join(FIXTURE, 'etc/pptpd.conf'), root: FIXTURE }).config.auth);
});

test('serve (resolveConfig) reads the secret from the servers file under --root; check-config says OK', () => {
  const { config, issues } = resolveConfig({ pptpdConf: path.join(FIXTURE, 'etc/pptpd.conf'), root: FIXTURE });
  assert.deepEqual(issues.filter((i) => i.severity === 'error'), []);
  const e = config.auth.chain[0]!;
  assert.deepEqual(e['servers'], [{ host: '127.0.0.1', port: 1812, secret: SECRET, requireMessageAuthenticator: true }]);
  assert.deepEqual(config.accounting.radius?.servers, [{ host: '127.0.0.1', port: 1813, secret: SECRET }]);
  const check = runCheckConfig({ pptpdConf: path.join(FIXTURE, 'etc/pptpd.conf'), root: FIXTURE });
  assert.equal(check.exitCode, 0, check.output.join('\n'));
  assert.match(check.output.at(-1)!, /OK .*via radius/);
  assert.ok(!check.output.join('\n').includes(SECRET));
});

/** Both verdicts for one set of files: check-config's lines and exit code, and serve's refusal. */
function verdicts(conf: string, root: string): { check: ReturnType<typeof runCheckConfig>; serveError?: string } {
  const check = runCheckConfig({ pptpdConf: conf, root });
  try {
    resolveConfig({ pptpdConf: conf, root });
    return { check };
  } catch (e) {
    assert.ok(e instanceof PptpdError && e.code === ErrorCode.CONFIG_INVALID, String(e));
    return { check, serveError: e.message };
  }
}

for (const [plugin, why] of [
  ['winbind.so', /winbind\.so .*not supported yet.*ntlm_auth/],
  ['/usr/lib/pppd/2.4.9/passwordfd.so', /passwordfd\.so/],
  ['minconn.so', /minconn\.so is not supported/],
  ['my-own-auth.so', /plugin my-own-auth\.so: unknown pppd plugin/],
] as const) {
  test(`plugin ${plugin}: an error naming the line; check-config exits 1 and serve refuses`, () => {
    const f = copy();
    try {
      f.edit('etc/ppp/pptpd-options', (t) => `${t}plugin ${plugin}\n`);
      const { check, serveError } = verdicts(f.conf, f.root);
      assert.equal(check.exitCode, 1, check.output.join('\n'));
      const line = `${path.join(f.root, 'etc/ppp/pptpd-options')}:15: error: `;
      const hit = check.output.find((l) => l.startsWith(line));
      assert.ok(hit, check.output.join('\n'));
      assert.match(hit, why);
      assert.ok(serveError?.includes(hit), `serve gives the same line:\n${serveError}`);
    } finally {
      f.done();
    }
  });
}

test('rp-pppoe.so: a warning (another link type); radius options without radius.so: warnings', () => {
  const f = copy();
  try {
    f.edit('etc/ppp/pptpd-options', (t) => t.replace(/^plugin radius\.so$/m, 'plugin rp-pppoe.so'));
    const { config, issues } = configFromPoptop({ pptpdConf: f.conf, root: f.root });
    assert.deepEqual(issues.filter((i) => i.severity === 'error'), []);
    assert.ok(issues.some((i) => i.line === 12 && /rp-pppoe\.so is for another link type/.test(i.message)));
    assert.ok(issues.some((i) => i.line === 14 && /radius-config-file belongs to the radius\.so plugin/.test(i.message)));
    assert.equal(config.auth.chain[0]?.plugin, 'chap-secrets', 'without radius.so, pppd used chap-secrets');
    assert.equal(config.accounting.radius, undefined);
  } finally {
    f.done();
  }
});

test('avpair with radius.so: an error (attributes RADIUS may decide on)', () => {
  const f = copy();
  try {
    f.edit('etc/ppp/pptpd-options', (t) => `${t}avpair NAS-Port-Type=Virtual\n`);
    const { check, serveError } = verdicts(f.conf, f.root);
    assert.equal(check.exitCode, 1);
    assert.ok(check.output.some((l) => /pptpd-options:15: error: avpair/.test(l)), check.output.join('\n'));
    assert.ok(serveError !== undefined);
  } finally {
    f.done();
  }
});

test('a server missing from the servers file, an unreadable radiusclient.conf or servers file: errors naming file:line, no secret shown', () => {
  const f = copy();
  try {
    f.edit('etc/radiusclient/radiusclient.conf', (t) => t.replace('authserver \t127.0.0.1:1812', 'authserver 127.0.0.1:1812,10.9.9.9'));
    let r = verdicts(f.conf, f.root);
    assert.equal(r.check.exitCode, 1);
    const miss = r.check.output.find((l) => l.includes('error: 10.9.9.9: no secret for it'));
    assert.ok(miss, r.check.output.join('\n'));
    assert.match(miss, /radiusclient\.conf:20: error: /);
    assert.ok(r.serveError?.includes(miss));
    assert.ok(!r.check.output.join('\n').includes(SECRET) && !r.serveError?.includes(SECRET));

    rmSync(path.join(f.root, 'etc/radiusclient/servers'));
    r = verdicts(f.conf, f.root);
    assert.ok(r.check.output.some((l) => /radiusclient\.conf:\d+: error: servers: cannot read .*servers \(ENOENT\)/.test(l)), r.check.output.join('\n'));
    assert.equal(r.check.exitCode, 1);

    rmSync(path.join(f.root, 'etc/radiusclient/radiusclient.conf'));
    r = verdicts(f.conf, f.root);
    assert.ok(r.check.output.some((l) => /pptpd-options:14: error: radius\.so: cannot read .*radiusclient\.conf \(ENOENT\)/.test(l)), r.check.output.join('\n'));
    assert.ok(r.serveError !== undefined);
  } finally {
    f.done();
  }
});

test('YAML secretFile: read at load; a missing host or file is an error; secret and secretFile together are refused', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ptd-sf-'));
  try {
    writeFileSync(path.join(dir, 'servers'), '10.0.0.5 yaml-s3cret\n10.0.0.5:1813 acct-s3cret\n');
    const yaml = (host: string, extra = '') =>
      [
        'auth:',
        '  chain:',
        '    - plugin: radius',
        `      servers: [{ host: ${host}, secretFile: ${dir}/servers${extra} }]`,
        'accounting:',
        '  radius:',
        `    servers: [{ host: 10.0.0.5, secretFile: ${dir}/servers }]`,
        '',
      ].join('\n');
    const file = path.join(dir, 'c.yaml');
    writeFileSync(file, yaml('10.0.0.5'));
    const { config } = resolveConfig({ config: file });
    assert.equal((config.auth.chain[0]!['servers'] as { secret: string }[])[0]!.secret, 'yaml-s3cret');
    assert.equal(config.accounting.radius?.servers[0]?.secret, 'acct-s3cret', 'host:port line for the accounting port');
    assert.equal(runCheckConfig({ config: file }).exitCode, 0);
    // Read at every load (start, SIGHUP reload): a changed file gives the new secret.
    writeFileSync(path.join(dir, 'servers'), '10.0.0.5 rotated-s3cret\n');
    assert.equal((resolveConfig({ config: file }).config.auth.chain[0]!['servers'] as { secret: string }[])[0]!.secret, 'rotated-s3cret');
    writeFileSync(path.join(dir, 'servers'), '10.0.0.5 yaml-s3cret\n10.0.0.5:1813 acct-s3cret\n');

    writeFileSync(file, yaml('10.0.0.6'));
    const check = runCheckConfig({ config: file });
    assert.equal(check.exitCode, 1);
    assert.ok(check.output.some((l) => l.includes('error: auth.chain[0].servers[0].secretFile: no line for 10.0.0.6')), check.output.join('\n'));
    assert.throws(() => resolveConfig({ config: file }), /auth\.chain\[0\]\.servers\[0\]\.secretFile: no line for 10\.0\.0\.6/);
    assert.ok(!check.output.join('\n').includes('s3cret'));

    writeFileSync(file, yaml('10.0.0.5', ', secret: inline-s3cret'));
    const both = runCheckConfig({ config: file });
    assert.equal(both.exitCode, 1);
    assert.ok(both.output.some((l) => /secret: give the shared secret either as secret or as secretFile, not both/.test(l)), both.output.join('\n'));
    assert.ok(!both.output.join('\n').includes('inline-s3cret'));

    rmSync(path.join(dir, 'servers'));
    writeFileSync(file, yaml('10.0.0.5'));
    assert.ok(runCheckConfig({ config: file }).output.some((l) => /servers:0: error: cannot read the RADIUS servers file \(ENOENT\)/.test(l)));
    // `pptpd-ts sessions -c FILE` only needs control.socket: an operator who cannot read the secrets still gets it.
    assert.equal(controlSocketPath({ config: file }), '/run/pptpd-ts/control.sock');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a radiusclient value pptpd-ts cannot take (radius_retries 20) is an error on its radiusclient.conf line', () => {
  const f = copy();
  try {
    f.edit('etc/radiusclient/radiusclient.conf', (t) => t.replace(/^radius_retries\t2$/m, 'radius_retries\t20'));
    const { check, serveError } = verdicts(f.conf, f.root);
    assert.equal(check.exitCode, 1);
    const errors = check.output.filter((l) => l.includes(': error: '));
    assert.deepEqual(errors.map((l) => l.replace(/^.*radiusclient\.conf:(\d+): error: (\S+):.*$/, '$1 $2')), ['49 auth.chain[0].retries', '49 accounting.radius.retries']);
    assert.ok(serveError !== undefined);
  } finally {
    f.done();
  }
});
