// test-auth --pptpd-conf X --root DIR reads the chap-secrets the files name from under DIR
// (as check-config and serve --root do), never from this machine's /etc; and the MPPE-patch
// option chapms-strip-domain puts a rewrite-domain entry before chap-secrets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runTestAuth } from '../../../../server/cli/test-auth.js';
import { repoRoot } from '../../../helpers/paths.js';
import { memoryLog } from '../../auth-plugins/fixtures.js';
import { fixtureDir } from './run-cli.js';

const quiet = () => ({ logStream: memoryLog().stream });
const HOWTO = fixtureDir('mppe-howto-2003');
const conf = (root: string): string => path.join(root, 'etc/pptpd.conf');

test('test-auth --pptpd-conf --root: the chap-secrets under the root answers (the real command)', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'server/cli/main.ts'), 'test-auth', 'client_name', '--pptpd-conf', conf(HOWTO), '--root', HOWTO], {
    cwd: repoRoot,
    encoding: 'utf8',
    input: 'passwd1\n',
    timeout: 30_000,
  });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`accept — from ${path.join(HOWTO, 'etc/ppp/chap-secrets').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2 `));
  assert.match(r.stdout, /^Access-Accept by chap-secrets$/m);
});

test('test-auth --root: a wrong password is rejected by the file under the root', async () => {
  const r = await runTestAuth('client_name', 'passwd2', { pptpdConf: conf(HOWTO), root: HOWTO, ...quiet() });
  assert.equal(r.exitCode, 1, r.output.join('\n'));
  assert.match(r.output.join('\n'), /Access-Reject/);
});

test('chapms-strip-domain: rewrite-domain goes first, so CORP\\client_name is looked up as client_name', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'pptpd-strip-'));
  try {
    cpSync(HOWTO, root, { recursive: true });
    appendFileSync(path.join(root, 'etc/ppp/options.ppp0'), 'chapms-strip-domain\n');
    const r = await runTestAuth('CORP\\client_name', 'passwd1', { pptpdConf: conf(root), root, ...quiet() });
    const text = r.output.join('\n');
    assert.equal(r.exitCode, 0, text);
    assert.match(text, /through rewrite-domain → chap-secrets/);
    assert.match(text, /rewrite — user name now "client_name"/);
    // Without the option the full name is looked up, and the file has no such line.
    const plain = await runTestAuth('CORP\\client_name', 'passwd1', { pptpdConf: conf(HOWTO), root: HOWTO, ...quiet() });
    assert.equal(plain.exitCode, 1, plain.output.join('\n'));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
