// The proxy ARP ledger at start: which leftovers the server may remove. Only the cases
// that run no `ip` command are here (the removals themselves run in namespaces:
// test/integration/server/addresses.test.ts).
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { ledgerFile, ProxyArp } from '../../../../server/runtime/proxy-arp.js';
import { PptpdError } from '../../../../server/errors.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup(ledger: Record<string, unknown> | string): { arp: ProxyArp; file: string; logs: string[] } {
  const dir = mkdtempSync(path.join(tmpdir(), 'pptpd-parp-'));
  dirs.push(dir);
  const file = ledgerFile(dir, 'pptp9');
  writeFileSync(file, typeof ledger === 'string' ? ledger : JSON.stringify(ledger));
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(String((JSON.parse(chunk.toString()) as { msg: string }).msg));
      cb();
    },
  });
  return { arp: new ProxyArp({ tun: 'pptp9', ledger: file, log: pino({ level: 'debug' }, sink) }), file, logs };
}

const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
const netns = readlinkSync('/proc/self/ns/net');
const entries = [{ address: '192.0.2.7', dev: 'nosuchdev0' }];
const stat = (pid: number): string => {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return s.slice(s.lastIndexOf(')') + 2).split(' ')[19]!;
};

test('no ledger: nothing to do', async () => {
  const { arp, file, logs } = setup('');
  rmSync(file);
  await arp.recover();
  assert.deepEqual(logs, []);
});

test('a ledger from an earlier boot is dropped: its entries went with the reboot', async () => {
  const { arp, file, logs } = setup({ pid: 1, boot: 'another-boot', netns, tun: 'pptp9', entries });
  await arp.recover();
  assert.deepEqual(logs, [`proxyarp: ${file} is from an earlier boot; its entries went with it`]);
  assert.equal(existsSync(file), false);
});

test("a ledger of a running process (pid and start time match) is another instance's: the start is refused", async () => {
  const { arp, file } = setup({ pid: process.ppid, started: stat(process.ppid), boot, netns, tun: 'pptp9', entries });
  await assert.rejects(arp.recover(), (e: unknown) => e instanceof PptpdError && e.message.includes(`belongs to the running process ${process.ppid}`));
  assert.equal(existsSync(file), true, 'left for its owner');
});

test('a reused pid (another start time) is not the writer: the ledger is recovered', async () => {
  const { arp, file, logs } = setup({ pid: process.ppid, started: '1', boot, netns, tun: 'pptp9', entries: [] });
  await arp.recover();
  assert.deepEqual(logs, []);
  assert.equal(existsSync(file), false);
});

test('entries of another network namespace are left alone', async () => {
  const { arp, file, logs } = setup({ pid: 999_999_999, boot, netns: 'net:[1]', tun: 'pptp9', entries });
  await arp.recover();
  assert.deepEqual(logs, [`proxyarp: ${file} lists entries of another network namespace (net:[1]); they are left alone`]);
  assert.equal(existsSync(file), false);
});

test('a file that is no ledger stops the start, naming it', async () => {
  const { arp, file } = setup('{"pid": 3');
  await assert.rejects(arp.recover(), (e: unknown) => e instanceof PptpdError && e.message.startsWith(`proxyarp: ${file} is not a ledger this server wrote`));
});
