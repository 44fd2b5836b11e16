// Session lifecycle against a running `pptpd-ts serve`, with the project's client in a
// second namespace: one session per user (replace and deny), SIGHUP reloading
// chap-secrets without dropping the live session, `pptpd-ts sessions` / `kill` over the
// control socket, the Prometheus endpoint, and SIGTERM ending every session cleanly.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { dataplaneUnavailable } from '../../../server/dataplane/native.js';
import { canUseNetns, Netns, nodeTs, vethPair, type NetnsChild } from '../../helpers/netns.js';
import { startServer, type ServerProc } from '../../helpers/server-proc.js';
import { CHILD_RUN_MS, waitFor } from '../../helpers/wait.js';

const skip = canUseNetns() ?? dataplaneUnavailable();
const SERVER = '10.234.0.1';
const POOL = { local: ['10.8.0.1'], remote: ['10.8.0.2-20'] };
let a: Netns | undefined;
let b: Netns | undefined;

/**
 * A client that connects and stays up for `hold` seconds (prints its JSON when done). Tests
 * hold far longer than they need and kill the client: a busy machine must not end it early.
 */
function holdClient(user: string, password: string, hold: number): NetnsChild {
  return b!.spawn(nodeTs('server/cli/main.ts', 'client', '--server', SERVER, '--user', user, '--password', password, '--hold', String(hold), '--json'));
}

async function waitUp(server: ServerProc, user: string, n: number): Promise<void> {
  // Each client is a fresh node + tsx process: its session comes up within CHILD_RUN_MS.
  await server.waitForLines(new RegExp(`^session up: ${user} `), n, CHILD_RUN_MS);
}

async function ctl(server: ServerProc, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return a!.exec(nodeTs('server/cli/main.ts', ...args, '--socket', path.join(server.dir, 'control.sock')), { timeoutMs: CHILD_RUN_MS });
}

describe('session lifecycle', { skip, concurrency: 1 }, () => {
  before(() => {
    a = Netns.create('lcs');
    b = Netns.create('lcc');
    vethPair(a, `${SERVER}/24`, b, '10.234.0.2/24');
  });
  after(() => {
    b?.destroy();
    a?.destroy();
  });

  test('singleSession replace: the older session is ended; control socket sessions/kill; metrics', async () => {
    const server = await startServer(a!, {
      config: { pool: POOL, limits: { singleSession: 'replace' }, telemetry: { prometheus: { host: '127.0.0.1', port: 9464 } } },
      chapSecrets: 'alice * secret *\nbob * bobpw *\n',
    });
    const kids: NetnsChild[] = [];
    try {
      kids.push(holdClient('alice', 'secret', 300));
      await waitUp(server, 'alice', 1);
      kids.push(holdClient('alice', 'secret', 300));
      await waitUp(server, 'alice', 2);
      await server.waitForLog(/replaced by a new session of alice/);
      const first = await kids[0]!.wait(30_000);
      assert.equal(first.timedOut, false, 'the first client was disconnected');
      kids.push(holdClient('bob', 'bobpw', 300));
      await waitUp(server, 'bob', 1);

      const list = await ctl(server, 'sessions', '--json');
      assert.equal(list.code, 0, list.stderr);
      const sessions = JSON.parse(list.stdout) as { userName?: string; user?: string; encryption?: string }[];
      assert.deepEqual(sessions.map((s) => s.userName ?? s.user).sort(), ['alice', 'bob']);

      // Two sessions active in Prometheus (scraped until they show, bounded).
      await waitFor('pptpd_sessions_active 2 in /metrics', async () => {
        const metrics = await a!.exec(['node', '-e', "fetch('http://127.0.0.1:9464/metrics').then(r=>r.text()).then(t=>process.stdout.write(t))"]);
        return /pptpd_sessions_active\S* 2/.test(metrics.stdout);
      });

      const kill = await ctl(server, 'kill', '--user', 'bob');
      assert.equal(kill.code, 0, kill.stderr);
      await server.waitForLog(/session down: bob \(Admin-Reset/);
    } finally {
      kids.forEach((k) => k.kill('SIGKILL'));
      await server.stop();
    }
  });

  test('singleSession deny; SIGHUP reloads chap-secrets and keeps the live session; SIGTERM ends it cleanly', async () => {
    const server = await startServer(a!, {
      config: { pool: POOL, limits: { singleSession: 'deny' } },
      chapSecrets: 'alice * secret *\n',
    });
    const kids: NetnsChild[] = [];
    try {
      kids.push(holdClient('alice', 'secret', 300));
      await waitUp(server, 'alice', 1);
      const second = await b!.exec(nodeTs('server/cli/main.ts', 'client', '--server', SERVER, '--user', 'alice', '--password', 'secret', '--json'), { timeoutMs: CHILD_RUN_MS });
      assert.equal(second.timedOut, false, 'the client ran to its end');
      assert.notEqual(second.code, 0, 'a second session of alice is refused');
      await server.waitForLog(/session refused: alice already has a session \(limits\.singleSession: deny\)/);

      // carol does not exist yet; add her and send SIGHUP.
      const before = await b!.exec(nodeTs('server/cli/main.ts', 'client', '--server', SERVER, '--user', 'carol', '--password', 'c-pw', '--json'), { timeoutMs: CHILD_RUN_MS });
      assert.equal(before.timedOut, false, 'the client ran to its end');
      assert.notEqual(before.code, 0);
      writeFileSync(path.join(server.dir, 'chap-secrets'), 'alice * secret *\ncarol * c-pw *\n');
      server.child.kill('SIGHUP');
      await server.waitForLog(/configuration reloaded; sessions kept/);
      const after = await b!.exec(nodeTs('server/cli/main.ts', 'client', '--server', SERVER, '--user', 'carol', '--password', 'c-pw', '--ping', '10.8.0.1', '--count', '2', '--json'), { timeoutMs: CHILD_RUN_MS });
      assert.equal(after.code, 0, after.stdout + after.stderr);
      assert.equal(server.find(/^session down: alice/), undefined, 'alice kept her session through the reload');

      const code = await server.stop({ keep: true });
      assert.equal(code, 0);
      await server.waitForLine(/^session down: alice \(NAS-Request/); // SIGTERM ended the session with NAS-Request
      await server.waitForLine(/pptpd-ts stopped/);
      server.cleanup();
    } finally {
      kids.forEach((k) => k.kill('SIGKILL'));
      await server.stop();
    }
  });
});
