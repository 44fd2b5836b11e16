// pppd's `proxyarp`: the kernel answers ARP for a client's tunnel address on a LAN
// interface (a proxy neighbour entry), so LAN hosts reach the client without a route.
// `true` picks, as pppd does, the interface whose subnet holds the address; a list of
// names publishes on those interfaces, whatever the subnet (the case pppd cannot do).
// Only entries this process added are ever removed: an entry already there is left
// alone, and the entries we add are written to a ledger file (one per TUN device, so
// per instance) before they exist, so that a restart after a crash removes exactly
// those. The kernel answers proxied ARP only on an interface that forwards.
import os from 'node:os';
import { execFile } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { parseIpv4 } from '../../config/ip-spec.js';
import { ErrorCode, PptpdError } from '../errors.js';

/** ppp.proxyArp: false, true (pppd's choice of interface) or the interfaces to publish on. */
export type ProxyArpSetting = boolean | readonly string[];

function toInt(a: string): number {
  return parseIpv4(a) ?? 0;
}

/** The interface (not `exclude`, not loopback) whose IPv4 subnet holds `address`. */
export function lanInterfaceFor(address: string, exclude: string): string | undefined {
  const ip = toInt(address);
  for (const [name, addrs] of Object.entries(os.networkInterfaces())) {
    if (name === exclude || !addrs) continue;
    for (const a of addrs) {
      if (a.family !== 'IPv4' || a.internal) continue;
      const mask = toInt(a.netmask);
      if (mask !== 0xffffffff && ((ip & mask) >>> 0) === ((toInt(a.address) & mask) >>> 0)) return name;
    }
  }
  return undefined;
}

/** Runs `ip neigh ARGS`: its stdout, or an Error with ip's message. */
function ipNeigh(args: string[]): Promise<string | Error> {
  return new Promise((resolve) => {
    execFile('ip', ['neigh', ...args], { timeout: 10_000 }, (err, out, stderr) =>
      resolve(err ? new Error(stderr.trim() || err.message) : out),
    );
  });
}

/** ip's answer when the entry (or its interface) no longer exists: nothing left to remove. */
function gone(err: Error): boolean {
  return /No such file or directory|Cannot find device/.test(err.message);
}

/** The ledger file of the instance running TUN device `tun`, in the runtime directory `dir`. */
export function ledgerFile(dir: string, tun: string): string {
  return path.join(dir, `proxyarp-${tun}.json`);
}

/** Who wrote a ledger: the process (pid and start time), the boot and the network namespace. */
interface Writer {
  pid: number;
  started: string | undefined;
  boot: string | undefined;
  netns: string | undefined;
}

interface Ledger extends Writer {
  tun: string;
  entries: { address: string; dev: string }[];
}

function readOr(read: () => string): string | undefined {
  try {
    return read().trim();
  } catch {
    return undefined;
  }
}

/** A process's start time in clock ticks since boot (/proc/PID/stat field 22): a pid reused later differs. */
function startTime(pid: number): string | undefined {
  const stat = readOr(() => readFileSync(`/proc/${pid}/stat`, 'utf8'));
  return stat?.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

function thisWriter(): Writer {
  return {
    pid: process.pid,
    started: startTime(process.pid),
    boot: readOr(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8')),
    netns: readOr(() => readlinkSync('/proc/self/ns/net')),
  };
}

/** The ledger's writer still runs (same pid, same start time). */
function running(w: Writer): boolean {
  if (w.pid === process.pid) return false;
  try {
    process.kill(w.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return w.started === undefined || startTime(w.pid) === w.started;
}

export class ProxyArp {
  readonly #tun: string;
  readonly #file: string;
  readonly #log: Logger;
  readonly #me = thisWriter();
  /** address → the interfaces we published it on. */
  readonly #entries = new Map<string, string[]>();
  /** Every change runs in order: a session's withdraw never overtakes its publish. */
  #queue: Promise<void> = Promise.resolve();

  constructor(opts: { tun: string; ledger: string; log: Logger }) {
    this.#tun = opts.tun;
    this.#file = opts.ledger;
    this.#log = opts.log;
  }

  /**
   * At start, before any session: removes the entries a crashed run of this instance
   * left (its ledger). A ledger held by a live process is another instance's: refused.
   */
  async recover(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.#file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw new PptpdError(ErrorCode.NATIVE, `proxyarp: cannot read ${this.#file}: ${(e as Error).message}`);
    }
    let ledger: Ledger;
    try {
      ledger = JSON.parse(text) as Ledger;
      if (!Array.isArray(ledger.entries)) throw new Error('no entries list');
    } catch (e) {
      throw new PptpdError(ErrorCode.NATIVE, `proxyarp: ${this.#file} is not a ledger this server wrote (${(e as Error).message}); remove it`);
    }
    if (ledger.boot !== this.#me.boot) {
      this.#log.info(`proxyarp: ${this.#file} is from an earlier boot; its entries went with it`);
      return rm(this.#file, { force: true });
    }
    if (running(ledger)) {
      throw new PptpdError(
        ErrorCode.NATIVE,
        `proxyarp: ${this.#file} belongs to the running process ${ledger.pid}: give each instance its own TUN device (dataplane.tun) or state directory`,
      );
    }
    if (ledger.netns !== this.#me.netns) {
      // Those entries are in another namespace: deleting the same names here would hit others'.
      this.#log.warn(`proxyarp: ${this.#file} lists entries of another network namespace (${ledger.netns}); they are left alone`);
      return rm(this.#file, { force: true });
    }
    const removed: string[] = [];
    for (const { address, dev } of ledger.entries) {
      const err = await ipNeigh(['del', 'proxy', address, 'dev', dev]);
      if (!(err instanceof Error)) removed.push(`${address} on ${dev}`);
      else if (!gone(err)) this.#log.warn(`proxyarp: ip neigh del proxy ${address} dev ${dev}: ${err.message}`);
    }
    if (removed.length > 0) this.#log.info(`proxyarp: removed ${removed.length} proxy ARP entries left by a previous run (pid ${ledger.pid}): ${removed.join(', ')}`);
    await rm(this.#file, { force: true });
  }

  /** Answer ARP for `address` as `setting` says (queued; errors are logged). */
  publish(address: string, setting: ProxyArpSetting): Promise<void> {
    return this.#enqueue(() => this.#publish(address, setting));
  }

  /** Remove what `publish` added for `address` (queued). */
  withdraw(address: string): Promise<void> {
    return this.#enqueue(() => this.#withdraw(address));
  }

  /** At shutdown: waits for pending changes, removes every entry left and the ledger. */
  async close(): Promise<void> {
    await this.#enqueue(async () => {
      for (const address of [...this.#entries.keys()]) await this.#withdraw(address);
      await rm(this.#file, { force: true });
    });
  }

  #enqueue(job: () => Promise<void>): Promise<void> {
    const next = this.#queue.then(job).catch((e: unknown) => this.#log.warn(`proxyarp: ${(e as Error).message}`));
    this.#queue = next;
    return next;
  }

  async #publish(address: string, setting: ProxyArpSetting): Promise<void> {
    if (setting === false) return;
    let devs: readonly string[];
    if (setting === true) {
      const dev = lanInterfaceFor(address, this.#tun);
      if (!dev) {
        this.#log.info(
          `proxyarp: ${address} is in no LAN subnet of this host; nothing to answer for (name the LAN interface in ppp.proxyArp to answer there)`,
        );
        return;
      }
      devs = [dev];
    } else devs = setting.filter((d) => d !== this.#tun);
    for (const dev of devs) {
      if ((this.#entries.get(address) ?? []).includes(dev)) continue;
      const present = await ipNeigh(['show', 'proxy', 'to', address, 'dev', dev]);
      if (typeof present === 'string' && present.trim() !== '') {
        this.#log.warn(`proxyarp: ${address} is already published on ${dev}, not by this server; it is left as it is`);
        continue;
      }
      // Written down before it exists: a crash in between leaves nothing unrecorded.
      this.#entries.set(address, [...(this.#entries.get(address) ?? []), dev]);
      const unsaved = await this.#save().catch((e: unknown) => e as Error);
      if (unsaved) {
        this.#forget(address, dev);
        this.#log.warn(`proxyarp: not answering ARP for ${address} on ${dev}: cannot record it in ${this.#file} (${unsaved.message})`);
        continue;
      }
      const err = await ipNeigh(['add', 'proxy', address, 'dev', dev]);
      if (err instanceof Error) {
        this.#log.warn(`proxyarp: ip neigh add proxy ${address} dev ${dev}: ${err.message}`);
        this.#forget(address, dev);
        await this.#save();
      } else this.#log.info(`proxyarp: answering ARP for ${address} on ${dev}`);
    }
  }

  async #withdraw(address: string): Promise<void> {
    const devs = this.#entries.get(address);
    if (!devs) return;
    for (const dev of devs) {
      const err = await ipNeigh(['del', 'proxy', address, 'dev', dev]);
      if (err instanceof Error && !gone(err)) {
        // Still recorded: shutdown, or the next start after a crash, tries again.
        this.#log.warn(`proxyarp: ip neigh del proxy ${address} dev ${dev}: ${err.message}`);
        continue;
      }
      this.#forget(address, dev);
      this.#log.debug(`proxyarp: no longer answering ARP for ${address} on ${dev}`);
    }
    await this.#save();
  }

  #forget(address: string, dev: string): void {
    const left = (this.#entries.get(address) ?? []).filter((d) => d !== dev);
    if (left.length > 0) this.#entries.set(address, left);
    else this.#entries.delete(address);
  }

  /** Rewrites the ledger (write then rename: a crash never leaves half a file). */
  async #save(): Promise<void> {
    const ledger: Ledger = {
      ...this.#me,
      tun: this.#tun,
      entries: [...this.#entries].flatMap(([address, devs]) => devs.map((dev) => ({ address, dev }))),
    };
    await mkdir(path.dirname(this.#file), { recursive: true });
    const tmp = `${this.#file}.tmp`;
    await writeFile(tmp, `${JSON.stringify(ledger)}\n`, { mode: 0o644 });
    await rename(tmp, this.#file);
  }
}
