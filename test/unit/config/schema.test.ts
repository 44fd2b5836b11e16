import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigSchema, defaultConfig } from '../../../config/schema.js';
import { allKeyPaths, knownKeysAt } from '../../../config/schema-keys.js';
import { repoRoot } from '../../helpers/paths.js';

test('defaultConfig is a fixed point of the schema and a fresh object each time', () => {
  const a = defaultConfig();
  assert.deepEqual(ConfigSchema.parse(a), a);
  a.pool.remote.push('10.9.9.9');
  assert.deepEqual(defaultConfig().pool.remote, ['10.8.0.2-254']);
});

test('address lists accept a PoPToP string or a YAML list and come out as a list', () => {
  const c = ConfigSchema.parse({ pool: { local: '10.0.0.1', remote: '10.0.0.2-5,10.0.0.9' } });
  assert.deepEqual([c.pool.local, c.pool.remote], [['10.0.0.1'], ['10.0.0.2-5', '10.0.0.9']]);
  assert.deepEqual(ConfigSchema.parse({ pool: { remote: '' } }).pool.remote, []);
});

test('nested defaults apply inside a section given partially (prefault)', () => {
  const c = ConfigSchema.parse({ ppp: { mppe: { stateful: 'allow' } }, auth: { chain: [{ plugin: 'ldap', url: 'ldap://h', baseDn: 'dc=x' }] } });
  assert.deepEqual(c.ppp.mppe, { required: true, bits: [128], stateful: 'allow' });
  const ldap = c.auth.chain[0];
  assert.ok(ldap?.plugin === 'ldap');
  if (ldap?.plugin === 'ldap') assert.deepEqual([ldap.filter, ldap.tls.rejectUnauthorized, ldap.timeout], ['(uid={user})', true, 5]);
});

test('knownKeysAt follows the discriminated union by plugin', () => {
  const raw = { auth: { chain: [{ plugin: 'radius' }] } };
  assert.ok(knownKeysAt(['auth', 'chain', 0], raw).includes('nasIdentifier'));
  assert.ok(knownKeysAt(['listen'], {}).includes('address'));
  assert.deepEqual(knownKeysAt(['listen', 'port'], {}), []);
});

test('docs/configuration.md documents every key of the schema', () => {
  const doc = readFileSync(path.join(repoRoot, 'docs/configuration.md'), 'utf8');
  const keys = allKeyPaths();
  assert.ok(keys.length > 100);
  const missing = keys.filter((k) => !doc.includes(`\`${k}\``));
  assert.deepEqual(missing, []);
});
