// The one place a session's client address is chosen, once the user is authenticated.
// Sans-I/O: the pool and the auth reply in, a lease or a refusal out.
//
// Candidates, first that exists: the auth reply's Framed-IP-Address (RADIUS, LDAP, the
// chap-secrets static address), then `pool.static` for the user, then the pool address
// reserved when the call was accepted, then any free pool address. When the auth reply
// carries allowed addresses (a chap-secrets address column), every candidate is held to
// them: a static address outside refuses the session; a reserved pool address outside is
// swapped for a free one inside (IpPool.leaseWithin); none free inside refuses it. The
// address IPCP gives is this one, so a client asking for any other is Nak'ed to it
// (server/ppp/ipcp/options.ts) — it can never end up with an address the rule refuses.
import { describeRule, ruleAllows, type AddressRule } from '../../config/address-rule.js';
import { parseIpv4 } from '../../config/ip-spec.js';
import type { IpPool, Lease } from '../ippool.js';

export interface AddressRequest {
  /** The lease owner (the session id). */
  readonly owner: string;
  /** The authenticated user, for messages. */
  readonly user: string;
  /** Reserved when the call was accepted, if the pool has dynamic addresses. */
  readonly reserved: Lease | undefined;
  /** The auth reply's Framed-IP-Address and which plugin gave it. */
  readonly framed?: { readonly address: string; readonly plugin: string } | undefined;
  /** `pool.static` (user name → address); looked up for `user`. */
  readonly poolStatic?: Readonly<Record<string, string>> | undefined;
  /** The auth reply's allowed addresses (absent: any). */
  readonly rule?: AddressRule | undefined;
}

export type AddressChoice =
  | { readonly ok: true; readonly lease: Lease }
  /** `message` is the whole log line: user, address, rule and its file:line, never a secret. */
  | { readonly ok: false; readonly message: string; readonly pool: string };

/**
 * Choose (and lease) the client's address. On success the reserved lease has been
 * released if another replaced it; on refusal nothing changed (the caller releases the
 * reserved lease when the session ends, as for any session).
 */
export function chooseAddress(pool: IpPool, r: AddressRequest): AddressChoice {
  const refuse = (why: string): AddressChoice => ({ ok: false, message: `no address for ${r.user}: ${why}`, pool: pool.name });
  const rule = r.rule;
  // Own keys only: a peer named "constructor" must not find Object.prototype's.
  const poolStatic = r.poolStatic !== undefined && Object.hasOwn(r.poolStatic, r.user) ? r.poolStatic[r.user] : undefined;
  const fixed =
    r.framed !== undefined
      ? { address: r.framed.address, from: `Framed-IP-Address from ${r.framed.plugin}` }
      : poolStatic !== undefined
        ? { address: poolStatic, from: 'pool.static' }
        : undefined;
  if (fixed !== undefined) {
    const a = parseIpv4(fixed.address);
    if (rule !== undefined && (a === undefined || !ruleAllows(rule, a))) {
      return refuse(`${fixed.address} (${fixed.from}) is outside the allowed addresses ${describeRule(rule)}`);
    }
    if (r.reserved?.remote === fixed.address) return { ok: true, lease: r.reserved };
    const leased = pool.lease(r.owner, fixed.address);
    return leased.ok ? replace(pool, r.reserved, leased.lease) : refuse(leased.message);
  }
  if (r.reserved !== undefined && (rule === undefined || ruleAllows(rule, parseIpv4(r.reserved.remote) ?? 0))) {
    return { ok: true, lease: r.reserved };
  }
  const leased = rule === undefined ? pool.lease(r.owner) : pool.leaseWithin(r.owner, rule);
  if (leased.ok) return replace(pool, r.reserved, leased.lease);
  return refuse(rule === undefined ? leased.message : `${leased.message} by ${describeRule(rule)}`);
}

function replace(pool: IpPool, old: Lease | undefined, lease: Lease): AddressChoice {
  if (old !== undefined && old.remote !== lease.remote) pool.release(old.remote);
  return { ok: true, lease };
}
