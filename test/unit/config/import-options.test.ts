import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePppdOptions, emptyPppdOptions } from '../../../config/import-options.js';

test('Debian pptpd-options: names, methods, MPPE, DNS/WINS, proxyarp', () => {
  const text = `name pptpd
refuse-pap
refuse-chap
refuse-mschap
require-mschap-v2
require-mppe-128
ms-dns 10.0.0.1
ms-dns 10.0.0.2
ms-wins 10.0.0.3
proxyarp
nodefaultroute
lock
nobsdcomp
novj
novjccomp
nologfd
`;
  const { options: o, issues } = parsePppdOptions(text, 'options.pptpd');
  assert.deepEqual(issues, []);
  assert.equal(o.name, 'pptpd');
  assert.deepEqual([...o.require], ['mschap-v2']);
  assert.deepEqual([...o.refuse].sort(), ['chap-md5', 'mschap-v1', 'pap']);
  assert.deepEqual([...(o.mppe ?? [])], [128]);
  assert.deepEqual([o.dns, o.wins, o.proxyArp, o.auth], [['10.0.0.1', '10.0.0.2'], ['10.0.0.3'], true, true]);
  assert.deepEqual(o.origins.get('auth-methods')?.map((x) => x.line), [2, 3, 4, 5]);
  assert.equal(o.origins.get('ms-dns')?.[1]?.text, 'ms-dns 10.0.0.2');
});

test('pppd reads words, not lines: several options on one line, later ones override', () => {
  const { options: o } = parsePppdOptions('require-mschap-v2 require-mppe-128 nodeflate ms-dns\n10.232.0.53 mtu 1400 mtu 1396\n', 'f');
  assert.deepEqual([o.dns, o.mtu], [['10.232.0.53'], 1396]);
});

test('MPPE options combine as in pppd ccp.c', () => {
  const bits = (t: string) => [...(parsePppdOptions(t, 'f').options.mppe ?? new Set(['unset']))].sort();
  assert.deepEqual(bits('require-mppe'), [128, 40]);
  assert.deepEqual(bits('require-mppe nomppe-40'), [128]);
  assert.deepEqual(bits('+mppe-40 +mppe-128'), [128, 40]);
  assert.deepEqual(bits('require-mppe nomppe'), []);
  assert.deepEqual(bits('proxyarp'), ['unset']);
  assert.deepEqual(bits('mppe required,no40,no56,stateless'), [128]);
  assert.equal(parsePppdOptions('mppe-stateful', 'f').options.mppeStateful, true);
});

test('files accumulate: /etc/ppp/options then the PoPToP file', () => {
  const first = parsePppdOptions('auth\nlcp-echo-interval 30\nlcp-echo-failure 4\n', '/etc/ppp/options');
  const { options: o } = parsePppdOptions('lcp-echo-interval 10\n', 'options.pptpd', first.options);
  assert.deepEqual([o.auth, o.lcpEchoInterval, o.lcpEchoFailure], [true, 10, 4]);
  assert.equal(emptyPppdOptions().dns.length, 0);
});

test('unknown options are errors with file:line (pppd refuses them too) and skip the rest of their line; bad values are errors', () => {
  const text = 'frob 1 2\nms-dns 10.0.0.300\nmtu abc\nplugin radius.so\npassword hunter2hunter2\n10.0.0.1:10.0.0.2\nidle';
  const { options: o, issues } = parsePppdOptions(text, 'opts');
  assert.deepEqual(issues.map((i) => [i.line, i.severity]), [
    [1, 'error'], [2, 'error'], [3, 'error'], [5, 'warning'], [6, 'warning'], [7, 'error'],
  ]);
  assert.match(issues[0]?.message ?? '', /unknown pppd option "frob"/);
  // `plugin` lines are noted in order for config/import-radius-plugin.ts, which judges them.
  assert.deepEqual(o.origins.get('plugins')?.map((p) => [p.line, p.text]), [[4, 'plugin radius.so']]);
  for (const i of issues) assert.ok(!i.message.includes('hunter2'));
  assert.deepEqual(o.dns, []);
});

test('a third ms-dns is dropped with a warning (RFC 1877 has two)', () => {
  const { options: o, issues } = parsePppdOptions('ms-dns 1.1.1.1 ms-dns 1.0.0.1 ms-dns 8.8.8.8', 'f');
  assert.deepEqual(o.dns, ['1.1.1.1', '1.0.0.1']);
  assert.equal(issues.length, 1);
});

test('docs/migration-from-poptop.md names every pptpd.conf keyword and pppd option, refused ones in the refused table', async () => {
  const { readFileSync } = await import('node:fs');
  const path = await import('node:path');
  const { repoRoot } = await import('../../helpers/paths.js');
  const { knownPppdOptions } = await import('../../../config/import-options.js');
  const { knownPptpdConfKeywords } = await import('../../../config/import-pptpd-conf.js');
  const { PLUGIN_OPTIONS } = await import('../../../config/import-radius-plugin.js');
  const doc = readFileSync(path.join(repoRoot, 'docs/migration-from-poptop.md'), 'utf8');
  const table = doc.slice(doc.indexOf('## Every option, and what becomes of it'));
  assert.ok(table.length > 1000, 'the table section exists');
  const k = knownPppdOptions();
  const c = knownPptpdConfKeywords();
  const all = [...k.translated, ...k.accepted, ...k.unsupported, ...k.refused, ...c.translated, ...c.dropped, ...Object.keys(PLUGIN_OPTIONS)];
  assert.deepEqual(all.filter((o) => !table.includes(`\`${o}`)), [], 'every option has its row');
  const refused = table.slice(table.indexOf('### pppd options refused'), table.indexOf('### pppd plugins'));
  assert.deepEqual(k.refused.filter((o) => !refused.includes(`| \`${o}`)), [], 'every refused option is in the refused table');
  // And the parser agrees: each refused option is an error at its line.
  for (const o of k.refused) {
    const { issues } = parsePppdOptions(`${o}${['pap-secrets', 'file'].includes(o) ? ' /x' : ''}\n`, 'opts');
    assert.equal(issues[0]?.severity, 'error', o);
  }
});

test('noauth is an error at its line (pptpd-ts always authenticates), never a silent unauthenticated link', () => {
  const { options: o, issues } = parsePppdOptions('name pptpd\nrequire-mschap-v2\nnoauth\n', 'options.pptpd');
  assert.deepEqual(issues.map((i) => [i.file, i.line, i.severity]), [['options.pptpd', 3, 'error']]);
  assert.match(issues[0]?.message ?? '', /^noauth is refused: pptpd-ts always makes the peer authenticate/);
  assert.notEqual(o.auth, false);
});
