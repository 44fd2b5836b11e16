// One PPP link, sans-I/O: RFC 1661 §3.2 phases Dead → Establish → Authenticate → Network →
// Terminate, driving LCP, the authentication handler (server/ppp/auth), CCP+MPPE and IPCP.
// Inputs: start, handleFrame, handleTimeout, sendIp, handleAuthVerdict, setNetwork, close,
// lowerDown — each with `now` (ms, monotonic, caller's clock). Outputs: drain() returns the
// actions in order (frames, IP packets, the next timer deadline, events).
// Same code for both roles: 'server' authenticates the peer and hands out addresses,
// 'client' (our own PPTP client) proves itself and takes the address it is given.
import type { AuthMethod, AuthResult, MppeKeys } from '../../auth-plugins/types.js';
import { ErrorCode, PptpdError } from '../errors.js';
import { createAuthClient, createAuthServer } from './auth/types.js';
import type { AuthAction, AuthProtocolHandler } from './auth/types.js';
import { decodeFrame, encodeFrame, type FrameCompression, NO_COMPRESSION } from './frame.js';
import { CpEvent, CpState } from './fsm/automaton.js';
import type { RestartConfig } from './fsm/restart.js';
import { parseIPv4 } from './ipcp/options.js';
import { Lcp } from './lcp/lcp.js';
import { type NetworkHost, NetworkPhase } from './network.js';
import { Protocol, protocolName } from './protocols.js';
import {
  type DownCause,
  type NetworkConfig,
  newStats,
  Phase,
  type PhaseDeadlines,
  type PppAction,
  type PppEvent,
  type PppSessionOptions,
  type PppStats,
  SESSION_DEFAULTS,
} from './session-types.js';
import { derivedOf } from './session-config.js';
import { SessionLcpHooks } from './session-hooks.js';

export class PppSession implements NetworkHost {
  phase: Phase = Phase.Dead;
  readonly stats: PppStats = newStats();
  readonly lcp: Lcp;
  private readonly net: NetworkPhase;
  private auth: AuthProtocolHandler | null = null;
  private authDeadline: number | null = null;
  private readonly restart: RestartConfig;
  private readonly deadlines: PhaseDeadlines;
  private readonly random: (n: number) => Buffer;
  private phaseDeadline: number | null = null;
  private downCause: { cause: DownCause; message: string } | null = null;
  private actions: PppAction[] = [];
  private reportedDeadline: number | null = null;
  private started = false;
  /** Numbers each 'auth-verify' event: a verdict must name the latest, or it is stale. */
  private verifySeq = 0;
  /** A close decided inside an LCP action (tld), carried out once that input is handled. */
  private deferredClose: { cause: DownCause; message: string } | null = null;

  constructor(readonly opts: PppSessionOptions) {
    if (opts.role === 'client' && opts.authMethods.length > 0 && !opts.credentials) {
      throw new PptpdError(ErrorCode.STATE, 'client role needs credentials to authenticate');
    }
    // A server always makes its peer authenticate: there is no unauthenticated link.
    if (opts.role === 'server' && opts.authMethods.length === 0) {
      throw new PptpdError(ErrorCode.STATE, 'server role needs at least one authentication method');
    }
    const d = derivedOf(opts);
    this.restart = d.restart;
    this.deadlines = d.deadlines;
    this.random = d.random;
    this.net = new NetworkPhase(opts, this.restart, this, opts.mppe);
    this.lcp = new Lcp(d.lcp, new SessionLcpHooks(this));
  }

  // ---- inputs -------------------------------------------------------------------------

  /** The lower layer (the PPTP call) is up: LCP Open + Up (RFC 1661 §3.2 Link Establishment). */
  start(now: number): void {
    if (this.started) return;
    this.started = true;
    this.setPhase(Phase.Establish, now, this.deadlines.establishMs);
    this.lcp.fsm.open(now);
    this.lcp.fsm.up(now);
    this.flushTimer();
  }

  /** One PPP frame from GRE. MPPE frames are decrypted in place (the buffer is consumed). */
  handleFrame(frame: Buffer, now: number): void {
    if (this.phase === Phase.Dead) return;
    this.stats.rxFrames += 1;
    this.stats.rxOctets += frame.length;
    const f = decodeFrame(frame);
    if ('kind' in f) {
      this.stats.rxDropped += 1;
    } else {
      this.route(f.protocol, f.info, now);
      if (this.deferredClose) {
        const d = this.deferredClose;
        this.deferredClose = null;
        this.close(d.cause, now, d.message);
      }
    }
    this.flushTimer();
  }

  handleTimeout(now: number): void {
    if (this.phase === Phase.Dead) return;
    this.lcp.handleTimeout(now);
    if (this.auth && this.authDeadline !== null && now >= this.authDeadline) {
      this.authDeadline = null;
      this.runAuth(this.auth.handleTimeout(now), now);
    }
    this.net.handleTimeout(now);
    if (this.phaseDeadline !== null && now >= this.phaseDeadline) {
      this.phaseDeadline = null;
      const cause = this.phase === Phase.Authenticate ? 'auth-timeout' : 'negotiation-timeout';
      this.close(cause, now, `${this.phase} phase did not complete in time`);
    }
    this.flushTimer();
  }

  /** An IP packet from TUN for the peer. Dropped unless the network is up (and encrypted when required). */
  sendIp(packet: Buffer, now: number): void {
    void now;
    const frame = this.net.encapsulate(packet, this.compression());
    if (!frame) {
      this.stats.txDropped += 1;
      return;
    }
    this.stats.txIpPackets += 1;
    this.stats.txIpOctets += packet.length;
    this.push(frame);
  }

  /**
   * The copy-free sendIp() for a caller that owns a send slab: the frame's length, -1 when
   * the packet must not go out (counted as txDropped, as sendIp() counts it), or -2 when
   * actions are still queued (use sendIp(), so the frame keeps its place after them).
   */
  ipFrameLength(packetLength: number): number {
    if (this.actions.length > 0) return -2;
    const n = this.net.ipFrameLength(packetLength, this.compression());
    if (n < 0) this.stats.txDropped += 1;
    return n;
  }

  /**
   * Writes the frame sized by ipFrameLength() at out[offset..] (encrypted there by the
   * PPP DataPath) and counts it like sendIp(). offset < 0: the transmitter had no room
   * (oversize); counted as sent, as sendIp() counts a frame the GRE layer then drops.
   */
  sendIpInto(packet: Buffer, out: Buffer, offset: number): void {
    const n = offset < 0 ? this.net.data.frameLength(packet.length, this.compression())
      : this.net.data.encapsulateInto(packet, this.compression(), out, offset);
    this.stats.txFrames += 1;
    this.stats.txOctets += n;
    this.stats.txIpPackets += 1;
    this.stats.txIpOctets += packet.length;
  }

  /** The number of the latest 'auth-verify' event: a verdict for any other is stale. */
  get latestAttempt(): number {
    return this.verifySeq;
  }

  /**
   * Server role: the plugin chain's answer to the 'auth-verify' event numbered `attempt`.
   * A verdict for an earlier attempt (the peer renegotiated LCP and authenticates afresh,
   * perhaps under another name) is dropped: it must never complete a newer exchange.
   */
  handleAuthVerdict(result: AuthResult, now: number, attempt: number = this.verifySeq): void {
    if (!this.auth || this.phase !== Phase.Authenticate || attempt !== this.verifySeq) return;
    this.runAuth(this.auth.handleVerdict(result, now), now);
    this.flushTimer();
  }

  /** Server role: the addresses for IPCP (from the pool or the plugin's Framed-IP-Address). */
  setNetwork(net: NetworkConfig, now: number): void {
    if (this.opts.role !== 'server') throw new PptpdError(ErrorCode.STATE, 'setNetwork() is for the server role');
    checkAddress(net.local);
    checkAddress(net.remote);
    if (net.dns) for (const a of net.dns) checkAddress(a);
    if (net.wins) for (const a of net.wins) checkAddress(a);
    this.net.setNetwork(net, now);
    this.flushTimer();
  }

  /** End the link: LCP Terminate-Request, then Dead on Terminate-Ack or after Max-Terminate. */
  close(cause: DownCause, now: number, message: string = cause): void {
    if (this.phase === Phase.Dead) return;
    this.downCause ??= { cause, message };
    if (this.phase === Phase.Terminate) return;
    this.setPhase(Phase.Terminate, now, null);
    const st = this.lcp.fsm.state;
    if (st === CpState.Initial || st === CpState.Starting || st === CpState.Closed || st === CpState.Stopped) {
      this.lcp.fsm.close(now);
      this.dead(now);
    } else {
      this.lcp.fsm.close(now, Buffer.from(message.slice(0, 64), 'utf8'));
    }
    this.flushTimer();
  }

  /** The PPTP call or its GRE path is gone: no more frames either way. */
  lowerDown(now: number): void {
    if (this.phase === Phase.Dead) return;
    this.downCause ??= { cause: 'lower-down', message: 'lower layer went down' };
    this.lcp.fsm.down(now);
    this.lcp.fsm.close(now);
    this.dead(now);
    this.flushTimer();
  }

  // ---- outputs ------------------------------------------------------------------------

  /** Everything produced since the last call, in order. */
  drain(): PppAction[] {
    const out = this.actions;
    this.actions = [];
    return out;
  }

  /** When handleTimeout() is next due (null = nothing pending). */
  nextTimeout(): number | null {
    if (this.phase === Phase.Dead) return null;
    // Called after every input: compared one by one rather than through a new array each time.
    return minDeadline(minDeadline(this.lcp.deadline, this.authDeadline), minDeadline(this.net.deadline, this.phaseDeadline));
  }

  get isDead(): boolean {
    return this.phase === Phase.Dead && this.started;
  }

  // ---- routing ------------------------------------------------------------------------

  private route(protocol: number, info: Buffer, now: number): void {
    switch (protocol) {
      case Protocol.LCP:
        this.countErr(this.lcp.input(info, now));
        return;
      case Protocol.MPPE: {
        const r = this.net.receiveMppe(info, now);
        if (r.kind === 'ip') return this.deliver(r.packet);
        this.stats.rxDropped += 1;
        return;
      }
      case Protocol.IP:
        if (this.net.acceptPlainIp()) return this.deliver(info);
        this.stats.rxDropped += 1;
        return;
      case Protocol.PAP:
      case Protocol.CHAP:
        if (this.auth && this.auth.protocol === protocol) return this.runAuth(this.auth.input(info, now), now);
        break;
      case Protocol.CCP:
      case Protocol.IPCP: {
        const canWait = this.phase === Phase.Authenticate || this.phase === Phase.Network;
        const r = canWait ? this.net.input(protocol, info, now, true) : { handled: false, error: false };
        if (r.error) this.stats.rxDropped += 1;
        if (r.handled) return;
        break;
      }
    }
    // RFC 1661 §3.4/§5.7: unknown protocols are Protocol-Rejected in the Network phase; in
    // earlier phases anything but LCP/auth is silently discarded.
    if (this.phase === Phase.Network) {
      this.emit({ type: 'notice', message: `Protocol-Reject ${protocolName(protocol)}` });
      this.lcp.sendProtocolReject(protocol, info);
    } else {
      this.stats.rxDropped += 1;
    }
  }

  private deliver(packet: Buffer): void {
    this.stats.rxIpPackets += 1;
    this.stats.rxIpOctets += packet.length;
    this.actions.push({ type: 'deliver', packet });
  }

  // ---- layer transitions --------------------------------------------------------------

  /** @internal LCP tlu (SessionLcpHooks). */
  lcpUp(now: number): void {
    const o = this.lcp.options;
    const method: AuthMethod | null = this.opts.role === 'server' ? o.authMethod : o.peerAuth;
    if (!method && this.opts.role === 'server') return this.close('auth-refused', now, 'no authentication method was agreed');
    if (!method) return this.authenticated(now, '');
    this.setPhase(Phase.Authenticate, now, this.deadlines.authenticateMs);
    const f = this.opts.auth;
    if (this.opts.role === 'server') {
      const create = f?.createServer ?? createAuthServer;
      this.auth = create(method, {
        serverName: this.opts.serverName ?? SESSION_DEFAULTS.serverName,
        random: this.random,
        ...(this.opts.authRetransmitMs !== undefined ? { retransmitMs: this.opts.authRetransmitMs } : {}),
        ...(this.opts.authMaxRetransmits !== undefined ? { maxRetransmits: this.opts.authMaxRetransmits } : {}),
        ...(this.opts.authMaxChallenges !== undefined ? { maxChallenges: this.opts.authMaxChallenges } : {}),
      });
    } else {
      const create = f?.createClient ?? createAuthClient;
      const c = this.opts.credentials ?? { userName: '', password: '' };
      this.auth = create(method, { userName: c.userName, password: c.password, random: this.random });
    }
    this.runAuth(this.auth.start(now), now);
  }

  /** @internal LCP tld. */
  lcpDown(now: number): void {
    // Leaving Opened: everything above LCP goes down (RFC 1661 §3.7 / tld → NCP Down).
    this.auth = null;
    this.authDeadline = null;
    this.net.reset(now);
    if (this.lcp.fsm.state === CpState.Stopping && this.phase !== Phase.Terminate) {
      this.downCause ??= { cause: 'peer-terminate', message: 'peer sent LCP Terminate-Request' };
      this.setPhase(Phase.Terminate, now, null);
    } else if (this.phase === Phase.Network) {
      // Renegotiation once authenticated: the session has an identity, an address and
      // accounting under it. Authenticating again (maybe as someone else) would leave two
      // identities on one session, so the link ends; the client may simply dial again.
      this.deferredClose ??= { cause: 'lcp-renegotiated', message: 'peer renegotiated LCP after authentication: the session ends (one identity per session)' };
    } else if (this.phase !== Phase.Terminate) {
      // Renegotiation before authentication finished (e.g. our Configure-Ack was lost):
      // back to Link Establishment; the next authentication is a new attempt, and a verdict
      // still on its way for the old one is dropped (verifySeq).
      this.setPhase(Phase.Establish, now, this.deadlines.establishMs);
    }
  }

  /** @internal LCP tlf. */
  lcpFinished(now: number, ev: CpEvent): void {
    if (!this.downCause) {
      if (ev === CpEvent.TimeoutMinus) this.downCause = { cause: 'negotiation-timeout', message: 'LCP did not converge (Max-Configure)' };
      else if (ev === CpEvent.RxjMinus) this.downCause = { cause: 'protocol-error', message: 'peer rejected LCP' };
      else this.downCause = { cause: 'peer-terminate', message: `LCP finished on ${ev}` };
    }
    this.dead(now);
  }

  private runAuth(actions: readonly AuthAction[], now: number): void {
    for (const a of actions) {
      if (this.phase === Phase.Dead) return;
      switch (a.type) {
        case 'send':
          this.transmit(a.protocol, a.payload);
          break;
        case 'timer':
          this.authDeadline = a.at;
          break;
        case 'verify':
          this.emit({ type: 'auth-verify', peerName: a.peerName, credentials: a.credentials, attempt: ++this.verifySeq });
          break;
        case 'success':
          if (this.phase === Phase.Authenticate) this.authenticated(now, a.userName, a.result, a.mppeKeys);
          break;
        case 'failure':
          this.close('auth-failed', now, a.reason);
          break;
      }
    }
  }

  private authenticated(now: number, userName: string, result?: AuthResult, keys?: MppeKeys): void {
    this.authDeadline = null;
    // RADIUS may demand encryption (MS-MPPE-Encryption-Policy 2, RFC 2548 §2.4.4).
    const policy = result?.verdict === 'accept' ? result.attributes.mppePolicy : undefined;
    if (policy?.required) this.net.policy = { ...this.net.policy, required: true };
    this.emit({ type: 'authenticated', userName, method: this.auth?.method ?? null, ...(result ? { result } : {}) });
    // Keep only what the rest of the link needs of the exchange (see AuthProtocolHandler.settled).
    if (this.auth?.settled) this.auth = this.auth.settled();
    this.setPhase(Phase.Network, now, this.deadlines.networkMs);
    this.net.begin(keys ?? null, now);
  }

  // ---- plumbing -----------------------------------------------------------------------

  private dead(now: number): void {
    if (this.phase === Phase.Dead) return;
    this.net.reset(now);
    this.auth = null;
    this.authDeadline = null;
    this.setPhase(Phase.Dead, now, null);
    const d = this.downCause ?? { cause: 'admin' as const, message: 'closed' };
    this.emit({ type: 'down', cause: d.cause, message: d.message });
  }

  private setPhase(p: Phase, now: number, deadlineMs: number | null): void {
    this.phaseDeadline = deadlineMs === null ? null : now + deadlineMs;
    if (this.phase === p) return;
    this.phase = p;
    this.emit({ type: 'phase', phase: p });
  }

  private compression(): FrameCompression {
    const o = this.lcp.options;
    return o.peerAcfc || o.peerPfc ? { acfc: o.peerAcfc, pfc: o.peerPfc } : NO_COMPRESSION;
  }

  /** @internal NetworkHost / LCP: one frame of `protocol` to the peer. */
  transmit(protocol: number, payload: Buffer): void {
    // Before LCP is Opened the peer has agreed to no compression (RFC 1661 §6.5/§6.6).
    const comp = this.lcp.fsm.isOpened ? this.compression() : NO_COMPRESSION;
    this.push(encodeFrame(protocol, payload, comp));
  }

  private push(frame: Buffer): void {
    this.stats.txFrames += 1;
    this.stats.txOctets += frame.length;
    this.actions.push({ type: 'transmit', frame });
  }

  /** @internal NetworkHost: an event for drain(). */
  emit(event: PppEvent): void {
    if (event.type === 'network-up') this.phaseDeadline = null;
    this.actions.push({ type: 'event', event });
  }

  private countErr(err: unknown): void {
    if (err) this.stats.rxDropped += 1;
  }

  /** @internal NetworkHost: the peer's LCP MRU. */
  peerMru(): number {
    return this.lcp.options.peerMru;
  }

  /** @internal LCP: the peer Protocol-Rejected one of ours. */
  protocolRejected(protocol: number, now: number): void {
    this.emit({ type: 'notice', message: `peer Protocol-Rejected ${protocolName(protocol)}` });
    if (this.net.protocolRejected(protocol, now)) return;
    if (protocol === this.auth?.protocol) this.close('auth-refused', now, `peer rejected ${protocolName(protocol)}`);
  }

  private flushTimer(): void {
    const t = this.nextTimeout();
    if (t === this.reportedDeadline) return;
    this.reportedDeadline = t;
    this.actions.push({ type: 'timer', at: t });
  }
}

function checkAddress(a: string): void {
  if (parseIPv4(a) === null) throw new PptpdError(ErrorCode.STATE, `setNetwork: ${a} is not an IPv4 address`);
}

/** The earlier of two deadlines (null = none). */
function minDeadline(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  return b !== null && b < a ? b : a;
}
