import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTable, lookupSecret } from '../../../../auth-plugins/chap-secrets/table.js';
import type { ChapSecret } from '../../../../auth-plugins/chap-secrets/parse.js';

let line = 0;
const e = (client: string, server: string, secret: string): ChapSecret => ({ client, server, secret, addresses: ['*'], file: 'f', line: ++line });

test('pppd best match: exact client+server > exact client > exact server > wildcards; first among equals', () => {
  const entries = [
    e('*', '*', 'any-any'),
    e('*', 'pptpd', 'any-pptpd'),
    e('alice', '*', 'alice-any'),
    e('alice', 'pptpd', 'alice-pptpd'),
    e('alice', 'pptpd', 'alice-pptpd-second'),
    e('alice', 'other', 'alice-other'),
    e('bob', '*', 'bob-any'),
  ];
  const t = buildTable(entries);
  assert.equal(lookupSecret(t, 'alice', 'pptpd')?.secret, 'alice-pptpd');
  assert.equal(lookupSecret(t, 'alice', 'vpn2')?.secret, 'alice-any');
  assert.equal(lookupSecret(t, 'alice', 'other')?.secret, 'alice-other');
  // Exact client with a wildcard server beats a wildcard client with our exact server.
  assert.equal(lookupSecret(t, 'bob', 'pptpd')?.secret, 'bob-any');
  assert.equal(lookupSecret(t, 'carol', 'pptpd')?.secret, 'any-pptpd');
  assert.equal(lookupSecret(t, 'carol', 'vpn2')?.secret, 'any-any');
});

test('names are case-sensitive and a non-matching server skips the entry', () => {
  const t = buildTable([e('alice', 'pptpd', 'a'), e('CORP\\alice', 'pptpd', 'b')]);
  assert.equal(lookupSecret(t, 'Alice', 'pptpd'), undefined);
  assert.equal(lookupSecret(t, 'alice', 'PPTPD'), undefined);
  assert.equal(lookupSecret(t, 'CORP\\alice', 'pptpd')?.secret, 'b');
  assert.equal(buildTable([]).size, 0);
  assert.equal(lookupSecret(buildTable([]), 'alice', 'pptpd'), undefined);
});

test('the first wildcard-server entry is kept when an exact one comes later', () => {
  const t = buildTable([e('dave', '*', 'first-wild'), e('dave', '*', 'second-wild'), e('dave', 'pptpd', 'exact')]);
  assert.equal(lookupSecret(t, 'dave', 'pptpd')?.secret, 'exact');
  assert.equal(lookupSecret(t, 'dave', 'x')?.secret, 'first-wild');
});
