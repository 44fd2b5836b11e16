// ldap: a credential source over an LDAP directory (OpenLDAP with the Samba
// schema, or Active Directory for PAP).
//
// For one attempt: find the user (service-account search, name escaped per
// RFC 4515), refuse a disabled account or one outside the required group,
// then
//   MS-CHAPv1/v2 → hand the NT hash (sambaNTPassword) to the chain, which
//                  verifies locally and derives the MPPE keys;
//   PAP          → bind as the user's DN with the offered password (pap:
//                  bind, the default; how Active Directory is used, since AD
//                  never reveals NT hashes), or compare with the NT hash;
//   CHAP-MD5     → pass: it needs the clear-text password, LDAP has a hash.
// A user not found, or without an NT hash, is a pass: another plugin (e.g.
// RADIUS in front of AD) may know her.
//
// Lookups are cached (node-cache): found users for cacheTtl, "not found" and
// "not in the group" for the shorter negativeCacheTtl. The result of a PAP
// user bind is never cached, nor is a failure to reach the directory.
// Directory down → one clear log line and pass or reject (onUnreachable).

import NodeCache from 'node-cache';
import { ResultCodeError } from 'ldapts';
import { pino, type Logger } from 'pino';
import type { AuthPlugin, PluginContext, PluginOutcome } from '../plugin.js';
import type { PluginScheme } from '../registry.js';
import type { AuthRequest, SessionAttributes } from '../types.js';
import { DirectoryUnavailable, LdapConnection } from './connection.js';
import { lookupUser, type Lookup, type LookupCounters } from './lookup.js';
import { ldapOptions, PapMode, type LdapOptions } from './options.js';

/** MS-CHAP error codes (RFC 2759 §6, RFC 2433 §6). */
export const MsChapError = {
  ACCOUNT_DISABLED: 647,
  NO_DIALIN_PERMISSION: 649,
  AUTHENTICATION_FAILURE: 691,
} as const;

/** Longer names are not looked up (no directory has such a user; bounds the filter). */
export const MAX_USER_NAME_LENGTH = 256;

export interface LdapStats {
  /** LDAP search operations sent (user and group). */
  readonly searches: number;
  /** Attempts answered from the cache. */
  readonly cacheHits: number;
  /** Connections opened (service and PAP user binds). */
  readonly connects: number;
  /** PAP binds as a user. */
  readonly userBinds: number;
}

export class LdapPlugin implements AuthPlugin {
  readonly kind = 'ldap';
  readonly name: string;
  readonly #o: LdapOptions;
  readonly #logger: Logger;
  readonly #conn: LdapConnection;
  readonly #cache: NodeCache | undefined;
  readonly #counters: LookupCounters = { searches: 0 };
  #cacheHits = 0;
  #userBinds = 0;

  constructor(options: LdapOptions, name = 'ldap', logger?: Logger) {
    this.#o = options;
    this.name = name;
    this.#logger = logger ?? pino({ level: 'silent' });
    this.#conn = new LdapConnection(options, this.#logger);
    this.#cache = options.cacheTtl > 0 ? new NodeCache({ useClones: false, checkperiod: Math.max(1, Math.ceil(options.cacheTtl)) }) : undefined;
  }

  get stats(): LdapStats {
    return { searches: this.#counters.searches, cacheHits: this.#cacheHits, connects: this.#conn.connects, userBinds: this.#userBinds };
  }

  /** Reads TLS files; does not need the directory to be up (it may come up later). */
  async init(): Promise<void> {
    await this.#conn.init();
  }

  async handle(req: AuthRequest, ctx?: PluginContext): Promise<PluginOutcome> {
    const log = ctx?.logger ?? this.#logger;
    const c = req.credentials;
    if (c.method === 'chap-md5') return { type: 'pass', reason: 'CHAP-MD5 needs the clear-text password; LDAP holds NT hashes' };
    if (c.method === 'pap' && this.#o.pap === PapMode.OFF) return { type: 'pass', reason: 'PAP is off for this LDAP plugin' };
    const name = req.userName;
    if (name.length === 0 || name.length > MAX_USER_NAME_LENGTH) return { type: 'pass', reason: 'user name empty or too long for LDAP' };

    let found: Lookup;
    try {
      found = await this.#lookup(name, log);
    } catch (err) {
      return this.#unavailable(err, log);
    }
    if (!found.found) {
      if (found.refuse === true) {
        log.error({ baseDn: this.#o.baseDn }, `ldap: ${found.reason}`);
        return { type: 'reject', reason: found.reason };
      }
      return { type: 'pass', reason: found.reason };
    }
    const user = found.user;
    if (user.disabled) return { type: 'reject', reason: `${name}: account disabled in the directory`, mschapError: MsChapError.ACCOUNT_DISABLED };
    if (user.inGroup === false) {
      return { type: 'reject', reason: `${name} is not in group ${this.#o.group ?? ''}`, mschapError: MsChapError.NO_DIALIN_PERMISSION };
    }
    const attributes: SessionAttributes = user.framedIpAddress !== undefined ? { framedIpAddress: user.framedIpAddress } : {};

    if (c.method === 'pap' && this.#o.pap === PapMode.BIND) return this.#papBind(name, user.dn, c.password, attributes, log);

    if (user.ntHash === undefined) return { type: 'pass', reason: `${name} has no ${this.#o.ntHashAttribute} (Active Directory never reveals one)` };
    if (user.ntHash === 'invalid') return { type: 'pass', reason: `${name}: ${this.#o.ntHashAttribute} is not 32 hex digits` };
    return { type: 'secret', secret: { kind: 'nt-hash', hash: user.ntHash }, attributes, source: `ldap ${user.dn}` };
  }

  async close(): Promise<void> {
    this.#cache?.close();
    await this.#conn.close();
  }

  async #lookup(name: string, log: Logger): Promise<Lookup> {
    const cached = this.#cache?.get<Lookup>(name);
    if (cached !== undefined) {
      this.#cacheHits++;
      return cached;
    }
    const result = await this.#conn.use((client) => lookupUser(client, this.#o, name, this.#counters, log));
    if (this.#cache !== undefined) {
      const positive = result.found && result.user.inGroup !== false;
      const ttl = positive ? this.#o.cacheTtl : this.#o.negativeCacheTtl;
      // node-cache reads TTL 0 as "forever": 0 here means "do not cache".
      if (ttl > 0) this.#cache.set(name, result, ttl);
    }
    return result;
  }

  /** PAP against the directory itself. Never cached: a password change must count at once. */
  async #papBind(name: string, dn: string, password: string, attributes: SessionAttributes, log: Logger): Promise<PluginOutcome> {
    // RFC 4513 §5.1.2: a simple bind with a DN and an empty password is an
    // "unauthenticated bind" that many servers answer with success.
    if (password.length === 0) return { type: 'reject', reason: `empty PAP password for ${name}` };
    this.#userBinds++;
    try {
      const ok = await this.#conn.bindAsUser(dn, password);
      return ok ? { type: 'accept', attributes } : { type: 'reject', reason: `wrong password for ${name} (LDAP bind refused)` };
    } catch (err) {
      if (err instanceof ResultCodeError) {
        return { type: 'reject', reason: `LDAP bind as ${name} refused: ${this.#conn.scrub(err, password)} (code ${err.code})` };
      }
      return this.#unavailable(err, log, password);
    }
  }

  /** The directory could not answer: one clear line, then pass or reject as configured. */
  #unavailable(err: unknown, log: Logger, ...secrets: string[]): PluginOutcome {
    const detail = err instanceof DirectoryUnavailable ? err.message : `${this.#o.url}: ${this.#conn.scrub(err, ...secrets)}`;
    const what = err instanceof ResultCodeError ? `directory refused the lookup (code ${err.code})` : 'directory unreachable';
    const then = this.#o.onUnreachable === 'pass' ? 'passing to the next plugin' : 'rejecting the attempt';
    log.error({ url: this.#o.url, err: detail, onUnreachable: this.#o.onUnreachable }, `ldap: ${what} (${detail}); ${then}`);
    const reason = `LDAP ${what}: ${detail}`;
    return this.#o.onUnreachable === 'pass' ? { type: 'pass', reason } : { type: 'reject', reason };
  }
}

export const ldapScheme: PluginScheme<typeof ldapOptions> = {
  kind: 'ldap',
  description: 'LDAP directory: NT hash (sambaNTPassword) for MS-CHAP, PAP by user bind, group and static address',
  options: ldapOptions,
  create: (options, deps) => new LdapPlugin(options, deps.name, deps.logger),
};
