// check-config and serve reach the same verdict on the same file, with the same lines:
// for each bad configuration the real CLI runs both, and serve (inside a namespace of its
// own) must exit 1 printing exactly what check-config printed, without ever listening.
// Then a runtime failure after listening (the Prometheus port is taken) stops cleanly:
// one line, no control socket left behind.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { dataplaneUnavailable } from '../../../server/dataplane/native.js';
import { canUseNetns, Netns, nodeTs } from '../../helpers/netns.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'ptd-verdict-'));
const secrets = path.join(dir, 'chap-secrets');
writeFileSync(secrets, 'alice * secret *\n', { mode: 0o600 });
const notExecutable = path.join(dir, 'ip-up');
writeFileSync(notExecutable, '#!/bin/sh\n', { mode: 0o644 });

/** Settings every case shares, so only the bad key differs from a configuration that starts. */
const base = {
  pidfile: null,
  control: { socket: path.join(dir, 'control.sock') },
  accounting: { spoolDir: path.join(dir, 'spool'), journal: { path: path.join(dir, 'journal.sqlite') } },
  auth: { chain: [{ plugin: 'chap-secrets', file: secrets, watch: false }] },
};

// Two files: one breaking the schema in each operations section, one the schema accepts
// but the cross-key and machine checks refuse (those run only on a schema-valid file).
const CASES: Record<string, { yaml: string; expect: RegExp[] }> = {
  'schema errors': {
    yaml: [
      'telemetry:',
      '  prometheus:',
      '    host: localhost',
      'control:',
      '  socket: run/control.sock',
      'dynamicAuthorization:',
      '  port: 70000',
      '  clients:',
      '    - { address: radius.example, secret: s3cret }',
      '    - { address: 192.0.2.1, secret: "" }',
      '',
    ].join('\n'),
    expect: [
      /:3:5: error: telemetry\.prometheus\.host: not an IP address/,
      /:5:3: error: control\.socket: must be an absolute path/,
      /:7:3: error: dynamicAuthorization\.port: must be at most 65535/,
      /:9:\d+: error: dynamicAuthorization\.clients\[0\]\.address: not an IP address/,
      /:10:\d+: error: dynamicAuthorization\.clients\[1\]\.secret: must not be empty/,
    ],
  },
  'cross-key and machine checks': {
    yaml: [
      'telemetry:',
      '  prometheus: { port: 1723 }',
      'hooks:',
      `  ipUp: ${notExecutable}`,
      'control:',
      `  socket: ${path.join(dir, 'control.sock')}`,
      '  group: no-such-group-pptpd',
      '',
    ].join('\n'),
    expect: [
      /:2:\d+: error: telemetry\.prometheus\.port: 1723 is the PPTP port/,
      /:4:3: error: hooks\.ipUp: .* is not executable/,
      /:7:3: error: control\.group: no group named "no-such-group-pptpd"/,
    ],
  },
};

function write(name: string, yaml: string): string {
  const file = path.join(dir, `${name.replace(/\W+/g, '-')}.yaml`);
  // The case's own sections first (so its line numbers hold), then the shared settings it does not replace, as YAML flow (JSON).
  const own = new Set([...yaml.matchAll(/^(\w+):/gm)].map((m) => m[1]));
  const shared = Object.entries(base).filter(([k]) => !own.has(k)).map(([k, v]) => `${k}: ${JSON.stringify(v)}\n`).join('');
  writeFileSync(file, yaml + shared);
  return file;
}

describe('check-config and serve agree', { skip: canUseNetns() ?? dataplaneUnavailable(), concurrency: 1, timeout: 600_000 }, () => {
  let ns: Netns | undefined;
  before(() => {
    ns = Netns.create('verdict');
  });
  after(() => {
    ns?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const [name, c] of Object.entries(CASES)) {
    test(`${name}: same lines from both, serve never listens`, async () => {
      const file = write(name, c.yaml);
      const [check, serve] = await Promise.all([
        ns!.exec(nodeTs('server/cli/main.ts', 'check-config', '-c', file), { timeoutMs: 60_000 }),
        ns!.exec(nodeTs('server/cli/main.ts', 'serve', '-c', file, '--log-format', 'json'), { timeoutMs: 60_000 }),
      ]);
      assert.equal(check.code, 1, check.stdout);
      const errors = check.stdout.split('\n').filter((l) => l.includes(': error: '));
      assert.equal(errors.length, c.expect.length, check.stdout);
      c.expect.forEach((re, i) => assert.match(errors[i]!, re));
      assert.equal(serve.timedOut, false, 'serve exited by itself');
      assert.equal(serve.code, 1, serve.stderr);
      const lines = (s: string) => s.split('\n').filter((l) => l !== '');
      assert.deepEqual(lines(serve.stderr), lines(check.stdout), 'serve prints what check-config prints');
      assert.doesNotMatch(serve.stdout, /listening/, 'serve never listened');
      assert.doesNotMatch(serve.stderr, /\n\s+at /, 'no stack trace');
    });
  }

  /** Runs serve on a valid file while another process holds `port` in the namespace. */
  async function serveWithPortTaken(port: number, name: string, yaml: string) {
    const holder = ns!.spawn([process.execPath, '-e', `require('net').createServer().listen(${port}, () => console.log('ready'))`]);
    try {
      await holder.waitForLine(/ready/, 30_000);
      const file = write(name, yaml);
      const check = await ns!.exec(nodeTs('server/cli/main.ts', 'check-config', '-c', file), { timeoutMs: 60_000 });
      assert.equal(check.code, 0, `the file itself is valid: ${check.stdout}`);
      const serve = await ns!.exec(nodeTs('server/cli/main.ts', 'serve', '-c', file, '--log-format', 'json'), { timeoutMs: 60_000 });
      assert.equal(serve.timedOut, false, 'serve exited by itself');
      assert.equal(serve.code, 1, serve.stderr);
      return serve;
    } finally {
      holder.kill('SIGKILL');
      await holder.wait(5000);
    }
  }

  test('a runtime failure after listening (Prometheus port taken) stops cleanly: one line, nothing left', async () => {
    const serve = await serveWithPortTaken(9464, 'metrics-port-taken', 'telemetry:\n  prometheus: { port: 9464 }\n');
    assert.deepEqual(serve.stderr.split('\n').filter((l) => l !== ''), ['pptpd-ts: telemetry.prometheus: cannot listen on 127.0.0.1:9464: EADDRINUSE']);
    assert.match(serve.stdout, /listening on[^]*pptpd-ts stopped/, 'the server was stopped, not abandoned');
    assert.equal(existsSync(path.join(dir, 'control.sock')), false, 'no control socket left');
  });

  test('the PPTP port taken: one line naming the address, what was opened is closed', async () => {
    const serve = await serveWithPortTaken(1723, 'pptp-port-taken', '');
    assert.deepEqual(serve.stderr.split('\n').filter((l) => l !== ''), [
      'pptpd-ts: listen: cannot listen on 0.0.0.0:1723: EADDRINUSE (another server on the port, or an address not on this host?)',
    ]);
    assert.doesNotMatch(serve.stdout, /listening on/);
    assert.match(serve.stdout, /pptpd-ts stopped/, 'the TUN device and accounting were closed again');
  });
});
