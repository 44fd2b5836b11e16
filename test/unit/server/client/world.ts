// Test helper: the project's PptpClient against the project's SERVER binding
// (runtime/control-link.ts + runtime/call-session.ts, the code `pptpd-ts serve` runs),
// wired in memory: a fake TCP socket pair instead of TCP 1723, fake GRE transports
// instead of the raw socket, an ICMP echo responder instead of TUN. Delivery is
// asynchronous (setImmediate), as on a network; timers are the real ones.
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { AuthMethod, AuthResult, Authenticator } from '../../../../auth-plugins/types.js';
import { verifyLocal } from '../../../../auth-plugins/verify-local.js';
import { decodeGre, encodeGre } from '../../../../server/gre/codec.js';
import { ipv4FromString } from '../../../../server/gre/ipv4.js';
import { isDecodeError } from '../../../../server/errors.js';
import { IpPool } from '../../../../server/ippool.js';
import { silentLogger } from '../../../../server/log.js';
import type { MppeCcpPolicy } from '../../../../server/ppp/ccp/mppe-option.js';
import { CallIdAllocator } from '../../../../server/pptp/call-ids.js';
import { decodeControlMessage, type ControlMessage } from '../../../../server/pptp/codec.js';
import { ControlFramer } from '../../../../server/pptp/framer.js';
import { CallSession, type CallDeps } from '../../../../server/runtime/call-session.js';
import { ControlLink, type ControlHost } from '../../../../server/runtime/control-link.js';
import { SessionRegistry } from '../../../../server/runtime/registry.js';
import { ClientGre, type GreTransport } from '../../../../server/client/client-gre.js';
import type { ControlSocket, Dialer } from '../../../../server/client/control-channel.js';
import { buildEchoReply, IcmpType, parseEcho } from '../../../../server/client/icmp.js';
import { now } from '../../../../server/timers.js';
import type { GreHandler } from '../../../../server/dataplane/gre-socket.js';
import type { PacketBatch } from '../../../../server/dataplane/native.js';
import { WAIT_MS, waitFor } from '../../../helpers/wait.js';

export const SERVER = '192.0.2.1';
export const CLIENT = '192.0.2.10';
export const SERVER_IP = ipv4FromString(SERVER)!;
export const CLIENT_IP = ipv4FromString(CLIENT)!;
export const TUNNEL_LOCAL = '10.8.0.1';

/** One end of an in-memory TCP connection. Data written before end() arrives before 'close'. */
export class FakeSocket extends EventEmitter {
  peer: FakeSocket | undefined;
  closed = false;
  constructor(
    readonly remoteAddress: string,
    readonly localAddress: string,
    readonly onWrite?: (b: Buffer) => void,
  ) {
    super();
  }
  setNoDelay(): void {}
  write(b: Uint8Array): boolean {
    if (this.closed) return false;
    const copy = Buffer.from(b);
    this.onWrite?.(copy);
    setImmediate(() => {
      if (this.peer && !this.peer.closed) this.peer.emit('data', copy);
    });
    return true;
  }
  end(): void {
    setImmediate(() => this.#closeBoth());
  }
  destroy(): void {
    this.#closeBoth();
  }
  #closeBoth(): void {
    for (const s of [this, this.peer]) {
      if (s && !s.closed) {
        s.closed = true;
        setImmediate(() => s.emit('close', false));
      }
    }
  }
}

export interface WorldOptions {
  readonly secret?: string;
  readonly serverMethods?: readonly AuthMethod[];
  readonly serverMppe?: MppeCcpPolicy;
  /** Refuse every call with this OCRP result. */
  readonly refuseCalls?: number;
  /** No control link behind the socket: the server never answers. */
  readonly silentServer?: boolean;
  /** Addresses for clients (default 10.8.0.2-20); a wider range for loops over many tunnels. */
  readonly remotePool?: string;
  /** The server's auth chain (default: one clear-text secret, `secret`, for any user). */
  readonly chain?: Authenticator;
  /** `pool.static`. */
  readonly poolStatic?: Readonly<Record<string, string>>;
}

/** Control messages seen on the in-memory wire, decoded, by sender. */
export interface WireEntry {
  readonly from: 'client' | 'server';
  readonly message: ControlMessage;
}

export class World {
  readonly registry = new SessionRegistry();
  readonly pool: IpPool;
  readonly callIds = new CallIdAllocator();
  readonly sessions: CallSession[] = [];
  readonly links: ControlLink[] = [];
  readonly wire: WireEntry[] = [];
  /** IP packets the server put on "TUN" (from clients). */
  readonly tunPackets: Buffer[] = [];
  readonly gre: ClientGre;
  readonly dialer: Dialer;
  #clientHandler: GreHandler | undefined;
  readonly #o: WorldOptions;
  readonly #deps: CallDeps;

  constructor(o: WorldOptions = {}) {
    this.#o = o;
    this.pool = new IpPool({ name: 'test', local: TUNNEL_LOCAL, remote: o.remotePool ?? '10.8.0.2-20' });
    const secret = o.secret ?? 'secret';
    const chain: Authenticator = o.chain ?? {
      authenticate: async (req): Promise<AuthResult> => {
        const v = verifyLocal(req, { kind: 'cleartext', password: secret });
        return v.status === 'ok'
          ? {
              verdict: 'accept',
              userName: req.userName,
              attributes: {},
              plugin: 'test',
              ...(v.mppeKeys ? { mppeKeys: v.mppeKeys } : {}),
              ...(v.authenticatorResponse ? { authenticatorResponse: v.authenticatorResponse } : {}),
            }
          : { verdict: 'reject', reason: v.reason, mschapError: 691 };
      },
    };
    this.#deps = {
      log: silentLogger(),
      chain,
      pool: this.pool,
      ...(o.poolStatic !== undefined ? { poolStatic: o.poolStatic } : {}),
      registry: this.registry,
      gre: { send: (dst, peerCallId, seq, ack, frame) => this.#serverGre(dst, peerCallId, seq, ack, frame) },
      tun: { write: (p) => this.#tun(Buffer.from(p)) },
      ppp: {
        authMethods: o.serverMethods ?? ['mschap-v2'],
        mppe: o.serverMppe ?? { required: true, bits: [128, 56, 40], stateful: 'deny' },
        serverName: 'pptpd',
        echoIntervalMs: 0,
      },
      dns: ['10.0.0.53'],
      wins: [],
      nasIdentifier: 'test',
      maxConnect: 0,
      idle: 0,
      interimInterval: 0,
      newSessionId: () => `s${this.sessions.length + 1}`,
      onEnded: () => {},
    };
    const transport: GreTransport = {
      send: (b, dst) => this.#clientGre(b, dst),
      onPackets: (h) => {
        this.#clientHandler = h;
      },
      close: () => {},
    };
    this.gre = new ClientGre(transport);
    this.dialer = async (): Promise<ControlSocket> => {
      const client = new FakeSocket(SERVER, CLIENT, (b) => this.#record('client', b));
      const server = new FakeSocket(CLIENT, SERVER, (b) => this.#record('server', b));
      client.peer = server;
      server.peer = client;
      if (!this.#o.silentServer) this.#link(server);
      return client;
    };
  }

  #framers = { client: new ControlFramer(), server: new ControlFramer() };
  #record(from: 'client' | 'server', b: Buffer): void {
    for (const item of this.#framers[from].push(b)) {
      if (isDecodeError(item)) continue;
      const m = decodeControlMessage(item);
      if (!isDecodeError(m)) this.wire.push({ from, message: m });
    }
  }

  #link(socket: FakeSocket): void {
    const host: ControlHost = {
      placeCall: (link, ocrq) => {
        if (this.#o.refuseCalls !== undefined) return { ok: false, result: this.#o.refuseCalls, error: 0, reason: 'refused by the test' };
        const callId = this.callIds.allocate()!;
        const session = new CallSession(
          { callId, peerCallId: ocrq.peerCallId, peerIp: CLIENT_IP, localAddress: SERVER, peerWindow: ocrq.window },
          {
            ...this.#deps,
            onEnded: (s) => {
              this.registry.remove(s);
              this.callIds.release(s.callId);
              link.clearCall(s);
            },
          },
        );
        this.registry.add(session);
        this.sessions.push(session);
        return { ok: true, session };
      },
      linkClosed: () => {},
    };
    this.links.push(new ControlLink(socket as unknown as Socket, { role: 'server', hostName: 'pptpd' }, host, silentLogger()));
  }

  /** Client → server GRE: what the server's DataPath does with a received batch. */
  #clientGre(b: PacketBatch, dst: Uint32Array): number {
    for (let i = 0; i < b.count; i++) {
      if (dst[i] !== SERVER_IP) continue;
      const off = b.offsets[i]!;
      const bytes = Buffer.from(b.slab.subarray(off, off + b.lengths[i]!));
      setImmediate(() => {
        const pkt = decodeGre(bytes);
        if (isDecodeError(pkt)) return;
        const s = this.registry.byCallId(pkt.callId);
        if (s && s.peerIp === CLIENT_IP) s.onGre(pkt, now());
      });
    }
    return b.count;
  }

  /** Server → client GRE: one received batch from the server's address. */
  #serverGre(dst: number, peerCallId: number, seq: number | undefined, ack: number | undefined, frame: Uint8Array): void {
    if (dst !== CLIENT_IP) return;
    const bytes = Buffer.from(encodeGre({ callId: peerCallId, seq, ack }, frame));
    setImmediate(() => this.deliverToClient(bytes, SERVER_IP));
  }

  /** Hands one GRE packet to the client's ClientGre as if the raw socket read it from `source`. */
  deliverToClient(gre: Buffer, source: number): void {
    this.#clientHandler?.({
      slab: gre,
      offsets: Uint32Array.of(0),
      lengths: Uint32Array.of(gre.length),
      sources: Uint32Array.of(source),
      count: 1,
    });
  }

  /** What the kernel behind TUN would do: answer pings to the server's tunnel address. */
  #tun(p: Buffer): void {
    this.tunPackets.push(p);
    const m = parseEcho(p);
    if (isDecodeError(m) || m.type !== IcmpType.Echo || m.dst !== ipv4FromString(TUNNEL_LOCAL)) return;
    const reply = buildEchoReply(m);
    setImmediate(() => this.registry.byIp(m.src)?.sendIp(reply, now()));
  }

  sent(from: 'client' | 'server'): string[] {
    return this.wire.filter((w) => w.from === from).map((w) => w.message.type);
  }
}

/** Polls `cond` every 5 ms for at most `ms` (the shared bounded wait); true when it held. */
export async function eventually(cond: () => boolean, ms = WAIT_MS): Promise<boolean> {
  return waitFor('condition', cond, ms, { stepMs: 5 }).then(() => true, () => false);
}
