// Our PPTP client against the REAL PoPToP (Debian's pptpd 1.4 + pppd 2.4.9 in a qemu VM,
// ../shared/interop/pptp-server.sh): the cross-check that the client speaks PPTP, not our
// own dialect. The VM's tap lives in a test namespace (host side 10.232.0.1/24, pptpd on
// 10.232.0.2); our client runs as a child in that same namespace.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { dataplaneUnavailable } from '../../server/dataplane/native.js';
import { canRunInterop, startPptpServer } from '../helpers/interop.js';
import { canUseNetns, Netns, nodeTs } from '../helpers/netns.js';
import { CHILD_RUN_MS, WAIT_MS } from '../helpers/wait.js';

const skip = canUseNetns() ?? canRunInterop() ?? dataplaneUnavailable();
const POPTOP = '10.232.0.2'; // pptp-server.sh default --server-ip
const POPTOP_PPP = '10.232.0.100'; // its default --localip: the server's end of each PPP link

interface ClientJson {
  ok: boolean;
  reason?: string;
  error?: string;
  method?: string | null;
  encryption?: string;
  local?: string;
  remote?: string;
  dns?: string[];
  setupMs?: number;
  ping?: { sent: number; received: number; rttMs: number[] };
}

const namespaces: Netns[] = [];
after(() => {
  for (const ns of namespaces) ns.destroy();
});

async function runClient(ns: Netns, ...args: string[]): Promise<{ code: number | null; json: ClientJson; stderr: string }> {
  const r = await ns.exec(
    nodeTs('server/cli/main.ts', 'client', '--server', POPTOP, '--user', 'alice', '--json', '--timeout', '40', ...args),
    { timeoutMs: CHILD_RUN_MS },
  );
  const line = r.stdout.trim().split('\n').pop() ?? '';
  assert.ok(line.startsWith('{'), `no JSON from the client (code ${r.code}): ${r.stdout} ${r.stderr.slice(-1500)}`);
  return { code: r.code, json: JSON.parse(line) as ClientJson, stderr: r.stderr };
}

describe('pptpd-ts client against PoPToP (pptpd + pppd)', { skip, concurrency: 1 }, () => {
  test('MS-CHAPv2 + MPPE-128: connects, PoPToP sees the call up, its tunnel address answers our echo', async (t) => {
    const ns = Netns.create('poptop');
    namespaces.push(ns);
    const server = await startPptpServer({ netns: ns.name, user: 'alice', password: 's3cret pw' });
    try {
      const { code, json } = await runClient(
        ns, '--password', 's3cret pw', '--method', 'mschapv2', '--mppe', '128', '--ping', POPTOP_PPP, '--count', '3', '--hold', '1',
      );
      assert.equal(json.ok, true, `${JSON.stringify(json)}\n${server.stderr.slice(-2000)}`);
      assert.equal(code, 0);
      assert.equal(json.method, 'mschap-v2');
      assert.equal(json.encryption, 'MPPE-128 stateless');
      assert.equal(json.remote, POPTOP_PPP);
      assert.match(json.local ?? '', /^10\.232\.0\.1(0[1-9]|10)$/, 'an address from PoPToP remoteip');
      assert.deepEqual(json.dns, ['10.232.0.53'], 'ms-dns from pptpd-options');
      assert.equal(json.ping?.sent, 3);
      assert.ok((json.ping?.received ?? 0) >= 1, `echo answered: ${JSON.stringify(json.ping)}`);
      await server.waitForPeers(1, WAIT_MS); // the VM's console line may trail the client's exit
      assert.equal(server.peers[0]?.remote, json.local, 'pppd on the server side brought up IPCP with our address');
      t.diagnostic(`setup ${json.setupMs} ms, ping ${json.ping?.received}/${json.ping?.sent}`);
    } finally {
      await server.stop();
    }
  });

  test('a wrong password is refused by PoPToP: auth-failed with E=691', async () => {
    const ns = Netns.create('poptopbad');
    namespaces.push(ns);
    const server = await startPptpServer({ netns: ns.name, user: 'alice', password: 'right' });
    try {
      const { code, json } = await runClient(ns, '--password', 'wrong', '--method', 'mschapv2', '--mppe', '128');
      assert.equal(code, 1);
      assert.equal(json.reason, 'auth-failed', JSON.stringify(json));
      assert.match(json.error ?? '', /E=691/);
    } finally {
      await server.stop();
    }
  });
});
