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

test('auth chain entries are checked by their plugin\'s scheme, issues on the entry\'s keys and lines', () => {
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
    - plugin: chap-secrets
      debounceMS: 100
      timeoutMs: 0
`;
  const issues = errorsOf(text);
  assert.deepEqual(issues.map((i) => [i.line, i.key]), [
    [7, 'auth.chain[1].servers[0].secret'],
    [8, 'auth.chain[2].plugin'],
    [12, 'auth.chain[3].filtre'],
    [14, 'auth.chain[4].debounceMS'],
    [15, 'auth.chain[4].timeoutMs'],
  ]);
  assert.match(issues[0]?.message ?? '', /is required/);
  assert.match(issues[1]?.message ?? '', /unknown auth plugin "ldapp" \(did you mean "ldap"\?\); this build knows chap-secrets, rewrite-domain, ldap/);
  assert.match(issues[2]?.message ?? '', /did you mean "filter"/);
  assert.match(issues[3]?.message ?? '', /did you mean "debounceMs"/);
  assert.match(issues[4]?.message ?? '', /must be greater than 0/);
});

test('branches, timeoutMs and the plugins\' own keys load; a route to a missing branch is an error on its line', () => {
  const text = `auth:
  timeoutMs: 4000
  chain:
    - plugin: rewrite-domain
      forms: [upn]
      realms:
        corp.example: corp
        other.example: nowhere
      unknownRealm: reject
    - plugin: chap-secrets
      emptyAddressList: any
      onError: reject
  branches:
    corp:
      - plugin: chap-secrets
        name: corp-secrets
        file: /etc/ppp/corp-secrets
        timeoutMs: 500
    unused:
      - plugin: chap-secrets
        name: unused-secrets
`;
  const r = parseConfigText(text, 'b.yaml');
  assert.deepEqual(r.issues.map((i) => [i.severity, i.line, i.key]), [
    ['error', 8, 'auth.chain[0].realms.other.example'],
    ['warning', 19, 'auth.branches.unused'],
  ]);
  assert.match(r.issues[0]?.message ?? '', /branch "nowhere", which auth\.branches does not define/);
  const ok = parseConfigText(text.replace('        other.example: nowhere\n', ''), 'b.yaml');
  assert.deepEqual(ok.issues.map((i) => i.severity), ['warning']);
  const auth = ok.config!.auth;
  assert.equal(auth.timeoutMs, 4000);
  assert.deepEqual(auth.chain[0], { plugin: 'rewrite-domain', mode: 'strip', forms: ['upn'], realms: { 'corp.example': 'corp' }, unknownRealm: 'reject' });
  assert.deepEqual([auth.chain[1]?.onError, auth.chain[1]?.['emptyAddressList'], auth.chain[1]?.['watch']], ['reject', 'any', true]);
  assert.deepEqual([auth.branches['corp']?.[0]?.timeoutMs, auth.branches['corp']?.[0]?.['file']], [500, '/etc/ppp/corp-secrets']);
});

test('auth.throttle mistakes are reported on their key, per-scope limits included', () => {
  const issues = errorsOf('auth:\n  throttle:\n    user:\n      maxFailures: 3\n      windowSecond: 60\n      lockoutSeconds: 60\n');
  assert.deepEqual(issues.map((i) => [i.line, i.key]), [
    [3, 'auth.throttle.user.windowSeconds'],
    [5, 'auth.throttle.user.windowSecond'],
  ]);
  assert.match(issues[0]?.message ?? '', /is required/);
  assert.match(issues[1]?.message ?? '', /did you mean "windowSeconds"/);
  const mixed = errorsOf('auth:\n  throttle:\n    maxFailures: 3\n    address: false\n');
  assert.deepEqual(mixed.map((i) => [i.line, i.key]), [[3, 'auth.throttle.maxFailures']]);
  assert.match(mixed[0]?.message ?? '', /cannot be mixed/);
});

test('names must be distinct across the chain and its branches (the chain refuses to start otherwise)', () => {
  const text = `auth:
  chain:
    - plugin: rewrite-domain
      defaultBranch: b
    - plugin: chap-secrets
  branches:
    b:
      - plugin: chap-secrets
`;
  const issues = errorsOf(text);
  assert.deepEqual(issues.map((i) => [i.line, i.key]), [[8, 'auth.branches.b[0].plugin']]);
  assert.match(issues[0]?.message ?? '', /already used by auth\.chain\[1\]/);
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
