// IpPool.leaseWithin: a free pool address inside a user's allowed addresses (a chap-secrets
// address column compiled by auth-plugins/chap-secrets/parse.ts compileRule).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRule } from '../../../auth-plugins/chap-secrets/parse.js';
import { ruleAllows, type AddressRule } from '../../../config/address-rule.js';
import { parseIpv4 } from '../../../config/ip-spec.js';
import { IpPool, type LeaseResult } from '../../../server/ippool.js';

const rule = (column: string): AddressRule => compileRule({ addresses: column.split(' ').filter(Boolean), file: 'chap-secrets', line: 3 });
const remoteOf = (r: LeaseResult): string => {
  assert.ok(r.ok, r.ok ? '' : r.message);
  return r.ok ? r.lease.remote : '';
};

test('a subnet: the pool spans more, every lease falls inside it, then none is left', () => {
  const pool = new IpPool({ name: 'default', local: '10.8.0.1', remote: '10.8.0.2-200' });
  const r = rule('10.8.0.64/30');
  const got = [0, 1, 2, 3].map((i) => remoteOf(pool.leaseWithin(`s${i}`, r)));
  assert.deepEqual(got, ['10.8.0.64', '10.8.0.65', '10.8.0.66', '10.8.0.67']);
  const none = pool.leaseWithin('s4', r);
  assert.equal(none.ok, false);
  if (!none.ok) {
    assert.equal(none.reason, 'none-allowed');
    assert.match(none.message, /no free address of pool "default" \(195 of 199 free\) is allowed/);
  }
  assert.equal(pool.free, 195, 'a refusal takes nothing');
  pool.release('10.8.0.65');
  assert.equal(remoteOf(pool.leaseWithin('s5', r)), '10.8.0.65', 'a released address inside the rule comes back');
  assert.equal(remoteOf(pool.lease('plain')), '10.8.0.2', 'the unconstrained order is untouched');
});

test('exclusions and their order: the first match decides', () => {
  const pool = new IpPool({ name: 'p', local: '10.8.0.1', remote: '10.8.0.2-200' });
  const r = rule('10.8.0.64/30 !10.8.0.65');
  assert.deepEqual([0, 1].map((i) => remoteOf(pool.leaseWithin(`a${i}`, r))), ['10.8.0.64', '10.8.0.65'], 'the subnet matches first (pppd)');
  const pool2 = new IpPool({ name: 'p', local: '10.8.0.1', remote: '10.8.0.2-200' });
  const r2 = rule('!10.8.0.65 10.8.0.64/30');
  assert.deepEqual([0, 1, 2].map((i) => remoteOf(pool2.leaseWithin(`b${i}`, r2))), ['10.8.0.64', '10.8.0.66', '10.8.0.67']);
  assert.equal(pool2.leaseWithin('b3', r2).ok, false);
  // An excluded subnet in front of a wide permit: the head (10.8.0.2) is outside the exclusion.
  const pool3 = new IpPool({ name: 'p', local: '10.8.0.1', remote: '10.8.0.2-20' });
  const r3 = rule('!10.8.0.0/29 10.8.0.0/24');
  assert.equal(remoteOf(pool3.leaseWithin('c', r3)), '10.8.0.8');
});

test('"-", exclusions alone and a rule outside the pool lease nothing', () => {
  const pool = new IpPool({ name: 'p', local: '10.8.0.1', remote: '10.8.0.2-20' });
  for (const column of ['-', '', '!10.8.0.5', '10.9.0.0/24', '127.0.0.1', '10.8.0.1']) {
    const r = pool.leaseWithin('x', rule(column));
    assert.equal(r.ok, false, column);
  }
  assert.equal(pool.free, 19);
});

test('the free-list head is taken when the rule allows it (least recently released first stays)', () => {
  const pool = new IpPool({ name: 'p', local: '10.8.0.1', remote: '10.8.0.2-20' });
  const a = remoteOf(pool.lease('a'));
  const b = remoteOf(pool.lease('b'));
  pool.release(b);
  pool.release(a);
  // Head is now 10.8.0.4 (never used), then .5 … .20, then b (.3), then a (.2).
  assert.equal(remoteOf(pool.leaseWithin('c', rule('*'))), '10.8.0.4');
  assert.equal(remoteOf(pool.leaseWithin('d', rule('10.8.0.0/24'))), '10.8.0.5');
  assert.equal(remoteOf(pool.leaseWithin('e', rule('10.8.0.2 10.8.0.3'))), '10.8.0.2', 'the lowest allowed free slot');
});

test('several blocks, strides and paired local addresses', () => {
  const pool = new IpPool({ name: 'p', local: '10.8.0.1', remote: '10.8.0.2-5,10.9.0.1-40,10.10.1-3.7' });
  assert.equal(remoteOf(pool.leaseWithin('a', rule('10.9.0.32/29'))), '10.9.0.32');
  assert.equal(remoteOf(pool.leaseWithin('b', rule('10.10.2.0/24'))), '10.10.2.7', 'a stride-256 block');
  assert.equal(remoteOf(pool.leaseWithin('c', rule('!10.10.1.7 10.10.0.0/16'))), '10.10.3.7');
  const paired = new IpPool({ name: 'q', local: '10.7.0.1-4', remote: '10.8.0.1-4' });
  const l = paired.leaseWithin('d', rule('10.8.0.3'));
  assert.ok(l.ok);
  if (l.ok) assert.deepEqual([l.lease.remote, l.lease.local], ['10.8.0.3', '10.7.0.3'], 'the slot keeps its own local address');
});

test('agrees with a brute-force search over random pools, leases and rules (bounded)', () => {
  let seed = 4242;
  const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
  for (let round = 0; round < 40; round++) {
    const pool = new IpPool({ name: 'p', local: '10.8.0.1', remote: `10.8.${rand(2)}.2-${100 + rand(150)},10.9.0.${1 + rand(50)}-120` });
    const all: string[] = [];
    for (let i = 0; i < pool.size; i++) {
      const r = pool.lease(`fill${i}`);
      if (r.ok) all.push(r.lease.remote);
    }
    for (const a of all) if (rand(3) === 0) pool.release(a);
    for (let k = 0; k < 20; k++) {
      const column = [
        `10.${8 + rand(2)}.${rand(2)}.${rand(256)}/${24 + rand(8)}`,
        rand(2) === 0 ? `!10.8.0.${rand(256)}/${28 + rand(5)}` : '',
        rand(3) === 0 ? `10.9.0.${rand(120)}` : '',
      ].join(' ');
      const r = rule(column);
      const held = new Set([...pool.leases()].map((l) => l.remote));
      const candidates = all.filter((a) => !held.has(a) && ruleAllows(r, parseIpv4(a)!));
      const got = pool.leaseWithin(`k${k}`, r);
      if (candidates.length === 0) assert.equal(got.ok, false, column);
      else {
        assert.ok(got.ok, `${column}: ${got.ok ? '' : got.message} but ${candidates[0]} is free and allowed`);
        if (got.ok) assert.ok(candidates.includes(got.lease.remote), `${column}: ${got.lease.remote}`);
      }
    }
  }
});

test('cheap on a large pool: 65 536 slots, the one free address inside a /16 is found 2 000 times within a bound', () => {
  const pool = new IpPool({ name: 'big', local: '10.0.0.1', remote: '10.1.0.0-10.1.255.255' });
  for (let i = 0; i < 65536; i++) remoteOf(pool.lease(`s${i}`));
  const r = rule('!10.1.0.0/17 10.1.0.0/16');
  pool.release('10.1.0.5'); // the free-list head, excluded: every lease below must search
  pool.release('10.1.255.200');
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < 2000; i++) {
    const got = remoteOf(pool.leaseWithin(`w${i}`, r));
    assert.equal(got, '10.1.255.200');
    pool.release(got);
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  // 2 000 scans of 1 024 bitmap words (the permitted /16): well under the bound on a busy machine.
  assert.ok(ms < 3000, `${ms} ms`);
  assert.equal(remoteOf(pool.leaseWithin('last', r)), '10.1.255.200');
  assert.equal(pool.leaseWithin('x', r).ok, false, 'an excluded free address is never taken');
  console.log(`leaseWithin on a full 65 536-slot pool: ${((ms * 1000) / 2000).toFixed(1)} µs per lease`);
});
