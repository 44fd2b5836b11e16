// pptpd-ts test-auth against a chap-secrets configuration (the slapd case is
// in test/integration/ldap/test-auth.test.ts).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { readPassword, runTestAuth } from '../../../../server/cli/test-auth.js';
import { repoRoot } from '../../../helpers/paths.js';
import { memoryLog } from '../../auth-plugins/fixtures.js';
import { CHILD_RUN_MS } from '../../../helpers/wait.js';

let dir = '';
let config = '';
const PASSWORD = 'Tr0ub4dor&3';

before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'test-auth-'));
  writeFileSync(path.join(dir, 'chap-secrets'), `alice * "${PASSWORD}" 10.0.0.5\nbob pptpd "bob-pw" *\n`);
  config = path.join(dir, 'pptpd.yaml');
  writeFileSync(
    config,
    ['auth:', '  chain:', '    - plugin: rewrite-domain', '    - plugin: chap-secrets', `      file: ${path.join(dir, 'chap-secrets')}`, '      watch: false', ''].join('\n'),
  );
});
after(() => rmSync(dir, { recursive: true, force: true }));

const quiet = () => ({ logStream: memoryLog().stream });

test('every method accepted; each plugin verdict and the accept attributes printed; exit 0', async () => {
  for (const method of ['mschapv2', 'mschapv1', 'chap', 'pap']) {
    const r = await runTestAuth('CORP\\alice', PASSWORD, { config, method, ...quiet() });
    const text = r.output.join('\n');
    assert.equal(r.exitCode, 0, text);
    assert.match(text, /through rewrite-domain → chap-secrets/);
    assert.match(text, /\[1\] rewrite-domain \(rewrite-domain\): rewrite — user name now "alice"/);
    assert.match(text, /\[2\] chap-secrets \(chap-secrets\): accept — from .*chap-secrets:1 \[\d+\.\d ms\]/);
    assert.match(text, /^Access-Accept by chap-secrets$/m);
    assert.match(text, /User-Name = "alice"/);
    assert.match(text, /Framed-IP-Address = 10\.0\.0\.5/);
    assert.match(text, /Allowed addresses = "10\.0\.0\.5" \(.*chap-secrets:1\)/);
    assert.match(text, /Class = 0 values/);
    if (method.startsWith('mschap')) assert.match(text, /MPPE keys = yes \(they match the client's derivation\)/);
    else assert.match(text, /MPPE keys = no/);
    if (method === 'mschapv2') assert.match(text, /Authenticator-Response = valid/);
    assert.ok(!text.includes(PASSWORD), 'the password is never printed');
  }
});

test('wrong password and unknown user: Access-Reject with the reason and MS-CHAP error, exit 1', async () => {
  const wrong = await runTestAuth('alice', 'nope', { config, ...quiet() });
  assert.equal(wrong.exitCode, 1);
  assert.match(wrong.output.join('\n'), /^Access-Reject by chap-secrets: authentication failed for alice: response does not match the secret$/m);
  assert.match(wrong.output.join('\n'), /MS-CHAP-Error = 691/);
  const nobody = await runTestAuth('nobody', 'x', { config, method: 'pap', ...quiet() });
  assert.equal(nobody.exitCode, 1);
  assert.match(nobody.output.join('\n'), /chap-secrets \(chap-secrets\): pass — no secret for nobody on pptpd/);
  assert.match(nobody.output.join('\n'), /^Access-Reject: no plugin could authenticate nobody$/m);
});

test('usage and configuration errors exit 2', async () => {
  assert.equal((await runTestAuth('alice', 'x', { config, method: 'eap', ...quiet() })).exitCode, 2);
  assert.equal((await runTestAuth('', 'x', { config, ...quiet() })).exitCode, 2);
  const missing = await runTestAuth('alice', 'x', { config: path.join(dir, 'missing.yaml'), ...quiet() });
  assert.equal(missing.exitCode, 2);
  assert.match(missing.output[0]!, /missing\.yaml/);
  const bad = path.join(dir, 'bad.yaml');
  writeFileSync(bad, 'auth:\n  chain:\n    - plugin: ldap\n      url: ldap://127.0.0.1\n');
  const r = await runTestAuth('alice', 'x', { config: bad, ...quiet() });
  assert.equal(r.exitCode, 2);
  assert.match(r.output.join('\n'), /baseDn/);
});

function cli(args: string[], input: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'server/cli/main.ts'), 'test-auth', ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    input,
    timeout: CHILD_RUN_MS,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('the real command: password from stdin; exit 0 / 1 / 2', () => {
  const ok = cli(['alice', '-c', config], `${PASSWORD}\n`);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /Access-Accept by chap-secrets/);
  const no = cli(['alice', '-c', config, '--method', 'pap'], 'wrong\n');
  assert.equal(no.status, 1);
  assert.match(no.stdout, /Access-Reject/);
  const usage = cli(['alice', '-m', 'eap', '-c', config], '');
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /Allowed choices are mschapv2, mschapv1, chap, pap/);
  assert.equal(cli([], '').status, 2);
});

test('readPassword: first line of a pipe (CRLF too); a terminal gets a prompt and no echo', async () => {
  assert.equal(await readPassword(Readable.from([Buffer.from('pa ss\nnext line\n')]) as unknown as NodeJS.ReadStream), 'pa ss');
  assert.equal(await readPassword(Readable.from([Buffer.from('p'), Buffer.from('w\r\n')]) as unknown as NodeJS.ReadStream), 'pw');
  assert.equal(await readPassword(Readable.from([]) as unknown as NodeJS.ReadStream), '');

  const tty = Object.assign(new PassThrough(), { isTTY: true, raw: [] as boolean[] });
  (tty as unknown as { setRawMode(b: boolean): void }).setRawMode = (b: boolean) => void tty.raw.push(b);
  const shown: string[] = [];
  const prompt = { write: (s: string) => void shown.push(s) } as unknown as NodeJS.WriteStream;
  const p = readPassword(tty as unknown as NodeJS.ReadStream, prompt);
  tty.write('sekrx');
  tty.write('\u007fet\r');
  assert.equal(await p, 'sekret');
  assert.deepEqual(shown, ['Password: ', '\n'], 'nothing typed is echoed');
  assert.deepEqual(tty.raw, [true, false]);
});
