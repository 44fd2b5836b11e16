// Session timers and setup deadlines against a running `pptpd-ts serve`, with peers from
// test/integration/server/fixtures/peers.ts in a second namespace (the project's client
// library, each peer misbehaving in one way):
//   - Session-Timeout from the configuration (ppp.maxConnect) and from the auth reply
//     (chap-secrets `sessionTimeout`), Idle-Timeout (ppp.idle: no data either way) and LCP
//     echo dead-peer detection each end their session with their own cause, in the log and
//     in the journal (`pptpd-ts last --json`);
//   - limits.stimeout, limits.deadlines.call and the PPP phase deadlines (establish,
//     authenticate, network) each drop the half-made connection with a log line naming it.
// The PPTP control-connection echo timeout (60 s + 60 s, PoPToP's fixed values) is tested
// on the runtime's ControlLink with short timers: test/unit/server/runtime/control-link.test.ts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dataplaneUnavailable } from '../../../server/dataplane/native.js';
import { canUseNetns, Netns, nodeTs, vethPair } from '../../helpers/netns.js';
import { startServer, type ServerProc } from '../../helpers/server-proc.js';
import { CHILD_RUN_MS } from '../../helpers/wait.js';

const skip = canUseNetns() ?? dataplaneUnavailable();
const SERVER = '10.235.0.1';
const POOL = { local: ['10.8.0.1'], remote: ['10.8.0.2-30'] };
let a: Netns | undefined;
let b: Netns | undefined;
let tmp: string | undefined;

interface PeerEvent {
  name: string;
  event: string;
  ms: number;
  cause?: string;
  message?: string;
}

async function runPeers(peers: { name: string; behaviour: string; user?: string }[], maxMs: number): Promise<PeerEvent[]> {
  const spec = { server: SERVER, local: POOL.local[0], maxMs, peers };
  const r = await b!.exec(nodeTs('test/integration/server/fixtures/peers.ts', JSON.stringify(spec)), { timeoutMs: maxMs + CHILD_RUN_MS });
  const events = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as PeerEvent);
  assert.equal(r.code, 0, `peers did not all end in time: ${r.stdout}${r.stderr.slice(-2000)}`);
  return events;
}

function eventOf(events: PeerEvent[], name: string, event: string): PeerEvent {
  const e = events.find((x) => x.name === name && x.event === event);
  assert.ok(e, `${name}: no "${event}" in ${JSON.stringify(events.filter((x) => x.name === name))}`);
  return e;
}

async function journal(server: ServerProc): Promise<{ userName: string; terminateCause: string | null }[]> {
  const r = await a!.exec(nodeTs('server/cli/main.ts', 'last', '--journal', path.join(server.dir, 'journal.sqlite'), '--json'));
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as { userName: string; terminateCause: string | null }[];
}

describe('session timers and setup deadlines', { skip, concurrency: 1 }, () => {
  before(() => {
    a = Netns.create('tms');
    b = Netns.create('tmc');
    vethPair(a, `${SERVER}/24`, b, '10.235.0.2/24');
    tmp = mkdtempSync(path.join(os.tmpdir(), 'ptd-timers-'));
  });
  after(() => {
    b?.destroy();
    a?.destroy();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  test('Session-Timeout (maxConnect and auth reply), Idle-Timeout and LCP echo each end a session with their own cause', async () => {
    const main = path.join(tmp!, 'main-secrets');
    const short = path.join(tmp!, 'short-secrets');
    writeFileSync(main, 'idle * secret *\nactive * secret *\ndeaf * secret *\n', { mode: 0o600 });
    writeFileSync(short, 'short * secret *\n', { mode: 0o600 });
    const server = await startServer(a!, {
      config: {
        pool: POOL,
        ppp: { maxConnect: 5, idle: 2, lcpEcho: { interval: 1, failure: 2 } },
        auth: {
          chain: [
            { plugin: 'chap-secrets', name: 'main', file: main, watch: false },
            { plugin: 'chap-secrets', name: 'short', file: short, watch: false, sessionTimeout: 3 },
          ],
        },
      },
    });
    try {
      const events = await runPeers(
        [
          { name: 'idle', behaviour: 'idle' },
          { name: 'active', behaviour: 'active' },
          { name: 'short', behaviour: 'active' },
          { name: 'deaf', behaviour: 'deaf-echo' },
        ],
        20_000,
      );
      const lifetime = (name: string): number => eventOf(events, name, 'down').ms - eventOf(events, name, 'up').ms;
      // Each timer bites near its own setting (and before the others that could).
      const bounds: Record<string, [number, number]> = { idle: [1500, 4000], short: [2500, 4500], deaf: [2000, 4800], active: [4500, 7500] };
      for (const [name, [lo, hi]] of Object.entries(bounds)) {
        const ms = lifetime(name);
        assert.ok(ms >= lo && ms <= hi, `${name} lived ${ms} ms, expected ${lo}..${hi}`);
      }
      await server.waitForLine(/^session down: idle \(Idle-Timeout: idle for 2 s\)/); // idle: Idle-Timeout logged
      await server.waitForLine(/^session down: active \(Session-Timeout: session timeout reached\)/); // active: Session-Timeout (maxConnect)
      await server.waitForLine(/^session down: short \(Session-Timeout: session timeout reached\)/); // short: Session-Timeout (auth reply)
      await server.waitForLine(/^session down: deaf \(Lost-Carrier: no LCP Echo-Reply to 2 Echo-Requests\)/); // deaf: LCP echo failure
      const code = await server.stop({ keep: true });
      assert.equal(code, 0);
      const rows = await journal(server);
      const cause = Object.fromEntries(rows.map((r) => [r.userName, r.terminateCause]));
      assert.deepEqual(cause, { idle: 'Idle-Timeout', active: 'Session-Timeout', short: 'Session-Timeout', deaf: 'Lost-Carrier' });
    } finally {
      await server.stop();
    }
  });

  test('stimeout, deadlines.call and the establish/authenticate/network deadlines each drop a half-made connection', async () => {
    const server = await startServer(a!, {
      config: {
        pool: POOL,
        limits: { stimeout: 1, deadlines: { call: 2, establish: 2, authenticate: 2, network: 2 } },
      },
      chapSecrets: 'auth * secret *\nipcp * secret *\n',
    });
    try {
      const events = await runPeers(
        [
          { name: 'mute', behaviour: 'mute' },
          { name: 'no-call', behaviour: 'no-call' },
          { name: 'silent-call', behaviour: 'silent-call' },
          { name: 'auth', behaviour: 'no-auth' },
          { name: 'ipcp', behaviour: 'no-ipcp' },
        ],
        20_000,
      );
      // Each peer was dropped by the server, within its deadline plus a margin.
      const within = (name: string, event: string, hi: number): void => {
        const e = eventOf(events, name, event);
        assert.ok(e.ms <= hi, `${name}: ${event} after ${e.ms} ms`);
      };
      within('mute', 'closed', 3_500);
      within('no-call', 'closed', 4_500);
      // LCP Terminate-Requests to a peer that never answers: Max-Terminate (2) × 3 s after the deadline.
      within('silent-call', 'call-cleared', 10_000);
      within('auth', 'failed', 5_000);
      within('ipcp', 'failed', 5_000);
      await server.waitForLine(/control connection closed \(no SCCRQ within the start timeout\)/); // stimeout logged
      await server.waitForLine(/no call within 2 s \(limits\.deadlines\.call\)/); // deadlines.call logged
      // Each phase deadline is logged when the server drops the call, which may be after the peer saw it.
      for (const phase of ['establish', 'authenticate', 'network']) {
        await server.waitForLine(new RegExp(`^call ended before the session was up.*${phase} phase did not complete in time \\(limits\\.deadlines\\.${phase}\\)`));
      }
      assert.equal(server.find(/^session up/), undefined, 'no session came up');
    } finally {
      await server.stop();
    }
  });
});
