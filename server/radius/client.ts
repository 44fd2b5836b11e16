// A UDP RADIUS client (RFC 2865 Access, RFC 2866 Accounting) over the `radius`
// codec, shared by the `radius` auth plugin and RADIUS accounting.
//
// Usage:
//
//   const client = new RadiusClient({
//     servers: [{ host: '10.0.0.5', port: 1812, secret: 's3cret' }, { host: '10.0.0.6', port: 1812, secret: 's3cret' }],
//     timeoutMs: 2000, retries: 1, deadTimeSeconds: 60, bindAddress: '0.0.0.0',
//   });
//   const r = await client.send('Access-Request', (attempt) => [
//     ['User-Name', 'alice'],
//     ['User-Password', attempt.hide(Buffer.from(password))],   // hidden with this server's secret
//   ], { signal });
//   if (r.ok) { r.reply.code; r.reply.attributes; r.reply.decryptKey(value) } else { r.reason }
//   // Accounting: build runs again for every transmission with a new Identifier,
//   // so Acct-Delay-Time can grow (RFC 2866 §5.2):
//   await client.send('Accounting-Request', (a) => [...attrs, ['Acct-Delay-Time', a.delaySeconds]]);
//   await client.close();
//
// Rules:
// - One UDP socket per server, connected to it (the kernel then drops
//   datagrams from other sources, and an ICMP port-unreachable ends the attempt
//   at once instead of after the timeout). Each socket has its own Identifier
//   pool: at most 256 requests in flight, more wait (identifiers.ts).
// - Per server: 1 + `retries` transmissions, each waiting `timeoutMs`. An
//   Access-Request is retransmitted byte for byte (same Identifier and
//   Authenticator, so the server's duplicate cache works, RFC 5080 §2.2.1); an
//   Accounting-Request is rebuilt with a new Identifier each time (its content
//   changes). Earlier transmissions of the same send stay answerable.
// - A server that answered none of them is dead for `deadTimeSeconds` and the
//   next one is asked (health.ts). `send` resolves `{ ok: false, reason }` when
//   no server answered; it never hangs longer than servers × (1 + retries) ×
//   timeoutMs, plus waiting for a free Identifier.
// - Replies are checked by packet.ts (Identifier, code, Response Authenticator,
//   Message-Authenticator). A refused reply is dropped and counted; the attempt
//   keeps waiting. A reply matching no request in flight (a duplicate, or one
//   after its timeout) is ignored.
// - Secrets stay in here: `attempt.hide()` and `reply.reveal()/decryptKey()`
//   use them; logs, reasons and errors name servers by host:port only.

import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import radius from 'radius';
import type { Logger } from 'pino';
import { ErrorCode, PptpdError } from '../errors.js';
import { silentLogger } from '../log.js';
import { now, TimerSlot } from '../timers.js';
import { decryptMsMppeKey } from '../crypto/ms-mppe-attr.js';
import type { RequestCodeName } from './constants.js';
import { ExchangeResult, publishExchange } from './events.js';
import { ServerHealth } from './health.js';
import { hide, reveal } from './hiding.js';
import { IdentifierPool } from './identifiers.js';
import { checkReply, encodeRequest, type EncodedRequest } from './packet.js';
import type {
  BuildAttributes,
  RadiusClientOptions,
  RadiusClientStats,
  RadiusReply,
  RadiusServerConfig,
  SendOptions,
  SendResult,
  ServerRef,
  ServerReport,
} from './types.js';
import { WaitSlot } from './wait.js';

export type * from './types.js';

interface InFlight {
  readonly request: EncodedRequest;
  readonly exchange: Exchange;
}

/** One send's conversation with one server. */
interface Exchange {
  readonly started: number;
  refused: number;
  lastRefusal?: string;
  portUnreachable: boolean;
  readonly wait: WaitSlot<RadiusReply | 'unreachable'>;
}

interface Connection {
  readonly socket: dgram.Socket;
  readonly ids: IdentifierPool;
  readonly inFlight: Map<number, InFlight>;
  readonly ready: Promise<void>;
  /** Exchanges using the socket; it holds the event loop open only while this is above 0. */
  users: number;
}

const DEFAULTS = { timeoutMs: 3000, retries: 2, deadTimeSeconds: 60, bindAddress: '0.0.0.0' } as const;

export class RadiusClient {
  readonly #servers: readonly RadiusServerConfig[];
  readonly #refs: readonly ServerRef[];
  readonly #timeoutMs: number;
  readonly #retries: number;
  readonly #bind: string;
  readonly #health: ServerHealth;
  readonly #log: Logger;
  readonly #conns = new Map<number, Connection>();
  readonly #active = new Set<Exchange>();
  #closed = false;
  readonly stats: RadiusClientStats = { transmissions: 0, replies: 0, refused: 0, unmatched: 0, timeouts: 0 };

  constructor(options: RadiusClientOptions) {
    if (options.servers.length === 0) throw new PptpdError(ErrorCode.CONFIG_INVALID, 'RADIUS client needs at least one server');
    this.#servers = options.servers;
    this.#refs = options.servers.map((s) => ({ host: s.host, port: s.port, name: isIPv6(s.host) ? `[${s.host}]:${s.port}` : `${s.host}:${s.port}` }));
    this.#timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
    this.#retries = options.retries ?? DEFAULTS.retries;
    this.#bind = options.bindAddress ?? DEFAULTS.bindAddress;
    this.#health = new ServerHealth(options.servers.length, options.deadTimeSeconds ?? DEFAULTS.deadTimeSeconds);
    this.#log = options.logger ?? silentLogger();
  }

  get servers(): readonly ServerRef[] {
    return this.#refs;
  }

  /** Whether a server is being skipped now (after failing), by index in the configured list. */
  isDead(index: number): boolean {
    return this.#health.isDead(index, now());
  }

  async send(code: RequestCodeName, build: BuildAttributes, options: SendOptions = {}): Promise<SendResult> {
    if (this.#closed) throw new PptpdError(ErrorCode.STATE, 'RADIUS client is closed');
    const started = now();
    const reports: ServerReport[] = [];
    const counter = { transmission: 0 };
    for (const index of this.#health.order(started)) {
      if (options.signal?.aborted || this.#closed) break;
      const { reply, report } = await this.#exchange(index, code, build, options, started, counter);
      reports.push(report);
      if (reply !== undefined) {
        this.#health.markAlive(index);
        return { ok: true, reply, servers: reports };
      }
      if (options.signal?.aborted || this.#closed) break;
      if (!report.busy) {
        this.#health.markDead(index, now());
        this.#log.warn({ server: report.server.name, transmissions: report.transmissions, refused: report.refused, lastRefusal: report.lastRefusal }, 'RADIUS server did not answer; skipping it for the dead time');
      }
    }
    const aborted = options.signal?.aborted === true || this.#closed;
    return { ok: false, aborted, reason: aborted ? `${code} aborted` : failureReason(code, reports), servers: reports };
  }

  async #exchange(
    index: number,
    code: RequestCodeName,
    build: BuildAttributes,
    options: SendOptions,
    sendStarted: number,
    counter: { transmission: number },
  ): Promise<{ reply?: RadiusReply; report: ServerReport }> {
    const server = this.#servers[index]!;
    const ref = this.#refs[index]!;
    const secret = Buffer.from(server.secret, 'utf8');
    const conn = this.#connection(index);
    const ex: Exchange = { started: now(), refused: 0, portUnreachable: false, wait: new WaitSlot() };
    const mode = options.retransmit ?? (code === 'Access-Request' ? 'same' : 'rebuild');
    const ids: number[] = [];
    let request: EncodedRequest | undefined;
    let transmissions = 0;
    let timeouts = 0;
    let busy = false;
    let reply: RadiusReply | undefined;
    this.#active.add(ex);
    if (conn.users++ === 0) conn.socket.ref();
    const report = (): ServerReport => ({
      server: ref,
      transmissions,
      refused: ex.refused,
      ...(ex.lastRefusal !== undefined ? { lastRefusal: ex.lastRefusal } : {}),
      portUnreachable: ex.portUnreachable,
      busy,
    });
    try {
      await conn.ready;
      for (let attempt = 0; attempt <= this.#retries && reply === undefined; attempt++) {
        if (options.signal?.aborted || this.#closed) break;
        if (request === undefined || mode === 'rebuild') {
          const id = await this.#acquire(conn, options.signal);
          if (id === undefined) {
            busy = !(options.signal?.aborted || this.#closed);
            break;
          }
          ids.push(id);
          const info = {
            server: ref,
            attempt,
            transmission: counter.transmission,
            delaySeconds: Math.floor((now() - sendStarted) / 1000) + (options.initialDelaySeconds ?? 0),
          };
          const req: EncodedRequest = encodeRequest({
            code,
            identifier: id,
            secret: server.secret,
            attributes: (ra) => build({ ...info, hide: (plain) => hide(plain, secret, ra) }),
          });
          request = req;
          conn.inFlight.set(id, { request: req, exchange: ex });
        }
        counter.transmission++;
        transmissions++;
        this.stats.transmissions++;
        conn.socket.send(request.packet);
        const got = await ex.wait.next(this.#timeoutMs, options.signal);
        if (got === 'timeout') {
          this.stats.timeouts++;
          timeouts++;
        } else if (got !== 'unreachable' && got !== 'aborted') reply = got;
      }
    } catch (err) {
      if (err instanceof PptpdError) throw err;
      ex.lastRefusal = `socket: ${err instanceof Error ? err.message : String(err)}`;
    } finally {
      this.#active.delete(ex);
      if (--conn.users === 0) conn.socket.unref();
      for (const id of ids) {
        conn.inFlight.delete(id);
        conn.ids.release(id);
      }
    }
    // One small event per exchange; metrics subscribe to it (server/radius/events.ts).
    publishExchange({
      server: ref.name,
      code,
      result:
        reply !== undefined ? ExchangeResult.Answered
        : busy ? ExchangeResult.Busy
        : options.signal?.aborted || this.#closed ? ExchangeResult.Aborted
        : ex.portUnreachable ? ExchangeResult.Unreachable
        : ExchangeResult.NoAnswer,
      transmissions,
      timeouts,
      refused: ex.refused,
      ms: now() - ex.started,
    });
    return reply !== undefined ? { reply, report: report() } : { report: report() };
  }

  /** An Identifier, waiting at most the time of one full exchange when all 256 are in flight. */
  async #acquire(conn: Connection, signal: AbortSignal | undefined): Promise<number | undefined> {
    const quick = conn.ids.waiting === 0 ? conn.ids.tryAcquire() : undefined;
    if (quick !== undefined) return quick;
    const limit = new AbortController();
    const timer = new TimerSlot(() => limit.abort());
    timer.set(now() + this.#timeoutMs * (this.#retries + 1));
    const onAbort = (): void => limit.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await conn.ids.acquire(limit.signal);
    } catch {
      return undefined;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      timer.clear();
    }
  }

  #connection(index: number): Connection {
    const existing = this.#conns.get(index);
    if (existing !== undefined) return existing;
    const server = this.#servers[index]!;
    const ref = this.#refs[index]!;
    const v6 = isIPv6(server.host) || isIPv6(this.#bind);
    const socket = dgram.createSocket(v6 ? 'udp6' : 'udp4');
    const inFlight = new Map<number, InFlight>();
    const ready = new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, this.#bind, () => {
        socket.connect(server.port, server.host, () => {
          socket.off('error', reject);
          socket.on('error', (err) => this.#onSocketError(ref, inFlight, err));
          resolve();
        });
      });
    });
    ready.catch(() => {
      // Reported through the exchange that awaits it; the next send starts afresh.
      if (this.#conns.get(index) === conn) this.#conns.delete(index);
      socket.close();
    });
    socket.on('message', (msg) => this.#onMessage(index, inFlight, msg));
    socket.unref();
    const conn: Connection = { socket, ids: new IdentifierPool(), inFlight, ready, users: 0 };
    this.#conns.set(index, conn);
    return conn;
  }

  #onMessage(index: number, inFlight: Map<number, InFlight>, msg: Buffer): void {
    const server = this.#servers[index]!;
    const ref = this.#refs[index]!;
    const entry = msg.length >= 2 ? inFlight.get(msg[1]!) : undefined;
    if (entry === undefined || entry.exchange.wait.settled) {
      this.stats.unmatched++;
      this.#log.debug({ server: ref.name, identifier: msg[1] }, 'RADIUS reply matches no request in flight (duplicate or late); ignored');
      return;
    }
    const check = checkReply(msg, entry.request, server.secret, server.requireMessageAuthenticator ?? true);
    if (!check.ok) {
      this.stats.refused++;
      entry.exchange.refused++;
      entry.exchange.lastRefusal = check.reason;
      this.#log.warn({ server: ref.name, identifier: msg[1], reason: check.reason }, 'RADIUS reply refused');
      return;
    }
    this.stats.replies++;
    const secret = Buffer.from(server.secret, 'utf8');
    const ra = entry.request.authenticator;
    const reply: RadiusReply = {
      code: check.code,
      codeName: check.codeName,
      identifier: check.identifier,
      packet: check.packet,
      attributes: check.attributes,
      server: ref,
      requestAuthenticator: ra,
      elapsedMs: now() - entry.exchange.started,
      reveal: (value) => reveal(value, secret, ra),
      decryptKey: (value) => decryptMsMppeKey(value, secret, ra),
      decode: () => radius.decode({ packet: Buffer.from(check.packet), secret: server.secret }),
    };
    entry.exchange.wait.deliver(reply);
  }

  #onSocketError(ref: ServerRef, inFlight: Map<number, InFlight>, err: NodeJS.ErrnoException): void {
    if (err.code === 'ECONNREFUSED') {
      // ICMP port unreachable on the connected socket: nothing listens there.
      for (const { exchange } of inFlight.values()) {
        exchange.portUnreachable = true;
        exchange.wait.deliver('unreachable', false);
      }
      return;
    }
    this.#log.warn({ server: ref.name, err: err.message }, 'RADIUS socket error');
  }

  /** Closes every socket; sends in progress resolve as aborted. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const ex of this.#active) ex.wait.deliver('unreachable', false);
    const closing = [...this.#conns.values()].map(
      (c) => new Promise<void>((resolve) => {
        try {
          c.socket.close(() => resolve());
        } catch {
          resolve(); // never bound
        }
      }),
    );
    this.#conns.clear();
    await Promise.all(closing);
  }
}

function failureReason(code: RequestCodeName, reports: readonly ServerReport[]): string {
  const parts = reports.map((r) => {
    if (r.busy) return `${r.server.name}: 256 requests already in flight`;
    if (r.portUnreachable && r.refused === 0) return `${r.server.name}: port unreachable`;
    const base = `${r.server.name}: no reply to ${r.transmissions} transmission${r.transmissions === 1 ? '' : 's'}`;
    return r.refused > 0 ? `${base} (${r.refused} refused: ${r.lastRefusal})` : base;
  });
  return `no RADIUS server answered the ${code} (${parts.join('; ')})`;
}
