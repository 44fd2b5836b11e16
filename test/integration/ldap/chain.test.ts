// The ldap plugin through the real chain against a real OpenLDAP slapd with
// the Samba schema (test/helpers/slapd.ts, 127.0.0.1 only).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateAuthenticatorResponse, ntPasswordHash } from '../../../server/crypto/mschap.js';
import { mppeKeysV1, mppeKeysV2 } from '../../../server/crypto/mppe-keys.js';
import type { AuthResult } from '../../../auth-plugins/types.js';
import { canRunSlapd, Directory, startSlapd, Users, type Slapd } from '../../helpers/slapd.js';
import { chapMd5, mschapV1, mschapV2, pap, request, RFC2759 } from '../../unit/auth-plugins/fixtures.js';
import { ldapChain } from './helpers.js';

const skip = canRunSlapd();

function accepted(r: AuthResult): Extract<AuthResult, { verdict: 'accept' }> {
  assert.equal(r.verdict, 'accept', r.verdict === 'reject' ? r.reason : '');
  return r as Extract<AuthResult, { verdict: 'accept' }>;
}
function rejected(r: AuthResult): Extract<AuthResult, { verdict: 'reject' }> {
  assert.equal(r.verdict, 'reject');
  return r as Extract<AuthResult, { verdict: 'reject' }>;
}

describe('ldap plugin against slapd', { skip }, () => {
  let slapd: Slapd;
  before(async () => {
    slapd = await startSlapd();
  });
  after(async () => {
    await slapd?.stop();
  });

  test('MS-CHAPv2: alice accepted with the authenticator response and MPPE keys of her NT hash', async () => {
    const t = await ldapChain(slapd);
    try {
      const creds = mschapV2('alice', Users.alice.password);
      const r = accepted(await t.chain.authenticate(request(creds)));
      const hash = ntPasswordHash(Users.alice.password);
      assert.equal(r.plugin, 'ldap');
      assert.equal(r.userName, 'alice');
      assert.equal(r.authenticatorResponse, generateAuthenticatorResponse(hash, creds.ntResponse, creds.peerChallenge, creds.authenticatorChallenge, 'alice'));
      assert.deepEqual(r.mppeKeys, mppeKeysV2(hash, creds.ntResponse));
      assert.deepEqual(r.attributes, {});
    } finally {
      await t.close();
    }
  });

  test('MS-CHAPv2: the RFC 2759 §9.2 sample user gives the RFC authenticator response and RFC 3079 §3.5.3 send key', async () => {
    const t = await ldapChain(slapd);
    try {
      const creds = { method: 'mschap-v2', authenticatorChallenge: RFC2759.authenticatorChallenge, peerChallenge: RFC2759.peerChallenge, ntResponse: RFC2759.ntResponse, flags: 0 } as const;
      const r = accepted(await t.chain.authenticate(request(creds, { peerName: RFC2759.userName })));
      assert.equal(r.authenticatorResponse, RFC2759.authenticatorResponse);
      assert.deepEqual(r.mppeKeys?.sendKey, RFC2759.masterSendKey);
    } finally {
      await t.close();
    }
  });

  test('MS-CHAPv1: accepted with RFC 3079 keys; wrong passwords rejected with E=691 (v1 and v2)', async () => {
    const t = await ldapChain(slapd);
    try {
      const challenge = Buffer.from('102db5df085d3041', 'hex');
      const r = accepted(await t.chain.authenticate(request(mschapV1(Users.alice.password, challenge))));
      assert.deepEqual(r.mppeKeys, mppeKeysV1(ntPasswordHash(Users.alice.password), challenge));
      for (const creds of [mschapV1('Secret'), mschapV2('alice', 'secret ')]) {
        const no = rejected(await t.chain.authenticate(request(creds)));
        assert.equal(no.mschapError, 691);
        assert.match(no.reason, /response does not match/);
      }
    } finally {
      await t.close();
    }
  });

  test('group required: bob is refused ("not in group", E=649) by memberOf, member and memberUid checks; alice passes each', async () => {
    const modes = [
      { groupCheck: 'memberOf', group: Directory.vpnUsers },
      { groupCheck: 'member', group: Directory.vpnUsers },
      { groupCheck: 'memberUid', group: Directory.vpnPosix },
    ];
    for (const mode of modes) {
      const t = await ldapChain(slapd, mode);
      try {
        const bob = rejected(await t.chain.authenticate(request(mschapV2('bob', Users.bob.password), { peerName: 'bob' })));
        assert.equal(bob.reason, `bob is not in group ${mode.group}`, mode.groupCheck);
        assert.equal(bob.mschapError, 649);
        accepted(await t.chain.authenticate(request(mschapV2('alice', Users.alice.password))));
        // carol is in vpn-users only.
        const carol = await t.chain.authenticate(request(mschapV2('carol', Users.carol.password), { peerName: 'carol' }));
        assert.equal(carol.verdict, mode.groupCheck === 'memberUid' ? 'reject' : 'accept', mode.groupCheck);
      } finally {
        await t.close();
      }
    }
    // Without a group, bob is fine.
    const open = await ldapChain(slapd, { group: undefined });
    try {
      accepted(await open.chain.authenticate(request(mschapV2('bob', Users.bob.password), { peerName: 'bob' })));
    } finally {
      await open.close();
    }
  });

  test('filter metacharacters in the name cannot widen the search; a real name made of them still works', async () => {
    const t = await ldapChain(slapd, { group: undefined });
    try {
      const before = slapd.searchCount();
      // Unescaped, `al*` and `alice)(uid=alice` would find alice, and with her password these would log in as her.
      const evil = ['al*', '*', '*)(uid=*', 'alice)(uid=alice', 'alice)(|(uid=*', 'x*', '*)(y', 'alice\0', 'alic\\65', '\\2a'];
      for (const name of evil) {
        const r = rejected(await t.chain.authenticate(request(mschapV2(name, Users.alice.password), { peerName: name })));
        assert.equal(r.reason, `no plugin could authenticate ${name}`, JSON.stringify(name));
      }
      assert.equal(slapd.searchCount() - before, evil.length);
      // slapd saw each metacharacter as an escaped value, never as syntax.
      const log = slapd.log();
      assert.match(log, /filter="\(uid=al\\2A\)"/i);
      assert.match(log, /filter="\(uid=\\2A\\29\\28uid=\\2A\)"/i);
      assert.doesNotMatch(log, /filter="\(uid=al\*\)"/);
      const meta = accepted(await t.chain.authenticate(request(mschapV2(Users.meta.name, Users.meta.password), { peerName: Users.meta.name })));
      assert.equal(meta.userName, Users.meta.name);
    } finally {
      await t.close();
    }
  });

  test('PAP by binding as the user: right password accepted, wrong and empty rejected; never cached', async () => {
    const t = await ldapChain(slapd);
    try {
      const binds = (): number => (slapd.log().match(/BIND dn="uid=alice,ou=people,dc=example,dc=org" method=128/g) ?? []).length;
      const b0 = binds();
      assert.equal(accepted(await t.chain.authenticate(request(pap(Users.alice.password)))).plugin, 'ldap');
      const wrong = rejected(await t.chain.authenticate(request(pap('not-secret'))));
      assert.match(wrong.reason, /wrong password for alice/);
      assert.match(rejected(await t.chain.authenticate(request(pap('')))).reason, /empty PAP password/);
      accepted(await t.chain.authenticate(request(pap(Users.alice.password))));
      assert.equal(binds() - b0, 3, 'every PAP attempt binds (the empty one never reaches the server)');
      assert.equal(t.ldap.stats.userBinds, 3);
      // eve has no NT hash (like any AD user): PAP works by bind, MS-CHAPv2 has nothing to check against.
      accepted(await t.chain.authenticate(request(pap(Users.eve.password), { peerName: 'eve' })));
      const v2 = rejected(await t.chain.authenticate(request(mschapV2('eve', Users.eve.password), { peerName: 'eve' })));
      assert.equal(v2.reason, 'no plugin could authenticate eve');
      const reasons = t.tracer.exporter.getFinishedSpans().map((sp) => sp.attributes['pptpd.auth.plugin.reason']);
      assert.ok(reasons.includes('eve has no sambaNTPassword (Active Directory never reveals one)'), JSON.stringify(reasons));
    } finally {
      await t.close();
    }
  });

  test('PAP against the NT hash (pap: nt-hash) and CHAP-MD5 (cannot be checked, passes)', async () => {
    const t = await ldapChain(slapd, { pap: 'nt-hash' });
    try {
      accepted(await t.chain.authenticate(request(pap(Users.alice.password))));
      rejected(await t.chain.authenticate(request(pap('nope'))));
      assert.equal(t.ldap.stats.userBinds, 0);
      const chap = rejected(await t.chain.authenticate(request(chapMd5(Users.alice.password))));
      assert.equal(chap.reason, 'no plugin could authenticate alice');
    } finally {
      await t.close();
    }
  });

  test('static address attribute → Framed-IP-Address; disabled account refused with E=647', async () => {
    const t = await ldapChain(slapd);
    try {
      const carol = accepted(await t.chain.authenticate(request(mschapV2('carol', Users.carol.password), { peerName: 'carol' })));
      assert.equal(carol.attributes.framedIpAddress, Users.carol.address);
      const papCarol = accepted(await t.chain.authenticate(request(pap(Users.carol.password), { peerName: 'carol' })));
      assert.equal(papCarol.attributes.framedIpAddress, Users.carol.address);
      const dave = rejected(await t.chain.authenticate(request(mschapV2('dave', Users.dave.password), { peerName: 'dave' })));
      assert.equal(dave.mschapError, 647);
      assert.match(dave.reason, /disabled/);
    } finally {
      await t.close();
    }
  });

  test('cache: a second attempt for the same user sends no search (slapd log and counter); negative answers cached too', async () => {
    const t = await ldapChain(slapd, { groupCheck: 'member' }); // 2 searches per lookup: user + group entry
    try {
      const user = (): number => slapd.searchCount('(uid=alice)');
      const group = (): number => slapd.searchCount('(member=uid=alice');
      const [u0, g0] = [user(), group()];
      accepted(await t.chain.authenticate(request(mschapV2('alice', Users.alice.password))));
      assert.deepEqual([user() - u0, group() - g0], [1, 1]);
      accepted(await t.chain.authenticate(request(mschapV2('alice', Users.alice.password))));
      rejected(await t.chain.authenticate(request(mschapV2('alice', 'wrong'))));
      assert.deepEqual([user() - u0, group() - g0], [1, 1], 'answered from the cache');
      assert.equal(t.ldap.stats.cacheHits, 2);
      assert.equal(t.ldap.stats.searches, 2);
      const n0 = slapd.searchCount('(uid=nobody)');
      rejected(await t.chain.authenticate(request(mschapV2('nobody', 'x'), { peerName: 'nobody' })));
      rejected(await t.chain.authenticate(request(mschapV2('nobody', 'x'), { peerName: 'nobody' })));
      assert.equal(slapd.searchCount('(uid=nobody)') - n0, 1);
      assert.equal(t.ldap.stats.connects, 1, 'one service connection, reused');
    } finally {
      await t.close();
    }
    const off = await ldapChain(slapd, { cacheTtl: 0 });
    try {
      const u0 = slapd.searchCount('(uid=alice)');
      accepted(await off.chain.authenticate(request(mschapV2('alice', Users.alice.password))));
      accepted(await off.chain.authenticate(request(mschapV2('alice', Users.alice.password))));
      assert.equal(slapd.searchCount('(uid=alice)') - u0, 2);
    } finally {
      await off.close();
    }
  });

  test('anonymous search: the ACL hides sambaNTPassword, so MS-CHAP passes; PAP by user bind still works', async () => {
    const t = await ldapChain(slapd, { bindDn: undefined, bindPassword: undefined });
    try {
      const v2 = rejected(await t.chain.authenticate(request(mschapV2('alice', Users.alice.password))));
      assert.equal(v2.reason, 'no plugin could authenticate alice');
      const reasons = t.tracer.exporter.getFinishedSpans().map((sp) => sp.attributes['pptpd.auth.plugin.reason']);
      assert.ok(reasons.includes('alice has no sambaNTPassword (Active Directory never reveals one)'), JSON.stringify(reasons));
      accepted(await t.chain.authenticate(request(pap(Users.alice.password))));
      rejected(await t.chain.authenticate(request(pap('wrong'))));
    } finally {
      await t.close();
    }
  });

  test('no secret in logs or spans: bind password, NT hashes, user passwords, keys', async () => {
    const t = await ldapChain(slapd);
    try {
      const creds = mschapV2('alice', Users.alice.password);
      const ok = accepted(await t.chain.authenticate(request(creds)));
      await t.chain.authenticate(request(pap('Wr0ng-Pass')));
      await t.chain.authenticate(request(pap(Users.eve.password), { peerName: 'eve' }));
      await t.chain.authenticate(request(mschapV2('bob', Users.bob.password), { peerName: 'bob' }));
      const spans = t.tracer.exporter.getFinishedSpans();
      assert.ok(spans.some((s) => s.attributes['pptpd.auth.plugin.kind'] === 'ldap'));
      const text = JSON.stringify(spans.map((s) => ({ n: s.name, a: s.attributes, st: s.status, e: s.events }))) + t.log.lines.join('');
      const forbidden = [
        Directory.servicePassword,
        `"${Users.alice.password}"`, // "secret" is also an English word in reasons: look for it as a value
        'Wr0ng-Pass',
        Users.eve.password,
        ntPasswordHash(Users.alice.password).toString('hex'),
        ntPasswordHash(Users.alice.password).toString('hex').toUpperCase(),
        ntPasswordHash(Users.bob.password).toString('hex').toUpperCase(),
        ok.mppeKeys!.sendKey.toString('hex'),
        ok.mppeKeys!.recvKey.toString('hex'),
        creds.ntResponse.toString('hex'),
      ];
      for (const f of forbidden) assert.ok(!text.includes(f), `a secret leaked: ${f.slice(0, 3)}…`);
      assert.match(text, /ldap uid=alice,ou=people,dc=example,dc=org/, 'the source DN is recorded');
    } finally {
      await t.close();
    }
  });
});
