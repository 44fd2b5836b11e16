// The LDAP side of the plugin: one long-lived service connection (connect,
// StartTLS when asked, bind as the service account), reused by every lookup
// and rebuilt when it breaks; and one short-lived connection per PAP attempt
// to bind as the user.
//
// Reconnects are ours, not ldapts's: ldapts reopens a closed socket by itself
// before the next operation, but unauthenticated (and, after StartTLS, in
// clear). So every operation checks `isBound` before and after: an operation
// that ran on a socket ldapts silently reopened is thrown away and re-run
// once on a fresh, properly set-up connection.
//
// The bind password lives in a private field only; nothing here logs it or
// puts it in an error (ldapts's messages carry the server's diagnostic, never
// what we sent, and scrub() removes it anyway).

import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { Client, ResultCodeError } from 'ldapts';
import type { Logger } from 'pino';
import { ErrorCode, PptpdError } from '../../server/errors.js';
import { isPlaintext, type LdapOptions } from './options.js';

export type ConnectionSettings = Pick<LdapOptions, 'url' | 'bindDn' | 'bindPassword' | 'tls' | 'timeout'>;

/** The directory could not be used: no connection, no TLS, a timeout, or the service bind failed. */
export class DirectoryUnavailable extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DirectoryUnavailable';
  }
}

export class LdapConnection {
  readonly url: string;
  readonly #settings: ConnectionSettings;
  readonly #bindPassword: string;
  readonly #logger: Logger;
  #tls: ConnectionOptions | undefined;
  #host = '';
  #client: Client | undefined;
  #pending: Promise<Client> | undefined;
  #closed = false;
  /** Connections opened so far (service and user binds), for tests and metrics. */
  connects = 0;

  constructor(settings: ConnectionSettings, logger: Logger) {
    this.#settings = settings;
    this.#bindPassword = settings.bindPassword ?? '';
    this.#logger = logger;
    this.url = settings.url;
  }

  /** Reads the CA file (a missing file stops start-up) and warns about clear text. */
  async init(): Promise<void> {
    const { tls } = this.#settings;
    let ca: Buffer | undefined;
    if (tls.caFile !== undefined) {
      try {
        ca = await readFile(tls.caFile);
      } catch (err) {
        throw new PptpdError(ErrorCode.CONFIG_IO, `ldap tls.caFile ${tls.caFile}: ${(err as NodeJS.ErrnoException).code ?? 'cannot read'}`);
      }
    }
    const host = new URL(this.url).hostname.replace(/^\[|\]$/g, '');
    const serverName = tls.serverName ?? (isIP(host) === 0 ? host : undefined);
    this.#host = host;
    this.#tls = {
      rejectUnauthorized: tls.rejectUnauthorized,
      // The name the certificate is checked against (SNI too); an IP URL is checked against its IP SAN.
      ...(serverName !== undefined ? { servername: serverName } : {}),
      ...(ca !== undefined ? { ca: [ca] } : {}),
    };
    if (isPlaintext(this.#settings)) {
      this.#logger.warn({ url: this.url }, 'ldap: plain ldap:// without StartTLS — the service password and user lookups cross the network in clear; use ldaps:// or tls.startTls outside tests');
    }
    if (!tls.rejectUnauthorized) this.#logger.warn({ url: this.url }, 'ldap: tls.rejectUnauthorized is false — the server certificate is not checked');
  }

  /**
   * Runs `fn` on the bound service connection. A connection that broke is
   * replaced once; errors that are not the server's answer (LDAP result codes)
   * come out as DirectoryUnavailable.
   */
  async use<T>(fn: (client: Client) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const client = await this.#service();
      try {
        const result = await fn(client);
        if (client.isBound) return result;
        // ldapts reopened the socket under us: the answer came unauthenticated.
        this.#drop(client);
        if (attempt >= 1) throw new DirectoryUnavailable(`${this.url}: the connection keeps dropping`);
      } catch (err) {
        if (err instanceof ResultCodeError || err instanceof DirectoryUnavailable) throw err;
        const stale = attempt === 0 && !client.isConnected;
        this.#drop(client);
        if (!stale || isTimeout(err)) throw new DirectoryUnavailable(`${this.url}: ${this.scrub(err)}`, { cause: err });
        this.#logger.info({ url: this.url }, 'ldap: connection lost; reconnecting');
      }
    }
  }

  /**
   * Binds as `dn` with `password` on a connection of its own (PAP). Resolves
   * true on success, false on invalidCredentials (49); other result codes are
   * thrown as ResultCodeError, network faults as DirectoryUnavailable.
   */
  async bindAsUser(dn: string, password: string): Promise<boolean> {
    const client = this.#newClient();
    try {
      await this.#secure(client);
      await client.bind(dn, password);
      return true;
    } catch (err) {
      if (err instanceof ResultCodeError) {
        if (err.code === 49) return false;
        throw err;
      }
      throw new DirectoryUnavailable(`${this.url}: ${this.scrub(err, password)}`, { cause: err });
    } finally {
      void client.unbind().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    const client = this.#client;
    this.#client = undefined;
    this.#pending = undefined;
    if (client !== undefined) await client.unbind().catch(() => undefined);
  }

  /** An error's message with any password cut out (belt and braces). */
  scrub(err: unknown, ...also: string[]): string {
    const e = err as { code?: unknown; message?: unknown };
    let text = typeof e?.message === 'string' && e.message !== '' ? e.message.split('\n')[0]! : String(err);
    if (typeof e?.code === 'string' && !text.includes(e.code)) text = `${e.code}: ${text}`;
    for (const secret of [this.#bindPassword, ...also]) {
      if (secret.length > 0) text = text.split(secret).join('***');
    }
    return text;
  }

  #service(): Promise<Client> {
    if (this.#closed) return Promise.reject(new DirectoryUnavailable('ldap plugin is closed'));
    const c = this.#client;
    if (c !== undefined && c.isConnected && c.isBound) return Promise.resolve(c);
    if (c !== undefined) this.#drop(c);
    this.#pending ??= this.#open().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  async #open(): Promise<Client> {
    const client = this.#newClient();
    try {
      await this.#secure(client);
      // Always bind, anonymously too, so isBound tells a set-up connection from one ldapts reopened.
      await client.bind(this.#settings.bindDn ?? '', this.#bindPassword);
    } catch (err) {
      void client.unbind().catch(() => undefined);
      if (err instanceof ResultCodeError) {
        throw new DirectoryUnavailable(`${this.url}: service bind as ${this.#settings.bindDn ?? '(anonymous)'} refused: ${this.scrub(err)} (code ${err.code})`, { cause: err });
      }
      throw new DirectoryUnavailable(`${this.url}: ${this.scrub(err)}`, { cause: err });
    }
    if (this.#closed) {
      void client.unbind().catch(() => undefined);
      throw new DirectoryUnavailable('ldap plugin is closed');
    }
    this.#client = client;
    this.#logger.debug({ url: this.url }, 'ldap: service connection ready');
    return client;
  }

  #newClient(): Client {
    this.connects++;
    const ms = Math.round(this.#settings.timeout * 1000);
    return new Client({
      url: this.url,
      timeout: ms,
      connectTimeout: ms,
      // ldapts speaks TLS from the first byte whenever tlsOptions is given, so only for ldaps://.
      ...(this.#tls !== undefined && this.url.startsWith('ldaps:') ? { tlsOptions: this.#tls } : {}),
    });
  }

  /** StartTLS (RFC 4511 §4.14) when configured; ldaps:// is TLS from the first byte. */
  async #secure(client: Client): Promise<void> {
    if (!this.#settings.tls.startTls) return;
    // Over an existing socket, tls.connect checks the certificate against `host` (default 'localhost').
    await client.startTLS({ ...this.#tls, host: this.#host });
  }

  #drop(client: Client): void {
    if (this.#client === client) this.#client = undefined;
    void client.unbind().catch(() => undefined);
  }
}

function isTimeout(err: unknown): boolean {
  const m = err instanceof Error ? err.message : '';
  return /timed? ?out/i.test(m);
}
