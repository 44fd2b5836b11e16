// `serve` refuses a configuration without authentication before anything listens or
// touches the kernel: `ppp.auth.required: false` (YAML) and `noauth` (PoPToP options) stop
// the start with exit 1 and the same file:line message check-config prints
// (test/unit/server/cli/seeds.test.ts). Run in a namespace of its own, so that a
// regression that did start could only listen there.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { canUseNetns, Netns, nodeTs } from '../../helpers/netns.js';
import { repoRoot } from '../../helpers/paths.js';

const skip = canUseNetns();
const dirs: string[] = [];
const namespaces: Netns[] = [];
after(() => {
  for (const ns of namespaces) ns.destroy();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function serveIn(tag: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; links: string; listening: string }> {
  const ns = Netns.create(tag);
  namespaces.push(ns);
  const state = mkdtempSync(path.join(tmpdir(), 'ptd-noauth-state-'));
  dirs.push(state);
  const r = await ns.exec(nodeTs('server/cli/main.ts', 'serve', '--state-dir', state, '--no-pidfile', '--tun', 'pnoauth0', ...args), { timeoutMs: 90_000 }); // tsx start-up alone can take long on a loaded machine
  assert.equal(r.timedOut, false, 'serve exited by itself');
  const links = await ns.exec(['ip', '-o', 'link', 'show']);
  const listening = await ns.exec(['ss', '-Hltn']);
  return { code: r.code, stdout: r.stdout, stderr: r.stderr, links: links.stdout, listening: listening.stdout };
}

function assertRefusedBeforeStart(r: Awaited<ReturnType<typeof serveIn>>, line: RegExp): void {
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, line);
  assert.doesNotMatch(r.stdout + r.stderr, /listening on|at .*\.ts:\d+/, 'no listener, no stack trace');
  assert.doesNotMatch(r.links, /pnoauth0/, 'no TUN device was made');
  assert.equal(r.listening.trim(), '', 'nothing listens in the namespace');
}

describe('serve refuses to run without authentication', { skip, concurrency: 1 }, () => {
  test('YAML ppp.auth.required: false → exit 1 naming file, line and key; nothing listens', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ptd-noauth-'));
    dirs.push(dir);
    writeFileSync(path.join(dir, 'chap-secrets'), 'alice * secret *\n');
    const file = path.join(dir, 'noauth.yaml');
    writeFileSync(file, `ppp:\n  auth:\n    required: false\nauth:\n  chain:\n    - plugin: chap-secrets\n      file: ${path.join(dir, 'chap-secrets')}\n`);
    const r = await serveIn('noauthy', ['-c', file]);
    assertRefusedBeforeStart(r, new RegExp(`${file}:3:\\d+: error: ppp\\.auth\\.required: false is refused: pptpd-ts always makes the peer authenticate`));
  });

  test('PoPToP options with noauth → exit 1 naming the options file and line; nothing listens', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'ptd-noauth-'));
    dirs.push(root);
    cpSync(path.join(repoRoot, 'test/fixtures/poptop/howto'), root, { recursive: true });
    const options = path.join(root, 'etc/ppp/options.pptpd');
    const text = readFileSync(options, 'utf8');
    writeFileSync(options, `${text}noauth\n`);
    const line = text.split('\n').length;
    const r = await serveIn('noauthp', ['--pptpd-conf', path.join(root, 'etc/pptpd.conf'), '--root', root]);
    assertRefusedBeforeStart(r, new RegExp(`${options}:${line}: error: noauth is refused: pptpd-ts always makes the peer authenticate`));
  });
});
