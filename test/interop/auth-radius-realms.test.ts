// The real Linux client logging in with a domain in its name, `rewrite-domain`
// in front of RADIUS (a real FreeRADIUS 3.2 inside the server's namespace):
//
//   CORP\alice          → realm CORP is not routed: the name is stripped and the
//                         `radius` entry sends User-Name "alice". The client hashed
//                         "alice" too (RFC 2759 §8.2 drops `DOMAIN\`), so
//                         FreeRADIUS's MS-CHAPv2 check matches.
//   alice@corp.example  → realm corp.example is routed to branch `upn`, whose
//                         `radius` entry sends the name as sent: the client hashed
//                         the whole UPN, and a RADIUS server hashes the User-Name
//                         it receives, so a stripped name could never verify.
//
// The two users-file entries give different Framed-IP-Address values, so the
// address the client gets shows which User-Name FreeRADIUS saw.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { canRunFreeradius, startFreeradius, type Freeradius } from '../helpers/freeradius.js';
import { canRunInterop, runPptpClient, type PptpClientResult } from '../helpers/interop.js';
import { canUseNetns, Netns } from '../helpers/netns.js';
import { startServer, type ServerProc } from '../helpers/server-proc.js';
import { waitForMatch } from '../helpers/wait.js';

const skip = canUseNetns() ?? canRunInterop() ?? canRunFreeradius();
const POOL = { local: ['10.8.0.1'], remote: ['10.8.0.2-20'] };

let ns: Netns | undefined;
let radius: Freeradius | undefined;
let server: ServerProc | undefined;

function assertUp(r: PptpClientResult, address: string): void {
  const j = r.json;
  assert.ok(j, `no JSON from the client: ${r.stderr.slice(-1500)}`);
  assert.equal(j.up, true, `tunnel not up: ${j.log.slice(-2500)}\n${radius?.log().slice(-3000)}`);
  assert.equal(j.auth, 'MS-CHAP-v2');
  assert.equal(j.mppe, 'MPPE 128-bit stateless', 'MPPE keys from RADIUS');
  assert.equal(j.local_ip, address, 'Framed-IP-Address of the users-file entry RADIUS matched');
  assert.ok(j.ping_received >= 1, `no ping answered (${j.ping_received}/${j.ping_sent})`);
}

describe('real Linux client, DOMAIN\\user and user@realm, rewrite-domain in front of RADIUS', { skip, concurrency: 1 }, () => {
  before(async () => {
    ns = Netns.create('rrlm');
    radius = await startFreeradius({
      netns: ns.name,
      users: [
        { name: 'alice', password: 'secret', reply: { 'Framed-IP-Address': '10.8.0.77' } },
        { name: 'alice@corp.example', password: 'secret', reply: { 'Framed-IP-Address': '10.8.0.78' } },
      ],
    });
    const servers = [{ host: '127.0.0.1', port: radius.authPort, secret: radius.secret, requireMessageAuthenticator: false }];
    server = await startServer(ns, {
      config: {
        pool: POOL,
        auth: {
          chain: [
            { plugin: 'rewrite-domain', realms: { 'corp.example': 'upn' } },
            { plugin: 'radius', servers },
          ],
          branches: {
            upn: [{ plugin: 'radius', name: 'radius-upn', userName: 'as-sent', servers }],
          },
        },
      },
    });
  });
  after(async () => {
    await server?.stop();
    await radius?.stop();
    ns?.destroy();
  });

  test('CORP\\alice: User-Name "alice" to RADIUS, MS-CHAPv2 + MPPE-128, ping', async () => {
    const r = await runPptpClient({ netns: ns!.name, user: 'CORP\\alice', password: 'secret', timeout: 60 });
    assertUp(r, '10.8.0.77');
    await server!.waitForLine(/^session up: CORP\\alice/); // logs keep the name as sent
    assert.equal(server!.logs().find((l) => l.msg === 'auth accepted')?.['plugin'], 'radius');
    await waitForMatch('FreeRADIUS log', () => radius!.log(), /User-Name = "alice"\n/);
  });

  test('alice@corp.example: routed to branch upn, User-Name as sent, MS-CHAPv2 + MPPE-128, ping', async () => {
    const r = await runPptpClient({ netns: ns!.name, user: 'alice@corp.example', password: 'secret', timeout: 60 });
    assertUp(r, '10.8.0.78');
    await server!.waitForLine(/^session up: alice@corp\.example/);
    const accepts = server!.logs().filter((l) => l.msg === 'auth accepted');
    assert.equal(accepts.at(-1)?.['plugin'], 'radius-upn', 'the branch answered');
    await waitForMatch('FreeRADIUS log', () => radius!.log(), /User-Name = "alice@corp\.example"/);
  });
});
