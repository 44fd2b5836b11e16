// Diagnostics in plain words (issue 6), against a running `pptpd-ts serve` with the
// project's client in a second namespace: an MS-CHAPv2 failure names the method, the user
// as sent (CORP\alice), the client's address and the MS-CHAP error; a client that will not
// encrypt is told apart from a bad password ("peer rejected CCP but require-mppe-128 is
// set"); each ends the call with its cause in the log.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { dataplaneUnavailable } from '../../../server/dataplane/native.js';
import { canUseNetns, Netns, nodeTs, vethPair } from '../../helpers/netns.js';
import { startServer, type ServerProc } from '../../helpers/server-proc.js';
import { CHILD_RUN_MS } from '../../helpers/wait.js';

const skip = canUseNetns() ?? dataplaneUnavailable();
const SERVER = '10.239.0.1';
let a: Netns | undefined;
let b: Netns | undefined;
let server: ServerProc | undefined;

async function client(...args: string[]): Promise<{ code: number | null; out: string }> {
  // The bound covers node + tsx starting, which on a busy machine took longer than the 30 s
  // this once had: the client was killed before it connected, and no log line could follow.
  const r = await b!.exec(nodeTs('server/cli/main.ts', 'client', '--server', SERVER, '--json', '--timeout', '60', ...args), { timeoutMs: CHILD_RUN_MS });
  assert.equal(r.timedOut, false, 'the client ran to its end');
  return { code: r.code, out: r.stdout + r.stderr };
}

describe('diagnostics in plain words', { skip, concurrency: 1 }, () => {
  before(async () => {
    a = Netns.create('dgs');
    b = Netns.create('dgc');
    vethPair(a, `${SERVER}/24`, b, '10.239.0.2/24');
    server = await startServer(a, { config: { pool: { local: ['10.8.0.1'], remote: ['10.8.0.2-9'] } }, chapSecrets: 'alice * secret *\n' });
  });
  after(async () => {
    await server?.stop();
    b?.destroy();
    a?.destroy();
  });

  test('MS-CHAPv2 failure: method, user as sent, client address and error 691', async () => {
    const r = await client('--user', 'CORP\\alice', '--password', 'nope');
    assert.notEqual(r.code, 0, r.out);
    const line = await server!.waitForLog(/MS-CHAPv2 failed for CORP\\\\alice from 10\.239\.0\.2 \(691\)/);
    assert.ok(line);
    await server!.waitForLog(/call ended before the session was up/);
  });

  test('a client that refuses MPPE: "peer rejected CCP but require-mppe-128 is set"', async () => {
    const r = await client('--user', 'alice', '--password', 'secret', '--mppe', 'none');
    assert.notEqual(r.code, 0, r.out);
    // Our client Protocol-Rejects CCP, as pptp-linux with `nomppe` does.
    await server!.waitForLog(/call ended before the session was up: peer rejected CCP but require-mppe-128 is set/);
    const ended = server!.logs().filter((l) => /^call ended before the session was up/.test(l.msg));
    assert.ok(ended.some((l) => l['cause'] === 'mppe-refused'), JSON.stringify(ended));
  });
});
