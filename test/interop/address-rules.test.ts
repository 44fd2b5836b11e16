// chap-secrets address columns, enforced, with the real Linux client (pptp-linux + pppd in
// ../shared/interop) against `pptpd-ts serve` in a test namespace:
//   - "net" may have 10.8.0.64/28 but not gw.pptp.test (a host name the server resolves
//     when it loads the file; /etc/netns/NS/hosts, which `ip netns exec` puts over
//     /etc/hosts, says 10.8.0.64). The pool spans 10.8.0.2-100 and its next free address
//     is 10.8.0.2; the client asks IPCP for 10.8.0.19. It gets 10.8.0.65: inside the
//     subnet, not the excluded host, not what it asked for.
//   - "none" may have only 10.9.0.0/24, outside the pool: authenticated, then refused (the
//     link ends, the client is not up) with one log line naming the user and the rule.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { canRunInterop, runPptpClient } from '../helpers/interop.js';
import { canUseNetns, Netns } from '../helpers/netns.js';
import { startServer, type ServerProc } from '../helpers/server-proc.js';

const skip = canUseNetns() ?? canRunInterop();
const SERVER = '10.231.0.1';
const V2 = 'nodeflate nobsdcomp noauth refuse-eap refuse-pap refuse-chap refuse-mschap require-mppe-128';
const SECRETS = ['net   *  net-pw   !gw.pptp.test 10.8.0.64/28', 'none  *  none-pw  10.9.0.0/24', ''].join('\n');

let ns: Netns | undefined;
let server: ServerProc | undefined;
let hostsDir: string | undefined;
let madeNetnsDir = false;

describe('chap-secrets address rules with the real Linux client', { skip, concurrency: 1 }, () => {
  before(async () => {
    ns = Netns.create('rule');
    // Our own namespace's hosts file (`ip netns exec` bind-mounts /etc/netns/NAME/hosts).
    madeNetnsDir = !existsSync('/etc/netns');
    hostsDir = path.join('/etc/netns', ns.name);
    mkdirSync(hostsDir, { recursive: true });
    writeFileSync(path.join(hostsDir, 'hosts'), '127.0.0.1 localhost\n10.8.0.64 gw.pptp.test\n');
    server = await startServer(ns, { config: { pool: { local: ['10.8.0.1'], remote: ['10.8.0.2-100'] } }, chapSecrets: SECRETS });
  });
  after(async () => {
    await server?.stop();
    ns?.destroy();
    if (hostsDir !== undefined) rmSync(hostsDir, { recursive: true, force: true });
    if (madeNetnsDir) {
      try {
        rmdirSync('/etc/netns'); // only if we made it and it is empty
      } catch {
        /* another test's namespace uses it */
      }
    }
  });

  test('a line allowing a subnet gets a pool address inside it (not the excluded host, not the one asked for)', async () => {
    const r = await runPptpClient({
      netns: ns!.name,
      server: SERVER,
      user: 'net',
      password: 'net-pw',
      // Ask IPCP for 10.8.0.19 (in the pool, outside the rule); accept the server's Nak.
      pppdOpts: `${V2} 10.8.0.19: ipcp-accept-local`,
      timeout: 60,
    });
    const j = r.json;
    assert.ok(j, `no JSON from the client: ${r.stderr.slice(-1500)}`);
    assert.equal(j.up, true, `tunnel not up: ${j.log.slice(-2500)}`);
    assert.equal(j.local_ip, '10.8.0.65');
    const up = await server!.waitForLog(/^session up: net /, 10_000);
    assert.match(up, /got 10\.8\.0\.65 /);
  });

  test('a line allowing nothing in the pool: refused after authentication, one log line naming user and rule', async () => {
    const r = await runPptpClient({ netns: ns!.name, server: SERVER, user: 'none', password: 'none-pw', pppdOpts: V2, timeout: 60 });
    assert.equal(r.json?.up, false, 'the client must not come up');
    const line = await server!.waitForLog(/^no address for none:/, 10_000);
    assert.match(line, /^no address for none: no free address of pool "default" \(\d+ of 99 free\) is allowed by "10\.9\.0\.0\/24" \(.*chap-secrets:2\)$/);
    const refusals = server!.logs().filter((l) => /^no address for none/.test(l.msg));
    assert.equal(refusals.length, 1, 'one line per refusal');
    assert.equal(refusals[0]?.['user'], 'none');
    assert.equal(server!.find(/^session up: none/), undefined);
    const out = server!.child.stdout + server!.child.stderr;
    assert.ok(!out.includes('none-pw') && !out.includes('net-pw'), 'no secret in the log');
  });
});
