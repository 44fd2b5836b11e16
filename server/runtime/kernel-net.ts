// Kernel side of the tunnel: our tunnel address(es) on the TUN device and routes
// that send the pool's addresses into it. Done once at start with iproute2 (no
// per-session fork): each pool range is covered by the fewest CIDR prefixes.
// Static addresses outside the pool get a /32 route when their session comes up.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Logger } from 'pino';
import { formatIpv4, parseIpSpec, parseIpv4, type Block } from '../../config/ip-spec.js';
import { ErrorCode, PptpdError } from '../errors.js';

const run = promisify(execFile);

/** The fewest CIDR prefixes that cover exactly [first, last] (IPv4, inclusive). */
export function cidrCover(first: number, last: number): string[] {
  const out: string[] = [];
  let a = first;
  // Each round emits one prefix: at most 64 rounds for any IPv4 range.
  for (let guard = 0; a <= last && guard < 64; guard++) {
    let size = a === 0 ? 2 ** 32 : 2 ** Math.min(32, countTrailingZeros(a));
    while (a + size - 1 > last) size /= 2;
    out.push(`${formatIpv4(a)}/${32 - Math.log2(size)}`);
    a += size;
  }
  return out;
}

function countTrailingZeros(x: number): number {
  let n = 0;
  while (n < 32 && (x & (2 ** n)) === 0) n++;
  return n;
}

/** Prefixes covering every address of an ip-specification. */
export function prefixesFor(spec: readonly string[]): string[] {
  const r = parseIpSpec(spec);
  if (!r.ok) throw new PptpdError(ErrorCode.CONFIG_INVALID, r.error);
  return r.blocks.flatMap((b: Block) =>
    b.stride === 1
      ? cidrCover(b.start, b.start + b.count - 1)
      : Array.from({ length: b.count }, (_, i) => `${formatIpv4(b.start + i * b.stride)}/32`),
  );
}

async function ip(args: string[], log: Logger): Promise<void> {
  try {
    await run('ip', args, { timeout: 10_000 });
  } catch (e) {
    const msg = ((e as { stderr?: string }).stderr ?? (e as Error).message).trim();
    if (/File exists/.test(msg)) return; // already there (restart): fine
    log.warn(`ip ${args.join(' ')}: ${msg}`);
    throw new PptpdError(ErrorCode.NATIVE, `ip ${args.join(' ')} failed: ${msg}`);
  }
}

/** Puts our addresses on the TUN device and routes the pool into it. */
export async function configureTunnel(dev: string, local: readonly string[], remote: readonly string[], log: Logger): Promise<void> {
  for (const addr of prefixesFor(local).flatMap(expand32)) await ip(['addr', 'add', `${addr}/32`, 'dev', dev], log);
  for (const prefix of prefixesFor(remote)) await ip(['route', 'replace', prefix, 'dev', dev], log);
}

/** A route for one address (a static address outside the pool). */
export async function addHostRoute(dev: string, address: string, log: Logger): Promise<void> {
  await ip(['route', 'replace', `${address}/32`, 'dev', dev], log);
}

export async function delHostRoute(dev: string, address: string, log: Logger): Promise<void> {
  await ip(['route', 'del', `${address}/32`, 'dev', dev], log).catch(() => undefined);
}

function expand32(prefix: string): string[] {
  const [base, bits] = prefix.split('/') as [string, string];
  const n = 2 ** (32 - Number(bits));
  const start = parseIpv4(base) ?? 0;
  return Array.from({ length: Math.min(n, 65536) }, (_, i) => formatIpv4(start + i));
}
