// pptpd-ts always authenticates, against the real Linux client (pptp-linux + pppd in the
// ../shared/interop VM), and the 2003 PPTP/MPPE how-to's PoPToP files (seed 002, kept as
// test/fixtures/poptop/mppe-howto-2003) are served as they are:
// - a client that refuses every authentication method is disconnected in LCP, gets no
//   address, and the server says why in one log line;
// - `serve --pptpd-conf --root` on the how-to's files (`+chap +chapms-v2 require-chapms-v2
//   mppe-40 mppe-128 mppe-stateless`) offers MS-CHAPv2 first: a client that would also
//   take CHAP-MD5 comes up with MS-CHAP-v2 and MPPE 128-bit.
// Two VM runs (~15 s each under TCG).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { canRunInterop, runPptpClient } from '../helpers/interop.js';
import { canUseNetns, Netns } from '../helpers/netns.js';
import { startServer, startServerArgs } from '../helpers/server-proc.js';
import { repoRoot } from '../helpers/paths.js';

const skip = canUseNetns() ?? canRunInterop();
const SERVER = '10.231.0.1';
const CLIENT = '10.231.0.2';
// A loaded 2-core machine (VMs of other tests) can take well over 20 s to start the server.
const START_MS = 90_000;
// The client's overall bound (VM boot included); a boot takes 4 s idle, 20 s+ under load.
const CLIENT_S = 150;

const namespaces: Netns[] = [];
after(() => {
  for (const ns of namespaces) ns.destroy();
});

describe('always authenticate; the 2003 MPPE how-to served as it is (real Linux client)', { skip, concurrency: 1 }, () => {
  test('a client refusing every method is disconnected, gets no address, and the server logs why in one line', async () => {
    const ns = Netns.create('noauth');
    namespaces.push(ns);
    const server = await startServer(ns, {
      config: { pool: { local: ['10.8.0.1'], remote: ['10.8.0.2-20'] } },
      chapSecrets: 'alice * secret *\n',
    }, START_MS);
    try {
      const r = await runPptpClient({
        netns: ns.name,
        server: SERVER,
        user: 'alice',
        password: 'secret',
        // The client will not authenticate at all (and asks for no encryption it could not key).
        // lcp-max-configure 6: after our Terminate-Request pppd retries LCP until the PPTP
        // call goes, so fewer retries make the run shorter; but a busy server may take some
        // seconds to answer the first Configure-Request (2 retries, 6 s, were seen to run out).
        pppdOpts: 'nodeflate nobsdcomp noauth refuse-eap refuse-pap refuse-chap refuse-mschap refuse-mschap-v2 lcp-max-configure 6',
        timeout: CLIENT_S,
      });
      const j = r.json;
      assert.ok(j, `no JSON from the client: ${r.stderr.slice(-1500)}`);
      assert.equal(j.timed_out, false, `the client VM ran out of time: ${r.stderr.slice(-1500)}`);
      assert.equal(j.up, false, `the tunnel came up: ${j.log.slice(-2000)}`);
      // It did reach the server: pppd rejected our auth option and got our Terminate-Request.
      assert.match(j.log, /sent \[LCP ConfRej id=0x[0-9a-f]+ <auth chap MS-v2>\]/, j.log.slice(-2000));
      assert.match(j.log, /rcvd \[LCP TermReq id=0x[0-9a-f]+ "peer refused to authenticate/);
      assert.equal(j.local_ip, null, 'the client got no address');
      assert.equal(j.auth, null);
      const line = await server.waitForLog(/refused to authenticate/, 15_000);
      const why = server.logs().filter((l) => /refus/.test(l.msg));
      assert.equal(why.length, 1, `one line says why: ${JSON.stringify(why)}`);
      assert.match(line, /call ended before the session was up: peer refused to authenticate \(it rejected the Authentication-Protocol option; allowed: mschap-v2\); the client must accept one of them/);
      assert.equal(why[0]?.['peer'], CLIENT, 'the line names the peer');
      assert.equal(server.find(/^session up/), undefined, 'no session');
      assert.equal(server.find(/IPCP|got 10\.8\./), undefined, 'no address was offered');
    } finally {
      await server.stop();
    }
  });

  test('seed 002: serve --pptpd-conf --root on the how-to files: MS-CHAP-v2 first, MPPE 128-bit', async () => {
    const ns = Netns.create('howto02');
    namespaces.push(ns);
    const root = path.join(repoRoot, 'test/fixtures/poptop/mppe-howto-2003');
    const server = await startServerArgs(ns, ['--pptpd-conf', path.join(root, 'etc/pptpd.conf'), '--root', root], START_MS);
    try {
      const r = await runPptpClient({
        netns: ns.name,
        server: SERVER,
        user: 'client_name',
        password: 'passwd1',
        // Takes CHAP-MD5, MS-CHAP and MS-CHAPv2 alike: the server's first offer decides.
        pppdOpts: 'nodeflate nobsdcomp noauth refuse-eap refuse-pap require-mppe-128',
        timeout: CLIENT_S,
      });
      const j = r.json;
      assert.ok(j, `no JSON from the client: ${r.stderr.slice(-1500)}`);
      assert.equal(j.up, true, `tunnel not up: ${j.log.slice(-2500)}`);
      assert.equal(j.auth, 'MS-CHAP-v2');
      assert.match(j.mppe ?? '', /^MPPE 128-bit stateless/);
      assert.match(j.local_ip ?? '', /^192\.168\.13\.(1\d\d)$/, 'an address from remoteip 192.168.13.100-199');
      assert.equal(j.remote_ip, '192.168.13.1', 'localip');
      assert.ok(j.ping_received >= 1, `no ping answered (${j.ping_received}/${j.ping_sent})`);
      const up = server.find(/^session up: client_name/);
      assert.ok(up, 'server logged the session');
      assert.equal(up['encryption'], 'MPPE-128 stateless');
      assert.equal(up['method'], 'mschap-v2');
    } finally {
      await server.stop();
    }
  });
});
