// One user lookup: search under baseDn with the escaped name, read what the
// plugin needs from the entry, and check group membership. Pure over an
// ldapts Client (the connection is the caller's); LDAP result codes other
// than "no such object" for the group are thrown.

import { NoSuchObjectError, SizeLimitExceededError, type Client, type Entry } from 'ldapts';
import type { Logger } from 'pino';
import { isIPv4 } from 'node:net';
import { buildFilter, escapeFilterValue } from './escape.js';
import { GroupCheck, type LdapOptions } from './options.js';

/** What the directory says about one user. Holds the NT hash: kept in memory only, never logged. */
export type Lookup =
  /** refuse: the directory answered something unsafe to act on (several entries): reject, do not pass. */
  | { readonly found: false; readonly reason: string; readonly refuse?: boolean }
  | { readonly found: true; readonly user: UserEntry };

export interface UserEntry {
  readonly dn: string;
  /** 16 bytes; undefined when the attribute is absent, 'invalid' when it is not 32 hex digits. */
  readonly ntHash: Buffer | 'invalid' | undefined;
  /** Static address from framedIpAttribute, when set and a valid IPv4 address. */
  readonly framedIpAddress?: string;
  /** Samba account flags contain D. */
  readonly disabled: boolean;
  /** Membership of the required group; undefined when none is required. */
  readonly inGroup: boolean | undefined;
}

export type LookupOptions = Pick<
  LdapOptions,
  | 'baseDn'
  | 'scope'
  | 'filter'
  | 'ntHashAttribute'
  | 'group'
  | 'groupCheck'
  | 'groupAttribute'
  | 'groupMemberAttribute'
  | 'uidAttribute'
  | 'framedIpAttribute'
  | 'accountFlagsAttribute'
>;

/** Searches issued so far (user and group), for tests and metrics. */
export interface LookupCounters {
  searches: number;
}

export async function lookupUser(
  client: Client,
  o: LookupOptions,
  userName: string,
  counters: LookupCounters,
  logger: Logger,
): Promise<Lookup> {
  const attributes = [
    o.ntHashAttribute,
    ...(o.group !== undefined && o.groupCheck === GroupCheck.MEMBER_OF ? [o.groupAttribute] : []),
    ...(o.group !== undefined && o.groupCheck === GroupCheck.MEMBER_UID ? [o.uidAttribute] : []),
    ...(o.framedIpAttribute !== undefined ? [o.framedIpAttribute] : []),
    ...(o.accountFlagsAttribute !== false ? [o.accountFlagsAttribute] : []),
  ];
  let entries: Entry[];
  counters.searches++;
  try {
    // sizeLimit 2: one entry is an answer, two mean the filter is not unique.
    ({ searchEntries: entries } = await client.search(o.baseDn, { scope: o.scope, filter: buildFilter(o.filter, userName), attributes, sizeLimit: 2 }));
  } catch (err) {
    if (err instanceof SizeLimitExceededError) return ambiguous(userName);
    if (err instanceof NoSuchObjectError) return { found: false, reason: `baseDn ${o.baseDn} does not exist` };
    throw err;
  }
  if (entries.length === 0) return { found: false, reason: `${userName} not found under ${o.baseDn}` };
  if (entries.length > 1) return ambiguous(userName);
  const entry = entries[0]!;

  let framedIpAddress: string | undefined;
  if (o.framedIpAttribute !== undefined) {
    const v = first(entry, o.framedIpAttribute);
    if (v !== undefined && isIPv4(v.trim())) framedIpAddress = v.trim();
    else if (v !== undefined) logger.warn({ dn: entry.dn, attribute: o.framedIpAttribute }, 'ldap: static address attribute is not an IPv4 address; ignored');
  }
  const flags = o.accountFlagsAttribute !== false ? first(entry, o.accountFlagsAttribute) : undefined;
  return {
    found: true,
    user: {
      dn: entry.dn,
      ntHash: parseNtHash(first(entry, o.ntHashAttribute)),
      ...(framedIpAddress !== undefined ? { framedIpAddress } : {}),
      // Samba: "[UX         ]"-style flags; D = account disabled.
      disabled: flags !== undefined && /^\[[^\]]*D/.test(flags),
      inGroup: o.group === undefined ? undefined : await isMember(client, o, o.group, entry, userName, counters, logger),
    },
  };
}

async function isMember(
  client: Client,
  o: LookupOptions,
  group: string,
  entry: Entry,
  userName: string,
  counters: LookupCounters,
  logger: Logger,
): Promise<boolean> {
  if (o.groupCheck === GroupCheck.MEMBER_OF) {
    const want = normalizeDn(group);
    return values(entry, o.groupAttribute).some((dn) => normalizeDn(dn) === want);
  }
  // The group entry itself, asked whether it lists this user: a base search
  // with an equality filter, so the server applies the attribute's matching rule.
  const attr = o.groupMemberAttribute ?? (o.groupCheck === GroupCheck.MEMBER ? 'member' : 'memberUid');
  const value = o.groupCheck === GroupCheck.MEMBER ? entry.dn : (first(entry, o.uidAttribute) ?? userName);
  counters.searches++;
  try {
    const { searchEntries } = await client.search(group, { scope: 'base', filter: `(${attr}=${escapeFilterValue(value)})`, attributes: ['1.1'] });
    return searchEntries.length > 0;
  } catch (err) {
    if (!(err instanceof NoSuchObjectError)) throw err;
    logger.warn({ group }, 'ldap: the required group does not exist; nobody is in it');
    return false;
  }
}

/** sambaNTPassword: 32 hex digits (Samba writes upper case). */
export function parseNtHash(v: string | undefined): Buffer | 'invalid' | undefined {
  if (v === undefined) return undefined;
  const s = v.trim();
  return /^[0-9A-Fa-f]{32}$/.test(s) ? Buffer.from(s, 'hex') : 'invalid';
}

/**
 * A DN in a comparable form: lower case, no spaces around `,` `=` `+`.
 * Good for the DNs a server writes into memberOf; not a full RFC 4514 normalizer.
 */
export function normalizeDn(dn: string): string {
  return dn
    .trim()
    .replace(/\s*([,=+])\s*/g, '$1')
    .toLowerCase();
}

/** Attribute values as strings; names compare case-insensitively (servers return their own spelling). */
export function values(entry: Entry, name: string): string[] {
  const want = name.toLowerCase();
  for (const [k, v] of Object.entries(entry)) {
    if (k.toLowerCase() !== want || k === 'dn') continue;
    const list = Array.isArray(v) ? v : [v];
    return list.map((x) => (Buffer.isBuffer(x) ? x.toString('utf8') : String(x)));
  }
  return [];
}

function ambiguous(userName: string): Lookup {
  return { found: false, refuse: true, reason: `more than one entry matches ${userName}: the filter is not unique, refusing to guess` };
}

function first(entry: Entry, name: string): string | undefined {
  return values(entry, name)[0];
}
