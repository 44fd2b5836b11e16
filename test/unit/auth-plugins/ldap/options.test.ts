import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { createDefaultRegistry } from '../../../../auth-plugins/build.js';
import { ldapOptions, isPlaintext } from '../../../../auth-plugins/ldap/options.js';
import { AuthChainEntry } from '../../../../config/schema-auth.js';

const base = { url: 'ldaps://ldap.example.org', baseDn: 'dc=example,dc=org' };

test('defaults: sambaNTPassword, (uid={user}), memberOf, PAP by bind, pass when unreachable', () => {
  const o = ldapOptions.parse(base);
  assert.equal(o.filter, '(uid={user})');
  assert.equal(o.ntHashAttribute, 'sambaNTPassword');
  assert.equal(o.groupCheck, 'memberOf');
  assert.equal(o.groupAttribute, 'memberOf');
  assert.equal(o.pap, 'bind');
  assert.equal(o.onUnreachable, 'pass');
  assert.equal(o.timeout, 5);
  assert.equal(o.cacheTtl, 60);
  assert.equal(o.negativeCacheTtl, 10);
  assert.deepEqual(o.tls, { startTls: false, rejectUnauthorized: true });
  assert.equal(isPlaintext(o), false);
  assert.equal(isPlaintext(ldapOptions.parse({ ...base, url: 'ldap://h' })), true);
  assert.equal(isPlaintext(ldapOptions.parse({ ...base, url: 'ldap://h', tls: { startTls: true } })), false);
});

test('bad options are refused with the key named', () => {
  const bad: [Record<string, unknown>, string][] = [
    [{ ...base, url: 'http://x' }, 'url'],
    [{ ...base, filter: '(uid=alice)' }, 'filter'],
    [{ ...base, filter: '(&(uid={user})' }, 'filter'],
    [{ ...base, bindPassword: 'pw' }, 'bindDn'],
    [{ ...base, bindDn: 'cn=svc' }, 'bindPassword'],
    [{ ...base, tls: { startTls: true } }, 'tls.startTls'],
    [{ ...base, groupCheck: 'member' }, 'group'],
    [{ ...base, ntHashAttribute: 'bad attr' }, 'ntHashAttribute'],
    [{ ...base, onUnreachable: 'retry' }, 'onUnreachable'],
    [{ ...base, typo: 1 }, ''],
  ];
  for (const [input, key] of bad) {
    const r = ldapOptions.safeParse(input);
    assert.equal(r.success, false, JSON.stringify(input));
    if (key !== '') assert.ok(r.error!.issues.some((i) => i.path.join('.') === key), `${key}: ${JSON.stringify(r.error!.issues)}`);
  }
});

test('the configuration file validates an ldap entry with this scheme (defaults filled in)', () => {
  const entry = AuthChainEntry.parse({
    plugin: 'ldap',
    name: 'corp',
    url: 'ldap://127.0.0.1:389',
    bindDn: 'cn=svc,dc=example,dc=org',
    bindPassword: 'pw',
    baseDn: 'dc=example,dc=org',
    group: 'cn=vpn,dc=example,dc=org',
    onUnreachable: 'reject',
    tls: { startTls: true },
  });
  assert.equal(entry.plugin, 'ldap');
  assert.equal(entry['onUnreachable'], 'reject');
  assert.equal(entry['ntHashAttribute'], 'sambaNTPassword');
  assert.throws(() => AuthChainEntry.parse({ plugin: 'ldap', url: 'ldap://h', baseDn: 'dc=x', filtre: '(uid={user})' }));
});

test('registry: the default registry knows ldap, and its errors never echo the bind password', () => {
  const registry = createDefaultRegistry();
  assert.ok(registry.has('ldap'));
  const entry = registry.create({ plugin: 'ldap', name: 'corp', ...base, bindDn: 'cn=svc', bindPassword: 'Sup3r-S3cret' }, 'auth.chain[1]', pino({ level: 'silent' }));
  assert.equal(entry.plugin.name, 'corp');
  assert.equal(entry.plugin.kind, 'ldap');
  assert.ok(!JSON.stringify(entry.plugin).includes('Sup3r-S3cret'));
  assert.throws(
    () => registry.create({ plugin: 'ldap', ...base, bindPassword: 'Sup3r-S3cret', url: 'nope' }, 'auth.chain[1]', pino({ level: 'silent' })),
    (err: Error) => /auth\.chain\[1\] \(ldap\): url/.test(err.message) && !err.message.includes('Sup3r-S3cret'),
  );
});

test('docs/ldap.md: the Active Directory filters parse, and every option is documented', async () => {
  const { readFileSync } = await import('node:fs');
  const { repoRoot } = await import('../../../helpers/paths.js');
  const doc = readFileSync(`${repoRoot}/docs/ldap.md`, 'utf8');
  for (const filter of [
    '(&(objectClass=user)(sAMAccountName={user})(!(userAccountControl:1.2.840.113556.1.4.803:=2)))',
    '(&(sAMAccountName={user})(memberOf:1.2.840.113556.1.4.1941:=CN=VPN-Users,OU=Groups,DC=corp,DC=example))',
  ]) {
    assert.ok(doc.includes(filter), filter);
    assert.ok(ldapOptions.safeParse({ ...base, filter }).success, filter);
  }
  const keys = Object.keys(ldapOptions.shape);
  assert.ok(keys.length > 15, `found ${keys.length} keys`);
  for (const k of keys) {
    if (k === 'tls') for (const t of ['startTls', 'caFile', 'rejectUnauthorized', 'serverName']) assert.ok(doc.includes(`\`tls.${t}\``), `tls.${t}`);
    else assert.ok(new RegExp(`^\\| [^|]*\`${k}\``, "m").test(doc), `docs/ldap.md documents ${k}`);
  }
});
