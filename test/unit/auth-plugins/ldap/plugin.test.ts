// The plugin without a directory: what it does before asking one, and when
// none answers (refused port, a server that accepts and never replies).
// Against a real slapd: test/integration/ldap/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { pino } from 'pino';
import { AuthChain } from '../../../../auth-plugins/chain.js';
import { LdapPlugin } from '../../../../auth-plugins/ldap/plugin.js';
import { ldapOptions, type LdapOptionsInput } from '../../../../auth-plugins/ldap/options.js';
import { chapMd5, memoryLog, mschapV2, pap, request, secretPlugin } from '../fixtures.js';
import { freePort } from '../../../helpers/slapd.js';

const BIND_PASSWORD = 'Svc-Pw-9f3k';

function plugin(over: Partial<LdapOptionsInput>, log = memoryLog()): { p: LdapPlugin; log: ReturnType<typeof memoryLog> } {
  const o = ldapOptions.parse({
    url: 'ldap://127.0.0.1:9',
    baseDn: 'dc=example,dc=org',
    bindDn: 'cn=pptpd,ou=services,dc=example,dc=org',
    bindPassword: BIND_PASSWORD,
    timeout: 0.3,
    ...over,
  });
  return { p: new LdapPlugin(o, 'ldap', pino({ level: 'debug' }, log.stream)), log };
}

test('CHAP-MD5, PAP with pap: off and impossible names pass without touching the network', async () => {
  const { p } = plugin({ pap: 'off' });
  await p.init();
  assert.deepEqual((await p.handle(request(chapMd5('x')))).type, 'pass');
  assert.deepEqual((await p.handle(request(pap('x')))).type, 'pass');
  assert.deepEqual((await p.handle(request(mschapV2('', 'x'), { peerName: '' }))).type, 'pass');
  assert.deepEqual((await p.handle(request(mschapV2('a', 'x'), { userName: 'a'.repeat(257) }))).type, 'pass');
  assert.equal(p.stats.connects, 0);
  await p.close();
});

test('connection refused: onUnreachable pass → the chain moves on; reject → the attempt fails; one clear log line, no password', async () => {
  const port = await freePort();
  for (const onUnreachable of ['pass', 'reject'] as const) {
    const log = memoryLog();
    const { p } = plugin({ url: `ldap://127.0.0.1:${port}`, onUnreachable }, log);
    const chain = new AuthChain({ entries: [p, secretPlugin('file', 'secret')], throttle: false, logger: pino({ level: 'debug' }, log.stream) });
    await chain.init();
    const started = performance.now();
    const r = await chain.authenticate(request(mschapV2('alice', 'secret')));
    assert.ok(performance.now() - started < 2000);
    if (onUnreachable === 'pass') {
      assert.equal(r.verdict, 'accept');
      assert.equal(r.verdict === 'accept' && r.plugin, 'file');
    } else {
      assert.equal(r.verdict, 'reject');
      assert.match(r.verdict === 'reject' ? r.reason : '', /LDAP directory unreachable: .*ECONNREFUSED/);
    }
    const text = log.lines.join('');
    const line = log.lines.find((l) => l.includes('directory unreachable'));
    assert.ok(line !== undefined, text);
    assert.match(line, new RegExp(`127\\.0\\.0\\.1:${port}`));
    assert.match(line, onUnreachable === 'pass' ? /passing to the next plugin/ : /rejecting the attempt/);
    assert.match(text, /plain ldap:\/\/ without StartTLS/);
    assert.ok(!text.includes(BIND_PASSWORD));
    assert.ok(!(r.verdict === 'reject' && r.reason.includes(BIND_PASSWORD)));
    await chain.close();
  }
});

test('a server that accepts and never answers: the plugin gives up after its timeout', async () => {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const { p, log } = plugin({ url: `ldap://127.0.0.1:${port}`, timeout: 0.25, onUnreachable: 'reject' });
  try {
    await p.init();
    const started = performance.now();
    const out = await p.handle(request(mschapV2('alice', 'secret')));
    const ms = performance.now() - started;
    assert.equal(out.type, 'reject');
    assert.match(out.type === 'reject' ? out.reason : '', /time(d )?out/i);
    assert.ok(ms >= 200 && ms < 1500, `gave up after ${ms} ms`);
    assert.ok(log.lines.some((l) => l.includes('directory unreachable')));
  } finally {
    await p.close();
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  }
});

test('a missing tls.caFile stops init with the path named', async () => {
  const { p } = plugin({ url: 'ldaps://127.0.0.1:9', tls: { caFile: '/nonexistent/ca.pem' } });
  await assert.rejects(p.init(), /tls\.caFile \/nonexistent\/ca\.pem: ENOENT/);
  await p.close();
});
