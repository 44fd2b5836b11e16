// The RFC 5176 Dynamic Authorization Server: a UDP socket (port 3799 by default) that
// accepts Disconnect-Request and CoA-Request from configured clients only.
//
// Order of checks for each datagram (anything refused is dropped silently and logged,
// as RFC 5176 §2.3 and RFC 2865 §3 require — an unknown source or a wrong secret gets
// no answer at all, so a scanner learns nothing):
//   1. source address is a configured client;
//   2. a retransmission of a request already answered (same source, port, Identifier
//      and Request Authenticator, within DUPLICATE_TTL_MS) gets the same reply again
//      (RFC 5080 §2.2.2), so a Disconnect retried after its ACK was lost is not NAKed;
//   3. decode + authenticate with that client's secret (codec.ts);
//   4. handler.ts decides, the reply goes back to the source address and port.

import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { isDecodeError } from '../../errors.js';
import type { DynamicAuthorizationConfig } from '../../../config/schema-operations.js';

type DynAuthOptions = DynamicAuthorizationConfig;
type DynAuthClient = DynAuthOptions['clients'][number];
import { Attr, DynAuthCode, MAX_PACKET_LENGTH, decodeDynAuthRequest, encodeDynAuthReply, peekHeader } from './codec.js';
import { handleDynAuthRequest, type DynAuthHost } from './handler.js';

export const DUPLICATE_TTL_MS = 30_000;
const DUPLICATE_MAX = 1024;
/** What a reply holds besides Proxy-State: header, Error-Cause, Message-Authenticator. */
const REPLY_HEADROOM = 20 + 6 + 18;

export type DynAuthKind = 'disconnect' | 'coa' | 'unknown';
export type DynAuthResult = 'ack' | 'nak' | 'dropped';

export interface DynAuthOutcome {
  readonly kind: DynAuthKind;
  readonly result: DynAuthResult;
  /** Error-Cause of a NAK, or why a packet was dropped (unknown-client, bad-packet). */
  readonly reason?: string;
}

export interface DynAuthServerDeps {
  readonly options: DynAuthOptions;
  readonly host: DynAuthHost;
  readonly log: Logger;
  /** Every request's outcome (metrics). */
  readonly onOutcome?: (o: DynAuthOutcome) => void;
  /** Clock for the duplicate cache (tests). */
  readonly now?: () => number;
}

function normalize(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address.toLowerCase();
}

function kindOf(code: number | undefined): DynAuthKind {
  return code === DynAuthCode.DisconnectRequest ? 'disconnect' : code === DynAuthCode.CoaRequest ? 'coa' : 'unknown';
}

export class DynAuthServer {
  readonly #socket: dgram.Socket;
  readonly #deps: DynAuthServerDeps;
  readonly #clients: ReadonlyMap<string, DynAuthClient>;
  readonly #replies = new Map<string, { at: number; reply: Buffer }>();
  readonly #log: Logger;

  private constructor(socket: dgram.Socket, deps: DynAuthServerDeps) {
    this.#socket = socket;
    this.#deps = deps;
    this.#log = deps.log;
    this.#clients = new Map(deps.options.clients.map((c) => [normalize(c.address), c]));
    socket.on('message', (msg, rinfo) => this.#onMessage(msg, rinfo));
    socket.on('error', (err) => this.#log.error({ err: err.message }, `DM/CoA socket error: ${err.message}`));
  }

  static async start(deps: DynAuthServerDeps): Promise<DynAuthServer> {
    const { address, port } = deps.options;
    const socket = dgram.createSocket({ type: isIPv6(address) ? 'udp6' : 'udp4' });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, address, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    const s = new DynAuthServer(socket, deps);
    const a = s.address;
    deps.log.info({ dynamicAuthorization: `${a.address}:${a.port}`, clients: deps.options.clients.map((c) => c.address) }, `RADIUS DM/CoA (RFC 5176) listening on ${a.address}:${a.port}`);
    return s;
  }

  get address(): AddressInfo {
    return this.#socket.address();
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#socket.close(() => resolve()));
  }

  #now(): number {
    return this.#deps.now?.() ?? Date.now();
  }

  #outcome(o: DynAuthOutcome): void {
    this.#deps.onOutcome?.(o);
  }

  #onMessage(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const src = normalize(rinfo.address);
    const head = peekHeader(msg);
    const kind = kindOf(head?.code);
    const client = this.#clients.get(src);
    if (!client) {
      this.#log.warn({ source: `${src}:${rinfo.port}`, code: head?.code }, `DM/CoA: dropped a packet from ${src}, which is not a configured client`);
      this.#outcome({ kind, result: 'dropped', reason: 'unknown-client' });
      return;
    }
    const key = msg.length >= 20 ? `${src}|${rinfo.port}|${msg[1]}|${msg.subarray(4, 20).toString('hex')}` : undefined;
    const t = this.#now();
    const cached = key === undefined ? undefined : this.#replies.get(key);
    if (cached && t - cached.at < DUPLICATE_TTL_MS) {
      this.#log.debug({ source: `${src}:${rinfo.port}`, identifier: msg[1] }, 'DM/CoA: retransmission, replying again');
      this.#send(cached.reply, rinfo);
      return;
    }
    const req = decodeDynAuthRequest(msg, client.secret, this.#deps.options.requireMessageAuthenticator);
    if (isDecodeError(req)) {
      this.#log.warn({ source: `${src}:${rinfo.port}`, code: head?.code, reason: req.reason }, `DM/CoA: dropped a packet from ${src}: ${req.reason}`);
      this.#outcome({ kind, result: 'dropped', reason: 'bad-packet' });
      return;
    }
    const stale = this.#staleness(req.attributes);
    if (stale !== undefined) {
      this.#log.warn({ source: `${src}:${rinfo.port}`, code: head?.code }, `DM/CoA: dropped a request from ${src}: ${stale} (dynamicAuthorization.eventTimestampWindow)`);
      this.#outcome({ kind, result: 'dropped', reason: 'stale' });
      return;
    }
    // The reply must carry every Proxy-State (RFC 5176 §3): when they cannot fit in the
    // largest reply, the request is dropped before it acts, so nothing is done unanswered.
    const replyOverhead = REPLY_HEADROOM + req.attributes.reduce((n, a) => (a.type === Attr.ProxyState ? n + 2 + a.value.length : n), 0);
    if (replyOverhead > MAX_PACKET_LENGTH) {
      this.#log.warn({ source: `${src}:${rinfo.port}`, code: head?.code }, `DM/CoA: dropped a request from ${src}: its Proxy-State attributes (${replyOverhead} octets with the reply's own) cannot fit in a ${MAX_PACKET_LENGTH}-octet reply`);
      this.#outcome({ kind, result: 'dropped', reason: 'bad-packet' });
      return;
    }
    const d = handleDynAuthRequest(req, this.#deps.host, { nasIdentifier: this.#deps.options.nasIdentifier });
    const reply = encodeDynAuthReply({
      code: d.code,
      identifier: req.identifier,
      requestAuthenticator: req.authenticator,
      attributes: d.attributes,
      secret: client.secret,
      messageAuthenticator: req.hasMessageAuthenticator || this.#deps.options.requireMessageAuthenticator,
    });
    if (key !== undefined) this.#remember(key, t, reply);
    const what = kind === 'coa' ? 'CoA-Request' : 'Disconnect-Request';
    this.#log.info(
      { source: `${src}:${rinfo.port}`, request: what, result: d.result, errorCause: d.errorCause, sessions: d.sessions },
      `DM/CoA: ${what} from ${src}: ${d.result === 'ack' ? 'ACK' : `NAK ${d.errorCause}`} (${d.detail})`,
    );
    this.#outcome({ kind, result: d.result, ...(d.errorCause !== undefined ? { reason: String(d.errorCause) } : {}) });
    this.#send(reply, rinfo);
  }

  // RFC 5176 §3.3: a request is only as fresh as its Event-Timestamp says. One further
  // than the window from our clock (either way) is a replay or a broken clock: dropped,
  // unanswered. Without the attribute it passes unless requireEventTimestamp is set.
  #staleness(attributes: readonly { type: number; value: Uint8Array }[]): string | undefined {
    const { eventTimestampWindow: window, requireEventTimestamp: required } = this.#deps.options;
    const at = attributes.find((a) => a.type === Attr.EventTimestamp);
    if (at === undefined) return required ? 'no Event-Timestamp, and requireEventTimestamp is set' : undefined;
    if (at.value.length !== 4) return 'a malformed Event-Timestamp';
    if (window === 0) return undefined;
    const sent = Buffer.from(at.value).readUInt32BE(0);
    const skew = Math.round(this.#now() / 1000) - sent;
    return Math.abs(skew) > window ? `its Event-Timestamp is ${Math.abs(skew)} s ${skew > 0 ? 'old' : 'ahead'} (window ${window} s)` : undefined;
  }

  #remember(key: string, at: number, reply: Buffer): void {
    this.#replies.set(key, { at, reply });
    // Bounded: drop expired entries from the oldest end, then the oldest beyond the cap.
    for (const [k, v] of this.#replies) {
      if (this.#replies.size <= DUPLICATE_MAX && at - v.at < DUPLICATE_TTL_MS) break;
      this.#replies.delete(k);
    }
  }

  #send(reply: Buffer, rinfo: dgram.RemoteInfo): void {
    this.#socket.send(reply, rinfo.port, rinfo.address, (err) => {
      if (err) this.#log.warn({ err: err.message }, `DM/CoA: reply to ${rinfo.address} failed: ${err.message}`);
    });
  }
}
