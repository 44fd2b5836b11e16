// pppd's `proxyarp`, for any subnet: when a client's tunnel address lies in the subnet
// of one of this host's LAN interfaces, the kernel answers ARP for it there (a proxy
// neighbour entry) so LAN hosts reach the client without a route; removed at session
// end. The kernel only answers proxied ARP when forwarding is on for that interface.
import os from 'node:os';
import { execFile } from 'node:child_process';
import type { Logger } from 'pino';
import { parseIpv4 } from '../../config/ip-spec.js';

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

function ipNeigh(args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('ip', ['neigh', ...args], { timeout: 10_000 }, (err, _out, stderr) => resolve(err ? stderr.trim() || err.message : undefined));
  });
}

export class ProxyArp {
  readonly #tun: string;
  readonly #log: Logger;
  readonly #entries = new Map<string, string>();

  constructor(tun: string, log: Logger) {
    this.#tun = tun;
    this.#log = log;
  }

  async add(address: string): Promise<void> {
    const dev = lanInterfaceFor(address, this.#tun);
    if (!dev) {
      this.#log.info(`proxyarp: ${address} is in no LAN subnet of this host; nothing to answer for`);
      return;
    }
    const err = await ipNeigh(['replace', 'proxy', address, 'dev', dev]);
    if (err) this.#log.warn(`proxyarp: ip neigh replace proxy ${address} dev ${dev}: ${err}`);
    else this.#entries.set(address, dev);
  }

  async remove(address: string): Promise<void> {
    const dev = this.#entries.get(address);
    if (!dev) return;
    this.#entries.delete(address);
    const err = await ipNeigh(['del', 'proxy', address, 'dev', dev]);
    if (err) this.#log.warn(`proxyarp: ip neigh del proxy ${address} dev ${dev}: ${err}`);
  }
}
