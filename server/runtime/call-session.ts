// One PPTP call = one PPP link = one session. Binds the sans-I/O cores (GRE window,
// PPP session) to the I/O edges (GRE transmit, TUN), the auth chain, the address pool,
// the live-session registry and accounting. Everything here runs on the event loop;
// the per-packet path is onGre() (from the GRE socket) and sendIp() (from TUN).

import type { Logger } from 'pino';
import type { AuthRequest, AuthResult, Authenticator } from '../../auth-plugins/types.js';
import type { AccountingRecorder, SessionCounters, TerminateCause } from '../../accounting/record.js';
import type { GrePacket } from '../gre/codec.js';
import { GreWindow } from '../gre/window.js';
import { ipv4FromString, ipv4ToString } from '../gre/ipv4.js';
import type { IpPool, Lease } from '../ippool.js';
import { PppSession } from '../ppp/session.js';
import type { DownCause, NetworkUp, PppEvent, PppSessionOptions } from '../ppp/session-types.js';
import { earliest, now, TimerSlot } from '../timers.js';
import type { SessionRegistry } from './registry.js';
import { explainDown, terminateCauseOf } from './causes.js';
import { Channel, publish } from '../events.js';
import { encryptionName, SessionAccounting } from './session-accounting.js';
import { SessionLimits } from './session-limits.js';

/** Sends one GRE packet carrying `frame` (or an ack-only packet when frame is empty). */
export interface GreTx {
  send(dst: number, peerCallId: number, seq: number | undefined, ack: number | undefined, frame: Uint8Array): void;
}

/** Hands one IP packet to the kernel. */
export interface TunTx {
  write(packet: Uint8Array): void;
}

export interface CallDeps {
  readonly log: Logger;
  readonly chain: Authenticator;
  readonly pool: IpPool;
  readonly registry: SessionRegistry;
  readonly gre: GreTx;
  readonly tun: TunTx;
  readonly ppp: Omit<PppSessionOptions, 'role' | 'credentials'>;
  readonly dns: readonly string[];
  readonly wins: readonly string[];
  readonly nasIdentifier: string;
  /** Config maxconnect / idle in seconds (0 = off); RADIUS attributes override. */
  readonly maxConnect: number;
  readonly idle: number;
  /** Interim-Update period in seconds (0 = none) unless the auth reply gives one. */
  readonly interimInterval: number;
  readonly accounting?: AccountingRecorder | undefined;
  readonly newSessionId: () => string;
  /** The session ended: the control connection clears the call (CDN) unless it is already gone. */
  readonly onEnded: (s: CallSession) => void;
  /** Notified when the network comes up (single-session policy, hooks, metrics). */
  readonly onUp?: (s: CallSession) => void;
  /** Once the user is known: a reason to refuse the session (single-session policy), or undefined. */
  readonly admit?: (s: CallSession) => string | undefined;
}

export interface CallParams {
  readonly callId: number;
  readonly peerCallId: number;
  readonly peerIp: number;
  readonly localAddress: string;
  readonly peerWindow: number;
  /** The pool address reserved when the call was accepted (PoPToP hands one out per call). */
  readonly lease?: Lease | undefined;
}

export type SessionState = 'starting' | 'up' | 'ended';

export class CallSession {
  readonly callId: number;
  readonly peerCallId: number;
  readonly peerIp: number;
  readonly peerAddress: string;
  readonly localAddress: string;
  readonly sessionId: string;
  readonly createdAt = Date.now();
  readonly #createdMono = now();
  #authStarted = 0;
  /** Every line carries sid, callId and peer; `user` is added once the user is known. */
  log: Logger;
  state: SessionState = 'starting';
  userName: string | undefined;
  peerName: string | undefined;
  remoteIp: number | undefined;
  network: NetworkUp | undefined;
  authMethod: string | undefined;
  upAt: number | undefined;
  /** GRE packets from the right call id but the wrong source address, and other drops. */
  grePeerMismatch = 0;
  spoofedSource = 0;

  readonly #deps: CallDeps;
  readonly #ppp: PppSession;
  readonly #gre: GreWindow;
  readonly #timer: TimerSlot;
  #lease: Lease | undefined;
  #authResult: Extract<AuthResult, { verdict: 'accept' }> | undefined;
  #endCause: TerminateCause | undefined;
  #endReason: string | undefined;
  readonly #limits = new SessionLimits();
  #pendingLimits = { sessionTimeout: 0, idleTimeout: 0, interimInterval: 0 };
  readonly #acct: SessionAccounting;
  #method: string | undefined;
  #greSeen = false;

  constructor(p: CallParams, deps: CallDeps) {
    this.callId = p.callId;
    this.peerCallId = p.peerCallId;
    this.peerIp = p.peerIp;
    this.peerAddress = ipv4ToString(p.peerIp);
    this.localAddress = p.localAddress;
    this.#deps = deps;
    this.sessionId = deps.newSessionId();
    this.log = deps.log.child({ sid: this.sessionId, callId: p.callId, peer: this.peerAddress });
    this.#gre = new GreWindow({ peerWindow: p.peerWindow });
    this.#ppp = new PppSession({ ...deps.ppp, role: 'server' });
    this.#timer = new TimerSlot(() => this.#onTimer());
    this.#acct = new SessionAccounting(deps.accounting);
    this.#lease = p.lease;
  }

  get stats(): PppSession['stats'] {
    return this.#ppp.stats;
  }

  get greCounters(): GreWindow['counters'] {
    return this.#gre.counters;
  }

  /** The PPTP call is connected: LCP starts. */
  start(): void {
    const t = now();
    // Diagnose the commonest field failure in plain words: TCP 1723 works, GRE never arrives.
    const noGre = new TimerSlot(() => {
      if (this.#greSeen || this.state === 'ended') return;
      this.log.warn(
        `control connection up, no GRE from ${this.peerAddress} in ${NO_GRE_WARN_MS / 1000} s: ` +
          'is IP protocol 47 blocked, or is there NAT without a PPTP helper?',
      );
    });
    noGre.set(t + NO_GRE_WARN_MS);
    this.#ppp.start(t);
    this.#pump(t);
  }

  // ---- per-packet path ----------------------------------------------------------------

  /** A GRE packet for our call id (the source address was checked by the caller). */
  onGre(pkt: GrePacket, t: number): void {
    this.#greSeen = true;
    if (pkt.ack !== undefined) this.#gre.onAck(pkt.ack, t);
    if (pkt.seq === undefined || pkt.payload.length === 0) {
      this.#armTimer();
      return;
    }
    if (!this.#gre.onData(pkt.seq, t)) {
      this.#armTimer();
      return;
    }
    // The payload is a view into the receive slab: PPP decrypts in place and its
    // deliver actions are copied to TUN before this call returns.
    this.#ppp.handleFrame(pkt.payload as Buffer, t);
    this.#pump(t);
  }

  /** An IP packet from TUN routed to this client's address. */
  sendIp(packet: Buffer, t: number): void {
    this.#limits.data(t);
    this.#ppp.sendIp(packet, t);
    this.#pump(t);
  }

  // ---- control ------------------------------------------------------------------------

  /** The call or its control connection went away (CCRQ, TCP closed, echo timeout). */
  lowerDown(cause: TerminateCause, reason: string): void {
    if (this.state === 'ended') return;
    this.#endCause ??= cause;
    this.#endReason ??= reason;
    const t = now();
    this.#ppp.lowerDown(t);
    this.#pump(t);
  }

  /** Ends the session from our side (operator, timeouts, shutdown): LCP Terminate first. */
  terminate(cause: TerminateCause, reason: string): void {
    if (this.state === 'ended') return;
    this.#endCause ??= cause;
    this.#endReason ??= reason;
    const t = now();
    this.#ppp.close('admin', t, reason);
    this.#pump(t);
  }

  // ---- outputs --------------------------------------------------------------------------

  #pump(t: number): void {
    for (const a of this.#ppp.drain()) {
      switch (a.type) {
        case 'transmit':
          this.#transmit(a.frame, t);
          break;
        case 'deliver':
          this.#deliver(a.packet, t);
          break;
        case 'event':
          this.#onEvent(a.event, t);
          break;
        case 'timer':
          break; // re-armed below from nextTimeout()
      }
    }
    this.#armTimer();
  }

  #transmit(frame: Buffer, t: number): void {
    if (this.state === 'ended') return;
    const seq = this.#gre.takeSeq(t);
    const ack = this.#gre.takeAck();
    this.#deps.gre.send(this.peerIp, this.peerCallId, seq, ack, frame);
  }

  #deliver(packet: Buffer, t: number): void {
    // Anti-spoofing: a client may only send from the address it was given.
    if (packet.length < 20 || this.remoteIp === undefined || packet.readUInt32BE(12) !== this.remoteIp) {
      this.spoofedSource++;
      return;
    }
    this.#limits.data(t);
    this.#deps.tun.write(packet);
  }

  #armTimer(): void {
    if (this.state === 'ended') return;
    this.#timer.set(earliest(this.#ppp.nextTimeout(), this.#gre.nextDeadline(), this.#limits.deadline()));
  }

  #onTimer(): void {
    if (this.state === 'ended') return;
    const t = now();
    const ack = this.#gre.ackDue(t);
    if (ack !== undefined) this.#deps.gre.send(this.peerIp, this.peerCallId, undefined, ack, EMPTY);
    const due = this.#limits.due(t);
    if (due === 'session-timeout') return this.terminate('Session-Timeout', 'session timeout reached');
    if (due === 'idle-timeout') return this.terminate('Idle-Timeout', `idle for ${this.#limits.idleSeconds} s`);
    if (due === 'interim') this.#acct.interim(this.counters());
    this.#ppp.handleTimeout(t);
    this.#pump(t);
  }

  // ---- PPP events -----------------------------------------------------------------------

  #onEvent(e: PppEvent, t: number): void {
    switch (e.type) {
      case 'auth-verify':
        this.#verify(e.peerName, e.credentials);
        return;
      case 'authenticated':
        this.#authenticated(e, t);
        return;
      case 'network-up':
        this.#networkUp(e, t);
        return;
      case 'down':
        this.#ended(e.cause, e.message);
        return;
      case 'identification':
        this.log.debug({ identification: e.message }, 'peer identification');
        return;
      case 'notice':
        this.log.info(e.message);
        return;
      case 'phase':
        this.log.debug({ phase: e.phase }, 'PPP phase');
        publish(Channel.phase, { sessionId: this.sessionId, phase: e.phase, at: t });
        return;
    }
  }

  #verify(peerName: string, credentials: AuthRequest['credentials']): void {
    this.peerName = peerName;
    this.#authStarted = now();
    this.#method = credentials.method;
    const req: AuthRequest = {
      peerName,
      userName: peerName,
      credentials,
      peerAddress: this.peerAddress,
      localAddress: this.localAddress,
      callId: this.callId,
      serverName: this.#deps.ppp.serverName ?? 'pptpd',
    };
    this.#deps.chain.authenticate(req).then(
      (result) => this.#verdict(result),
      (err: unknown) =>
        this.#verdict({ verdict: 'reject', reason: `authentication error: ${(err as Error).message}`, plugin: 'chain' }),
    );
  }

  #verdict(result: AuthResult): void {
    if (this.state === 'ended') return;
    publish(Channel.auth, {
      sessionId: this.sessionId,
      peerName: this.peerName ?? '',
      method: this.#method ?? 'unknown',
      result: result.verdict,
      plugin: result.plugin,
      reason: result.verdict === 'reject' ? result.reason : undefined,
      ms: now() - this.#authStarted,
    });
    if (result.verdict === 'reject') {
      this.log.warn(
        { user: this.peerName, method: this.#methodOf(), reason: result.reason, plugin: result.plugin },
        `${METHOD_NAME[this.#method ?? ''] ?? 'authentication'} failed for ${this.peerName} from ${this.peerAddress}` +
          `${result.mschapError ? ` (${result.mschapError})` : ''}: ${result.reason}`,
      );
    } else {
      this.#authResult = result;
    }
    const t = now();
    this.#ppp.handleAuthVerdict(result, t);
    this.#pump(t);
  }

  #methodOf(): string | undefined {
    return this.#method;
  }

  #authenticated(e: Extract<PppEvent, { type: 'authenticated' }>, t: number): void {
    this.userName = e.userName;
    this.authMethod = e.method ?? 'none';
    this.log = this.log.child({ user: e.userName });
    this.#deps.registry.bindUser(this, e.userName);
    const refused = this.#deps.admit?.(this);
    if (refused !== undefined) {
      this.log.warn({ user: e.userName }, `session refused: ${refused}`);
      this.terminate('Service-Unavailable', refused);
      return;
    }
    const attrs = this.#authResult?.attributes;
    // The address taken when the call was accepted, or the one the auth reply names.
    const want = attrs?.framedIpAddress;
    if (!this.#lease || (want !== undefined && want !== this.#lease.remote)) {
      const leased = this.#deps.pool.lease(this.sessionId, want);
      if (!leased.ok) {
        this.log.warn({ user: e.userName, pool: leased.pool }, `no address for ${e.userName}: ${leased.message}`);
        this.terminate('NAS-Error', leased.message);
        return;
      }
      if (this.#lease) this.#deps.pool.release(this.#lease.remote);
      this.#lease = leased.lease;
    }
    const lease = this.#lease;
    this.#pendingLimits = {
      sessionTimeout: attrs?.sessionTimeout ?? this.#deps.maxConnect,
      idleTimeout: attrs?.idleTimeout ?? this.#deps.idle,
      interimInterval: attrs?.acctInterimInterval ?? this.#deps.interimInterval,
    };
    this.#ppp.setNetwork(
      { local: lease.local, remote: lease.remote, dns: this.#deps.dns, wins: this.#deps.wins },
      t,
    );
  }

  #networkUp(e: NetworkUp, t: number): void {
    this.network = e;
    this.state = 'up';
    this.upAt = Date.now();
    this.#limits.begin(t, this.#pendingLimits);
    const ip = ipv4FromString(e.remote) ?? 0;
    this.remoteIp = ip;
    this.#deps.registry.bindAddress(this, ip);
    const enc = encryptionName(e.mppe);
    this.log.info(
      { user: this.userName, peerName: this.peerName, address: e.remote, local: e.local, method: this.authMethod, encryption: enc },
      `session up: ${this.peerName ?? this.userName} from ${this.peerAddress} got ${e.remote} (${this.authMethod}, ${enc})`,
    );
    this.#acct.start({
      sessionId: this.sessionId,
      userName: this.userName ?? '',
      peerName: this.peerName ?? this.userName ?? '',
      nasIdentifier: this.#deps.nasIdentifier,
      nasIpAddress: this.localAddress,
      callId: this.callId,
      line: `pptp${this.callId}`,
      clientAddress: this.peerAddress,
      serverAddress: this.localAddress,
      framedIpAddress: e.remote,
      localIpAddress: e.local,
      startTime: this.upAt,
      authMethod: this.authMethod ?? 'none',
      encryption: enc,
      ...(this.#authResult?.attributes.class ? { class: this.#authResult.attributes.class.map((c) => c.toString('hex')) } : {}),
      ...(this.#limits.interimSeconds > 0 ? { acctInterimInterval: this.#limits.interimSeconds } : {}),
      pid: process.pid,
    });
    publish(Channel.sessionUp, {
      sessionId: this.sessionId,
      userName: this.userName ?? '',
      address: e.remote,
      method: this.authMethod ?? 'none',
      encryption: enc,
      setupMs: t - this.#createdMono,
    });
    this.#deps.onUp?.(this);
  }

  counters(): SessionCounters {
    const s = this.#ppp.stats;
    return { inputOctets: s.rxIpOctets, outputOctets: s.txIpOctets, inputPackets: s.rxIpPackets, outputPackets: s.txIpPackets };
  }

  #ended(cause: DownCause, message: string): void {
    if (this.state === 'ended') return;
    const wasUp = this.state === 'up';
    this.state = 'ended';
    this.#timer.clear();
    this.#deps.registry.remove(this);
    if (this.#lease) this.#deps.pool.release(this.#lease.remote);
    const tc = (this.#endCause ??= terminateCauseOf(cause));
    const reason = (this.#endReason ??= explainDown(message));
    if (wasUp && this.#acct.info) {
      const c = this.counters();
      this.log.info(
        { user: this.userName, cause: tc, reason, ...c, durationSeconds: Math.round((Date.now() - (this.upAt ?? 0)) / 1000) },
        `session down: ${this.userName} (${tc}: ${reason})`,
      );
      this.#acct.stop(c, tc);
    } else {
      this.log.info({ user: this.peerName, cause, reason }, `call ended before the session was up: ${reason}`);
    }
    const c = this.counters();
    publish(Channel.sessionDown, {
      sessionId: this.sessionId,
      userName: this.userName,
      cause: tc,
      wasUp,
      ...c,
      durationSeconds: wasUp ? Math.round((Date.now() - (this.upAt ?? 0)) / 1000) : 0,
    });
    this.#deps.onEnded(this);
  }

  /** CoA (RFC 5176): new Session-Timeout / Idle-Timeout for a live session, in seconds from now; 0 = off. */
  setTimeouts(t: { sessionTimeout?: number; idleTimeout?: number }): void {
    if (this.state === 'ended') return;
    this.#limits.change(now(), t);
    this.#armTimer();
  }

  /** Seconds until Session-Timeout, if one is set. */
  get sessionTimeLeft(): number | undefined {
    return this.#limits.sessionTimeLeft(now());
  }

  get idleTimeout(): number {
    return this.#limits.idleSeconds;
  }

  get encryption(): string {
    return this.#acct.info?.encryption ?? 'none';
  }

  /** Why it ended (after state === 'ended'). */
  get endCause(): TerminateCause | undefined {
    return this.#endCause;
  }
}

const EMPTY = new Uint8Array(0);
const NO_GRE_WARN_MS = 10_000;
const METHOD_NAME: Readonly<Record<string, string>> = { 'mschap-v2': 'MS-CHAPv2', 'mschap-v1': 'MS-CHAPv1', 'chap-md5': 'CHAP-MD5', pap: 'PAP' };
