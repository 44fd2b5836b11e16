// Active Directory for real: the Linux client (pptp-linux + pppd in a qemu VM)
// logs in as CORP\alice through pptpd-ts → RADIUS → FreeRADIUS → ntlm_auth →
// a Samba AD domain controller (test/helpers/ad.ts, ../shared/ad). pptpd-ts
// holds no password or hash for anyone: the MS-CHAP2-Success and the MPPE keys
// come from AD's side, so a tunnel that is up with MPPE-128 and pings proves
// the keys AD's side produced are the ones the client derived.
//
// One DC for the whole file (~13 s to start; the first run installs Samba with
// apt-get, ~40 s more), one FreeRADIUS inside the server's namespace, one
// pptpd-ts with NAS-Identifier `group` (FreeRADIUS then also requires
// membership of CORP\VPN-Users), three client runs (~10 s each).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { canRunAd, AdUsers, NasIdentifier, startAd, type ActiveDirectory, type AdRadius } from '../helpers/ad.js';
import { canRunInterop, runPptpClient } from '../helpers/interop.js';
import { canUseNetns, Netns } from '../helpers/netns.js';
import { startServer, type ServerProc } from '../helpers/server-proc.js';
import { waitForMatch } from '../helpers/wait.js';

const skip = canUseNetns() ?? canRunInterop() ?? canRunAd();
const POOL = { local: ['10.8.0.1'], remote: ['10.8.0.2-20'] };

let ns: Netns | undefined;
let ad: ActiveDirectory | undefined;
let radius: AdRadius | undefined;
let server: ServerProc | undefined;

describe('Active Directory through RADIUS (Samba AD DC + FreeRADIUS ntlm_auth)', { skip, concurrency: 1 }, () => {
  before(async () => {
    ns = Netns.create('ad');
    ad = await startAd();
    radius = await ad.startRadius(ns.name);
    server = await startServer(ns, {
      config: {
        pool: POOL,
        auth: {
          chain: [
            {
              plugin: 'radius',
              // NPS and ntlm_auth both want the name as the client typed it.
              userName: 'as-sent',
              nasIdentifier: NasIdentifier.GROUP,
              servers: [{ host: radius.host, port: radius.port, secret: radius.secret, requireMessageAuthenticator: false }],
            },
          ],
        },
      },
    });
  });
  after(async () => {
    await server?.stop();
    await ad?.stop();
    ns?.destroy();
  });

  test('CORP\\alice (in VPN-Users): MS-CHAPv2 verified by AD, MPPE-128 keys from AD, ping', async () => {
    const r = await runPptpClient({ netns: ns!.name, user: 'CORP\\alice', password: AdUsers.alice.password, timeout: 60 });
    const j = r.json;
    assert.ok(j, `no JSON from the client: ${r.stderr.slice(-1500)}`);
    assert.equal(j.up, true, `tunnel not up: ${j.log.slice(-2500)}\n${radius!.log().slice(-3000)}`);
    assert.equal(j.auth, 'MS-CHAP-v2');
    assert.equal(j.mppe, 'MPPE 128-bit stateless', 'the MPPE keys from AD (via RADIUS) match the client');
    assert.ok(j.ping_received >= 1, `no ping answered (${j.ping_received}/${j.ping_sent})`);

    await server!.waitForLine(/^session up: CORP\\alice/); // the session is named as the client sent it
    const accepted = server!.logs().find((l) => l.msg === 'auth accepted');
    assert.equal(accepted?.['plugin'], 'radius', 'RADIUS answered: pptpd-ts has no secret of its own');
    // FreeRADIUS ran ntlm_auth against the DC and sent the keys it got back.
    // Both logs are files other processes write: wait (bounded) for the lines.
    await waitForMatch('ntlm_auth returned the NT key from the DC', radius!.log, /NT_KEY: [0-9A-F]{32}/);
    await waitForMatch('FreeRADIUS log', radius!.log, /MS-MPPE-Send-Key = 0x[0-9a-f]{32}/);
    await waitForMatch('FreeRADIUS log', radius!.log, /NAS-Identifier = "group"/);
    await waitForMatch('the DC checked her MS-CHAPv2 response', ad!.authLog, /user \[CORP\]\\\[alice\] .*with \[MSCHAPv2\] status \[NT_STATUS_OK\]/);
  });

  test('bob (not in VPN-Users) is refused when the group is required: the client sees E=691', async () => {
    const r = await runPptpClient({ netns: ns!.name, user: 'CORP\\bob', password: AdUsers.bob.password, timeout: 60 });
    assert.equal(r.json?.up, false);
    assert.equal(r.json?.pppd_exit, 19, 'pppd exit 19: authentication failed');
    assert.match(r.json?.log ?? '', /E=691/);
    await server!.waitForLine(/^MS-CHAPv2 failed for CORP\\bob from 10\.231\.0\.2 \(691\)/); // the server logged the refusal
    assert.equal(server!.find(/^session up: CORP\\bob/), undefined);
    // On the wire a group refusal looks like a wrong password; the DC's log tells them apart:
    // bob's password was right, the group check (ntlm_auth --require-membership-of) refused him.
    const dc = await waitForMatch('bob\'s password is right', ad!.authLog, /user \[CORP\]\\\[bob\] .*with \[MSCHAPv2\] status \[NT_STATUS_OK\]/);
    assert.doesNotMatch(dc, /\[bob\] .*NT_STATUS_WRONG_PASSWORD/);
  });

  test('a wrong password gives the client E=691', async () => {
    const r = await runPptpClient({ netns: ns!.name, user: 'CORP\\alice', password: 'Not-Her-Password-1', timeout: 60 });
    assert.equal(r.json?.up, false);
    assert.equal(r.json?.pppd_exit, 19);
    assert.match(r.json?.log ?? '', /E=691/);
    await server!.waitForLine(/^MS-CHAPv2 failed for CORP\\alice from 10\.231\.0\.2 \(691\)/);
    await waitForMatch('the DC refused the wrong password', ad!.authLog, /user \[CORP\]\\\[alice\] .*with \[MSCHAPv2\] status \[NT_STATUS_WRONG_PASSWORD\]/);
  });
});
