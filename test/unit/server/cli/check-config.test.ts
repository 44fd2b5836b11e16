import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli, fixtureDir } from './run-cli.js';

test('check-config -c: a valid YAML file exits 0 with a verdict', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pptpd-cc-'));
  try {
    const secrets = path.join(dir, 'chap-secrets');
    writeFileSync(secrets, 'alice pptpd alicepw *\n');
    const file = path.join(dir, 'ok.yaml');
    writeFileSync(file, `listen:\n  port: 1723\nauth:\n  chain:\n    - plugin: chap-secrets\n      file: ${secrets}\n`);
    const r = runCli(['check-config', '-c', file]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`${file}: OK \\(0 errors, 0 warnings\\); listen 0\\.0\\.0\\.0:1723, 253 pool addresses`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('check-config -c: an invalid file exits 1 naming file, line and key; secrets stay hidden', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pptpd-cc-'));
  try {
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(file, 'listen:\n  port: 70000\nauth:\n  chain:\n    - plugin: radius\n      servers:\n        - host: 127.0.0.1\n          secret: Testing123Secret\n          sekret: x\n');
    const r = runCli(['check-config', '-c', file]);
    assert.equal(r.status, 1);
    assert.match(r.stdout, new RegExp(`${file}:2:3: error: listen\\.port: must be at most 65535`));
    assert.match(r.stdout, new RegExp(`${file}:9:\\d+: error: auth\\.chain\\[0\\]\\.servers\\[0\\]\\.sekret: unknown key`));
    assert.match(r.stdout, /INVALID \(2 errors/);
    assert.ok(!(r.stdout + r.stderr).includes('Testing123Secret'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('check-config -c: what the auth plugins accept passes (their own keys, branches, timeouts); each chap-secrets file is read', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pptpd-cc-'));
  try {
    const secrets = path.join(dir, 'chap-secrets');
    const corp = path.join(dir, 'corp-secrets');
    writeFileSync(secrets, 'alice pptpd alicepw *\n');
    writeFileSync(corp, 'bob * bobpw 10.8.0.9\n');
    const file = path.join(dir, 'plugins.yaml');
    writeFileSync(
      file,
      [
        'auth:',
        '  timeoutMs: 3000',
        '  chain:',
        '    - plugin: rewrite-domain',
        '      forms: [netbios, upn]',
        '      realms: { CORP: corp }',
        '    - plugin: chap-secrets',
        `      file: ${secrets}`,
        '      serverName: pptpd',
        '      debounceMs: 50',
        '      sessionTimeout: 3600',
        '      timeoutMs: 1000',
        '      onError: reject',
        '  branches:',
        '    corp:',
        '      - plugin: chap-secrets',
        '        name: corp-secrets',
        `        file: ${corp}`,
        '',
      ].join('\n'),
    );
    const r = runCli(['check-config', '-c', file]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /OK \(0 errors, 0 warnings\)/);
    writeFileSync(corp, 'bob\n');
    const bad = runCli(['check-config', '-c', file]);
    assert.equal(bad.status, 1, bad.stdout + bad.stderr);
    assert.ok(bad.stdout.includes(`${corp}:1: error`), bad.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('check-config: unreadable file exits 2; -c with --pptpd-conf exits 2', () => {
  assert.equal(runCli(['check-config', '-c', '/nonexistent/pptpd.yaml']).status, 2);
  assert.equal(runCli(['check-config', '-c', 'a', '--pptpd-conf', 'b']).status, 2);
});

test('check-config --pptpd-conf: the HOWTO files and their chap-secrets pass', () => {
  const root = fixtureDir('howto');
  const r = runCli(['check-config', '--pptpd-conf', path.join(root, 'etc/pptpd.conf'), '--root', root]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /pptpd\.conf:6: warning: speed/);
  assert.match(r.stdout, /OK \(0 errors, 1 warning\); listen 0\.0\.0\.0:1723, 6 pool addresses, auth mschap-v2 via chap-secrets, MPPE 128 required/);
});

test('check-config --pptpd-conf: malformed files exit 1 with file:line for each problem, chap-secrets included', () => {
  const root = fixtureDir('malformed');
  const r = runCli(['check-config', '--pptpd-conf', path.join(root, 'etc/pptpd.conf'), '--root', root]);
  assert.equal(r.status, 1);
  for (const want of ['etc/pptpd.conf:3: error: remoteip', 'etc/ppp/options.pptpd:4: error: ms-dns', 'etc/ppp/chap-secrets:4: error: entry has 2 fields', 'etc/ppp/chap-secrets:6: warning']) {
    assert.ok(r.stdout.includes(want), `${want}\n${r.stdout}`);
  }
  for (const secret of ['hunter2hunter2', 's3cretCarol', 'd4vePass', 's3cretErin', 'alicepw', 'otherAlicePw']) {
    assert.ok(!(r.stdout + r.stderr).includes(secret), secret);
  }
});

test('check-config --chap-secrets reports that file', () => {
  const root = fixtureDir('howto');
  const r = runCli(['check-config', '--pptpd-conf', path.join(root, 'etc/pptpd.conf'), '--root', root, '--chap-secrets', path.join(fixtureDir('malformed'), 'etc/ppp/chap-secrets')]);
  assert.equal(r.status, 1);
  assert.match(r.stdout, /malformed\/etc\/ppp\/chap-secrets:4: error/);
});
