// The project's PPTP client (`pptpd-ts client`, raw GRE + TCP in namespace B) against
// `pptpd-ts serve` (namespace A), over a veth pair: every method and MPPE mode the issue
// names connects and pings the server's tunnel address; a wrong password fails cleanly on
// both sides; many clients share one process and one raw GRE socket.
// The test runner stays in the root namespace; both programs run under `ip netns exec`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { dataplaneUnavailable } from '../../../server/dataplane/native.js';
import { canUseNetns, Netns, nodeTs, vethPair } from '../../helpers/netns.js';
import { startServer, type ServerProc } from '../../helpers/server-proc.js';
import { CHILD_RUN_MS } from '../../helpers/wait.js';

const skip = canUseNetns() ?? dataplaneUnavailable();
const SERVER = '10.233.0.1';
const CLIENT = '10.233.0.2';
const TUNNEL = '10.8.0.1';
const POOL = { local: [TUNNEL], remote: ['10.8.0.2-20'] };
const SECRETS = 'alice * secret *\n';

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

let a: Netns | undefined;
let b: Netns | undefined;

async function withServer<T>(config: Record<string, unknown>, body: (s: ServerProc) => Promise<T>): Promise<T> {
  const server = await startServer(a!, { config: { pool: POOL, ...config }, chapSecrets: SECRETS });
  try {
    return await body(server);
  } finally {
    await server.stop();
  }
}

async function client(...args: string[]): Promise<{ code: number | null; json: ClientJson; stderr: string }> {
  const r = await b!.exec(
    nodeTs('server/cli/main.ts', 'client', '--server', SERVER, '--user', 'alice', '--json', ...args),
    { timeoutMs: CHILD_RUN_MS },
  );
  const line = r.stdout.trim().split('\n').pop() ?? '';
  assert.ok(line.startsWith('{'), `no JSON from the client (code ${r.code}): ${r.stdout} ${r.stderr.slice(-1500)}`);
  return { code: r.code, json: JSON.parse(line) as ClientJson, stderr: r.stderr };
}

async function upAndPing(config: Record<string, unknown>, args: string[], method: string, encryption: string): Promise<void> {
  await withServer(config, async (server) => {
    const { code, json } = await client('--password', 'secret', '--ping', TUNNEL, '--count', '3', ...args);
    assert.equal(json.ok, true, JSON.stringify(json));
    assert.equal(code, 0);
    assert.equal(json.method, method);
    assert.equal(json.encryption, encryption);
    assert.equal(json.remote, TUNNEL);
    assert.match(json.local ?? '', /^10\.8\.0\.\d+$/);
    assert.equal(json.ping?.sent, 3);
    assert.equal(json.ping?.received, 3);
    assert.ok(await server.waitForLog(/session down: alice/), 'the server saw the session end');
    const upLine = server.find(/^session up: alice from 10\.233\.0\.2/);
    assert.ok(upLine, 'the server logged the session');
  });
}

describe('pptpd-ts client against pptpd-ts serve, in namespaces', { skip, concurrency: 1 }, () => {
  before(() => {
    a = Netns.create('cls');
    b = Netns.create('clc');
    vethPair(a, `${SERVER}/24`, b, `${CLIENT}/24`);
  });
  after(() => {
    b?.destroy();
    a?.destroy();
  });

  test('MS-CHAPv2 + MPPE-128 stateless', () => upAndPing({}, ['--mppe', '128'], 'mschap-v2', 'MPPE-128 stateless'));

  test('MS-CHAPv2 + MPPE-128 stateful (server prefers stateful, client asks for it)', () =>
    upAndPing({ ppp: { mppe: { required: true, bits: [128], stateful: 'prefer' } } }, ['--mppe', '128', '--stateful'], 'mschap-v2', 'MPPE-128 stateful'));

  test('MS-CHAPv1 + MPPE-128', () =>
    upAndPing({ ppp: { auth: { allowed: ['mschap-v1'] } } }, ['--method', 'mschapv1', '--mppe', '128'], 'mschap-v1', 'MPPE-128 stateless'));

  test('MS-CHAPv2 + MPPE-40', () =>
    upAndPing({ ppp: { mppe: { required: true, bits: [40], stateful: 'deny' } } }, ['--mppe', '40'], 'mschap-v2', 'MPPE-40 stateless'));

  test('CHAP-MD5 without MPPE', () =>
    upAndPing({ ppp: { auth: { allowed: ['chap-md5'] }, mppe: { required: false, bits: [] } } }, ['--method', 'chap', '--mppe', 'none'], 'chap-md5', 'none'));

  test('PAP without MPPE', () =>
    upAndPing({ ppp: { auth: { allowed: ['pap'] }, mppe: { required: false, bits: [] } } }, ['--method', 'pap', '--mppe', 'none'], 'pap', 'none'));

  test('a wrong password fails cleanly: exit 1, auth-failed, the server logs it and keeps no session', async () => {
    await withServer({}, async (server) => {
      // Within 20 s of connecting, timed by the client itself (a wall clock here would count
      // node + tsx starting, which on a busy machine alone can take that long): auth-failed,
      // not timeout.
      const { code, json } = await client('--password', 'not-the-password', '--timeout', '20');
      assert.equal(code, 1);
      assert.equal(json.ok, false);
      assert.equal(json.reason, 'auth-failed');
      assert.match(json.error ?? '', /E=691/);
      await server.waitForLog(/call ended before the session was up/);
      await server.waitForLine(/^authentication failed for alice from 10\.233\.0\.2|failed for alice from 10\.233\.0\.2/);
      assert.equal(server.find(/^session up/), undefined);
      // The same account still gets in afterwards.
      const ok = await client('--password', 'secret', '--ping', TUNNEL, '--count', '1');
      assert.equal(ok.json.ok, true, JSON.stringify(ok.json));
    });
  });

  test('password from stdin; a bad --mppe value is a usage error (exit 2)', async () => {
    await withServer({}, async () => {
      const r = await b!.exec(
        nodeTs('server/cli/main.ts', 'client', '--server', SERVER, '--user', 'alice', '--ping', TUNNEL, '--count', '1'),
        { timeoutMs: CHILD_RUN_MS, input: 'secret\n' },
      );
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /encryption\s+MPPE-128 stateless/);
      assert.match(r.stdout, /ping 10\.8\.0\.1: 1 sent, 1 received/);
      const bad = await client('--password', 'secret', '--mppe', '99');
      assert.equal(bad.code, 2);
      assert.equal(bad.json.reason, 'usage');
    });
  });

  test('50 clients in one process share one raw GRE socket: all up, all pinged, all closed', async (t) => {
    await withServer({ pool: { local: [TUNNEL], remote: ['10.8.0.2-100'] }, limits: { perSourceAddress: 0 } }, async (server) => {
      // limits.perSourceAddress (default 16 control connections per source) would refuse the rest.
      const r = await b!.exec(nodeTs('test/integration/client/fixtures/many.ts', SERVER, '50', TUNNEL), { timeoutMs: 180_000 });
      assert.equal(r.code, 0, r.stderr);
      const s = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
      assert.deepEqual(
        { up: s['up'], addresses: s['distinctAddresses'], callIds: s['distinctCallIds'], pinged: s['pinged'], closed: s['closed'] },
        { up: 50, addresses: 50, callIds: 50, pinged: 50, closed: 50 },
        JSON.stringify(s),
      );
      await server.waitForLog(/control connection closed/);
      assert.equal((await server.waitForLines(/^session up: alice/, 50)).length, 50);
      t.diagnostic(`50 clients: all up in ${String(s['allUpMs'])} ms, setup p50 ${String(s['setupMsP50'])} ms, max ${String(s['setupMsMax'])} ms`);
    });
  });
});
