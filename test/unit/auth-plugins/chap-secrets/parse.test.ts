import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  parseChapSecrets, compileRule, hostNamesOf, staticAddress, type ChapSecret,
} from '../../../../auth-plugins/chap-secrets/parse.js';
import { ruleAllows, type AddressRule } from '../../../../config/address-rule.js';
import { parseIpv4 } from '../../../../config/ip-spec.js';
import { repoRoot } from '../../../helpers/paths.js';

const fixture = (name: string): { text: string; file: string } => {
  const file = path.join(repoRoot, 'test/fixtures/poptop', name, 'etc/ppp/chap-secrets');
  return { text: readFileSync(file, 'utf8'), file };
};
const pick = (e: ChapSecret) => [e.client, e.server, e.secret, e.addresses, e.line];

test('the HOWTO chap-secrets: quotes, escapes, wildcards, addresses, continuation', () => {
  const { text, file } = fixture('howto');
  const { entries, issues } = parseChapSecrets(text, file);
  assert.deepEqual(issues, []);
  assert.deepEqual(entries.map(pick), [
    ['username', 'pptpd', 'password', ['*'], 3],
    ['workgroup\\user', 'server', 'password2', ['*'], 4],
    ['CORP\\alice', 'pptpd', 'correct horse battery', ['192.168.0.240'], 5],
    ['bob', '*', 'bobs pass', ['192.168.0.0/24', '!192.168.0.1'], 6],
    ['carol', 'pptpd', 'carolpw', ['-'], 7],
    ['dave', 'pptpd', 'davepw', ['192.168.0.241'], 8],
  ]);
  assert.ok(entries.every((e) => e.file === file));
});

test('malformed lines: file and line in every issue, never the secret', () => {
  const { text, file } = fixture('malformed');
  const { entries, issues } = parseChapSecrets(text, file);
  assert.deepEqual(
    issues.map((i) => [i.line, i.severity]),
    [[4, 'error'], [5, 'warning'], [6, 'warning'], [7, 'warning'], [8, 'warning'], [8, 'warning']],
  );
  assert.match(issues[0]?.message ?? '', /2 fields/);
  assert.match(issues[1]?.message ?? '', /10\.0\.0\.300/);
  assert.match(issues[2]?.message ?? '', /\\d.*"d"/);
  assert.match(issues[3]?.message ?? '', /duplicate.*line 2/);
  assert.ok(issues.every((i) => i.file === file));
  const secrets = ['alicepw', 's3cretCarol', 'd4vePass', 'otherAlicePw', 's3cretErin', 'unterminated'];
  for (const i of issues) for (const s of secrets) assert.ok(!i.message.includes(s), `${i.message} leaks ${s}`);
  assert.deepEqual(entries.map((e) => e.client), ['alice', 'carol', 'workgroupdave', 'alice', 'erin']);
  assert.deepEqual(entries[1]?.addresses, []); // the bad address is dropped: stricter, never looser
});

test('fewer than three fields is an error and the entry is skipped', () => {
  const r = parseChapSecrets('alone\npair x\n', 'f');
  assert.equal(r.entries.length, 0);
  assert.deepEqual(r.issues.map((i) => [i.line, i.severity]), [[1, 'error'], [2, 'error']]);
});

test('indirect secrets (@/file) are refused, not taken literally', () => {
  const r = parseChapSecrets('alice * @/etc/ppp/alice.secret *\nbob * @notafile *\n', 'f');
  assert.deepEqual(r.entries.map((e) => [e.client, e.secret]), [['bob', '@notafile']]);
  assert.equal(r.issues[0]?.severity, 'error');
  assert.ok(!r.issues[0]?.message.includes('alice.secret'));
});

test('"--" ends the addresses; per-peer options are warned about and dropped', () => {
  const r = parseChapSecrets('alice * pw 10.0.0.5 -- mtu 1000\n', 'f');
  assert.deepEqual(r.entries[0]?.addresses, ['10.0.0.5']);
  assert.match(r.issues[0]?.message ?? '', /after "--"/);
});

test('words after * or - are ignored (with a warning) as pppd does', () => {
  const r = parseChapSecrets('a * pw * 10.0.0.1\nb * pw - 10.0.0.2\n', 'f');
  assert.deepEqual(r.entries.map((e) => e.addresses), [['*'], ['-']]);
  assert.equal(r.issues.length, 2);
});

test('subnets with "+" are dropped with a warning; host names are kept to be resolved at load', () => {
  const r = parseChapSecrets('a * pw 10.0.0.0/24+ gateway.example 10.0.0.9\n', 'f');
  assert.deepEqual(r.entries[0]?.addresses, ['gateway.example', '10.0.0.9']);
  assert.equal(r.issues.length, 1);
  assert.equal(r.issues[0]?.severity, 'warning');
  assert.deepEqual(hostNamesOf(r.entries), ['gateway.example']);
});

test('an exclusion that cannot be honoured is an error (dropping it would allow more)', () => {
  for (const word of ['!10.0.0.0/24+', '!no_such$word']) {
    const r = parseChapSecrets(`a * pw 10.0.0.0/16 ${word}\n`, 'f');
    assert.equal(r.issues.length, 1, word);
    assert.equal(r.issues[0]?.severity, 'error', word);
    assert.match(r.issues[0]?.message ?? '', /exclusion/);
  }
});

const rule = (addresses: string[], hosts = new Map<string, number>()): AddressRule => compileRule({ addresses, file: 'f', line: 1 }, hosts);
const allowed = (addresses: string[], address: string): boolean => ruleAllows(rule(addresses), parseIpv4(address)!);

test('compiled rules follow pppd: first match wins, no match refuses, - and empty refuse all', () => {
  assert.equal(allowed(['*'], '10.1.2.3'), true);
  assert.equal(allowed([], '10.1.2.3'), false);
  assert.equal(allowed(['-'], '10.1.2.3'), false);
  const bob = ['192.168.0.0/24', '!192.168.0.1'];
  assert.equal(allowed(bob, '192.168.0.7'), true);
  assert.equal(allowed(bob, '192.168.0.1'), true); // the subnet matches first
  const bob2 = ['!192.168.0.1', '192.168.0.0/24'];
  assert.equal(allowed(bob2, '192.168.0.1'), false);
  assert.equal(allowed(bob2, '192.168.1.1'), false);
  assert.equal(allowed(['10.0.0.1', '10.0.0.2'], '10.0.0.2'), true, 'several entries');
  assert.equal(allowed(['*'], '127.0.0.1'), false);
  assert.equal(allowed(['*'], '224.0.0.1'), false);
  assert.equal(rule(bob).text, '192.168.0.0/24 !192.168.0.1');
  assert.equal(rule(bob).source, 'f:1');
});

test('host names: the resolved address is used; an unresolved one narrows, or refuses all as an exclusion', () => {
  const hosts = new Map([['gw.example', parseIpv4('10.0.0.9')!]]);
  const unresolved: string[] = [];
  const r = compileRule({ addresses: ['gw.example', 'nowhere.invalid'], file: 'f', line: 1 }, hosts, unresolved);
  assert.equal(ruleAllows(r, parseIpv4('10.0.0.9')!), true);
  assert.equal(staticAddress(r), '10.0.0.9');
  assert.deepEqual(unresolved, ['nowhere.invalid']);
  const ex = compileRule({ addresses: ['10.0.0.0/24', '!nowhere.invalid'], file: 'f', line: 1 }, hosts);
  assert.deepEqual(ex.matches, [], 'an exclusion we cannot resolve allows nothing');
  const ex2 = compileRule({ addresses: ['!gw.example', '10.0.0.0/24'], file: 'f', line: 1 }, hosts);
  assert.equal(ruleAllows(ex2, parseIpv4('10.0.0.9')!), false);
  assert.equal(ruleAllows(ex2, parseIpv4('10.0.0.8')!), true);
});

test('staticAddress is the first permitted single address the rule allows', () => {
  assert.equal(staticAddress(rule(['192.168.0.240'])), '192.168.0.240');
  assert.equal(staticAddress(rule(['!10.0.0.1', '10.0.0.0/24', '10.0.0.7', '10.0.0.8'])), '10.0.0.7');
  assert.equal(staticAddress(rule(['!10.0.0.7', '10.0.0.7', '10.0.0.8'])), '10.0.0.8');
  assert.equal(staticAddress(rule(['*'])), undefined);
  assert.equal(staticAddress(rule(['-', '10.0.0.1'])), undefined);
  assert.deepEqual(rule(['10.0.0.0/8']).matches, [{ permit: true, base: 0x0a000000, mask: 0xff000000 }]);
});

test('empty secret and bare escapes in the secret warn without showing it', () => {
  const r = parseChapSecrets('a * "" *\nb * p\\qw *\n', 'f');
  assert.equal(r.entries.length, 2);
  assert.equal(r.entries[1]?.secret, 'pqw');
  assert.equal(r.issues.length, 2);
  assert.ok(!r.issues[1]?.message.includes('pqw'));
});

test('never throws on arbitrary input (bounded fuzz)', () => {
  let seed = 12345;
  const rand = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) / 0x1000000;
  const alphabet = 'ab* -#"\'\\\n\t01.!/@';
  for (let n = 0; n < 500; n++) {
    let s = '';
    const len = Math.floor(rand() * 80);
    for (let i = 0; i < len; i++) s += alphabet[Math.floor(rand() * alphabet.length)];
    const r = parseChapSecrets(s, 'fuzz');
    for (const e of r.entries) assert.ok(e.line >= 1);
  }
});
