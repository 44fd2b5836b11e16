// ppp.proxyArp: true/false as before, or the LAN interfaces to publish on. A named
// interface must exist on this host (an error naming file and line otherwise, the same
// at check-config and at serve); forwarding off on it is a warning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigSchema } from '../../../config/schema.js';
import { parseConfigText } from '../../../config/load.js';
import { checkProxyArp, thisHost, type HostInterfaces } from '../../../config/proxy-arp-check.js';
import { runCli } from '../server/cli/run-cli.js';

const host = (names: string[], forwardingOff: string[] = []): HostInterfaces => ({
  names: () => new Set(names),
  forwarding: (n) => !forwardingOff.includes(n),
});
const withArp = (proxyArp: unknown) => ConfigSchema.parse({ ppp: { proxyArp } });

test('schema: false, true, one name or a list of names', () => {
  assert.equal(ConfigSchema.parse({}).ppp.proxyArp, false);
  assert.equal(withArp(true).ppp.proxyArp, true);
  assert.deepEqual(withArp('eth1').ppp.proxyArp, ['eth1']);
  assert.deepEqual(withArp(['eth1', 'br0.56']).ppp.proxyArp, ['eth1', 'br0.56']);
  for (const bad of [[], 'a/b', 'x'.repeat(16), 'eth0:1', '', 3]) assert.equal(ConfigSchema.safeParse({ ppp: { proxyArp: bad } }).success, false, JSON.stringify(bad));
});

test('host check: a missing interface, the TUN, lo and a repeat are errors; forwarding off is a warning', () => {
  assert.deepEqual(checkProxyArp(withArp(true), host([])), []);
  assert.deepEqual(checkProxyArp(withArp(['eth1']), host(['eth1'])), []);
  const f = checkProxyArp(withArp(['eth9', 'pptp0', 'lo', 'eth1', 'eth1']), host(['lo', 'eth1', 'pptp0'], ['eth1']));
  assert.deepEqual(
    f.map((x) => [x.path.join('.'), x.severity, x.message]),
    [
      ['ppp.proxyArp.0', 'error', 'no interface "eth9" on this host (ip -br link lists them): name the LAN interface whose hosts must reach the clients, or true to answer on the interface whose subnet holds each client address'],
      ['ppp.proxyArp.1', 'error', '"pptp0" is the tunnel device (dataplane.tun): name the LAN interface whose hosts must reach the clients'],
      ['ppp.proxyArp.2', 'error', '"lo" is the loopback device: name the LAN interface whose hosts must reach the clients'],
      ['ppp.proxyArp.3', 'warning', 'forwarding is off on eth1: the kernel answers proxy ARP only on a forwarding interface (sysctl -w net.ipv4.conf.eth1.forwarding=1)'],
      ['ppp.proxyArp.4', 'error', '"eth1" is listed twice'],
    ],
  );
  const unlisted = checkProxyArp(withArp(['eth1']), { names: () => 'cannot list this host\'s interfaces (/proc/net/dev: ENOENT)', forwarding: () => undefined });
  assert.equal(unlisted[0]?.message, "cannot list this host's interfaces (/proc/net/dev: ENOENT)");
});

test('this host: /proc/net/dev lists lo', () => {
  const names = thisHost.names();
  assert.ok(typeof names !== 'string' && names.has('lo'), String(names));
});

test('a YAML file naming a missing interface: error with its line', () => {
  const r = parseConfigText('ppp:\n  proxyArp:\n    - lo\n    - ptdnosuch0\n', 'x.yaml');
  assert.equal(r.config === undefined || r.issues.some((i) => i.severity === 'error'), true);
  const lines = r.issues.map((i) => `${i.line}: ${i.severity}: ${i.key}: ${i.message}`);
  assert.ok(lines.includes('3: error: ppp.proxyArp[0]: "lo" is the loopback device: name the LAN interface whose hosts must reach the clients'), lines.join('\n'));
  assert.ok(lines.some((l) => l.startsWith('4: error: ppp.proxyArp[1]: no interface "ptdnosuch0" on this host')), lines.join('\n'));
});

test('check-config and serve: the same error line for a missing interface, and serve never listens', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pptpd-parp-'));
  try {
    const file = path.join(dir, 'c.yaml');
    // Port 1 on loopback: if serve got as far as listening it would say so (or fail otherwise).
    writeFileSync(path.join(dir, 'chap-secrets'), 'alice * secret *\n');
    writeFileSync(
      file,
      `listen:\n  address: 127.0.0.1\n  port: 1\nppp:\n  proxyArp: ptdnosuch0\npidfile: null\ncontrol:\n  socket: ${dir}/c.sock\n` +
        `auth:\n  chain:\n    - plugin: chap-secrets\n      file: ${dir}/chap-secrets\n`,
    );
    const want = `${file}:5:3: error: ppp.proxyArp: no interface "ptdnosuch0" on this host (ip -br link lists them)`;
    const check = runCli(['check-config', '-c', file]);
    assert.equal(check.status, 1, check.stdout + check.stderr);
    assert.ok(check.stdout.includes(want), check.stdout);
    const serve = runCli(['serve', '-c', file, '--tun', 'ptdnotun0']);
    assert.equal(serve.status, 1, serve.stdout + serve.stderr);
    assert.ok(serve.stderr.includes(want), serve.stderr);
    assert.ok(!/listening on/.test(serve.stdout + serve.stderr));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
