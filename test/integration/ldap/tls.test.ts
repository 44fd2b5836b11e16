// ldaps:// and StartTLS against slapd with a throw-away CA made by the helper.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { canRunSlapd, startSlapd, Users, type Slapd } from '../../helpers/slapd.js';
import { mschapV2, pap, request } from '../../unit/auth-plugins/fixtures.js';
import { ldapChain } from './helpers.js';

const skip = canRunSlapd();

describe('ldap plugin over TLS', { skip }, () => {
  let slapd: Slapd;
  before(async () => {
    slapd = await startSlapd({ tls: true });
  });
  after(async () => {
    await slapd?.stop();
  });

  test('ldaps:// with the test CA: MS-CHAPv2 and PAP (user bind over TLS) accepted; no clear-text warning', async () => {
    const t = await ldapChain(slapd, { url: slapd.ldapsUrl, tls: { caFile: slapd.caFile } });
    try {
      assert.equal((await t.chain.authenticate(request(mschapV2('alice', Users.alice.password)))).verdict, 'accept');
      assert.equal((await t.chain.authenticate(request(pap(Users.alice.password)))).verdict, 'accept');
      assert.ok(!t.log.lines.some((l) => l.includes('plain ldap://')));
      assert.match(slapd.log(), /conn=\d+ fd=\d+ TLS established/);
    } finally {
      await t.close();
    }
  });

  test('StartTLS on ldap:// with the test CA: accepted; slapd saw the StartTLS extended operation', async () => {
    const before = (slapd.log().match(/EXT oid=1\.3\.6\.1\.4\.1\.1466\.20037/g) ?? []).length;
    const t = await ldapChain(slapd, { tls: { startTls: true, caFile: slapd.caFile } });
    try {
      assert.equal((await t.chain.authenticate(request(mschapV2('alice', Users.alice.password)))).verdict, 'accept');
      assert.equal((await t.chain.authenticate(request(pap(Users.alice.password)))).verdict, 'accept');
      const after = (slapd.log().match(/EXT oid=1\.3\.6\.1\.4\.1\.1466\.20037/g) ?? []).length;
      assert.equal(after - before, 2, 'service connection and the PAP bind connection');
      assert.ok(!t.log.lines.some((l) => l.includes('plain ldap://')));
    } finally {
      await t.close();
    }
  });

  test('a certificate that does not verify (no CA given; wrong server name) is refused, never silently accepted', async () => {
    const cases = [
      { url: slapd.ldapsUrl, tls: {} },
      { tls: { startTls: true } },
      { url: slapd.ldapsUrl, tls: { caFile: slapd.caFile, serverName: 'ldap.example.org' } },
    ];
    for (const over of cases) {
      const t = await ldapChain(slapd, { ...over, onUnreachable: 'reject' });
      try {
        const r = await t.chain.authenticate(request(mschapV2('alice', Users.alice.password)));
        assert.equal(r.verdict, 'reject', JSON.stringify(over));
        assert.match(r.verdict === 'reject' ? r.reason : '', /LDAP directory unreachable: .*(certificate|altnames|self.signed|issuer)/i);
      } finally {
        await t.close();
      }
    }
  });
});
