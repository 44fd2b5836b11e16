// The operations sections (control, telemetry, dynamicAuthorization): the schema is the
// only place their rules and defaults live; config/host-checks.ts checks what they name
// on this machine. Both through the loader, so each message has its key and line.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { parseConfigText } from '../../../config/load.js';
import { collectConfig } from '../../../config/resolve.js';
import { defaultConfig } from '../../../config/schema.js';
import { formatIssue } from '../../../config/issues.js';

const errorsOf = (yaml: string) => parseConfigText(yaml, 'c.yaml').issues.filter((i) => i.severity === 'error').map(formatIssue);

test('the embedded configuration: control socket on, no Prometheus, no OTLP, no DM/CoA', () => {
  const c = defaultConfig();
  assert.deepEqual(c.control, { enabled: true, socket: '/run/pptpd-ts/control.sock', mode: '0660' });
  assert.deepEqual(c.telemetry, { serviceName: 'pptpd-ts' });
  assert.equal(c.dynamicAuthorization, undefined);
});

test('a section given gets every default', () => {
  const r = parseConfigText(
    'telemetry:\n  prometheus: {}\n  otlp: { endpoint: "http://127.0.0.1:4318/" }\ndynamicAuthorization:\n  clients: [{ address: 192.0.2.5, secret: s3cret }]\n',
    'c.yaml',
  );
  assert.deepEqual(r.issues, []);
  assert.deepEqual(r.config?.telemetry.prometheus, { enabled: true, host: '127.0.0.1', port: 9464 });
  assert.deepEqual(r.config?.telemetry.otlp, { enabled: true, endpoint: 'http://127.0.0.1:4318/', headers: {}, traces: true, metrics: true, interval: 60 });
  assert.deepEqual(r.config?.dynamicAuthorization, {
    enabled: true,
    address: '0.0.0.0',
    port: 3799,
    requireMessageAuthenticator: true,
    eventTimestampWindow: 300,
    requireEventTimestamp: false,
    clients: [{ address: '192.0.2.5', secret: 's3cret' }],
  });
});

test('wrong values: one line each, naming file, line and key, saying the fix, never the secret', () => {
  const cases: [string, RegExp][] = [
    ['telemetry:\n  prometheus:\n    port: 70000\n', /^c\.yaml:3:5: error: telemetry\.prometheus\.port: must be at most 65535$/],
    ['telemetry:\n  prometheus:\n    host: localhost\n', /^c\.yaml:3:5: error: telemetry\.prometheus\.host: not an IP address: give one such as 127\.0\.0\.1/],
    ['telemetry:\n  otlp:\n    endpoint: collector:4318\n', /telemetry\.otlp\.endpoint: must be an http/],
    ['telemetry:\n  otlp:\n    endpoint: "http://"\n', /telemetry\.otlp\.endpoint: is not a valid URL/],
    ['dynamicAuthorization:\n  clients: []\n', /^c\.yaml:2:3: error: dynamicAuthorization\.clients: needs at least one client/],
    ['dynamicAuthorization:\n  clients:\n    - address: 10.0.0.1\n', /dynamicAuthorization\.clients\[0\]\.secret: is required/],
    ['dynamicAuthorization:\n  clients:\n    - { address: radius, secret: topsecret }\n', /clients\[0\]\.address: not an IP address/],
    ['dynamicAuthorization:\n  address: 10.0.0.9\n  clients:\n    - { address: "2001:db8::1", secret: topsecret }\n', /clients\[0\]\.address: an IPv6 client can never reach/],
    ['dynamicAuthorization:\n  clients:\n    - { address: 10.0.0.1, secret: topsecret }\n    - { address: 10.0.0.1, secret: othersecret }\n', /^c\.yaml:4:9: error: dynamicAuthorization\.clients\[1\]\.address: 10\.0\.0\.1 is listed twice/],
    ['control:\n  mode: rw\n', /control\.mode: must be an octal file mode in quotes/],
    ['control:\n  mode: 0660\n', /control\.mode: .*YAML reads 0660 unquoted as the number 660/],
    ['control:\n  group: -1\n', /control\.group/],
    ['control:\n  socket: control.sock\n', /control\.socket: must be an absolute path/],
    [`control:\n  socket: /${'x'.repeat(120)}\n`, /control\.socket: is longer than 107 bytes/],
    ['dataplane:\n  tun: "a/b"\n', /dataplane\.tun: is not a valid interface name/],
    ['telemetry:\n  prometheus: { host: 0.0.0.0, port: 1723 }\n', /telemetry\.prometheus\.port: 1723 is the PPTP port/],
  ];
  for (const [yaml, re] of cases) {
    const errors = errorsOf(yaml);
    assert.equal(errors.length, 1, `${yaml}: ${errors.join(' | ')}`);
    assert.match(errors[0]!, re);
    assert.doesNotMatch(errors[0]!, /topsecret|othersecret/);
  }
  // Right values pass: an IPv6 host, port 0 (any free port), '::' taking IPv4 and IPv6 clients.
  assert.deepEqual(errorsOf('telemetry:\n  prometheus: { host: "::1", port: 0 }\n'), []);
  assert.deepEqual(errorsOf('dynamicAuthorization:\n  address: "::"\n  clients: [{ address: 10.0.0.1, secret: s }, { address: "::1", secret: t }]\n'), []);
});

const dir = mkdtempSync(path.join(os.tmpdir(), 'ptd-hostchk-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('what the file names on this machine is checked at load, by key and line', () => {
  const script = path.join(dir, 'ip-up');
  writeFileSync(script, '#!/bin/sh\n', { mode: 0o644 });
  const blocker = path.join(dir, 'a-file');
  writeFileSync(blocker, '');
  const cs = path.join(dir, 'cs');
  writeFileSync(cs, 'alice * secret *\n');
  const file = path.join(dir, 'c.yaml');
  writeFileSync(
    file,
    [
      `auth: { chain: [{ plugin: chap-secrets, file: ${cs} }] }`,
      'hooks:',
      `  ipUp: ${script}`,
      `  ipDown: ${path.join(dir, 'missing')}`,
      'control:',
      `  socket: ${blocker}/control.sock`,
      '  group: no-such-group-pptpd',
      'logging:',
      `  file: ${dir}/no/such/dir/log`,
      'accounting:',
      `  spoolDir: ${dir}/spool`,
      `  journal: { path: ${dir}/journal.sqlite }`,
      '  wtmp:',
      '    enabled: true',
      `    file: ${dir}/nowhere/wtmp`,
      '',
    ].join('\n'),
  );
  const lines = collectConfig({ config: file }).issues.map(formatIssue).map((l) => l.slice(file.length));
  assert.deepEqual(lines, [
    `:3:3: error: hooks.ipUp: ${script} is not executable: chmod +x it`,
    `:4:3: error: hooks.ipDown: ${dir}/missing does not exist: create the script or remove the key`,
    `:6:3: error: control.socket: ${blocker} is not a directory: choose another path`,
    ':7:3: error: control.group: no group named "no-such-group-pptpd" in /etc/group: create it (groupadd no-such-group-pptpd) or name another',
    `:9:3: error: logging.file: the directory ${dir}/no/such/dir does not exist: create it or choose another path`,
    `:15:5: error: accounting.wtmp.file: the directory ${dir}/nowhere does not exist: create it or choose another path`,
  ]);
});
