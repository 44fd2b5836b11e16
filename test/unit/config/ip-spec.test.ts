import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseIpv4, formatIpv4, parseIpSpec, parseIpSpecItem, addresses, addressAt, firstDuplicate, parseCidr, MAX_SPEC_ADDRESSES,
} from '../../../config/ip-spec.js';

const expand = (spec: string | string[]): string[] => {
  const r = parseIpSpec(spec);
  assert.ok(r.ok, r.ok ? '' : r.error);
  return [...addresses(r.blocks)].map(formatIpv4);
};

test('parseIpv4 accepts dotted quads and round-trips through formatIpv4', () => {
  for (const s of ['0.0.0.0', '10.8.0.1', '192.168.0.234', '255.255.255.255']) {
    const v = parseIpv4(s);
    assert.notEqual(v, undefined);
    assert.equal(formatIpv4(v as number), s);
  }
  assert.equal(parseIpv4('255.255.255.255'), 0xffffffff);
});

test('parseIpv4 refuses malformed addresses, octets over 255 and leading zeros (inet_addr octal)', () => {
  for (const s of ['1.2.3', '1.2.3.4.5', '256.1.1.1', '1.2.3.-1', '10.0.0.010', 'a.b.c.d', ' 1.2.3.4', '1.2.3.4 ', '', 'host']) {
    assert.equal(parseIpv4(s), undefined, s);
  }
});

test('PoPToP lists: single addresses and last-octet ranges (pptpd.conf(5) example)', () => {
  assert.deepEqual(expand('192.168.0.234-238,192.168.0.245'), [
    '192.168.0.234', '192.168.0.235', '192.168.0.236', '192.168.0.237', '192.168.0.238', '192.168.0.245',
  ]);
  assert.deepEqual(expand('192.168.0.234,192.168.0.245-249,192.168.0.254').length, 7);
});

test('a range in another octet steps that octet (192.168.0-2.2)', () => {
  assert.deepEqual(expand('192.168.0-2.2'), ['192.168.0.2', '192.168.1.2', '192.168.2.2']);
  assert.deepEqual(expand('10.1-2.0.1'), ['10.1.0.1', '10.2.0.1']);
});

test('full ranges a.b.c.d-a.b.c.e cross octet boundaries', () => {
  assert.deepEqual(expand('10.0.0.254-10.0.1.1'), ['10.0.0.254', '10.0.0.255', '10.0.1.0', '10.0.1.1']);
});

test('a YAML list of items, each possibly holding commas', () => {
  assert.deepEqual(expand(['10.0.0.1-2', '10.0.0.9,10.0.0.11']), ['10.0.0.1', '10.0.0.2', '10.0.0.9', '10.0.0.11']);
});

test('bad items are refused with a reason', () => {
  const cases: [string, RegExp][] = [
    ['192.168.0.238-234', /ends before it starts/],
    ['192.168.0.1-2-3', /more than one/],
    ['192.168.0.1, 192.168.0.2', /space/],
    ['192.168.0.1,,192.168.0.2', /empty item/],
    ['192.168.0.1-300', /0 to 255/],
    ['vpn.example.org', /not an IPv4 address/],
    ['10.0.1.1-10.0.0.1', /ends before/],
    ['1.2.3-4', /neither/],
  ];
  for (const [spec, re] of cases) {
    const r = parseIpSpec(spec);
    assert.equal(r.ok, false, spec);
    if (!r.ok) assert.match(r.error, re, spec);
  }
});

test('huge ranges are refused instead of exhausting memory', () => {
  const r = parseIpSpec('10.0.0.0-10.255.255.255');
  assert.equal(r.ok, false);
  assert.ok(MAX_SPEC_ADDRESSES < 16_777_216);
});

test('addressAt indexes blocks in O(blocks) and agrees with expansion', () => {
  const r = parseIpSpec('10.0.0.5-7,10.1-3.0.1,10.9.9.9');
  assert.ok(r.ok);
  if (!r.ok) return;
  const all = [...addresses(r.blocks)];
  all.forEach((a, i) => assert.equal(addressAt(r.blocks, i), a));
  assert.throws(() => addressAt(r.blocks, all.length), RangeError);
});

test('firstDuplicate finds an address listed twice', () => {
  const r = parseIpSpec('10.0.0.1-5,10.0.0.3');
  assert.ok(r.ok);
  if (r.ok) assert.equal(formatIpv4(firstDuplicate(r.blocks) as number), '10.0.0.3');
  const ok = parseIpSpec('10.0.0.1-5');
  if (ok.ok) assert.equal(firstDuplicate(ok.blocks), undefined);
});

test('parseIpSpecItem keeps the text for messages', () => {
  const b = parseIpSpecItem('10.0.0.1-3');
  assert.ok(typeof b !== 'string');
  if (typeof b !== 'string') assert.deepEqual([b.count, b.stride, b.text], [3, 1, '10.0.0.1-3']);
});

test('parseCidr', () => {
  assert.deepEqual(parseCidr('192.168.0.77/24'), { base: parseIpv4('192.168.0.0'), mask: 0xffffff00, bits: 24 });
  assert.deepEqual(parseCidr('10.0.0.1/32')?.mask, 0xffffffff);
  for (const s of ['10.0.0.0/0', '10.0.0.0/33', '10.0.0.0/', '10.0.0/8', '10.0.0.0']) assert.equal(parseCidr(s), undefined, s);
});
