// The real Linux client (pptp-linux + pppd in a qemu VM) against pptpd-ts whose
// users live in OpenLDAP with the Samba schema: the `ldap` plugin reads
// sambaNTPassword as the service account, the chain checks MS-CHAPv2 locally
// and derives the MPPE-128 keys, and `rewrite-domain` in front turns
// `CORP\alice` and `alice@corp.example` into the `alice` looked up. slapd runs
// inside the server's namespace (startSlapd's `netns`), on its 127.0.0.1.
//
// The MS-CHAPv2 ChallengeHash covers what the client sent minus any `DOMAIN\`
// (RFC 2759 §8.2): `alice` for `CORP\alice`, the whole `alice@corp.example`
// for the UPN. Both must verify against the one NT hash found under `alice`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { canRunInterop, runPptpClient, type PptpClientResult } from '../helpers/interop.js';
import { canUseNetns, Netns } from '../helpers/netns.js';
import { startServer, type ServerProc } from '../helpers/server-proc.js';
import { canRunSlapd, Directory, startSlapd, Users, type Slapd } from '../helpers/slapd.js';
import { waitFor } from '../helpers/wait.js';

const skip = canUseNetns() ?? canRunInterop() ?? canRunSlapd();
const POOL = { local: ['10.8.0.1'], remote: ['10.8.0.2-20'] };

let ns: Netns | undefined;
let slapd: Slapd | undefined;
let server: ServerProc | undefined;

function assertUp(r: PptpClientResult): void {
  const j = r.json;
  assert.ok(j, `no JSON from the client: ${r.stderr.slice(-1500)}`);
  assert.equal(j.up, true, `tunnel not up: ${j.log.slice(-2500)}\n${JSON.stringify(server?.logs().slice(-10))}`);
  assert.equal(j.auth, 'MS-CHAP-v2');
  assert.equal(j.mppe, 'MPPE 128-bit stateless', 'MPPE keys derived from the NT hash in LDAP');
  assert.ok(j.ping_received >= 1, `no ping answered (${j.ping_received}/${j.ping_sent})`);
}

describe('real Linux client, users in OpenLDAP (sambaNTPassword), rewrite-domain in front', { skip, concurrency: 1 }, () => {
  before(async () => {
    ns = Netns.create('ldap');
    slapd = await startSlapd({ netns: ns.name });
    server = await startServer(ns, {
      config: {
        pool: POOL,
        auth: {
          chain: [
            { plugin: 'rewrite-domain' },
            {
              plugin: 'ldap',
              url: slapd.url,
              bindDn: Directory.serviceDn,
              bindPassword: Directory.servicePassword,
              baseDn: Directory.people,
              group: Directory.vpnUsers,
            },
          ],
        },
      },
    });
  });
  after(async () => {
    await server?.stop();
    await slapd?.stop();
    ns?.destroy();
  });

  test('CORP\\alice: NT hash from LDAP, MS-CHAPv2 + MPPE-128, ping', async () => {
    const searches = slapd!.searchCount('uid=alice');
    const r = await runPptpClient({ netns: ns!.name, user: 'CORP\\alice', password: Users.alice.password, timeout: 60 });
    assertUp(r);
    await server!.waitForLine(/^session up: CORP\\alice/); // the session keeps the name as sent
    const accepted = server!.logs().find((l) => l.msg === 'auth accepted' && l['userName'] === 'alice');
    assert.equal(accepted?.['plugin'], 'ldap', 'the ldap plugin supplied the secret, looked up as alice');
    await waitFor('slapd logged a search for (uid=alice)', () => slapd!.searchCount('uid=alice') > searches);
  });

  test('alice@corp.example: the UPN hashes in full, the lookup uses alice', async () => {
    const r = await runPptpClient({ netns: ns!.name, user: 'alice@corp.example', password: Users.alice.password, timeout: 60 });
    assertUp(r);
    await server!.waitForLine(/^session up: alice@corp\.example/);
    const accepts = server!.logs().filter((l) => l.msg === 'auth accepted' && l['userName'] === 'alice' && l['plugin'] === 'ldap');
    assert.equal(accepts.length, 2, 'both logins were answered by ldap under the stripped name');
  });

  test('bob (NT hash, not in the required group) is refused: E=649, the server logs why', async () => {
    const r = await runPptpClient({ netns: ns!.name, user: 'bob', password: Users.bob.password, timeout: 60 });
    assert.equal(r.json?.up, false);
    assert.equal(r.json?.pppd_exit, 19, 'pppd exit 19: authentication failed');
    assert.match(r.json?.log ?? '', /E=649/, 'MS-CHAP error 649: no dial-in permission');
    const fail = await server!.waitForLine(/^MS-CHAPv2 failed for bob from 10\.231\.0\.2 \(649\)/); // the server logged the refusal
    assert.match(fail.msg, /bob is not in group cn=vpn-users,ou=groups,dc=example,dc=org/);
    assert.equal(server!.find(/^session up: bob/), undefined);
  });
});
