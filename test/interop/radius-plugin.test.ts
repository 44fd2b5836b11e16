// PoPToP files with pppd's `plugin radius.so`, served as they are
// (`serve --pptpd-conf … --root test/fixtures/poptop/radius`): the radiusclient.conf they
// name sends authentication to 127.0.0.1:1812 and accounting to 127.0.0.1:1813, with the
// secret from the radiusclient `servers` file. A real FreeRADIUS listens there inside the
// test's namespace, and the real Linux client logs in with MS-CHAPv2 + MPPE-128 through
// it; the accounting Start and Stop reach FreeRADIUS's detail file.
//
// The translated entry keeps requireMessageAuthenticator: true (BlastRADIUS), so this
// FreeRADIUS 3.2.1 is told to sign its replies (`Message-Authenticator` in the reply items).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { canRunFreeradius, startFreeradius, type Freeradius } from '../helpers/freeradius.js';
import { canRunInterop, runPptpClient } from '../helpers/interop.js';
import { canUseNetns, Netns } from '../helpers/netns.js';
import { startServerArgs, type ServerProc } from '../helpers/server-proc.js';
import { repoRoot } from '../helpers/paths.js';
import { one, readDetails } from '../integration/accounting/detail.js';

const skip = canUseNetns() ?? canRunInterop() ?? canRunFreeradius();
const ROOT = path.join(repoRoot, 'test/fixtures/poptop/radius');
/** The secret in ROOT/etc/radiusclient/servers. */
const FIXTURE_SECRET = 'fixture-radius-s3cret';

let ns: Netns | undefined;
let radius: Freeradius | undefined;
let server: ServerProc | undefined;
after(async () => {
  await server?.stop();
  await radius?.stop();
  ns?.destroy();
});

async function waitFor<T>(what: string, fn: () => T | undefined, ms: number): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('PoPToP files with plugin radius.so, served as they are', { skip, concurrency: 1 }, () => {
  test('the real client logs in through FreeRADIUS (MS-CHAPv2 + MPPE-128); Start and Stop reach its detail file', async () => {
    ns = Netns.create('rplg');
    // The ports radiusclient.conf names; the namespace's loopback is the test's own.
    radius = await startFreeradius({
      netns: ns.name,
      secret: FIXTURE_SECRET,
      ports: { auth: 1812, acct: 1813 },
      users: [{ name: 'alice', password: 'secret', reply: { 'Framed-IP-Address': '10.8.0.17', 'Message-Authenticator': '0x00' } }],
    });
    // Generous start bound: the CLI runs through tsx, slow on a busy machine.
    server = await startServerArgs(ns, ['--pptpd-conf', path.join(ROOT, 'etc/pptpd.conf'), '--root', ROOT], 60_000);
    const r = await runPptpClient({ netns: ns.name, user: 'alice', password: 'secret', timeout: 60 });
    const j = r.json;
    assert.ok(j, `no JSON from the client: ${r.stderr.slice(-1500)}`);
    assert.equal(j.up, true, `tunnel not up: ${j.log.slice(-2500)}\n${radius.log().slice(-3000)}`);
    assert.equal(j.auth, 'MS-CHAP-v2');
    assert.equal(j.mppe, 'MPPE 128-bit stateless', 'MPPE keys from FreeRADIUS');
    assert.equal(j.local_ip, '10.8.0.17', 'Framed-IP-Address from FreeRADIUS');
    assert.ok(j.ping_received >= 1, `no ping answered (${j.ping_received}/${j.ping_sent})`);
    assert.equal(server.logs().find((l) => l.msg === 'auth accepted')?.['plugin'], 'radius', 'RADIUS answered, not chap-secrets');
    assert.match(radius.log(), /MS-CHAP2-Response/, 'FreeRADIUS saw the MS-CHAPv2 exchange');

    await server.waitForLog(/session down: alice/, 15_000);
    const mine = (status: string) => readDetails(radius!.detailFiles()).find((d) => one(d, 'Acct-Status-Type') === status && one(d, 'User-Name') === 'alice');
    const start = await waitFor('the Start in the detail file', () => mine('Start'), 20_000);
    const stop = await waitFor('the Stop in the detail file', () => mine('Stop'), 20_000);
    assert.equal(one(stop, 'Acct-Session-Id'), one(start, 'Acct-Session-Id'), 'Start and Stop of the same session');
    assert.equal(one(stop, 'Framed-IP-Address'), '10.8.0.17');
    assert.equal(one(stop, 'Acct-Terminate-Cause'), 'User-Request');

    const logs = server.child.stdout + server.child.stderr;
    assert.ok(!logs.includes(FIXTURE_SECRET), 'the secret from the servers file is never logged');
  });
});
