// Every server-side configuration the seed documents show (../shared/seeds 000-003), kept
// as the project's own fixtures under test/fixtures/poptop, passes the real
// `check-config --pptpd-conf X --root DIR` with exit 0, understood option by option
// (nothing "unknown"), and says what it will enforce. And the one thing pptpd-ts refuses
// outright: `noauth` (PoPToP files) / `ppp.auth.required: false` (YAML) exit 1 naming file and line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli, fixtureDir } from './run-cli.js';

function checkFixture(name: string): { status: number | null; out: string } {
  const root = fixtureDir(name);
  const r = runCli(['check-config', '--pptpd-conf', path.join(root, 'etc/pptpd.conf'), '--root', root]);
  return { status: r.status, out: r.stdout + r.stderr };
}

const SEEDS: { fixture: string; seeds: string; verdict: RegExp }[] = [
  // 000 (the PoPToP article) and 003 (the 1999 HOWTO/FAQ): plain CHAP, options in /etc/ppp/options.
  { fixture: 'faq-1999', seeds: '000, 003', verdict: /OK \(0 errors, 2 warnings\); listen 0\.0\.0\.0:1723, 5 pool addresses, auth chap-md5 via chap-secrets, no MPPE/ },
  // 001 (HOWTO/FAQ collection): Win9x MS-CHAP + 40-bit MPPE, WINS, workgroup\\user secrets.
  { fixture: 'faq-samba', seeds: '001', verdict: /OK \(0 errors, 0 warnings\); listen 0\.0\.0\.0:1723, 115 pool addresses, auth mschap-v1 via chap-secrets, MPPE 40 required/ },
  // 001's own workgroup\\user line and Debian's sample options also live in howto/.
  { fixture: 'howto', seeds: '001', verdict: /OK \(0 errors, \d+ warnings?\); listen 0\.0\.0\.0:1723, 6 pool addresses, auth mschap-v2 via chap-secrets, MPPE 128 required/ },
  // 002 (the 2003 PPTP/MPPE how-to): the MPPE-patch spellings.
  { fixture: 'mppe-howto-2003', seeds: '002', verdict: /OK \(0 errors, 2 warnings\); listen 0\.0\.0\.0:1723, 100 pool addresses, auth mschap-v2\/chap-md5 via chap-secrets, MPPE 40\/128 required/ },
];

for (const s of SEEDS) {
  test(`seed ${s.seeds}: fixtures/poptop/${s.fixture} passes check-config (exit 0), every option understood`, () => {
    const r = checkFixture(s.fixture);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, s.verdict);
    assert.doesNotMatch(r.out, /unknown pppd option|unknown keyword|error:/, 'every line of the seed is understood');
  });
}

test('seed 002: speed is the only pptpd.conf line dropped; chap-md5 next to MPPE is the only other warning', () => {
  const r = checkFixture('mppe-howto-2003');
  const warnings = r.out.split('\n').filter((l) => l.includes(': warning: '));
  assert.equal(warnings.length, 2, r.out);
  assert.match(warnings[0] ?? '', /pptpd\.conf:2: warning: speed: /);
  assert.match(warnings[1] ?? '', /options\.ppp0:\d+: warning: ppp\.auth\.allowed: chap-md5 give no MPPE keys/);
});

/** A copy of fixtures/poptop/howto with `extra` appended to its options.pptpd; returns root and the line. */
function howtoWith(extra: string): { root: string; file: string; line: number } {
  const root = mkdtempSync(path.join(tmpdir(), 'pptpd-noauth-'));
  cpSync(fixtureDir('howto'), root, { recursive: true });
  const file = path.join(root, 'etc/ppp/options.pptpd');
  const text = readFileSync(file, 'utf8');
  writeFileSync(file, `${text}${extra}\n`);
  return { root, file, line: text.split('\n').length };
}

test('noauth in the pppd options file: check-config exits 1 naming the file and line', () => {
  const { root, file, line } = howtoWith('noauth');
  try {
    const r = runCli(['check-config', '--pptpd-conf', path.join(root, 'etc/pptpd.conf'), '--root', root]);
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stdout, new RegExp(`^${file}:${line}: error: noauth is refused: pptpd-ts always makes the peer authenticate`, 'm'));
    assert.match(r.stdout, /INVALID \(1 error/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('ppp.auth.required: false in YAML: check-config exits 1 naming the file, line and key', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pptpd-noauth-'));
  try {
    const secrets = path.join(dir, 'chap-secrets');
    writeFileSync(secrets, 'alice * alicepw *\n');
    const file = path.join(dir, 'noauth.yaml');
    writeFileSync(file, `ppp:\n  auth:\n    required: false\nauth:\n  chain:\n    - plugin: chap-secrets\n      file: ${secrets}\n`);
    const r = runCli(['check-config', '-c', file]);
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stdout, new RegExp(`^${file}:3:\\d+: error: ppp\\.auth\\.required: false is refused: pptpd-ts always makes the peer authenticate`, 'm'));
    // `required: true` (the default, said out loud) stays valid.
    writeFileSync(file, `ppp:\n  auth:\n    required: true\nauth:\n  chain:\n    - plugin: chap-secrets\n      file: ${secrets}\n`);
    assert.equal(runCli(['check-config', '-c', file]).status, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
