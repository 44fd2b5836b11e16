// Checks that span several keys, run after the schema accepted the shapes. Each finding
// carries the key path it is about so the loader can give its line.
import type { Config } from './schema.js';
import { addresses, firstDuplicate, formatIpv4, parseIpSpec, parseIpv4, type Block } from './ip-spec.js';
import { formatKeyPath } from './issues.js';
import { authEntries, isEntryOf } from './schema-auth.js';
import { checkProxyArp } from './proxy-arp-check.js';

export interface Finding {
  readonly path: readonly PropertyKey[];
  readonly severity: 'error' | 'warning';
  readonly message: string;
}

export function checkConfig(config: Config): Finding[] {
  return [...checkPool(config), ...checkPpp(config), ...checkProxyArp(config), ...checkAuth(config), ...checkLimits(config), ...checkOperations(config)];
}

function blocksOf(spec: readonly string[]): readonly Block[] {
  const r = parseIpSpec(spec);
  return r.ok ? r.blocks : [];
}

function checkPool(config: Config): Finding[] {
  const out: Finding[] = [];
  const { local, remote } = config.pool;
  const localBlocks = blocksOf(local);
  const remoteBlocks = blocksOf(remote);
  const dupLocal = firstDuplicate(localBlocks);
  if (dupLocal !== undefined) out.push({ path: ['pool', 'local'], severity: 'error', message: `${formatIpv4(dupLocal)} is listed twice` });
  const dupRemote = firstDuplicate(remoteBlocks);
  if (dupRemote !== undefined) {
    out.push({ path: ['pool', 'remote'], severity: 'error', message: `${formatIpv4(dupRemote)} is listed twice` });
  }
  const localSet = new Set(addresses(localBlocks));
  for (const a of addresses(remoteBlocks)) {
    if (localSet.has(a)) {
      out.push({ path: ['pool', 'remote'], severity: 'error', message: `${formatIpv4(a)} is also a local address (pool.local)` });
      break;
    }
  }
  const localCount = localSet.size;
  const remoteCount = remoteBlocks.reduce((n, b) => n + b.count, 0);
  if (localCount > 1 && localCount !== remoteCount) {
    out.push({
      path: ['pool', 'local'],
      severity: 'warning',
      message:
        `${localCount} local addresses for ${remoteCount} remote ones: with more than one local address each ` +
        `client gets its own pair (as PoPToP does), so only ${Math.min(localCount, remoteCount)} clients fit`,
    });
  }
  if (remoteCount === 0 && Object.keys(config.pool.static).length === 0) {
    out.push({
      path: ['pool', 'remote'],
      severity: 'warning',
      message: 'no dynamic addresses: only clients given an address by chap-secrets or RADIUS can connect',
    });
  }
  const owners = new Map<string, string>();
  for (const [user, address] of Object.entries(config.pool.static)) {
    const a = parseIpv4(address);
    if (a !== undefined && localSet.has(a)) {
      out.push({ path: ['pool', 'static', user], severity: 'error', message: `${address} is a local address (pool.local)` });
    }
    const prior = owners.get(address);
    if (prior !== undefined) {
      out.push({ path: ['pool', 'static', user], severity: 'error', message: `${address} is already reserved for "${prior}"` });
    } else owners.set(address, user);
  }
  return out;
}

const MPPE_CAPABLE = new Set(['mschap-v1', 'mschap-v2']);

function checkPpp(config: Config): Finding[] {
  const out: Finding[] = [];
  const { auth, mppe } = config.ppp;
  if (!auth.required) {
    out.push({
      path: ['ppp', 'auth', 'required'],
      severity: 'error',
      message: 'false is refused: pptpd-ts always makes the peer authenticate (pppd noauth would let anyone in); remove the key',
    });
  }
  if (mppe.required && !auth.allowed.some((m) => MPPE_CAPABLE.has(m))) {
    out.push({
      path: ['ppp', 'mppe', 'required'],
      severity: 'error',
      message: 'MPPE needs keys from MS-CHAP (RFC 3079): allow mschap-v2 or mschap-v1 in ppp.auth.allowed, or set required: false',
    });
  } else if (mppe.required) {
    const weak = auth.allowed.filter((m) => !MPPE_CAPABLE.has(m));
    if (weak.length > 0) {
      out.push({
        path: ['ppp', 'auth', 'allowed'],
        severity: 'warning',
        message: `${weak.join(', ')} give no MPPE keys: while MPPE is required, such sessions are refused after authentication`,
      });
    }
  }
  if (mppe.bits.length === 0 && mppe.stateful !== 'deny') {
    out.push({ path: ['ppp', 'mppe', 'stateful'], severity: 'warning', message: 'has no effect: MPPE is off (bits is empty)' });
  }
  if (config.ppp.lcpEcho.interval === 0 && config.ppp.idle === 0) {
    out.push({
      path: ['ppp', 'lcpEcho', 'interval'],
      severity: 'warning',
      message: 'with no LCP echo and no idle timeout, a vanished client holds its address until the TCP connection dies',
    });
  }
  return out;
}

function checkAuth(config: Config): Finding[] {
  const out: Finding[] = [];
  const entries = authEntries(config.auth);
  // The chain refuses to start with two plugins of one name, branches included.
  const names = new Map<string, string>();
  for (const { entry, path } of entries) {
    const name = entry.name ?? entry.plugin;
    const prior = names.get(name);
    if (prior !== undefined) {
      out.push({
        path: [...path, entry.name !== undefined ? 'name' : 'plugin'],
        severity: 'error',
        message: `name "${name}" is already used by ${prior}: give each entry a distinct name`,
      });
    } else names.set(name, formatKeyPath(path));
  }
  if (entries.every(({ entry }) => entry.plugin === 'rewrite-domain')) {
    out.push({ path: ['auth', 'chain'], severity: 'error', message: 'no plugin can answer: add chap-secrets, radius or ldap' });
  }
  const routed = new Set<string>();
  for (const { entry, path } of entries) {
    if (!isEntryOf(entry, 'rewrite-domain')) continue;
    const targets: [readonly PropertyKey[], string][] = Object.entries(entry.realms).map(([realm, b]) => [[...path, 'realms', realm], b]);
    if (entry.defaultBranch !== undefined) targets.push([[...path, 'defaultBranch'], entry.defaultBranch]);
    for (const [at, branch] of targets) {
      routed.add(branch);
      if (!Object.hasOwn(config.auth.branches, branch)) {
        out.push({ path: at, severity: 'error', message: `routes to branch "${branch}", which auth.branches does not define` });
      }
    }
  }
  for (const branch of Object.keys(config.auth.branches)) {
    if (!routed.has(branch)) {
      out.push({ path: ['auth', 'branches', branch], severity: 'warning', message: 'no rewrite-domain entry routes to this branch: it is never asked' });
    }
  }
  const last = config.auth.chain[config.auth.chain.length - 1];
  if (last !== undefined && isEntryOf(last, 'rewrite-domain') && Object.keys(last.realms).length === 0 && last.defaultBranch === undefined) {
    out.push({
      path: ['auth', 'chain', config.auth.chain.length - 1],
      severity: 'warning',
      message: 'rewrite-domain is last and routes to no branch: it rewrites names for no one (put it before the plugins that look users up)',
    });
  }
  if (entries.some(({ entry }) => entry.plugin === 'ldap') && config.ppp.auth.allowed.includes('chap-md5')) {
    out.push({
      path: ['ppp', 'auth', 'allowed'],
      severity: 'warning',
      message: 'chap-md5 needs the clear-text password: the ldap plugin (NT hash) cannot answer it',
    });
  }
  return out;
}

function checkLimits(config: Config): Finding[] {
  const out: Finding[] = [];
  const { connections, perSourceAddress } = config.limits;
  if (perSourceAddress > connections) {
    out.push({
      path: ['limits', 'perSourceAddress'],
      severity: 'warning',
      message: `is above limits.connections (${connections}), so it never applies`,
    });
  }
  return out;
}

/** Two TCP listeners of this server on one port: the second could never start. */
function checkOperations(config: Config): Finding[] {
  const p = config.telemetry.prometheus;
  if (p === undefined || !p.enabled) return [];
  const { address, port } = config.listen;
  const wild = (a: string) => a === '0.0.0.0' || a === '::';
  if (p.port !== port || !(wild(p.host) || wild(address) || p.host === address)) return [];
  return [{ path: ['telemetry', 'prometheus', 'port'], severity: 'error', message: `${port} is the PPTP port (listen.port): choose another port` }];
}
