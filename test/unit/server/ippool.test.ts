import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IpPool, type LeaseResult } from '../../../server/ippool.js';
import { PptpdError, ErrorCode } from '../../../server/errors.js';

const remoteOf = (r: LeaseResult): string => {
  assert.ok(r.ok, r.ok ? '' : r.message);
  return r.ok ? r.lease.remote : '';
};

test('PoPToP HOWTO pool: one shared localip, remoteip list with a range', () => {
  const pool = new IpPool({ name: 'default', local: '192.168.0.1', remote: '192.168.0.234-238,192.168.0.245' });
  assert.equal(pool.size, 6);
  const got: string[] = [];
  for (let i = 0; i < 6; i++) {
    const r = pool.lease(`s${i}`);
    assert.ok(r.ok);
    if (r.ok) {
      assert.equal(r.lease.local, '192.168.0.1');
      assert.equal(r.lease.static, false);
      got.push(r.lease.remote);
    }
  }
  assert.deepEqual(got, ['192.168.0.234', '192.168.0.235', '192.168.0.236', '192.168.0.237', '192.168.0.238', '192.168.0.245']);
  const none = pool.lease('s6');
  assert.equal(none.ok, false);
  if (!none.ok) {
    assert.equal(none.reason, 'exhausted');
    assert.equal(none.pool, 'default');
    assert.match(none.message, /No more free addresses in pool "default" \(all 6 in use\)/);
  }
});

test('a localip range gives each client its own pair; slots are limited by the shorter list', () => {
  const pool = new IpPool({ name: 'p', local: '192.168.1.80-89', remote: '192.168.1.90-92' });
  assert.equal(pool.size, 3);
  const a = pool.lease('a');
  const b = pool.lease('b');
  assert.ok(a.ok && b.ok);
  if (a.ok && b.ok) {
    assert.deepEqual([a.lease.local, a.lease.remote], ['192.168.1.80', '192.168.1.90']);
    assert.deepEqual([b.lease.local, b.lease.remote], ['192.168.1.81', '192.168.1.91']);
  }
});

test('addresses are reused only after release, least recently released first', () => {
  const pool = new IpPool({ name: 'p', local: '10.0.0.1', remote: '10.0.0.10-13' });
  const a = remoteOf(pool.lease('a')); // .10
  const b = remoteOf(pool.lease('b')); // .11
  assert.equal(pool.release(b), true);
  assert.equal(pool.release(a), true);
  // Never-used .12 and .13 come first, then .11 (released first), then .10.
  assert.deepEqual([1, 2, 3, 4].map((i) => remoteOf(pool.lease(`c${i}`))), ['10.0.0.12', '10.0.0.13', '10.0.0.11', '10.0.0.10']);
  assert.equal(pool.release('10.0.0.99'), false);
  assert.equal(pool.release('junk'), false);
  assert.equal(pool.release('10.0.0.12'), true);
  assert.equal(pool.release('10.0.0.12'), false, 'a double release is refused');
});

test('static addresses: leased when free, refused when in someone else’s hands', () => {
  const pool = new IpPool({ name: 'p', local: '10.0.0.1', remote: '10.0.0.10-12' });
  const s = pool.lease('alice', '10.0.0.11'); // inside the range: takes its slot
  assert.ok(s.ok && s.lease.static);
  assert.equal(pool.free, 2);
  assert.deepEqual([remoteOf(pool.lease('x')), remoteOf(pool.lease('y'))], ['10.0.0.10', '10.0.0.12']);
  const taken = pool.lease('bob', '10.0.0.11');
  assert.equal(taken.ok, false);
  if (!taken.ok && taken.reason === 'in-use') assert.equal(taken.holder, 'alice');
  else assert.fail('expected in-use');
  const outside = pool.lease('carol', '172.16.5.5'); // outside the ranges
  assert.ok(outside.ok);
  if (outside.ok) assert.deepEqual([outside.lease.local, outside.lease.static], ['10.0.0.1', true]);
  assert.equal(pool.holderOf('172.16.5.5'), 'carol');
  assert.equal(pool.lease('dave', '172.16.5.5').ok, false);
  assert.equal(pool.inUse, 4);
  assert.equal(pool.release('172.16.5.5'), true);
  assert.equal(pool.holderOf('172.16.5.5'), undefined);
  assert.equal(pool.release('10.0.0.11'), true);
  assert.equal(remoteOf(pool.lease('z')), '10.0.0.11');
});

test('static addresses that can never be a client address are refused', () => {
  const pool = new IpPool({ name: 'p', local: '10.0.0.1', remote: '10.0.0.10-12' });
  for (const a of ['10.0.0.1', '127.0.0.1', '224.0.0.5', '255.255.255.255', '0.0.0.0', 'nope']) {
    const r = pool.lease('u', a);
    assert.equal(r.ok, false, a);
    if (!r.ok) assert.equal(r.reason, 'invalid', a);
  }
  assert.equal(pool.free, 3);
});

test('a static-only pool (PoPToP delegate) hands out only requested addresses', () => {
  const pool = new IpPool({ name: 'static', local: '10.9.0.1', remote: [] });
  assert.equal(pool.size, 0);
  assert.equal(pool.lease('a').ok, false);
  assert.equal(pool.lease('a', '10.9.0.5').ok, true);
});

test('bad specifications throw CONFIG_INVALID naming the pool', () => {
  const bad: [string, string][] = [
    ['10.0.0.1', '10.0.0.5-2'],
    ['10.0.0.1', '10.0.0.1-5'],
    ['10.0.0.1', '10.0.0.2-5,10.0.0.4'],
    ['nonsense', '10.0.0.2'],
  ];
  for (const [local, remote] of bad) {
    assert.throws(
      () => new IpPool({ name: 'vpn', local, remote }),
      (e: unknown) => e instanceof PptpdError && e.code === ErrorCode.CONFIG_INVALID && e.message.includes('pool "vpn"'),
      `${local} / ${remote}`,
    );
  }
});

test('lease and release stay O(1): 65 536 slots churned with bounded work', () => {
  const pool = new IpPool({ name: 'big', local: '10.0.0.1', remote: '10.1.0.0-10.1.255.255' });
  assert.equal(pool.size, 65536);
  // CPU time, not wall time: the bound is on the work done, which other processes on a busy
  // machine do not change (they do stretch the wall clock).
  const t0 = process.cpuUsage();
  const held: string[] = [];
  for (let i = 0; i < 65536; i++) held.push(remoteOf(pool.lease(`s${i}`)));
  assert.equal(pool.lease('extra').ok, false);
  for (let i = 0; i < 65536; i += 2) pool.release(held[i] as string);
  for (let i = 0; i < 32768; i++) assert.ok(pool.lease(`t${i}`).ok);
  const cpu = process.cpuUsage(t0);
  const ms = (cpu.user + cpu.system) / 1000;
  assert.ok(ms < 2000, `${ms} ms of CPU`);
  assert.equal(pool.free, 0);
  assert.equal([...pool.leases()].length, 65536);
});
