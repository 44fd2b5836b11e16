// ppp.proxyArp naming interfaces: each must exist on this host now, or the server could
// not answer ARP where the configuration says it does (fail closed: an error, found
// before anything listens). Forwarding off is a warning: the kernel answers proxied ARP
// only on a forwarding interface, and it may be switched on after the check.
import { readFileSync } from 'node:fs';
import type { Config } from './schema.js';
import type { Finding } from './semantics.js';

/** What the check needs to know about this host (tests give their own). */
export interface HostInterfaces {
  /** Every interface name in this network namespace, or a string saying why they cannot be listed. */
  names(): ReadonlySet<string> | string;
  /** net.ipv4.conf.NAME.forwarding: true, false, or undefined when unknown. */
  forwarding(name: string): boolean | undefined;
}

/** This host, from /proc (which follows the process's network namespace). */
export const thisHost: HostInterfaces = {
  names() {
    try {
      const text = readFileSync('/proc/net/dev', 'utf8');
      return new Set([...text.matchAll(/^\s*([^\s:]+):/gm)].map((m) => m[1]!));
    } catch (e) {
      return `cannot list this host's interfaces (/proc/net/dev: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`;
    }
  },
  forwarding(name) {
    try {
      return readFileSync(`/proc/sys/net/ipv4/conf/${name}/forwarding`, 'utf8').trim() !== '0';
    } catch {
      return undefined;
    }
  },
};

export function checkProxyArp(config: Config, host: HostInterfaces = thisHost): Finding[] {
  const setting = config.ppp.proxyArp;
  if (typeof setting === 'boolean') return [];
  const out: Finding[] = [];
  const names = host.names();
  const seen = new Set<string>();
  for (const [i, name] of setting.entries()) {
    // One name may have been written as a scalar: then the key itself is the place.
    const path = setting.length === 1 ? ['ppp', 'proxyArp'] : ['ppp', 'proxyArp', i];
    const problem = hostProblem(name, config, names, seen);
    seen.add(name);
    if (problem !== undefined) out.push({ path, severity: 'error', message: problem });
    else if (host.forwarding(name) === false) {
      out.push({
        path,
        severity: 'warning',
        message: `forwarding is off on ${name}: the kernel answers proxy ARP only on a forwarding interface (sysctl -w net.ipv4.conf.${name}.forwarding=1)`,
      });
    }
  }
  return out;
}

function hostProblem(name: string, config: Config, names: ReadonlySet<string> | string, seen: ReadonlySet<string>): string | undefined {
  const lan = 'name the LAN interface whose hosts must reach the clients';
  if (seen.has(name)) return `"${name}" is listed twice`;
  if (name === config.dataplane.tun) return `"${name}" is the tunnel device (dataplane.tun): ${lan}`;
  if (name === 'lo') return `"lo" is the loopback device: ${lan}`;
  if (typeof names === 'string') return names;
  if (!names.has(name)) {
    return `no interface "${name}" on this host (ip -br link lists them): ${lan}, or true to answer on the interface whose subnet holds each client address`;
  }
  return undefined;
}
