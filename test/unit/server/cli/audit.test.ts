// pptpd-ts last / who / whois-ip over a journal written by the sink.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SqliteJournal } from '../../../../accounting/journal/sqlite.js';
import { runLast } from '../../../../server/cli/last.js';
import { runWho } from '../../../../server/cli/who.js';
import { runWhoisIp } from '../../../../server/cli/whois-ip.js';
import { MIN, T0, interim, session, start, stop } from '../../accounting/journal/fixtures.js';
import { runCli } from './run-cli.js';

process.env['TZ'] = 'UTC';
let dir = '';
let journal = '';
const NOW = T0 + 300 * MIN;

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'audit-cli-'));
  journal = path.join(dir, 'journal.sqlite');
  const j = new SqliteJournal(journal);
  const alice = session('s-alice', 'alice', '10.8.0.23', T0, { clientAddress: '198.51.100.7' });
  const bob = session('s-bob', 'bob', '10.8.0.23', T0 + 30 * MIN, { clientAddress: '203.0.113.5' });
  const carol = session('s-carol', 'carol', '10.8.0.24', T0 + 10 * MIN, { clientAddress: '192.0.2.99' });
  j.applyMany([start(alice), stop(alice, T0 + 20 * MIN + 5000, 2048), start(carol), interim(carol, 1, T0 + 15 * MIN, 3 * 2 ** 20),
    start(bob), stop(bob, T0 + 90 * MIN, 10, 'Idle-Timeout')]);
  await j.close();
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('last: aligned columns, newest first, still logged in for live sessions', async () => {
  const r = await runLast(undefined, { journal }, NOW);
  assert.equal(r.exitCode, 0);
  assert.deepEqual(r.output, [
    'USER   CLIENT        ADDRESS    START                STOP                 DURATION  IN    OUT   CAUSE',
    'bob    203.0.113.5   10.8.0.23  2024-05-03 14:30:00  2024-05-03 15:30:00  01:00:00  10    20    Idle-Timeout',
    'carol  192.0.2.99    10.8.0.24  2024-05-03 14:10:00  still logged in      04:50:00  3.0M  6.0M',
    'alice  198.51.100.7  10.8.0.23  2024-05-03 14:00:00  2024-05-03 14:20:05  00:20:05  2.0K  4.0K  User-Request',
  ]);
});

test('last USER --since/--until and --json', async () => {
  const r = await runLast('alice', { journal, json: true }, NOW);
  const rows = JSON.parse(r.output.join('\n')) as { sessionId: string; startTime: string; stopTime: string }[];
  assert.deepEqual(rows.map((x) => [x.sessionId, x.startTime, x.stopTime]), [['s-alice', '2024-05-03T14:00:00.000Z', '2024-05-03T14:20:05.000Z']]);
  const w = await runLast(undefined, { journal, json: true, since: '2024-05-03 14:25', until: '2024-05-03T14:40:00Z' }, NOW);
  assert.deepEqual((JSON.parse(w.output.join('')) as { userName: string }[]).map((x) => x.userName), ['bob', 'carol']);
  const none = await runLast('nobody', { journal }, NOW);
  assert.deepEqual(none, { exitCode: 0, output: ['no sessions'] });
  assert.equal((await runLast(undefined, { journal, since: 'soon' }, NOW)).exitCode, 2);
  assert.equal((await runLast(undefined, { journal, since: '2024-05-04', until: '2024-05-03' }, NOW)).exitCode, 2);
  assert.equal((await runLast(undefined, { journal, limit: '0' }, NOW)).exitCode, 2);
  assert.equal((await runLast(undefined, { journal, limit: '1', json: true }, NOW)).output.join('').match(/sessionId/g)?.length, 1);
});

test('who: live sessions only', async () => {
  const r = await runWho({ journal });
  assert.deepEqual(r.output, [
    'USER   ADDRESS    CLIENT      SINCE                IN    OUT   LINE   NAS',
    'carol  10.8.0.24  192.0.2.99  2024-05-03 14:10:00  3.0M  6.0M  pptp7  vpn1',
  ]);
  const j = JSON.parse((await runWho({ journal, json: true })).output.join('')) as { userName: string; inputOctets: number }[];
  assert.deepEqual(j.map((x) => [x.userName, x.inputOctets]), [['carol', 3 * 2 ** 20]]);
});

test('whois-ip: the holder at that moment; exit 1 when nobody held it', async () => {
  const r = await runWhoisIp('10.8.0.23', { journal, at: '2024-05-03 14:02' }, NOW);
  assert.equal(r.exitCode, 0);
  assert.deepEqual(r.output, [
    'USER   START                END                  CLIENT        PEER NAME   NAS   SESSION',
    'alice  2024-05-03 14:00:00  2024-05-03 14:20:05  198.51.100.7  CORP\\alice  vpn1  s-alice',
  ]);
  const bob = await runWhoisIp('10.8.0.23', { journal, at: '2024-05-03T16:00:00+01:00', json: true }, NOW);
  assert.deepEqual((JSON.parse(bob.output.join('')) as { userName: string; clientAddress: string }[]).map((x) => [x.userName, x.clientAddress]), [['bob', '203.0.113.5']]);
  const gap = await runWhoisIp('10.8.0.23', { journal, at: '2024-05-03 14:25' }, NOW);
  assert.deepEqual(gap, { exitCode: 1, output: ['nobody held 10.8.0.23 at 2024-05-03 14:25:00'] });
  assert.equal((await runWhoisIp('10.8.0.999', { journal, at: 'now' })).exitCode, 2);
  assert.equal((await runWhoisIp('10.8.0.23', { journal })).exitCode, 2);
});

test('journal location: --journal, -c YAML, a missing file, a non-journal file', async () => {
  const yaml = path.join(dir, 'pptpd.yaml');
  writeFileSync(yaml, `accounting:\n  journal:\n    path: ${journal}\n`);
  assert.equal((await runWho({ config: yaml })).exitCode, 0);
  const missing = await runWho({ journal: path.join(dir, 'nope.sqlite') });
  assert.equal(missing.exitCode, 2);
  assert.match(missing.output[0]!, /no such file/);
  const junk = path.join(dir, 'junk.sqlite');
  writeFileSync(junk, 'this is not sqlite at all, just some text that is long enough to look like a header......');
  assert.equal((await runWho({ journal: junk })).exitCode, 2);
  assert.equal((await runWho({ config: yaml, pptpdConf: '/etc/pptpd.conf' })).exitCode, 2);
});

test('the commands are registered: pptpd-ts last / who / whois-ip through main.ts', () => {
  const last = runCli(['last', 'alice', '--journal', journal]);
  assert.equal(last.status, 0, last.stderr);
  assert.match(last.stdout, /^alice\s+198\.51\.100\.7\s+10\.8\.0\.23\s+2024-05-03 14:00:00/m);
  const who = runCli(['who', '--journal', journal, '--json']);
  assert.equal(who.status, 0, who.stderr);
  assert.equal((JSON.parse(who.stdout) as unknown[]).length, 1);
  const whois = runCli(['whois-ip', '10.8.0.23', '--at', '2024-05-03 14:40', '--journal', journal]);
  assert.equal(whois.status, 0, whois.stderr);
  assert.match(whois.stdout, /^bob\s+2024-05-03 14:30:00\s+2024-05-03 15:30:00\s+203\.0\.113\.5/m);
  const bad = runCli(['whois-ip', '10.8.0.23', '--journal', journal]);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /--at/);
});
