// The MPPE-patched pppd's spellings (2.3.x/2.4.0-2.4.1, the 2003 PPTP/MPPE how-to, seed 002):
// +chapms, +chapms-v2, -chapms, -chapms-v2, require-chapms, require-chapms-v2, mppe-40,
// mppe-128, mppe-stateless, chapms-strip-domain. Each is understood (no "unknown option"),
// and `+chap +chapms-v2` offers MS-CHAPv2 first, falling back to CHAP-MD5 on a Nak.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { knownPppdOptions, parsePppdOptions } from '../../../config/import-options.js';
import { configFromPoptop } from '../../../config/poptop.js';
import { repoRoot } from '../../helpers/paths.js';
import { PppPair } from '../../helpers/ppp-pair.js';

const SPELLINGS = ['+chapms', '+chapms-v2', '-chapms', '-chapms-v2', 'require-chapms', 'require-chapms-v2', 'mppe-40', 'mppe-128', 'mppe-stateless', 'chapms-strip-domain'];

test('every MPPE-patch spelling is a translated option, with no issue', () => {
  const k = knownPppdOptions();
  for (const o of SPELLINGS) assert.ok(k.translated.includes(o), `${o} is translated`);
  const { issues } = parsePppdOptions(SPELLINGS.join('\n'), 'options.ppp0');
  assert.deepEqual(issues, []);
});

test('what each spelling means', () => {
  const o = (t: string) => parsePppdOptions(t, 'f').options;
  assert.deepEqual([...o('+chapms').require], ['mschap-v1']);
  assert.deepEqual([...o('require-chapms').require], ['mschap-v1']);
  assert.deepEqual([...o('+chapms-v2').require], ['mschap-v2']);
  assert.deepEqual([...o('require-chapms-v2').require], ['mschap-v2']);
  assert.deepEqual([...o('-chapms').refuse], ['mschap-v1']);
  assert.deepEqual([...o('-chapms-v2').refuse], ['mschap-v2']);
  assert.equal(o('+chapms-v2').auth, true, 'requiring a method implies auth, as in pppd');
  assert.deepEqual([...(o('mppe-40 mppe-128').mppe ?? [])].sort(), [128, 40]);
  assert.equal(o('mppe-stateful mppe-stateless').mppeStateful, false);
  assert.equal(o('chapms-strip-domain').stripDomain, true);
});

const howto = path.join(repoRoot, 'test/fixtures/poptop/mppe-howto-2003');

test('seed 002 options file: MS-CHAPv2 and CHAP-MD5 allowed, MPPE 40/128 stateless, no rewrite without chapms-strip-domain', () => {
  const { config: c } = configFromPoptop({ pptpdConf: path.join(howto, 'etc/pptpd.conf'), root: howto });
  assert.deepEqual(c.ppp.auth, { allowed: ['mschap-v2', 'chap-md5'], required: true });
  assert.deepEqual(c.ppp.mppe, { required: true, bits: [40, 128], stateful: 'deny' });
  assert.deepEqual([c.ppp.name, c.ppp.proxyArp, c.ppp.debug], ['server_name', true, true]);
  assert.deepEqual([c.pool.local, c.pool.remote], [['192.168.13.1'], ['192.168.13.100-199']]);
  assert.deepEqual(c.auth.chain.map((e) => e.plugin), ['chap-secrets']);
});

test('chapms-strip-domain puts rewrite-domain (DOMAIN\\user form) first in the chain', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'pptpd-strip-'));
  try {
    cpSync(howto, root, { recursive: true });
    appendFileSync(path.join(root, 'etc/ppp/options.ppp0'), 'chapms-strip-domain\n');
    const { config: c, issues, notes } = configFromPoptop({ pptpdConf: path.join(root, 'etc/pptpd.conf'), root });
    assert.ok(!issues.some((i) => i.severity === 'error'));
    assert.deepEqual(c.auth.chain.map((e) => e.plugin), ['rewrite-domain', 'chap-secrets']);
    assert.deepEqual([c.auth.chain[0]?.['mode'], c.auth.chain[0]?.['forms']], ['strip', ['netbios']]);
    assert.ok(notes.some((n) => n.key === 'auth.chain' && /options\.ppp0:12: chapms-strip-domain/.test(n.text)), 'migrate says where it came from');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  // Without the option: chap-secrets alone.
  const { config: plain } = configFromPoptop({ pptpdConf: path.join(howto, 'etc/pptpd.conf'), root: howto });
  assert.deepEqual(plain.auth.chain.map((e) => e.plugin), ['chap-secrets']);
});

test('+chap with +chapms-v2 offers MS-CHAPv2 first; a peer that Naks it for CHAP-MD5 gets CHAP-MD5', () => {
  const { config: c } = configFromPoptop({ pptpdConf: path.join(howto, 'etc/pptpd.conf'), root: howto });
  const none = { required: false, bits: [] as (40 | 56 | 128)[], stateful: 'deny' as const };
  // A peer taking either: the first offer decides, and it is MS-CHAPv2.
  const both = new PppPair({ server: { authMethods: c.ppp.auth.allowed, mppe: none }, client: { authMethods: ['chap-md5', 'mschap-v2'], mppe: none } });
  both.start();
  both.drive({ until: both.now + 30_000 });
  const firstReq = both.wire.server.find((f) => f.includes(Buffer.from('0305c223', 'hex')));
  assert.ok(firstReq?.includes(Buffer.from('0305c22381', 'hex')), 'first Configure-Request asks for CHAP with MS-CHAPv2 (0x81)');
  assert.equal(both.eventsOf('server', 'authenticated')[0]?.method, 'mschap-v2');
  // The order of ppp.auth.allowed does not change the preference.
  const reversed = new PppPair({ server: { authMethods: ['chap-md5', 'mschap-v2'], mppe: none }, client: { authMethods: ['chap-md5', 'mschap-v2'], mppe: none } });
  reversed.start();
  reversed.drive({ until: reversed.now + 30_000 });
  assert.equal(reversed.eventsOf('server', 'authenticated')[0]?.method, 'mschap-v2');
  // A peer doing only CHAP-MD5 Naks MS-CHAPv2 and the server falls back (RFC 1661 §6.2).
  const md5 = new PppPair({ server: { authMethods: c.ppp.auth.allowed, mppe: none }, client: { authMethods: ['chap-md5'], mppe: none } });
  md5.start();
  md5.drive({ until: md5.now + 30_000 });
  assert.equal(md5.eventsOf('server', 'authenticated')[0]?.method, 'chap-md5');
});
