// The real Linux PPTP client (pptp-linux 1.10 + pppd 2.4.9 in a qemu guest, see
// ../shared/interop) against pptpd-ts running in a test namespace: every
// authentication method and MPPE mode the issue names, a wrong password, a
// DOMAIN\user name, and a host behind the server reached through the tunnel.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { canRunInterop, runPptpClient, type PptpClientResult } from '../helpers/interop.js';
import { canUseNetns, Netns, vethPair } from '../helpers/netns.js';
import { startServer, startServerArgs, type ServerProc } from '../helpers/server-proc.js';
import { writeFileSync } from 'node:fs';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NetnsChild } from '../helpers/netns.js';
import { nodeTs } from '../helpers/netns.js';
import { STARTUP_MS } from '../helpers/wait.js';

const skip = canUseNetns() ?? canRunInterop();
const SERVER = '10.231.0.1';
const POOL = { local: ['10.8.0.1'], remote: ['10.8.0.2-20'] };
const SECRETS = 'alice * secret *\n"CORP\\\\carol" * "c-pass" *\n';
// pppd option lists for the guest (they replace the harness default).
const BASE = 'nodeflate nobsdcomp noauth refuse-eap';
const V2 = `${BASE} refuse-pap refuse-chap refuse-mschap`;

interface Scenario {
  config?: Record<string, unknown>;
  user?: string;
  password?: string;
  pppdOpts: string;
  ping?: string;
  hold?: number;
  timeout?: number;
  console?: string;
  extra?: (ns: Netns) => Promise<void>;
}

const namespaces: Netns[] = [];
after(() => {
  for (const ns of namespaces) ns.destroy();
});

async function run(tag: string, sc: Scenario): Promise<{ r: PptpClientResult; server: ServerProc }> {
  const ns = Netns.create(tag);
  namespaces.push(ns);
  await sc.extra?.(ns);
  const server = await startServer(ns, {
    config: { pool: POOL, ...sc.config },
    chapSecrets: SECRETS,
  });
  try {
    const r = await runPptpClient({
      netns: ns.name,
      server: SERVER,
      user: sc.user ?? 'alice',
      password: sc.password ?? 'secret',
      pppdOpts: sc.pppdOpts,
      ...(sc.ping !== undefined ? { ping: sc.ping } : {}),
      ...(sc.hold !== undefined ? { hold: sc.hold } : {}),
      ...(sc.console !== undefined ? { console: sc.console } : {}),
      timeout: sc.timeout ?? 60,
    });
    return { r, server };
  } finally {
    await server.stop();
  }
}

function assertUp(r: PptpClientResult, auth: string, mppe: string | null): void {
  const j = r.json;
  assert.ok(j, `no JSON from the client: ${r.stderr.slice(-1500)}`);
  assert.equal(j.up, true, `tunnel not up: ${j.log.slice(-2500)}`);
  assert.equal(j.auth, auth);
  assert.equal(j.mppe, mppe);
  assert.equal(j.local_ip?.startsWith('10.8.0.'), true);
  assert.ok(j.ping_received >= 1, `no ping answered (${j.ping_received}/${j.ping_sent})`);
}

describe('real Linux client (pptp-linux + pppd) against pptpd-ts', { skip, concurrency: 1 }, () => {
  test('MS-CHAPv2 + MPPE-128 stateless', async () => {
    const { r, server } = await run('v2s', { pppdOpts: `${V2} require-mppe-128` });
    assertUp(r, 'MS-CHAP-v2', 'MPPE 128-bit stateless');
    assert.equal(r.json?.remote_ip, '10.8.0.1');
    const up = await server.waitForLine(/^session up: alice/); // server logged the session
    assert.equal(up['encryption'], 'MPPE-128 stateless');
    await server.waitForLine(/^session down: alice/); // server logged the end of the session
  });

  test('MS-CHAPv2 + MPPE-128 stateful (server prefers stateful)', async () => {
    const { r } = await run('v2f', {
      config: { ppp: { mppe: { required: true, bits: [128], stateful: 'prefer' } } },
      pppdOpts: `${V2} require-mppe-128 mppe-stateful`,
    });
    assertUp(r, 'MS-CHAP-v2', 'MPPE 128-bit stateful');
  });

  test('MS-CHAPv2 + MPPE-40', async () => {
    const { r } = await run('v240', {
      config: { ppp: { mppe: { required: true, bits: [40], stateful: 'deny' } } },
      pppdOpts: `${V2} require-mppe-40`,
    });
    assertUp(r, 'MS-CHAP-v2', 'MPPE 40-bit stateless');
  });

  test('MS-CHAPv1 + MPPE-128', async () => {
    const { r } = await run('v1', {
      config: { ppp: { auth: { allowed: ['mschap-v1'] } } },
      pppdOpts: `${BASE} refuse-pap refuse-chap refuse-mschap-v2 require-mppe-128`,
    });
    assertUp(r, 'MS-CHAP', 'MPPE 128-bit stateless');
  });

  test('CHAP-MD5 without MPPE', async () => {
    const { r } = await run('md5', {
      config: { ppp: { auth: { allowed: ['chap-md5'] }, mppe: { required: false, bits: [] } } },
      pppdOpts: `${BASE} refuse-pap refuse-mschap refuse-mschap-v2 nomppe`,
    });
    assertUp(r, 'CHAP-MD5', null);
  });

  test('PAP without MPPE, only when the configuration allows it', async () => {
    const { r } = await run('pap', {
      config: { ppp: { auth: { allowed: ['pap'] }, mppe: { required: false, bits: [] } } },
      pppdOpts: `${BASE} refuse-chap refuse-mschap refuse-mschap-v2 nomppe`,
    });
    assertUp(r, 'PAP', null);
    // The default configuration (MS-CHAPv2 only) refuses a client that will only do PAP.
    const { r: refused } = await run('pap-no', { pppdOpts: `${BASE} refuse-chap refuse-mschap refuse-mschap-v2 nomppe` });
    assert.equal(refused.json?.up, false);
  });

  test('wrong password: the client sees an authentication failure, the server logs it, no session is left', async () => {
    const { r, server } = await run('bad', { password: 'not-the-password', pppdOpts: `${V2} require-mppe-128` });
    assert.equal(r.json?.up, false);
    assert.equal(r.json?.pppd_exit, 19, 'pppd exit 19: authentication failed');
    assert.match(r.json?.log ?? '', /E=691/);
    await server.waitForLine(/^MS-CHAPv2 failed for alice from 10\.231\.0\.2 \(691\)/); // with user and source address
    await server.waitForLine(/call ended before the session was up/);
    assert.equal(server.find(/^session up/), undefined);
  });

  test('CORP\\carol against a chap-secrets line CORP\\\\carol (domain not in the challenge hash)', async () => {
    const { r, server } = await run('dom', { user: 'CORP\\carol', password: 'c-pass', pppdOpts: `${V2} require-mppe-128` });
    assertUp(r, 'MS-CHAP-v2', 'MPPE 128-bit stateless');
    await server.waitForLine(/^session up: CORP\\carol/);
  });

  test('a host behind the server answers through the tunnel', async () => {
    let lan: Netns | undefined;
    const { r } = await run('lan', {
      pppdOpts: `${V2} require-mppe-128 defaultroute`,
      ping: '10.50.0.2',
      extra: async (ns) => {
        lan = Netns.create('lanh');
        namespaces.push(lan);
        vethPair(ns, '10.50.0.1/24', lan, '10.50.0.2/24');
        lan.ip('route', 'add', '10.8.0.0/24', 'via', '10.50.0.1');
        const r = await ns.exec(['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
        assert.equal(r.code, 0, r.stderr);
      },
    });
    assertUp(r, 'MS-CHAP-v2', 'MPPE 128-bit stateless');
    assert.equal(r.json?.ping_target, '10.50.0.2');
  });

  test('10 MB each way through MPPE-128 arrives intact (MD5 compared)', async () => {
    const SIZE = 10 * 1024 * 1024;
    // A background job in the guest (pppd's `init` runs a shell command): once ppp0 is up it
    // uploads 10 MB of random bytes with busybox nc and downloads 10 MB, printing MD5s on the console.
    const script = [
      'i=0; while [ ! -e /run/ppp-up.ppp0 ] && [ $i -lt 300 ]; do sleep 0.2; i=$((i+1)); done',
      `dd if=/dev/urandom of=/tmp/up.bin bs=65536 count=${SIZE / 65536} 2>/dev/null`,
      'echo @@XFER up-md5=$(md5sum </tmp/up.bin)',
      'nc 10.8.0.1 5001 </tmp/up.bin',
      'nc 10.8.0.1 5002 >/tmp/down.bin',
      'echo @@XFER down-md5=$(md5sum </tmp/down.bin) down-bytes=$(wc -c </tmp/down.bin) t=$(cut -d. -f1 /proc/uptime)',
      // Done: end the harness's --hold wait early (its `sleep`), so the run takes as long as the transfer.
      'killall sleep',
    ].join('; ');
    const init = `init "sh -c '(${script}) </dev/null >/dev/console 2>&1 &'"`;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ptd-xfer-'));
    const consoleFile = path.join(dir, 'console.log');
    let xfer: NetnsChild | undefined;
    try {
      const { r } = await run('xfer', {
        pppdOpts: `${V2} require-mppe-128 ${init}`,
        hold: 100,
        timeout: 160,
        console: consoleFile,
        extra: async (ns) => {
          xfer = ns.spawn(nodeTs('test/interop/fixtures/xfer-server.ts', String(SIZE)));
          await xfer.waitForLine(/listening/, STARTUP_MS);
        },
      });
      assertUp(r, 'MS-CHAP-v2', 'MPPE 128-bit stateless');
      const consoleText = readFileSync(consoleFile, 'utf8');
      const upMd5 = /@@XFER up-md5=([0-9a-f]{32})/.exec(consoleText)?.[1];
      const down = /@@XFER down-md5=([0-9a-f]{32})\s+-?\s*down-bytes=\s*(\d+)/.exec(consoleText);
      const host = (xfer?.stdout ?? '').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { dir: string; bytes: number; md5: string });
      const hostUp = host.find((h) => h.dir === 'up');
      const hostDown = host.find((h) => h.dir === 'down');
      assert.ok(upMd5 && hostUp, `upload not finished: ${consoleText.split('\n').filter((l) => l.includes('XFER')).join(' | ')}`);
      assert.equal(hostUp.bytes, SIZE);
      assert.equal(hostUp.md5, upMd5, 'upload arrived intact');
      assert.ok(down && hostDown, 'download not finished');
      assert.equal(Number(down[2]), SIZE);
      assert.equal(down[1], hostDown.md5, 'download arrived intact');
    } finally {
      xfer?.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('serve --pptpd-conf: PoPToP files alone (pptpd.conf, its pppd options file, chap-secrets)', async () => {
    const ns = Netns.create('poptop');
    namespaces.push(ns);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ptd-poptop-'));
    try {
      writeFileSync(path.join(dir, 'pptpd.conf'), `# PoPToP HOWTO style\noption ${dir}/options.pptpd\nlocalip 10.8.0.1\nremoteip 10.8.0.2-9,10.8.0.15\nconnections 100\n`);
      writeFileSync(
        path.join(dir, 'options.pptpd'),
        ['name pptpd', 'refuse-pap', 'refuse-chap', 'refuse-mschap', 'require-mschap-v2', 'require-mppe-128', 'ms-dns 10.8.0.53', 'nodefaultroute', 'lock', 'nobsdcomp', 'nodeflate', 'lcp-echo-interval 30', 'lcp-echo-failure 4', ''].join('\n'),
      );
      writeFileSync(path.join(dir, 'chap-secrets'), '# client server secret IP addresses\n"workgroup\\\\dave" pptpd "d-pass" *\nalice pptpd secret *\n', { mode: 0o600 });
      const server = await startServerArgs(ns, ['--pptpd-conf', path.join(dir, 'pptpd.conf'), '--chap-secrets', path.join(dir, 'chap-secrets')]);
      try {
        const r = await runPptpClient({ netns: ns.name, server: SERVER, user: 'workgroup\\dave', password: 'd-pass', pppdOpts: `${V2} require-mppe-128 usepeerdns`, timeout: 60 });
        assertUp(r, 'MS-CHAP-v2', 'MPPE 128-bit stateless');
        assert.match(r.json?.log ?? '', /primary\s+DNS address 10\.8\.0\.53/, 'ms-dns from the pppd options file reached the client');
        await server.waitForLine(/^session up: workgroup\\dave from 10\.231\.0\.2/);
      } finally {
        await server.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
