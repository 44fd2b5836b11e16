// Odd peer names through the whole server (issue 12): a NUL, a newline, 255 octets,
// non-ASCII, an escape sequence and a DOMAIN\ prefix for the rewriter, each with PAP,
// CHAP-MD5, MS-CHAPv1 and MS-CHAPv2, through chap-secrets, ip-up/ip-down, the logs,
// utmp/wtmp, the journal and RADIUS accounting to a real FreeRADIUS. Nothing may take
// the process down; no control character reaches a script's environment or a log line.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dataplaneUnavailable } from '../../../server/dataplane/native.js';
import { canRunFreeradius, startFreeradius, type Freeradius } from '../../helpers/freeradius.js';
import { canUseNetns, Netns, nodeTs, vethPair } from '../../helpers/netns.js';
import { startServer } from '../../helpers/server-proc.js';
import { readDetails } from '../accounting/detail.js';

const skip = canUseNetns() ?? dataplaneUnavailable() ?? canRunFreeradius();
const SERVER = '10.234.0.1';
const CLIENT = '10.234.0.2';
const METHODS = ['pap', 'chap-md5', 'mschap-v1', 'mschap-v2'];
// What the client sends; the rewriter strips CORP\ from the last one.
const SENT = ['al\0ice', 'bob\nFAKE=1 level=60', 'x'.repeat(255), 'jos\u00e9\u00ff', 'e\x1b[31mvil', 'CORP\\dom\0ain'];
const USERS = SENT.map((n) => n.replace(/^CORP\\/, ''));

/** A chap-secrets word in pppd's quoting: backslash escapes for the awkward octets. */
function pppdWord(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (c < 0x20 || c === 0x7f) out += `\\${c.toString(8).padStart(3, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

let a: Netns | undefined;
let b: Netns | undefined;
let radius: Freeradius | undefined;
let dir = '';

describe('odd peer names through the whole server', { skip }, () => {
  before(async () => {
    a = Netns.create('odn');
    b = Netns.create('odc');
    vethPair(a, `${SERVER}/24`, b, `${CLIENT}/24`);
    dir = mkdtempSync(path.join(os.tmpdir(), 'ptd-odd-'));
    radius = await startFreeradius({ users: [], netns: a.name });
  });
  after(async () => {
    await radius?.stop();
    b?.destroy();
    a?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('every name × every method: sessions up and down, records written, the process never falls', async () => {
    const hook = path.join(dir, 'hook');
    const seen = path.join(dir, 'peernames');
    writeFileSync(hook, `#!/bin/sh\nprintf '%s' "$PEERNAME" | od -An -tx1 | tr -d ' \\n' >> ${seen}\necho >> ${seen}\n`);
    chmodSync(hook, 0o755);
    const secrets = path.join(dir, 'chap-secrets');
    writeFileSync(secrets, USERS.map((u) => `${pppdWord(u)} * "secret" *\n`).join(''), { mode: 0o600 });
    const wtmp = path.join(dir, 'wtmp');
    const utmp = path.join(dir, 'utmp');
    const server = await startServer(a!, {
      config: {
        pool: { local: ['10.8.0.1'], remote: ['10.8.0.2-100'] },
        ppp: { auth: { allowed: METHODS }, mppe: { required: false, bits: [128, 40] } },
        auth: { chain: [{ plugin: 'rewrite-domain' }, { plugin: 'chap-secrets', file: secrets, watch: false }] },
        hooks: { ipUp: hook, ipDown: hook },
        accounting: {
          radius: { servers: [{ host: '127.0.0.1', port: radius!.acctPort, secret: radius!.secret }], nasIdentifier: 'odd' },
          wtmp: { enabled: true, file: wtmp },
          utmp: { enabled: true, file: utmp },
        },
      },
    });
    try {
      const names = Buffer.from(JSON.stringify(SENT)).toString('base64');
      const r = await b!.exec(nodeTs('test/integration/server/fixtures/odd-names.ts', SERVER, names, METHODS.join(',')), { timeoutMs: 240_000 });
      assert.equal(r.code, 0, r.stderr.slice(-2000));
      const results = JSON.parse(r.stdout.trim().split('\n').pop()!) as { name: string; method: string; ok: boolean; reason?: string }[];
      const total = SENT.length * METHODS.length;
      assert.deepEqual(results.filter((x) => !x.ok), [], 'every name logs in with every method');
      assert.equal(results.length, total);
      assert.equal(server.child.exited, false, 'the server is still running');

      // Every session ended on the server, within a bound.
      const downBy = Date.now() + 60_000;
      while (server.logs().filter((l) => /^session down: /.test(l.msg)).length < total && Date.now() < downBy) {
        await new Promise((res) => setTimeout(res, 100));
      }
      assert.equal(server.logs().filter((l) => /^session down: /.test(l.msg)).length, total);
      // Logs: one JSON object per line, whatever the names held.
      for (const line of server.child.stdout.split('\n').filter((l) => l.length > 0)) {
        assert.doesNotThrow(() => JSON.parse(line), `a log line is not JSON: ${JSON.stringify(line.slice(0, 200))}`);
      }
      // ip-up and ip-down: PEERNAME is the authenticated name, without control characters.
      const until = Date.now() + 30_000;
      while ((existsSync(seen) ? readFileSync(seen, 'utf8').trim().split('\n').length : 0) < 2 * total && Date.now() < until) {
        await new Promise((res) => setTimeout(res, 100));
      }
      const peernames = readFileSync(seen, 'utf8').trim().split('\n').map((h) => Buffer.from(h, 'hex'));
      assert.equal(peernames.length, 2 * total);
      for (const p of peernames) assert.ok(![...p].some((c) => c < 0x20 || c === 0x7f), `PEERNAME ${p.toString('hex')}`);
      assert.ok(peernames.some((p) => p.toString('utf8') === 'al?ice'), 'the NUL became ?');
      assert.ok(peernames.some((p) => p.toString('utf8') === 'dom?ain'), 'the rewritten (authenticated) name, not CORP\\…');
      // wtmp/utmp: valid records that utmpdump and last read.
      const dump = execFileSync('utmpdump', [wtmp], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      assert.equal([...dump.matchAll(/^\[7\] /gm)].length, total, dump.slice(0, 2000));
      assert.equal([...dump.matchAll(/^\[8\] /gm)].length, total);
      execFileSync('last', ['-f', wtmp], { encoding: 'utf8' });
      // The journal: every session, under its (rewritten) user name.
      const out = await a!.exec(nodeTs('server/cli/main.ts', 'last', '--journal', path.join(server.dir, 'journal.sqlite'), '--json'), { timeoutMs: 30_000 });
      assert.equal(out.code, 0, out.stderr);
      const rows = JSON.parse(out.stdout) as { userName: string; stopTime: string | null }[];
      assert.equal(rows.length, total);
      assert.deepEqual([...new Set(rows.map((x) => x.userName))].sort(), [...USERS].sort());
      assert.ok(rows.every((x) => x.stopTime !== null));
      // RADIUS accounting: a Start and a Stop per session reached FreeRADIUS.
      const statuses = (): string[] => readDetails(radius!.detailFiles()).map((d) => String(d['Acct-Status-Type']?.[0] ?? ''));
      const deadline = Date.now() + 60_000;
      while (statuses().filter((s) => s === 'Stop').length < total && Date.now() < deadline) await new Promise((res) => setTimeout(res, 200));
      assert.equal(statuses().filter((s) => s === 'Start').length, total);
      assert.equal(statuses().filter((s) => s === 'Stop').length, total);
    } finally {
      await server.stop();
    }
  });
});
