// Which client addresses a user may have: the address column of a chap-secrets line
// (pppd(8) "AUTHENTICATION", auth.c auth_ip_addr), compiled once when the file is loaded
// and carried in the auth result (SessionAttributes.allowedAddresses) to the one place a
// session's address is chosen (server/runtime/session-address.ts) and to the pool, which
// can lease inside it (server/ippool.ts leaseWithin).
//
// Semantics, pppd's: the matches are tried in order, the first that contains the address
// decides (permit or refuse), an address no match contains is refused. Loopback,
// multicast and class E are refused whatever the rule says. An empty rule refuses all.
import type { Ipv4 } from './ip-spec.js';

/** One word of the column: `address & mask === base` → permit (or refuse, for `!`). */
export interface AddressMatch {
  readonly permit: boolean;
  readonly base: Ipv4;
  readonly mask: Ipv4;
}

export interface AddressRule {
  /** In order; the first that contains the address decides. */
  readonly matches: readonly AddressMatch[];
  /** The column as written (e.g. `10.8.0.0/24 !10.8.0.1`), for log lines. Never a secret. */
  readonly text: string;
  /** Where it was written (`/etc/ppp/chap-secrets:12`). */
  readonly source: string;
}

/** pppd's bad_ip_adrs(): loopback (127/8), multicast (224/4) and class E (240/4). */
export function isReservedAddress(addr: Ipv4): boolean {
  return addr >>> 24 === 127 || addr >>> 28 === 0xe || addr >>> 28 === 0xf;
}

/** May a client under `rule` have `addr`? */
export function ruleAllows(rule: AddressRule, addr: Ipv4): boolean {
  if (isReservedAddress(addr)) return false;
  for (const m of rule.matches) if (((addr & m.mask) >>> 0) === m.base) return m.permit;
  return false;
}

/** True when the rule allows every address but the reserved ones (a `*` line). */
export function ruleAllowsAny(rule: AddressRule): boolean {
  const first = rule.matches[0];
  return first !== undefined && first.permit && first.mask === 0;
}

/** The rule for a log line: `"10.8.0.0/24 !10.8.0.1" (/etc/ppp/chap-secrets:12)`. */
export function describeRule(rule: AddressRule): string {
  return `"${rule.text === '' ? '(no address column)' : rule.text}" (${rule.source})`;
}
