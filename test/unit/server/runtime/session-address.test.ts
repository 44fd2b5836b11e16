// chooseAddress: every address a session would get is held to the user's allowed addresses
// (the chap-secrets address column), whoever proposed it: the pool, pool.static, or a
// Framed-IP-Address from RADIUS, LDAP or chap-secrets itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRule, parseChapSecrets } from '../../../../auth-plugins/chap-secrets/parse.js';
import type { AddressRule } from '../../../../config/address-rule.js';
import { IpPool, type Lease } from '../../../../server/ippool.js';
import { chooseAddress } from '../../../../server/runtime/session-address.js';

const SECRETS = 'carol  pptpd  "hunter2 secret"  !10.8.0.64 10.8.0.64/28\n';

function carolRule(): AddressRule {
  const { entries } = parseChapSecrets(SECRETS, '/etc/ppp/chap-secrets');
  return compileRule(entries[0]!);
}

function setup(): { pool: IpPool; reserved: Lease } {
  const pool = new IpPool({ name: 'default', local: '10.8.0.1', remote: '10.8.0.2-200' });
  const r = pool.lease('s1');
  assert.ok(r.ok);
  return { pool, reserved: r.lease };
}

test('no rule: the reserved pool address is kept, a Framed-IP-Address replaces it', () => {
  const { pool, reserved } = setup();
  const kept = chooseAddress(pool, { owner: 's1', user: 'alice', reserved });
  assert.deepEqual(kept, { ok: true, lease: reserved });
  const framed = chooseAddress(pool, { owner: 's1', user: 'alice', reserved, framed: { address: '10.9.9.9', plugin: 'radius' } });
  assert.ok(framed.ok);
  assert.equal(framed.lease.remote, '10.9.9.9');
  assert.equal(pool.holderOf(reserved.remote), undefined, 'the reserved address went back');
});

test('a reserved pool address outside the rule is swapped for a free one inside it', () => {
  const { pool, reserved } = setup();
  assert.equal(reserved.remote, '10.8.0.2');
  const c = chooseAddress(pool, { owner: 's1', user: 'carol', reserved, rule: carolRule() });
  assert.ok(c.ok);
  assert.equal(c.lease.remote, '10.8.0.65', 'inside 10.8.0.64/28, not the excluded .64');
  assert.equal(pool.holderOf('10.8.0.2'), undefined);
  assert.equal(pool.holderOf('10.8.0.65'), 's1');
});

test('a reserved pool address inside the rule is kept', () => {
  const pool = new IpPool({ name: 'default', local: '10.8.0.1', remote: '10.8.0.70-80' });
  const r = pool.lease('s1');
  assert.ok(r.ok);
  const c = chooseAddress(pool, { owner: 's1', user: 'carol', reserved: r.lease, rule: carolRule() });
  assert.deepEqual(c, { ok: true, lease: r.lease });
});

test('no free address inside the rule: refused with one message naming the user and the rule, never the secret', () => {
  const pool = new IpPool({ name: 'default', local: '10.8.0.1', remote: '10.8.0.2-20' });
  const r = pool.lease('s1');
  assert.ok(r.ok);
  const c = chooseAddress(pool, { owner: 's1', user: 'carol', reserved: r.lease, rule: carolRule() });
  assert.equal(c.ok, false);
  if (!c.ok) {
    assert.equal(
      c.message,
      'no address for carol: no free address of pool "default" (18 of 19 free) is allowed by "!10.8.0.64 10.8.0.64/28" (/etc/ppp/chap-secrets:1)',
    );
    assert.ok(!c.message.includes('hunter2'));
  }
  assert.equal(pool.holderOf(r.lease.remote), 's1', 'nothing changed: the session end releases it');
  assert.equal(pool.inUse, 1);
});

test('a RADIUS or LDAP Framed-IP-Address outside the rule is refused; inside it is leased', () => {
  for (const plugin of ['radius', 'ldap']) {
    const { pool, reserved } = setup();
    const out = chooseAddress(pool, { owner: 's1', user: 'carol', reserved, rule: carolRule(), framed: { address: '10.8.0.64', plugin } });
    assert.equal(out.ok, false);
    if (!out.ok) {
      assert.equal(
        out.message,
        `no address for carol: 10.8.0.64 (Framed-IP-Address from ${plugin}) is outside the allowed addresses "!10.8.0.64 10.8.0.64/28" (/etc/ppp/chap-secrets:1)`,
      );
    }
    assert.equal(pool.holderOf('10.8.0.64'), undefined);
    const inside = chooseAddress(pool, { owner: 's1', user: 'carol', reserved, rule: carolRule(), framed: { address: '10.8.0.70', plugin } });
    assert.ok(inside.ok);
    assert.equal(inside.lease.remote, '10.8.0.70');
    assert.equal(inside.lease.static, true);
  }
});

test('pool.static is held to the rule too, and the auth reply’s address goes before it', () => {
  const { pool, reserved } = setup();
  const out = chooseAddress(pool, { owner: 's1', user: 'carol', reserved, rule: carolRule(), poolStatic: { carol: '10.8.0.150' } });
  assert.equal(out.ok, false);
  if (!out.ok) assert.match(out.message, /10\.8\.0\.150 \(pool\.static\) is outside the allowed addresses/);
  const ok = chooseAddress(pool, { owner: 's1', user: 'carol', reserved, rule: carolRule(), poolStatic: { carol: '10.8.0.66' } });
  assert.ok(ok.ok);
  assert.equal(ok.lease.remote, '10.8.0.66');
  const { pool: p2, reserved: r2 } = setup();
  const both = chooseAddress(p2, { owner: 's1', user: 'dave', reserved: r2, poolStatic: { dave: '10.8.0.66' }, framed: { address: '10.8.0.77', plugin: 'radius' } });
  assert.ok(both.ok);
  assert.equal(both.lease.remote, '10.8.0.77');
});

test('pool.static is looked up by own key only (a user named "constructor" finds nothing)', () => {
  const { pool, reserved } = setup();
  const c = chooseAddress(pool, { owner: 's1', user: 'constructor', reserved, poolStatic: { alice: '10.8.0.99' } });
  assert.deepEqual(c, { ok: true, lease: reserved });
});

test('a static-only pool (no reservation) leases inside the rule or refuses', () => {
  const pool = new IpPool({ name: 'static', local: '10.8.0.1', remote: '' });
  const c = chooseAddress(pool, { owner: 's1', user: 'carol', reserved: undefined, rule: carolRule() });
  assert.equal(c.ok, false);
  if (!c.ok) assert.match(c.message, /^no address for carol: no free address of pool "static" \(0 of 0 free\) is allowed by/);
});
