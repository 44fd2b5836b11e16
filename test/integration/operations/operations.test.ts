// Operating a running pptpd-ts with a real client connected: the real Linux PPTP client
// (pptp-linux + pppd in a qemu guest, ../shared/interop) in a test namespace, the server
// with its operations (metrics, control socket, DM/CoA from the config), and then
//   - Prometheus scraped over HTTP inside the namespace shows the real session;
//   - `pptpd-ts sessions --json` over the control socket shows it (MS-CHAPv2, MPPE-128);
//   - a CoA-Request from radclient (FreeRADIUS) changes its Session-Timeout;
//   - a request with a wrong secret gets no answer;
//   - a Disconnect-Request from radclient ends it with Admin-Reset;
//   - a second session is ended by `pptpd-ts kill --user`.
// About 60 s (two guest boots).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { canRunInterop, MIN_CLIENT_TIMEOUT_S, runPptpClient, type PptpClientResult } from '../../helpers/interop.js';
import { canUseNetns, Netns, nodeTs, type NetnsChild } from '../../helpers/netns.js';
import { parseExposition, value, type Sample } from '../../unit/server/telemetry/prometheus.js';
import { runCli } from '../../unit/server/cli/run-cli.js';
import { runSessions } from '../../../server/cli/sessions.js';
import { STARTUP_MS, WAIT_MS, waitFor } from '../../helpers/wait.js';

const hasRadclient = spawnSync('sh', ['-c', 'command -v radclient'], { timeout: 5000 }).status === 0;
const skip = canUseNetns() ?? canRunInterop() ?? (hasRadclient ? false : 'radclient (freeradius-utils) is not installed');
const SERVER = '10.231.0.1';
const DM_SECRET = 'dm-s3cret';
const V2 = 'nodeflate nobsdcomp noauth refuse-eap refuse-pap refuse-chap refuse-mschap require-mppe-128';

interface Session {
  sessionId: string;
  userName: string;
  address: string;
  clientAddress: string;
  authMethod: string;
  encryption: string;
  state: string;
  sessionTimeLeft?: number;
  uptimeSeconds: number;
}

describe('operations against a live session (real client)', { skip, timeout: 600_000 }, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ptd-ops-it-'));
  const socket = path.join(dir, 'control.sock');
  let ns: Netns | undefined;
  let server: NetnsChild | undefined;
  after(async () => {
    if (server) {
      server.kill('SIGTERM');
      await server.wait(15_000);
    }
    ns?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const logs = () => server!.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { msg: string; [k: string]: unknown });
  const metrics = async (): Promise<Sample[]> => {
    const r = await ns!.exec([process.execPath, '-e', "fetch('http://127.0.0.1:9464/metrics').then(r => r.text()).then(t => process.stdout.write(t))"]);
    assert.equal(r.code, 0, r.stderr);
    return parseExposition(r.stdout);
  };
  // `pptpd-ts sessions --json`'s own code, run in this process over the control socket: a
  // CLI child (node + tsx) per look took so long on a busy machine that the guest's hold ran
  // out mid-test. The CLI itself is run below for the table and for kill.
  const sessions = async (): Promise<Session[]> => {
    const r = await runSessions({ socket, json: true });
    assert.equal(r.exitCode, 0, r.output.join('\n'));
    return JSON.parse(r.output.join('\n')) as Session[];
  };
  const radclient = async (command: 'coa' | 'disconnect', attrs: string, secret = DM_SECRET): Promise<string> => {
    const r = await ns!.exec(['radclient', '-x', '-r', '1', '-t', '2', '127.0.0.1:3799', command, secret], { input: attrs, timeoutMs: 60_000 });
    return r.stdout + r.stderr;
  };
  // The guest holds the tunnel 90 s (the harness sleeps that long whatever happens): time for
  // the CLI, radclient and scrapes below to run on a busy machine before Disconnect/kill.
  const client = (): Promise<PptpClientResult> =>
    runPptpClient({ netns: ns!.name, server: SERVER, user: 'alice', password: 'secret', pppdOpts: V2, count: 2, hold: 90, timeout: 240 });

  test('metrics, sessions, CoA, Disconnect and kill', async () => {
    ns = Netns.create('ops');
    const cfg = path.join(dir, 'config.yaml');
    const secrets = path.join(dir, 'chap-secrets');
    writeFileSync(secrets, 'alice * secret *\n', { mode: 0o600 });
    writeFileSync(
      cfg,
      JSON.stringify({
        pidfile: null,
        pool: { local: ['10.8.0.1'], remote: ['10.8.0.2-20'] },
        auth: { chain: [{ plugin: 'chap-secrets', file: secrets, watch: false }] },
        accounting: { spoolDir: path.join(dir, 'spool'), journal: { path: path.join(dir, 'journal.sqlite') } },
        control: { socket },
        telemetry: { prometheus: { host: '127.0.0.1', port: 9464 } },
        dynamicAuthorization: { address: '127.0.0.1', port: 3799, clients: [{ address: '127.0.0.1', secret: DM_SECRET }] },
      }),
    );
    server = ns.spawn(nodeTs('server/cli/main.ts', 'serve', '-c', cfg, '--tun', 'pptp0', '--log-format', 'json', '--no-pidfile'));
    await server.waitForLine(/listening on/, STARTUP_MS);

    // ---- session 1: CoA, then Disconnect ----
    const run1 = client();
    await server.waitForLine(/session up: alice/, 240_000);
    const [s] = await sessions();
    assert.ok(s);
    assert.equal(s.userName, 'alice');
    assert.match(s.address, /^10\.8\.0\./);
    assert.equal(s.clientAddress, '10.231.0.2');
    assert.equal(s.authMethod, 'mschap-v2');
    assert.equal(s.encryption, 'MPPE-128 stateless');
    assert.equal(s.state, 'up');
    assert.equal(s.sessionTimeLeft, undefined);
    const table = runCli(['sessions', '--socket', socket]);
    assert.match(table.stdout, new RegExp(`${s.sessionId}\\s+alice\\s+${s.address.replace(/\./g, '\\.')}\\s+10\\.231\\.0\\.2\\s+\\d\\d:\\d\\d:\\d\\d`));

    let m = await metrics();
    assert.equal(value(m, 'pptpd_sessions_active', { state: 'up' }), 1);
    assert.equal(value(m, 'pptpd_sessions_started_total', { method: 'mschap-v2', encryption: 'MPPE-128 stateless' }), 1);
    assert.equal(value(m, 'pptpd_auth_attempts_total', { method: 'mschap-v2', result: 'accept', plugin: 'chap-secrets' }), 1);
    assert.equal(value(m, 'pptpd_pool_addresses', { state: 'in_use' }), 1);
    assert.equal(value(m, 'pptpd_control_connections_active'), 1);
    assert.equal(value(m, 'pptpd_session_setup_duration_seconds_count', { method: 'mschap-v2' }), 1);

    const coaSent = Date.now();
    const coa = await radclient('coa', 'User-Name = "alice"\nSession-Timeout = 600\nMessage-Authenticator = 0x00\n');
    assert.match(coa, /Received CoA-ACK/, coa);
    const left = (await sessions())[0]?.sessionTimeLeft;
    // 600 s from the CoA, less the time since it was sent (the CLI alone can take seconds on a busy machine).
    const since = Math.ceil((Date.now() - coaSent) / 1000);
    assert.ok(left !== undefined && left >= 600 - since - 1 && left <= 600, `sessionTimeLeft ${left}, ${since} s after the CoA`);

    const wrong = await radclient('disconnect', 'User-Name = "alice"\nMessage-Authenticator = 0x00\n', 'not-the-secret');
    assert.doesNotMatch(wrong, /Received/, wrong);
    assert.equal((await sessions()).length, 1, 'a request with a bad authenticator changed nothing');

    const dm = await radclient('disconnect', `Framed-IP-Address = ${s.address}\nMessage-Authenticator = 0x00\n`);
    assert.match(dm, /Received Disconnect-ACK/, dm);
    await server.waitForLine(/session down: alice/, WAIT_MS);
    const down = logs().find((l) => /^session down: alice/.test(l.msg));
    assert.equal(down?.['cause'], 'Admin-Reset');
    const r1 = await run1;
    assert.equal(r1.json?.up, true, r1.stderr.slice(-2000));
    assert.deepEqual(await sessions(), []);
    const again = await radclient('disconnect', `Framed-IP-Address = ${s.address}\nMessage-Authenticator = 0x00\n`);
    assert.match(again, /Received Disconnect-NAK/, again);
    assert.match(again, /Error-Cause = Session-Context-Not-Found/);

    m = await metrics();
    assert.equal(value(m, 'pptpd_sessions_active', { state: 'up' }), 0);
    assert.equal(value(m, 'pptpd_sessions_ended_total', { cause: 'Admin-Reset', was_up: 'true' }), 1);
    assert.ok((value(m, 'pptpd_traffic_bytes_total', { direction: 'in' }) ?? 0) > 0, 'the pings were counted');
    assert.equal(value(m, 'pptpd_dynauth_requests_total', { kind: 'coa', result: 'ack' }), 1);
    assert.equal(value(m, 'pptpd_dynauth_requests_total', { kind: 'disconnect', result: 'ack' }), 1);
    assert.equal(value(m, 'pptpd_dynauth_requests_total', { kind: 'disconnect', result: 'dropped', reason: 'bad-packet' }), 1);

    // ---- session 2: pptpd-ts kill ----
    const run2 = client();
    const start = Date.now();
    await waitFor('the second session up', async () => (await sessions()).some((x) => x.state === 'up'), MIN_CLIENT_TIMEOUT_S * 1000).catch(() => undefined);
    assert.equal((await sessions()).filter((x) => x.state === 'up').length, 1, `no second session after ${Date.now() - start} ms`);
    const killed = runCli(['kill', '--user', 'alice', '--socket', socket]);
    assert.equal(killed.status, 0, killed.stdout + killed.stderr);
    assert.match(killed.stdout, /terminated 1 session \(user alice\)/);
    const r2 = await run2;
    assert.equal(r2.json?.up, true);
    assert.deepEqual(await sessions(), []);
    assert.equal(runCli(['kill', '--user', 'alice', '--socket', socket]).status, 1);
    m = await metrics();
    assert.equal(value(m, 'pptpd_sessions_ended_total', { cause: 'Admin-Reset', was_up: 'true' }), 2);
    assert.equal(value(m, 'pptpd_sessions_started_total', { method: 'mschap-v2', encryption: 'MPPE-128 stateless' }), 2);
  });
});
