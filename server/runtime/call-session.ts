// One PPTP call = one PPP link = one session. Binds the sans-I/O cores (GRE window,
// PPP session) to the I/O edges (GRE transmit, TUN), the auth chain, the address pool,
// the live-session registry and accounting. Everything here runs on the event loop;
// the per-packet path is onGre() (from the GRE socket) and sendIp() (from TUN).

import { FieldLogger } from '../log.js';
import type { AuthRequest, AuthResult } from '../../auth-plugins/types.js';
import type { SessionCounters, TerminateCause } from '../../accounting/record.js';
import type { GrePacket } from '../gre/codec.js';
import { GreWindow } from '../gre/window.js';
import { ipv4ToString } from '../gre/ipv4.js';
import { ipv4FromString } from '../gre/ipv4.js';
import type { Lease } from '../ippool.js';
import { PppSession } from '../ppp/session.js';
import type { DownCause, NetworkUp, PppEvent, PppSessionOptions } from '../ppp/session-types.js';
import { earliest, now, TimerSlot } from '../timers.js';
import { explainDown, terminateCauseOf } from './causes.js';
import { Channel, publish, subscribed } from '../events.js';
import { encryptionName, SessionAccounting, sessionInfoOf } from './session-accounting.js';
import { SessionLimits } from './session-limits.js';
import { AuthAttempt } from './session-auth.js';
import { chooseAddress } from './session-address.js';
import type { CallDeps, CallOwner, CallParams, SessionState } from './call-types.js';

export type { CallDeps, CallOwner, CallParams, GreTx, SessionState, TunTx } from './call-types.js';

export class CallSession {
  readonly callId: number;
  readonly peerCallId: number;
  readonly peerIp: number;
  readonly peerAddress: string;
  readonly localAddress: string;
  readonly sessionId: string;
  readonly createdAt = Date.now();
  readonly #createdMono = now();
  /** Every line carries sid, callId and peer; `user` is added once the user is known. */
  log: FieldLogger;
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
  readonly #owner: CallOwner | undefined;
  readonly #ppp: PppSession;
  readonly #gre: GreWindow;
  readonly #timer: TimerSlot;
  #lease: Lease | undefined;
  /** The accept being acted on: from the verdict until the network is up (then let go). */
  #authResult: Extract<AuthResult, { verdict: 'accept' }> | undefined;
  #endCause: TerminateCause | undefined;
  #endReason: string | undefined;
  readonly #limits = new SessionLimits();
  /** Limits from the auth reply, applied when the network comes up. */
  #pendingLimits: { sessionTimeout: number; idleTimeout: number; interimInterval: number } | undefined;
  readonly #acct: SessionAccounting;
  /** When to say that no GRE has arrived (until the first GRE packet). */
  #noGreAt: number | undefined;

  constructor(p: CallParams, deps: CallDeps) {
    this.callId = p.callId;
    this.peerCallId = p.peerCallId;
    this.peerIp = p.peerIp;
    this.peerAddress = ipv4ToString(p.peerIp);
    this.localAddress = p.localAddress;
    this.#deps = deps;
    this.#owner = p.owner;
    this.sessionId = p.sessionId ?? deps.newSessionId();
    this.log = new FieldLogger(deps.log, { sid: this.sessionId, callId: p.callId, peer: this.peerAddress });
    this.#gre = new GreWindow({ peerWindow: p.peerWindow });
    this.#ppp = new PppSession(serverOptions(deps.ppp));
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
    // A deadline on the session's own timer (see #onTimer), not a timer of its own per call.
    this.#noGreAt = t + NO_GRE_WARN_MS;
    this.#ppp.start(t);
    this.#pump(t);
  }

  // ---- per-packet path ----------------------------------------------------------------

  /** A GRE packet for our call id (the source address was checked by the caller). */
  onGre(pkt: GrePacket, t: number): void {
    this.#noGreAt = undefined;
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
    const gre = this.#deps.gre;
    // Copy-free: the frame is built and encrypted straight in the GRE send slab (no frame
    // buffer, no second copy, no action): same bytes, order, seq/ack and counters.
    if (gre.reserveFrame !== undefined && gre.greSlab !== undefined && this.state !== 'ended') {
      const len = this.#ppp.ipFrameLength(packet.length);
      if (len === -1) return; // refused and counted, as sendIp() would
      if (len >= 0) {
        const off = gre.reserveFrame(this.peerIp, this.peerCallId, this.#gre.takeSeq(t), this.#gre.takeAck(), len);
        this.#ppp.sendIpInto(packet, gre.greSlab, off);
        this.#armTimer();
        return;
      }
    }
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
    this.#timer.set(earliest(this.#ppp.nextTimeout(), this.#gre.nextDeadline(), this.#limits.deadline(), this.#noGreAt));
  }

  #onTimer(): void {
    if (this.state === 'ended') return;
    const t = now();
    if (this.#noGreAt !== undefined && t >= this.#noGreAt) {
      this.#noGreAt = undefined;
      this.log.warn(
        `control connection up, no GRE from ${this.peerAddress} in ${NO_GRE_WARN_MS / 1000} s: ` +
          'is IP protocol 47 blocked, or is there NAT without a PPTP helper?',
      );
    }
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
        this.#verify(e.peerName, e.credentials, e.attempt);
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
        // Several per set-up: nothing is built unless someone reads it.
        if (this.log.enabled('debug')) this.log.debug({ phase: e.phase }, 'PPP phase');
        if (subscribed(Channel.phase)) publish(Channel.phase, { sessionId: this.sessionId, phase: e.phase, at: t });
        return;
    }
  }

  #verify(peerName: string, credentials: AuthRequest['credentials'], seq: number): void {
    this.peerName = peerName;
    const attempt = new AuthAttempt(this, this.#deps.ppp.serverName ?? 'pptpd', peerName, credentials);
    this.#deps.chain.authenticate(attempt.request).then(
      (result) => this.#verdict(attempt, seq, result),
      (err: unknown) =>
        this.#verdict(attempt, seq, { verdict: 'reject', reason: `authentication error: ${(err as Error).message}`, plugin: 'chain' }),
    );
  }

  #verdict(attempt: AuthAttempt, seq: number, result: AuthResult): void {
    if (this.state === 'ended') return;
    // A verdict for an attempt the peer has since replaced neither counts nor is reported
    // as the session's: it belongs to a name and credentials no longer in play.
    if (seq !== this.#ppp.latestAttempt) {
      this.log.debug({ attempt: seq, current: this.#ppp.latestAttempt }, 'stale authentication verdict dropped');
      return;
    }
    attempt.report(this, result, this.log);
    if (result.verdict === 'accept') this.#authResult = result;
    const t = now();
    this.#ppp.handleAuthVerdict(result, t, seq);
    this.#pump(t);
  }

  #authenticated(e: Extract<PppEvent, { type: 'authenticated' }>, t: number): void {
    this.userName = e.userName;
    this.authMethod = e.method ?? 'none';
    this.log = this.log.with({ user: e.userName });
    this.#deps.registry.bindUser(this, e.userName);
    const refused = this.#deps.admit?.(this);
    if (refused !== undefined) {
      this.log.warn({ user: e.userName }, `session refused: ${refused}`);
      this.terminate('Service-Unavailable', refused);
      return;
    }
    const attrs = this.#authResult?.attributes;
    const chosen = chooseAddress(this.#deps.pool, {
      owner: this.sessionId,
      user: e.userName,
      reserved: this.#lease,
      framed: attrs?.framedIpAddress !== undefined ? { address: attrs.framedIpAddress, plugin: this.#authResult?.plugin ?? 'auth' } : undefined,
      poolStatic: this.#deps.poolStatic,
      rule: attrs?.allowedAddresses,
    });
    if (!chosen.ok) {
      this.log.warn({ user: e.userName, pool: chosen.pool, rule: attrs?.allowedAddresses?.text }, chosen.message);
      this.terminate('NAS-Error', chosen.message);
      return;
    }
    this.#lease = chosen.lease;
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
    this.#limits.begin(t, this.#pendingLimits ?? NO_LIMITS);
    this.#pendingLimits = undefined;
    const ip = ipv4FromString(e.remote) ?? 0;
    this.remoteIp = ip;
    this.#deps.registry.bindAddress(this, ip);
    const enc = encryptionName(e.mppe);
    if (this.log.enabled('info')) {
      this.log.info(
        { user: this.userName, peerName: this.peerName, address: e.remote, local: e.local, method: this.authMethod, encryption: enc },
        `session up: ${this.peerName ?? this.userName} from ${this.peerAddress} got ${e.remote} (${this.authMethod}, ${enc})`,
      );
    }
    this.#acct.start(
      sessionInfoOf(this, {
        nasIdentifier: this.#deps.nasIdentifier,
        network: e,
        encryption: enc,
        class: this.#authResult?.attributes.class,
        interimSeconds: this.#limits.interimSeconds,
      }),
    );
    // Read above for the last time: its keys, authenticator response and attributes
    // would otherwise stay with the session for its whole life.
    this.#authResult = undefined;
    if (subscribed(Channel.sessionUp)) {
      publish(Channel.sessionUp, {
        sessionId: this.sessionId,
        userName: this.userName ?? '',
        address: e.remote,
        method: this.authMethod ?? 'none',
        encryption: enc,
        setupMs: t - this.#createdMono,
      });
    }
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
    this.#deps.onEnded(this, this.#owner);
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
const NO_LIMITS = { sessionTimeout: 0, idleTimeout: 0, interimInterval: 0 } as const;

/** The PPP options of the server role, one object per deps.ppp (PppSession derives its
 *  configuration once per options object, so every call shares it). */
const serverOptionsCache = new WeakMap<CallDeps['ppp'], PppSessionOptions>();
function serverOptions(ppp: CallDeps['ppp']): PppSessionOptions {
  let o = serverOptionsCache.get(ppp);
  if (!o) serverOptionsCache.set(ppp, (o = { ...ppp, role: 'server' }));
  return o;
}
const NO_GRE_WARN_MS = 10_000;
