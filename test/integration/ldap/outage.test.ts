// The directory going away: restarted (the reused connection breaks and is
// rebuilt), hung (SIGSTOP: connections accepted, nothing answered) and
// stopped — each with the configured behaviour, a clear log line and no hang.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AuthResult } from '../../../auth-plugins/types.js';
import { canRunSlapd, startSlapd, Users, type Slapd } from '../../helpers/slapd.js';
import { mschapV2, request, secretPlugin } from '../../unit/auth-plugins/fixtures.js';
import { ldapChain } from './helpers.js';

const skip = canRunSlapd();

function verdictOf(r: AuthResult): string {
  return r.verdict === 'accept' ? `accept by ${r.plugin}` : `reject: ${r.reason}`;
}

describe('ldap plugin when the directory fails', { skip }, () => {
  let slapd: Slapd;
  before(async () => {
    slapd = await startSlapd();
  });
  after(async () => {
    await slapd?.stop();
  });

  test('slapd restarted: the broken service connection is rebuilt and the next attempt succeeds', async () => {
    const t = await ldapChain(slapd, { cacheTtl: 0 });
    try {
      assert.equal(verdictOf(await t.chain.authenticate(request(mschapV2('alice', Users.alice.password)))), 'accept by ldap');
      assert.equal(t.ldap.stats.connects, 1);
      const oldPid = slapd.pid;
      await slapd.restart();
      assert.notEqual(slapd.pid, oldPid);
      assert.equal(verdictOf(await t.chain.authenticate(request(mschapV2('alice', Users.alice.password)))), 'accept by ldap');
      assert.equal(t.ldap.stats.connects, 2, 'one new connection');
      assert.equal(verdictOf(await t.chain.authenticate(request(mschapV2('alice', Users.alice.password)))), 'accept by ldap');
      assert.equal(t.ldap.stats.connects, 2, 'and reused again');
    } finally {
      await t.close();
    }
  });

  test('slapd hung: the attempt ends after the plugin timeout (onUnreachable reject), then works again once it resumes', async () => {
    const t = await ldapChain(slapd, { cacheTtl: 0, timeout: 0.4, onUnreachable: 'reject' });
    try {
      assert.equal(verdictOf(await t.chain.authenticate(request(mschapV2('alice', Users.alice.password)))), 'accept by ldap');
      slapd.pause();
      const started = performance.now();
      const r = await t.chain.authenticate(request(mschapV2('alice', Users.alice.password)));
      const ms = performance.now() - started;
      slapd.resume();
      assert.match(verdictOf(r), /^reject: LDAP directory unreachable: .*timed out/);
      assert.ok(ms > 350 && ms < 2000, `took ${Math.round(ms)} ms`);
      const line = t.log.lines.find((l) => l.includes('ldap: directory unreachable'));
      assert.ok(line !== undefined && line.includes('rejecting the attempt'), line);
      assert.equal(verdictOf(await t.chain.authenticate(request(mschapV2('alice', Users.alice.password)))), 'accept by ldap');
    } finally {
      slapd.resume();
      await t.close();
    }
  });

  test('slapd stopped: pass → the next plugin answers; reject → refused; one log line each, fast', async () => {
    const pass = await ldapChain(slapd, { cacheTtl: 0 }, [secretPlugin('fallback', Users.alice.password)]);
    const reject = await ldapChain(slapd, { cacheTtl: 0, onUnreachable: 'reject' }, [secretPlugin('fallback', Users.alice.password)]);
    try {
      // Both have a live connection before the outage.
      assert.equal(verdictOf(await pass.chain.authenticate(request(mschapV2('alice', Users.alice.password)))), 'accept by ldap');
      assert.equal(verdictOf(await reject.chain.authenticate(request(mschapV2('alice', Users.alice.password)))), 'accept by ldap');
      await slapd.stop();
      for (let i = 0; i < 2; i++) {
        const started = performance.now();
        const p = await pass.chain.authenticate(request(mschapV2('alice', Users.alice.password)));
        const r = await reject.chain.authenticate(request(mschapV2('alice', Users.alice.password)));
        assert.ok(performance.now() - started < 1500);
        assert.equal(verdictOf(p), 'accept by fallback');
        assert.match(verdictOf(r), /^reject: LDAP directory unreachable: ldap:\/\/127\.0\.0\.1:\d+\/: /);
      }
      for (const [t, then] of [[pass, 'passing to the next plugin'], [reject, 'rejecting the attempt']] as const) {
        const lines = t.log.lines.filter((l) => l.includes('ldap: directory unreachable'));
        assert.equal(lines.length, 2);
        assert.ok(lines.every((l) => l.includes(then) && l.includes(slapd.url)));
      }
    } finally {
      await pass.close();
      await reject.close();
    }
  });
});
