// The project's own PPTP client (the PNS of RFC 2637): one TCP control connection, one
// call, one PPP link in the client role, over the process's shared ClientGre. Tests and
// the load benchmark use it; it has no TUN: IP packets go in with sendIp() and come out
// through onIp(), and ping() builds ICMP Echo itself.
//
//   connect():  TCP → SCCRQ/SCCRP → OCRQ/OCRP → LCP → auth → CCP/MPPE → IPCP → resolved
//   close():    LCP Terminate-Request → CCRQ/CDN → StopCCRQ/StopCCRP → TCP closed
//
// Every step is bounded: connect() by timeoutMs, close() by its own bound, each wait of
// ping() by its timeout. Events: 'up' (ConnectResult), 'down' (DownInfo, once, for a
// tunnel that was up), 'notice' (text worth a log line).

import { EventEmitter } from 'node:events';
import type { AuthMethod } from '../../auth-plugins/types.js';
import { ipv4FromString } from '../gre/ipv4.js';
import { newStats, type NetworkUp } from '../ppp/session-types.js';
import type { ControlEvent } from '../pptp/control-types.js';
import { now } from '../timers.js';
import { Changes } from './changes.js';
import { ClientCall, type ClientCallHooks } from './client-call.js';
import { acquireSharedGre, releaseSharedGre, type ClientGre } from './client-gre.js';
import { ControlChannel, tcpDialer, type ControlChannelHandlers, type Dialer } from './control-channel.js';
import { IpPort, type IpHandler } from './ip-port.js';
import {
  ClientError, ClientFailure, DEFAULT_CLIENT_METHODS, DEFAULT_CLIENT_MPPE, PPTP_PORT,
  type ClientCounters, type ConnectOptions, type ConnectResult, type DownInfo, type PingOptions, type PingResult,
} from './types.js';

export interface PptpClientDeps {
  /** The GRE endpoint to use; default: the process's shared raw socket (opened on first use). */
  readonly gre?: ClientGre;
  /** How to open TCP; default: net.connect. */
  readonly dialer?: Dialer;
  /** Answer ICMP Echo Requests sent to our tunnel address (default true), so the server side can ping us. */
  readonly answerEcho?: boolean;
}

export type ClientState = 'idle' | 'connecting' | 'up' | 'closing' | 'closed';

type Events = { up: [ConnectResult]; down: [DownInfo]; notice: [string] };

const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
const DEFAULT_CLOSE_TIMEOUT_MS = 6_000;
/** Our Packet Recv. Window Size in the OCRQ (what Windows offers). */
const RECEIVE_WINDOW = 64;

export class PptpClient extends EventEmitter<Events> {
  state: ClientState = 'idle';
  #result: ConnectResult | undefined;
  readonly #deps: PptpClientDeps;
  #gre: ClientGre | undefined;
  #sharedGre = false;
  #channel: ControlChannel | undefined;
  #call: ClientCall | undefined;
  #serverIp = 0;
  #localIp = 0;
  #t0 = 0;
  /** What connect() was given; needed until the call is placed. */
  #options: ConnectOptions | undefined;
  #pending: { resolve: (r: ConnectResult) => void; reject: (e: ClientError) => void } | undefined;
  #callCleared = false;
  #downInfo: DownInfo | undefined;
  /** Why the control side took the call away, if it did. */
  #lowerInfo: DownInfo | undefined;
  #finished = false;
  readonly #changes = new Changes();
  readonly #ip = new IpPort();

  constructor(deps: PptpClientDeps = {}) {
    super();
    this.#deps = deps;
  }

  /** What connect() negotiated (once up). */
  get result(): ConnectResult | undefined {
    return this.#result;
  }

  /** Why the tunnel went down, once it has. */
  get downInfo(): DownInfo | undefined {
    return this.#downInfo;
  }

  // ---- connect --------------------------------------------------------------------------

  async connect(o: ConnectOptions): Promise<ConnectResult> {
    if (this.state !== 'idle') throw new ClientError(ClientFailure.Usage, `connect() in state ${this.state}`);
    const serverIp = serverAddress(o.server);
    if (serverIp === undefined) throw new ClientError(ClientFailure.Usage, `--server must be an IPv4 address, not "${o.server}"`);
    this.#serverIp = serverIp;
    this.state = 'connecting';
    this.#t0 = now();
    this.#gre = this.#deps.gre;
    if (!this.#gre) {
      try {
        this.#gre = acquireSharedGre();
        this.#sharedGre = true;
      } catch (e) {
        this.state = 'closed';
        const msg = (e as Error).message;
        const hint = /EPERM|EACCES/.test(msg) ? ' (a raw GRE socket needs root or CAP_NET_RAW)' : '';
        throw new ClientError(ClientFailure.GreSocket, `cannot open the raw GRE socket: ${msg}${hint}`, { cause: e });
      }
    }
    const setup = new Promise<ConnectResult>((resolve, reject) => {
      this.#pending = { resolve, reject };
    });
    const timeoutMs = o.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const timer = setTimeout(() => this.#fail(ClientFailure.Timeout, `no tunnel within ${timeoutMs} ms (${this.#progress()})`), timeoutMs);
    void this.#open(o, timeoutMs);
    try {
      return await setup;
    } finally {
      clearTimeout(timer);
    }
  }

  async #open(o: ConnectOptions, timeoutMs: number): Promise<void> {
    const dialer = this.#deps.dialer ?? tcpDialer;
    let socket;
    try {
      socket = await dialer({ host: o.server, port: o.port ?? PPTP_PORT, localAddress: o.localAddress, timeoutMs });
    } catch (e) {
      this.#fail(ClientFailure.Tcp, (e as Error).message);
      return;
    }
    if (!this.#pending) {
      socket.destroy(); // failed or closed while dialing
      return;
    }
    this.#options = o;
    this.#channel = new ControlChannel(
      socket,
      { hostName: o.hostName ?? 'local', vendorString: 'pptpd-ts client', startTimeout: timeoutMs, callTimeout: timeoutMs, stopTimeout: 3_000 },
      this.#channelHandlers(),
    );
    this.#channel.start();
  }

  // The hooks are made here rather than inline in #open/#placeCall so that their closures hold
  // only `this`, not those functions' frames (options, socket, call): a load generator keeps
  // thousands of clients, and every byte they retain is scanned by each GC.
  #channelHandlers(): ControlChannelHandlers {
    return { event: (ev) => this.#onControl(ev), closed: () => this.#onControlClosed() };
  }

  #callHooks(): ClientCallHooks {
    return {
      networkUp: (e, method) => this.#networkUp(e, method),
      deliver: (p) => this.#deliver(p),
      down: (cause, message) => this.#pppDown(cause, message),
      notice: (m) => this.emit('notice', m),
    };
  }

  #onControl(ev: ControlEvent): void {
    switch (ev.type) {
      case 'control-connection-up':
        if (this.#options) this.#placeCall(this.#options);
        break;
      case 'call-connected':
        this.#call?.connected(ev.peerCallId, ev.window, now());
        break;
      case 'call-rejected':
        this.#fail(ClientFailure.CallRejected, `the server refused the call (OCRP result ${ev.resultCode}, error ${ev.errorCode})`);
        break;
      case 'call-cleared':
        this.#callCleared = true;
        this.#lowerDown('call-cleared', `call cleared (${ev.by}${ev.resultCode !== undefined ? `, CDN result ${ev.resultCode}` : ''})`);
        break;
      case 'stopped':
        this.#lowerDown('control-stopped', `control connection stopped by ${ev.by}: ${ev.reason}`);
        break;
      case 'protocol-error':
        this.emit('notice', `PPTP protocol error: ${ev.reason}`);
        break;
      case 'echo-timeout':
        this.emit('notice', 'no answer to PPTP Echo-Request');
        break;
      default:
        break;
    }
    this.#changes.notify();
  }

  #placeCall(o: ConnectOptions): void {
    const methods: readonly AuthMethod[] =
      o.method === undefined ? DEFAULT_CLIENT_METHODS : typeof o.method === 'string' ? [o.method] : o.method;
    const call = new ClientCall(
      this.#serverIp,
      {
        ...o.ppp,
        authMethods: methods,
        mppe: { ...DEFAULT_CLIENT_MPPE, ...o.mppe },
        credentials: { userName: o.user, password: o.password },
      },
      this.#gre!,
      this.#callHooks(),
    );
    const callId = this.#gre!.attach(call);
    if (callId === undefined) return this.#fail(ClientFailure.Usage, 'no free Call ID in this process');
    call.callId = callId;
    this.#call = call;
    this.#options = undefined;
    this.#channel!.placeCall({ callId, window: RECEIVE_WINDOW });
  }

  #networkUp(e: NetworkUp, method: AuthMethod | null): void {
    const call = this.#call!;
    this.#localIp = ipv4FromString(e.local) ?? 0;
    this.#result = {
      local: e.local,
      remote: e.remote,
      // pppd with one ms-dns gives it as primary and secondary: report each server once.
      dns: [...new Set(e.dns)],
      wins: [...new Set(e.wins)],
      mppe: e.mppe,
      method,
      mtu: e.mtu,
      setupMs: now() - this.#t0,
      callId: call.callId,
      peerCallId: call.peerCallId ?? 0,
    };
    const p = this.#pending;
    this.#pending = undefined;
    if (this.state === 'connecting') this.state = 'up';
    p?.resolve(this.#result);
    this.emit('up', this.#result);
    this.#changes.notify();
  }

  #pppDown(cause: string, message: string): void {
    // 'lower-down' is PPP's echo of our own lowerDown(): the control side knows why.
    const info = cause === 'lower-down' && this.#lowerInfo ? this.#lowerInfo : { cause, message };
    if (this.#pending) {
      const failure =
        info.cause === 'auth-failed' || info.cause === 'auth-refused' ? ClientFailure.AuthFailed
          : info === this.#lowerInfo ? ClientFailure.Control : ClientFailure.Ppp;
      this.#fail(failure, info === this.#lowerInfo ? info.message : `PPP ${info.cause}: ${info.message}`);
    } else if (this.state === 'up') {
      this.#tunnelDown(info);
    }
    this.#changes.notify();
  }

  /**
   * The control side lost the call: PPP has no lower layer any more. PPP reports the
   * cause it already knew (e.g. the server's LCP Terminate-Request came first), else ours.
   */
  #lowerDown(cause: string, message: string): void {
    this.#lowerInfo ??= { cause, message };
    const call = this.#call;
    if (call && !call.isDead) call.lowerDown(); // → #pppDown
    else if (this.#pending) this.#fail(ClientFailure.Control, message);
    else if (this.state === 'up') this.#tunnelDown(this.#lowerInfo);
  }

  #onControlClosed(): void {
    this.#lowerDown('control-stopped', 'control connection closed');
    this.#finish();
    this.#changes.notify();
  }

  // ---- data -----------------------------------------------------------------------------

  /** Sends one IPv4 packet through the tunnel; false when the tunnel cannot carry it now. */
  sendIp(packet: Buffer): boolean {
    if (this.state !== 'up' || !this.#call) return false;
    return this.#call.sendIp(packet);
  }

  /** Receives every IP packet from the server (a view, valid only during the call). Returns an unsubscribe. */
  onIp(handler: IpHandler): () => void {
    return this.#ip.subscribe(handler);
  }

  /** ICMP Echo to `dst` from our tunnel address; bounded by count × timeoutMs (+ intervals). */
  async ping(dst: string, o: PingOptions = {}): Promise<PingResult> {
    const dstIp = ipv4FromString(dst);
    if (dstIp === undefined) throw new ClientError(ClientFailure.Usage, `ping: not an IPv4 address: ${dst}`);
    if (this.state !== 'up') return { sent: 0, received: 0, rttMs: [] };
    return this.#ip.pinger.run(this.#localIp, dstIp, (p) => this.sendIp(p), o);
  }

  #deliver(packet: Buffer): void {
    this.#ip.deliver(packet, this.#localIp, this.#deps.answerEcho !== false, this);
  }

  /** @internal How IpPort answers an Echo Request: straight into the call (no closure per packet). */
  sendEchoReply(packet: Buffer): boolean {
    return this.#call?.sendIp(packet) === true;
  }

  counters(): ClientCounters {
    const c = this.#call;
    return {
      ppp: { ...(c?.stats ?? newStats()) },
      gre: c?.greCounters ? { ...c.greCounters } : undefined,
      ...this.#ip.counters(),
    };
  }

  // ---- close ----------------------------------------------------------------------------

  /** Ends the tunnel politely (LCP Terminate, CCRQ, StopCCRQ), each step bounded; then releases everything. */
  async close(timeoutMs = DEFAULT_CLOSE_TIMEOUT_MS): Promise<void> {
    if (this.state === 'idle') {
      this.state = 'closed';
      return;
    }
    if (this.state === 'closed' || this.state === 'closing') {
      await this.#changes.until(() => this.#finished, timeoutMs);
      return;
    }
    if (this.state === 'connecting') this.#fail(ClientFailure.Closed, 'close() during connect()');
    const wasUp = this.state === 'up';
    this.state = 'closing';
    const step = Math.max(100, Math.floor(timeoutMs / 3));
    const call = this.#call;
    const ch = this.#channel;
    if (call && !call.isDead) {
      // RFC 1661 §3.7: Terminate-Request, wait for Terminate-Ack (the PPP core bounds its retries too).
      call.close('client closing');
      await this.#changes.until(() => call.isDead, step);
      call.lowerDown();
    }
    if (ch && !ch.isClosed) {
      // RFC 2637 §2.12: Call-Clear-Request, answered by Call-Disconnect-Notify (unless the server hung up first).
      if (call && !this.#callCleared && ch.clearCall(call.callId)) await this.#changes.until(() => this.#callCleared || ch.isClosed, step);
      // §2.3: Stop-Control-Connection-Request; the core ends TCP on the reply or its stop timeout.
      ch.stop();
      await this.#changes.until(() => ch.isClosed, step);
    }
    if (wasUp) this.#tunnelDown({ cause: 'closed', message: 'closed by the client' });
    this.#finish();
  }

  // ---- plumbing -------------------------------------------------------------------------

  #progress(): string {
    if (!this.#channel) return 'TCP connect';
    const st = this.#channel.core.connectionState;
    if (st !== 'established') return `control connection ${st}`;
    if (!this.#call?.peerCallId) return 'waiting for OCRP';
    return `PPP ${this.#call.ppp.phase} phase`;
  }

  /** connect() fails: reject, then tear down without waiting for courtesy. */
  #fail(reason: ClientFailure, message: string): void {
    const p = this.#pending;
    if (!p) return;
    this.#pending = undefined;
    p.reject(new ClientError(reason, message));
    this.#call?.lowerDown();
    const ch = this.#channel;
    if (ch && !ch.isClosed) {
      ch.stop(); // CCRQ for the call + StopCCRQ, or closes at once when not established
      const t = setTimeout(() => ch.destroy(), 2_000);
      t.unref();
    }
    if (!ch || ch.isClosed) this.#finish();
    this.state = 'closed';
    this.#changes.notify();
  }

  #tunnelDown(info: DownInfo): void {
    if (this.#downInfo) return;
    this.#downInfo = info;
    this.#ip.cancel();
    if (this.state === 'up') {
      this.state = 'closed';
      // The PPP link or the call died under us: hang up the rest (CCRQ/StopCCRQ), bounded by the core.
      const ch = this.#channel;
      if (ch && !ch.isClosed) {
        ch.stop();
        setTimeout(() => ch.destroy(), 3_000).unref();
      }
    }
    this.emit('down', info);
  }

  /** Releases the call id, the GRE socket share and the TCP socket. Once. */
  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#options = undefined;
    if (this.#call && this.#gre) this.#gre.detach(this.#call.callId, this.#call);
    if (this.#channel && !this.#channel.isClosed) this.#channel.destroy();
    if (this.#gre && this.#sharedGre) {
      const gre = this.#gre;
      // After this turn, so the last batched packets (Terminate-Ack, acks) still leave.
      setImmediate(() => releaseSharedGre(gre));
    }
    this.#sharedGre = false;
    this.state = 'closed';
    this.#changes.notify();
  }
}

// The server address of the last connect(): a process opening many tunnels to one server parses it once.
let lastServer = '';
let lastServerIp: number | undefined;

function serverAddress(text: string): number | undefined {
  if (text !== lastServer) {
    lastServerIp = ipv4FromString(text);
    lastServer = text;
  }
  return lastServerIp;
}
