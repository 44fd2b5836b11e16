import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Entry } from 'ldapts';
import { normalizeDn, parseNtHash, values } from '../../../../auth-plugins/ldap/lookup.js';

test('parseNtHash: 32 hex digits in either case; anything else is invalid; absent is undefined', () => {
  assert.deepEqual(parseNtHash('878D8014606CDA29677A44EFA1353FC7'), Buffer.from('878d8014606cda29677a44efa1353fc7', 'hex'));
  assert.deepEqual(parseNtHash(' 878d8014606cda29677a44efa1353fc7 '), Buffer.from('878d8014606cda29677a44efa1353fc7', 'hex'));
  assert.equal(parseNtHash('NO PASSWORDXXXXXXXXXXXXXXXXXXXXX'), 'invalid');
  assert.equal(parseNtHash('878D8014606CDA29677A44EFA1353FC'), 'invalid');
  assert.equal(parseNtHash(''), 'invalid');
  assert.equal(parseNtHash(undefined), undefined);
});

test('normalizeDn: case and spacing do not matter', () => {
  assert.equal(normalizeDn('CN=VPN-Users, OU=Groups , DC=Corp,DC=Example'), 'cn=vpn-users,ou=groups,dc=corp,dc=example');
  assert.notEqual(normalizeDn('cn=vpn-users,dc=x'), normalizeDn('cn=vpn-users2,dc=x'));
});

test('values: attribute names compare case-insensitively; buffers and single values become string lists', () => {
  const e = { dn: 'uid=a', sambantpassword: 'AB', memberOf: ['cn=a', 'cn=b'], photo: Buffer.from('hi') } as unknown as Entry;
  assert.deepEqual(values(e, 'sambaNTPassword'), ['AB']);
  assert.deepEqual(values(e, 'MEMBEROF'), ['cn=a', 'cn=b']);
  assert.deepEqual(values(e, 'photo'), ['hi']);
  assert.deepEqual(values(e, 'missing'), []);
  assert.deepEqual(values(e, 'dn'), []);
});
