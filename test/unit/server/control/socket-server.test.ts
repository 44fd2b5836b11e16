import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { controlRequest } from '../../../../server/control/client.js';
import { execute, parseRequest } from '../../../../server/control/protocol.js';
import { ControlSocketServer, listenOwnerOnly } from '../../../../server/control/socket-server.js';
import { silentLogger } from '../../../../server/log.js';
import { runKill } from '../../../../server/cli/kill.js';
import { runSessions } from '../../../../server/cli/sessions.js';
import { FakeHost, view } from './fake-host.js';
import { CHILD_RUN_MS } from '../../../helpers/wait.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'ptd-control-'));
chmodSync(dir, 0o755); // let `nobody` reach the socket file (the permission test)
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const sockPath = () => path.join(dir, `c${n++}`, 'control.sock');

function host(): FakeHost {
  return new FakeHost([
    view({ sessionId: 'S-alice', callId: 3, userName: 'alice', address: '10.8.0.2', clientAddress: '198.51.100.7', inputOctets: 1536, outputOctets: 3 * 1024 * 1024, upAt: 1_000_000 - 3_725_000 }),
    view({ sessionId: 'S-bob', callId: 4, userName: 'bob', address: '10.8.0.3', clientAddress: '198.51.100.8', authMethod: 'pap', encryption: 'none' }),
  ]);
}

test('protocol: parse accepts sessions and kill with exactly one selector, refuses the rest', () => {
  assert.deepEqual(parseRequest('{"cmd":"sessions","id":4}'), { cmd: 'sessions', id: 4 });
  assert.deepEqual(parseRequest('{"cmd":"kill","ip":"10.8.0.2"}'), { cmd: 'kill', selector: { ip: '10.8.0.2' } });
  for (const [line, re] of [
    ['nope', /not JSON/],
    ['[1]', /JSON object/],
    ['{"cmd":"reboot"}', /unknown command/],
    ['{"cmd":"kill"}', /exactly one/],
    ['{"cmd":"kill","user":"a","ip":"10.0.0.1"}', /exactly one/],
    ['{"cmd":"kill","user":""}', /non-empty/],
    ['{"cmd":"kill","ip":"10.0.0"}', /not an IPv4/],
  ] as const) {
    const r = parseRequest(line);
    assert.ok('error' in r, line);
    assert.match(r.error, re);
  }
  const h = host();
  assert.deepEqual(execute({ cmd: 'kill', selector: { user: 'bob' } }, h), { ok: true, killed: 1 });
  assert.equal(h.killed[0]!.cause, 'Admin-Reset');
});

test('sessions and kill over the socket; the socket is mode 0660 and removed on close', async () => {
  const h = host();
  const p = sockPath();
  const srv = await ControlSocketServer.listen({ path: p, mode: 0o660, group: undefined, host: h, log: silentLogger() });
  try {
    assert.equal(statSync(p).mode & 0o777, 0o660);
    assert.ok(statSync(p).isSocket());
    const list = await controlRequest(p, { cmd: 'sessions', id: 'x' });
    assert.ok(list.ok && 'sessions' in list);
    assert.equal(list.id, 'x');
    assert.deepEqual(list.sessions.map((s) => s.userName), ['alice', 'bob']);
    const bad = await controlRequest(p, { cmd: 'kill' });
    assert.equal(bad.ok, false);
    const killed = await controlRequest(p, { cmd: 'kill', user: 'alice' });
    assert.deepEqual(killed, { ok: true, killed: 1 });
    assert.deepEqual(h.list.map((s) => s.userName), ['bob']);
  } finally {
    await srv.close();
  }
  assert.equal(existsSync(p), false);
});

test('several requests on one connection are answered in order; an over-long line closes it', async () => {
  const p = sockPath();
  const srv = await ControlSocketServer.listen({ path: p, mode: 0o660, group: undefined, host: host(), log: silentLogger() });
  try {
    const lines = await new Promise<string[]>((resolve, reject) => {
      const c = net.connect(p);
      let buf = '';
      c.setEncoding('utf8');
      c.on('data', (d: string) => {
        buf += d;
        const got = buf.split('\n').filter(Boolean);
        if (got.length === 3) {
          c.end();
          resolve(got);
        }
      });
      c.on('error', reject);
      c.write('{"cmd":"sessions","id":1}\n{"cmd":"bogus","id":2}\n{"cmd":"kill","session":"S-bob","id":3}\n');
    });
    assert.deepEqual(lines.map((l) => [JSON.parse(l).id, JSON.parse(l).ok]), [[1, true], [2, false], [3, true]]);
    const closed = await new Promise<string>((resolve) => {
      const c = net.connect(p);
      let buf = '';
      c.setEncoding('utf8');
      c.on('data', (d: string) => (buf += d));
      c.on('close', () => resolve(buf));
      c.on('error', () => undefined);
      c.write('x'.repeat(70 * 1024));
    });
    assert.match(closed, /longer than/);
  } finally {
    await srv.close();
  }
});

test('a stale socket file is replaced; a live server is not stolen from', async () => {
  const p = sockPath();
  const first = await ControlSocketServer.listen({ path: p, mode: 0o660, group: undefined, host: host(), log: silentLogger() });
  await assert.rejects(ControlSocketServer.listen({ path: p, mode: 0o660, group: undefined, host: host(), log: silentLogger() }), /in use/);
  await first.close();
  writeFileSync(p, ''); // a leftover plain file at the path
  const second = await ControlSocketServer.listen({ path: p, mode: 0o660, group: undefined, host: host(), log: silentLogger() });
  assert.ok(statSync(p).isSocket());
  await second.close();
});

test('CLI: sessions (table and --json) and kill through the socket', async () => {
  const h = host();
  const p = sockPath();
  const srv = await ControlSocketServer.listen({ path: p, mode: 0o660, group: undefined, host: h, log: silentLogger() });
  try {
    const now = 1_000_000;
    const table = await runSessions({ socket: p }, now);
    assert.equal(table.exitCode, 0);
    assert.match(table.output[0]!, /^SESSION\s+USER\s+ADDRESS\s+CLIENT\s+UPTIME\s+IN\s+OUT\s+AUTH\s+MPPE\s+STATE$/);
    const alice = table.output.find((l) => l.includes('alice'))!;
    assert.match(alice, /S-alice\s+alice\s+10\.8\.0\.2\s+198\.51\.100\.7\s+01:02:05\s+1\.5K\s+3\.0M\s+mschap-v2\s+MPPE-128 stateless\s+up/);
    const json = await runSessions({ socket: p, json: true }, now);
    const parsed = JSON.parse(json.output.join('\n')) as { sessionId: string; uptimeSeconds: number }[];
    assert.deepEqual(parsed.map((s) => s.sessionId).sort(), ['S-alice', 'S-bob']);
    assert.equal(parsed.find((s) => s.sessionId === 'S-alice')!.uptimeSeconds, 3725);

    assert.equal((await runKill({ socket: p })).exitCode, 2);
    assert.equal((await runKill({ socket: p, user: 'a', ip: '10.0.0.1' })).exitCode, 2);
    const none = await runKill({ socket: p, user: 'carol' });
    assert.deepEqual(none, { exitCode: 1, output: ['no session matches user carol'] });
    const ok = await runKill({ socket: p, ip: '10.8.0.3' });
    assert.deepEqual(ok, { exitCode: 0, output: ['terminated 1 session (ip 10.8.0.3)'] });
    assert.deepEqual(h.list.map((s) => s.userName), ['alice']);
  } finally {
    await srv.close();
  }
});

test('CLI: clear errors when the server is not running', async () => {
  const missing = await runSessions({ socket: path.join(dir, 'absent.sock') });
  assert.equal(missing.exitCode, 2);
  assert.match(missing.output[0]!, /no such socket — is pptpd-ts running/);
  // A socket file with no listener: a server killed with SIGKILL leaves it behind.
  const stale = path.join(dir, 'crashed.sock');
  const script = `require('node:net').createServer().listen(${JSON.stringify(stale)}, () => process.kill(process.pid, 'SIGKILL'))`;
  spawnSync(process.execPath, ['-e', script], { timeout: CHILD_RUN_MS });
  assert.ok(statSync(stale).isSocket());
  const dead = await runKill({ socket: stale, user: 'x' });
  assert.equal(dead.exitCode, 2);
  assert.match(dead.output[0]!, /connection refused — pptpd-ts is not running/);
  // …and a server starting on that path replaces it.
  const srv = await ControlSocketServer.listen({ path: stale, mode: 0o660, group: undefined, host: host(), log: silentLogger() });
  assert.equal((await runSessions({ socket: stale })).exitCode, 0);
  await srv.close();
});

const canDropPrivileges = process.getuid?.() === 0 && spawnSync('setpriv', ['--version'], { timeout: 5000 }).status === 0;

test('permission denied for a user outside the socket group (runs the client as nobody)', { skip: canDropPrivileges ? false : 'needs root and setpriv' }, async () => {
  const p = sockPath();
  const srv = await ControlSocketServer.listen({ path: p, mode: 0o660, group: 0, host: host(), log: silentLogger() });
  try {
    chmodSync(path.dirname(p), 0o755);
    const script = `import { runSessions } from ${JSON.stringify(path.resolve('server/cli/sessions.ts'))}; const r = await runSessions({ socket: ${JSON.stringify(p)} }); process.stdout.write(r.output.join('\\n')); process.exit(r.exitCode);`;
    const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: CHILD_RUN_MS,
      env: { ...process.env, HOME: '/tmp' },
    });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stdout, /permission denied — run as root or as a member of the socket's group/);
  } finally {
    await srv.close();
  }
});

test('the control socket is born owner-only (0600) even under umask 000, and the umask is restored', async () => {
  const p = path.join(dir, 'umask.sock');
  const old = process.umask(0);
  const server = net.createServer();
  try {
    await listenOwnerOnly(server, p);
    assert.equal(statSync(p).mode & 0o777, 0o600, 'no moment in which others may connect');
    assert.equal(process.umask(), 0, 'the process umask is what it was');
  } finally {
    process.umask(old);
    await new Promise<void>((r) => server.close(() => r()));
  }
});
