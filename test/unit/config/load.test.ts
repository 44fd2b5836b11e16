import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseConfigText, loadConfigFile } from '../../../config/load.js';
import { defaultConfig } from '../../../config/schema.js';
import { formatIssue } from '../../../config/issues.js';
import { PptpdError, ErrorCode } from '../../../server/errors.js';

const errorsOf = (text: string) => parseConfigText(text, 'pptpd.yaml').issues.filter((i) => i.severity === 'error');

test('an empty file, or one with only comments, means the embedded defaults', () => {
  for (const t of ['', '# nothing\n', '---\n']) {
    const r = parseConfigText(t, 'x.yaml');
    assert.deepEqual(r.issues, []);
    assert.deepEqual(r.config, defaultConfig());
  }
});

test('values override defaults and missing keys keep theirs', () => {
  const r = parseConfigText('listen:\n  port: 1724\npool:\n  remote: 10.9.0.2-10.9.0.20\n', 'x.yaml');
  assert.deepEqual(r.issues, []);
  assert.equal(r.config?.listen.port, 1724);
  assert.equal(r.config?.listen.address, '0.0.0.0');
  assert.deepEqual(r.config?.pool.remote, ['10.9.0.2-10.9.0.20']);
  assert.deepEqual(r.config?.pool.local, ['10.8.0.1']);
});

test('every error names file, key path and line, and says what is wrong', () => {
  const text = [
    'listen:', //              1
    '  adress: 10.0.0.1', //   2 unknown key (typo)
    '  port: "1723"', //       3 wrong type
    'ppp:', //                 4
    '  mppe:', //              5
    '    bits: [128, 64]', //  6 bad enum item
    'pool:', //                7
    '  remote: 10.0.0.9-3', // 8 bad range
    'logging:', //             9
    '  level: loud', //        10
  ].join('\n');
  const issues = errorsOf(text);
  assert.deepEqual(
    issues.map((i) => [i.file, i.line, i.key]),
    [
      ['pptpd.yaml', 2, 'listen.adress'],
      ['pptpd.yaml', 3, 'listen.port'],
      ['pptpd.yaml', 6, 'ppp.mppe.bits[1]'],
      ['pptpd.yaml', 8, 'pool.remote[0]'],
      ['pptpd.yaml', 10, 'logging.level'],
    ],
  );
  assert.match(issues[0]?.message ?? '', /unknown key "adress" \(did you mean "address"\?\)/);
  assert.match(issues[1]?.message ?? '', /must be a number, got a string/);
  assert.match(issues[2]?.message ?? '', /one of 40, 56, 128/);
  assert.match(issues[3]?.message ?? '', /ends before it starts/);
  assert.match(issues[4]?.message ?? '', /"debug"/);
  assert.equal(formatIssue(issues[0]!), 'pptpd.yaml:2:3: error: listen.adress: unknown key "adress" (did you mean "address"?)');
});

test('auth chain entries are a discriminated union on plugin, checked per plugin', () => {
  const text = `auth:
  chain:
    - plugin: rewrite-domain
      mode: strip
    - plugin: radius
      servers:
        - host: 127.0.0.1
    - plugin: ldapp
    - plugin: ldap
      url: ldap://127.0.0.1:3890
      baseDn: dc=example,dc=org
      filtre: (uid={user})
`;
  const issues = errorsOf(text);
  assert.deepEqual(issues.map((i) => [i.line, i.key]), [
    [7, 'auth.chain[1].servers[0].secret'],
    [8, 'auth.chain[2].plugin'],
    [12, 'auth.chain[3].filtre'],
  ]);
  assert.match(issues[0]?.message ?? '', /is required/);
  assert.match(issues[1]?.message ?? '', /"chap-secrets", "rewrite-domain", "radius", "ldap"/);
  assert.match(issues[2]?.message ?? '', /did you mean "filter"/);
});

test('secrets never appear in any message', () => {
  const text = `auth:
  chain:
    - plugin: radius
      servers:
        - host: 127.0.0.1
          port: 99999
          secret: VerySecretRadius
          secrett: AlsoSecretTypo
    - plugin: ldap
      url: ldap://x
      baseDn: dc=x
      bindPassword: BindSecret123
      filter: (uid=x)
accounting:
  radius:
    servers:
      - host: r
        secret: [AcctSecretList]
`;
  const issues = parseConfigText(text, 'x.yaml').issues;
  assert.ok(issues.length >= 4);
  for (const i of issues) {
    for (const s of ['VerySecretRadius', 'BindSecret123', 'AcctSecretList']) assert.ok(!formatIssue(i).includes(s), formatIssue(i));
  }
});

test('YAML syntax errors carry a line and no source text', () => {
  const r = parseConfigText('listen:\n  port: 1723\nauth:\n  chain:\n    - plugin: radius\n      secret: "unclosed s3cret\n', 'y.yaml');
  assert.equal(r.config, undefined);
  assert.ok(r.issues.length > 0);
  for (const i of r.issues) {
    assert.ok(i.line >= 1);
    assert.ok(!i.message.includes('s3cret'));
  }
  const dup = parseConfigText('listen:\n  port: 1\n  port: 2\n', 'y.yaml').issues;
  assert.deepEqual(dup.map((i) => [i.line, i.message]), [[3, 'key "port" appears twice in the same mapping']]);
  const tabs = parseConfigText('listen:\n\tport: 1\n', 'y.yaml').issues;
  assert.equal(tabs[0]?.line, 2);
  assert.equal(parseConfigText('- a\n- b\n', 'y.yaml').issues[0]?.message.includes('top level'), true);
});

test('cross-key checks: MPPE without MS-CHAP, local/remote overlap, duplicate names', () => {
  const text = `ppp:
  auth:
    allowed: [pap]
pool:
  local: 10.0.0.1
  remote: 10.0.0.1-10
auth:
  chain:
    - plugin: chap-secrets
    - plugin: chap-secrets
`;
  const issues = errorsOf(text);
  assert.deepEqual(issues.map((i) => i.key).sort(), ['auth.chain[1].plugin', 'pool.remote', 'ppp.mppe.required']);
  assert.equal(issues.find((i) => i.key === 'pool.remote')?.line, 6);
});

test('warnings do not stop a configuration from loading', () => {
  const r = parseConfigText('ppp:\n  auth:\n    allowed: [mschap-v2, pap]\n', 'w.yaml');
  assert.ok(r.config !== undefined);
  assert.deepEqual(r.issues.map((i) => [i.severity, i.key, i.line]), [['warning', 'ppp.auth.allowed', 3]]);
});

test('loadConfigFile throws CONFIG_INVALID listing all issues, CONFIG_IO when unreadable', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pptpd-load-'));
  try {
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(file, 'listen:\n  port: 0\nlogging:\n  level: loud\n');
    assert.throws(
      () => loadConfigFile(file),
      (e: unknown) =>
        e instanceof PptpdError &&
        e.code === ErrorCode.CONFIG_INVALID &&
        e.message.includes(`${file}:2:`) &&
        e.message.includes(`${file}:4:`) &&
        Array.isArray(e.cause),
    );
    assert.throws(() => loadConfigFile(path.join(dir, 'missing.yaml')), (e: unknown) => e instanceof PptpdError && e.code === ErrorCode.CONFIG_IO);
    const good = path.join(dir, 'good.yaml');
    writeFileSync(good, 'ppp:\n  dns: [10.8.0.1]\n');
    assert.deepEqual(loadConfigFile(good).ppp.dns, ['10.8.0.1']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
