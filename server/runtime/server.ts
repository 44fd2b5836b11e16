// The composition root of a running server: configuration → auth chain, address
// pool, call ids, session registry, data path, TCP listener; admission decisions
// for new control connections and calls; orderly shutdown.

import net from 'node:net';
import path from 'node:path';
import type { Logger } from 'pino';
import { buildAccounting, type AccountingService } from '../../accounting/build.js';
import { newSessionId } from '../../accounting/session-id.js';
import { buildAuthChain } from '../../auth-plugins/build.js';
import type { Authenticator } from '../../auth-plugins/types.js';
import type { Config } from '../../config/schema.js';
import { IpPool, type Lease } from '../ippool.js';
import { CallIdAllocator } from '../pptp/call-ids.js';
import { GeneralError, OcrpResult, StopReason } from '../pptp/constants.js';
import { ipv4FromString } from '../gre/ipv4.js';
import { ErrorCode, PptpdError } from '../errors.js';
import { CallSession, type CallDeps, type CallOwner } from './call-session.js';
import { ControlLink, type ControlHost } from './control-link.js';
import { DataPath } from './data-path.js';
import { addHostRoute, configureTunnel, delHostRoute } from './kernel-net.js';
import { SessionRegistry } from './registry.js';
import { PppdHooks } from './hooks.js';
import { ledgerFile, ProxyArp } from './proxy-arp.js';

export interface ServerOptions {
  readonly config: Config;
  readonly log: Logger;
  /** TUN device name (default pptp0). */
  readonly tunName?: string;
  /** Replaces the accounting built from config.accounting (tests). */
  readonly accounting?: AccountingService;
  /** Replaces the chain built from config.auth (tests). */
  readonly authenticator?: Authenticator;
}

/** One live session as the operator sees it (control socket, `pptpd-ts sessions`). */
export interface SessionView {
  readonly sessionId: string;
  readonly callId: number;
  readonly state: string;
  readonly userName: string | undefined;
  readonly peerName: string | undefined;
  readonly clientAddress: string;
  readonly address: string | undefined;
  readonly authMethod: string | undefined;
  readonly encryption: string;
  /** ms since the epoch when the call arrived / the session came up. */
  readonly createdAt: number;
  readonly upAt: number | undefined;
  readonly inputOctets: number;
  readonly outputOctets: number;
  readonly inputPackets: number;
  readonly outputPackets: number;
  readonly sessionTimeLeft: number | undefined;
  readonly idleTimeout: number;
}

/** Which sessions an operator command (kill, Disconnect-Request, CoA) means. */
export interface SessionSelector {
  readonly user?: string;
  readonly ip?: string;
  readonly session?: string;
}

export class PptpServer implements ControlHost {
  readonly registry = new SessionRegistry();
  readonly links = new Set<ControlLink>();
  /** Open control connections per source address (limits.perSourceAddress), kept so an accept costs O(1). */
  readonly #linksPerPeer = new Map<string, number>();
  readonly pool: IpPool;
  readonly callIds = new CallIdAllocator();
  readonly dataPath: DataPath;
  #config: Config;
  readonly #log: Logger;
  readonly #opts: ServerOptions;
  #chain: (Authenticator & { close?: () => Promise<void> }) | undefined;
  #listener: net.Server | undefined;
  #callDeps: CallDeps | undefined;
  #stopping = false;
  #accounting: AccountingService | undefined;
  #hooks: PppdHooks | undefined;
  #proxyArp: ProxyArp | undefined;
  #tunName = 'pptp0';

  constructor(opts: ServerOptions) {
    this.#opts = opts;
    this.#config = opts.config;
    this.#log = opts.log;
    const p = opts.config.pool;
    this.pool = new IpPool({ name: p.name, local: p.local, remote: p.remote });
    this.dataPath = new DataPath(this.registry, opts.log);
  }

  /** The accounting service once started (metrics read its queue). */
  get accounting(): AccountingService | undefined {
    return this.#accounting;
  }

  get address(): net.AddressInfo | undefined {
    const a = this.#listener?.address();
    return a && typeof a === 'object' ? a : undefined;
  }

  async start(): Promise<void> {
    const c = this.#config;
    this.#chain = this.#opts.authenticator ?? (await buildAuthChain(c.auth, { logger: this.#log.child({ component: 'auth' }) }));
    const tun = this.dataPath.open({ tunName: this.#opts.tunName ?? 'pptp0', mtu: c.ppp.mtu });
    this.#tunName = tun.name;
    // Always built: a crashed run may have left entries even if proxyarp is now off.
    // The ledger sits with the control socket (the runtime directory, or --state-dir).
    this.#proxyArp = new ProxyArp({ tun: tun.name, ledger: ledgerFile(path.dirname(c.control.socket), tun.name), log: this.#log });
    await this.#proxyArp.recover();
    await configureTunnel(tun.name, c.pool.local, c.pool.remote, this.#log);
    this.#hooks = new PppdHooks(c.hooks, tun.name, this.#log);
    // Close what a crash left open and send Accounting-On before any session starts.
    this.#accounting =
      this.#opts.accounting ?? buildAccounting(c.accounting, { log: this.#log, nasIdentifier: c.ppp.name });
    this.#accounting.start();
    this.#callDeps = this.#makeCallDeps();
    const listener = net.createServer((socket) => this.#accept(socket));
    this.#listener = listener;
    await new Promise<void>((resolve, reject) => {
      const onError = (e: NodeJS.ErrnoException) =>
        reject(new PptpdError(ErrorCode.LISTEN, `listen: cannot listen on ${c.listen.address}:${c.listen.port}: ${e.code ?? e.message} (another server on the port, or an address not on this host?)`));
      listener.once('error', onError);
      listener.listen(c.listen.port, c.listen.address, () => {
        listener.off('error', onError);
        resolve();
      });
    });
    listener.on('error', (err) => this.#log.error({ err: err.message }, 'listener error'));
    this.#log.info(
      { listen: `${c.listen.address}:${c.listen.port}`, tun: tun.name, pool: c.pool.remote, local: c.pool.local },
      `pptpd-ts listening on ${c.listen.address}:${c.listen.port} (TUN ${tun.name}, pool ${c.pool.remote.join(',')})`,
    );
  }

  #makeCallDeps(): CallDeps {
    const c = this.#config;
    const nasId = this.#config.ppp.name;
    return {
      log: this.#log,
      // Through the server, so a reload's new chain serves calls already in progress too.
      chain: { authenticate: (req) => this.#chain!.authenticate(req) },
      pool: this.pool,
      poolStatic: c.pool.static,
      registry: this.registry,
      gre: this.dataPath,
      tun: this.dataPath,
      ppp: {
        authMethods: c.ppp.auth.allowed, // never empty: the schema and checkConfig see to it
        mppe: { required: c.ppp.mppe.required, bits: c.ppp.mppe.bits, stateful: c.ppp.mppe.stateful },
        serverName: c.ppp.name,
        mru: c.ppp.mru,
        mtu: c.ppp.mtu,
        echoIntervalMs: c.ppp.lcpEcho.interval * 1000,
        echoFailure: c.ppp.lcpEcho.failure,
        deadlines: {
          establishMs: c.limits.deadlines.establish * 1000,
          authenticateMs: c.limits.deadlines.authenticate * 1000,
          networkMs: c.limits.deadlines.network * 1000,
        },
      },
      dns: c.ppp.dns,
      wins: c.ppp.wins,
      nasIdentifier: nasId,
      maxConnect: c.ppp.maxConnect,
      idle: c.ppp.idle,
      interimInterval: c.accounting.radius?.interimInterval ?? 0,
      accounting: this.#accounting?.recorder,
      newSessionId,
      onEnded: (s, owner) => this.#callEnded(s, owner),
      onUp: (s) => this.#sessionUp(s),
      admit: (s) => this.#admit(s),
    };
  }

  // ---- admission ------------------------------------------------------------------------

  #accept(socket: net.Socket): void {
    const c = this.#config;
    if (this.#stopping) {
      socket.destroy();
      return;
    }
    const peer = (socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    if (c.limits.perSourceAddress > 0) {
      const n = this.#linksPerPeer.get(peer) ?? 0;
      if (n >= c.limits.perSourceAddress) {
        this.#log.warn({ peer }, `refused control connection from ${peer}: ${n} already open (limits.perSourceAddress)`);
        socket.destroy();
        return;
      }
    }
    const link = new ControlLink(
      socket,
      { role: 'server', startTimeout: c.limits.stimeout * 1000, hostName: c.ppp.name, vendorString: 'pptpd-ts' },
      this,
      this.#log,
      { callDeadlineMs: c.limits.deadlines.call * 1000 },
    );
    this.links.add(link);
    this.#linksPerPeer.set(link.peerAddress, (this.#linksPerPeer.get(link.peerAddress) ?? 0) + 1);
  }

  placeCall(link: ControlLink, ocrq: Parameters<ControlHost['placeCall']>[1]): ReturnType<ControlHost['placeCall']> {
    const c = this.#config;
    const busy = (reason: string) => ({ ok: false as const, result: OcrpResult.Busy, error: GeneralError.None, reason });
    if (this.#stopping) return busy('server is shutting down');
    if (this.registry.size >= c.limits.connections) return busy(`connection limit ${c.limits.connections} reached (limits.connections)`);
    if (link.calls.size >= c.limits.callsPerControlConnection) {
      return { ok: false, result: OcrpResult.GeneralError, error: GeneralError.NoResource, reason: 'too many calls on one control connection' };
    }
    const callId = this.callIds.allocate();
    if (callId === undefined) return busy('no free call id');
    const peerIp = ipv4FromString(link.peerAddress);
    if (peerIp === undefined) {
      this.callIds.release(callId);
      return { ok: false, result: OcrpResult.GeneralError, error: GeneralError.PacError, reason: 'IPv6 control connections are not supported' };
    }
    // Reserve an address now, as PoPToP does, so an exhausted pool refuses the call in its
    // Outgoing-Call-Reply instead of failing later; a static address from the auth reply
    // replaces it. A pool with no dynamic range (static addresses only) reserves nothing.
    const sessionId = this.#callDeps!.newSessionId();
    let lease: Lease | undefined;
    if (this.pool.size > 0) {
      const r = this.pool.lease(sessionId);
      if (!r.ok) {
        this.callIds.release(callId);
        return busy(`No more free connection slots: ${r.message}`);
      }
      lease = r.lease;
    }
    // One deps object for every call; what is this call's own travels in its params.
    const session = new CallSession(
      { callId, peerCallId: ocrq.peerCallId, peerIp, localAddress: link.localAddress, peerWindow: ocrq.window, lease, sessionId, owner: link },
      this.#callDeps!,
    );
    this.registry.add(session);
    return { ok: true, session };
  }

  /** limits.singleSession, applied once a user is authenticated. */
  #admit(s: CallSession): string | undefined {
    const policy = this.#config.limits.singleSession;
    if (policy === 'allow' || s.userName === undefined) return undefined;
    const others = this.registry.byUser(s.userName).filter((o) => o !== s && o.state !== 'ended');
    if (others.length === 0) return undefined;
    if (policy === 'deny') return `${s.userName} already has a session (limits.singleSession: deny)`;
    for (const o of others) {
      o.log.info(`replaced by a new session of ${s.userName} from ${s.peerAddress} (limits.singleSession: replace)`);
      o.terminate('Admin-Reset', 'replaced by a newer session of the same user');
    }
    return undefined;
  }

  /**
   * SIGHUP: a new configuration for new calls and a rebuilt auth chain (chap-secrets,
   * RADIUS, LDAP) for every authentication from now on. Live sessions are untouched; the
   * pool and the listen address need a restart to change.
   */
  async reload(next: Config): Promise<{ needsRestart: string[] }> {
    const chain = this.#opts.authenticator ?? (await buildAuthChain(next.auth, { logger: this.#log.child({ component: 'auth' }) }));
    const needsRestart: string[] = [];
    const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
    if (!same(next.pool, this.#config.pool)) needsRestart.push('pool');
    if (!same(next.listen, this.#config.listen)) needsRestart.push('listen');
    if (!same(next.accounting, this.#config.accounting)) needsRestart.push('accounting');
    for (const k of needsRestart) this.#log.warn(`reload: ${k} changed; it takes effect at the next restart`);
    const old = this.#chain;
    this.#chain = chain;
    this.#config = { ...next, pool: this.#config.pool, listen: this.#config.listen, accounting: this.#config.accounting };
    this.#callDeps = this.#makeCallDeps();
    // Attempts already inside the old chain finish there; then it is closed.
    if (old && old !== chain) setTimeout(() => void old.close?.(), 30_000).unref();
    return { needsRestart };
  }

  #sessionUp(s: CallSession): void {
    // A static address outside the pool's routed ranges needs its own route into the TUN.
    if (s.network && this.pool.slotOf(s.network.remote) < 0) void addHostRoute(this.#tunName, s.network.remote, this.#log).catch(() => undefined);
    this.#hooks?.up(s);
    if (s.network && this.#config.ppp.proxyArp !== false) void this.#proxyArp?.publish(s.network.remote, this.#config.ppp.proxyArp);
  }

  #callEnded(s: CallSession, link: CallOwner | undefined): void {
    this.registry.remove(s);
    this.callIds.release(s.callId);
    link?.clearCall(s);
    if (s.network) {
      if (this.pool.slotOf(s.network.remote) < 0) void delHostRoute(this.#tunName, s.network.remote, this.#log);
      this.#hooks?.down(s);
      void this.#proxyArp?.withdraw(s.network.remote);
    }
  }

  linkClosed(link: ControlLink): void {
    if (!this.links.delete(link)) return;
    const n = (this.#linksPerPeer.get(link.peerAddress) ?? 1) - 1;
    if (n > 0) this.#linksPerPeer.set(link.peerAddress, n);
    else this.#linksPerPeer.delete(link.peerAddress);
  }

  // ---- operator control -------------------------------------------------------------------

  sessions(): SessionView[] {
    return [...this.registry.all()].map((s) => ({
      sessionId: s.sessionId,
      callId: s.callId,
      state: s.state,
      userName: s.userName,
      peerName: s.peerName,
      clientAddress: s.peerAddress,
      address: s.network?.remote,
      authMethod: s.authMethod,
      encryption: s.encryption,
      createdAt: s.createdAt,
      upAt: s.upAt,
      ...s.counters(),
      sessionTimeLeft: s.sessionTimeLeft,
      idleTimeout: s.idleTimeout,
    }));
  }

  select(sel: SessionSelector): CallSession[] {
    const ip = sel.ip === undefined ? undefined : ipv4FromString(sel.ip);
    return [...this.registry.all()].filter(
      (s) =>
        (sel.user === undefined || s.userName?.toLowerCase() === sel.user.toLowerCase() || s.peerName === sel.user) &&
        (sel.ip === undefined || (ip !== undefined && s.remoteIp === ip)) &&
        (sel.session === undefined || s.sessionId === sel.session),
    );
  }

  /** Ends the selected sessions (LCP Terminate, CDN); returns how many. */
  kill(sel: SessionSelector, cause: 'Admin-Reset' | 'NAS-Request' = 'Admin-Reset', reason = 'terminated by the administrator'): number {
    if (sel.user === undefined && sel.ip === undefined && sel.session === undefined) return 0;
    const hit = this.select(sel);
    for (const s of hit) s.terminate(cause, reason);
    return hit.length;
  }

  /** Changes Session-Timeout / Idle-Timeout of the selected sessions (RFC 5176 CoA); returns how many. */
  changeTimeouts(sel: SessionSelector, t: { sessionTimeout?: number; idleTimeout?: number }): number {
    if (sel.user === undefined && sel.ip === undefined && sel.session === undefined) return 0;
    const hit = this.select(sel);
    for (const s of hit) s.setTimeouts(t);
    return hit.length;
  }

  // ---- shutdown -------------------------------------------------------------------------

  /** Ends every session (LCP Terminate, CDN, StopCCRQ), waits up to `graceMs`, then closes everything. */
  async stop(graceMs = 3000): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#listener?.close();
    for (const s of [...this.registry.all()]) s.terminate('NAS-Request', 'server shutting down');
    const deadline = Date.now() + graceMs;
    // Bounded wait for the peers to acknowledge (LCP Terminate-Ack) — polled, at most graceMs.
    while (this.registry.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    for (const s of [...this.registry.all()]) s.lowerDown('NAS-Request', 'server shutting down');
    for (const l of [...this.links]) l.stop(StopReason.LocalShutdown);
    await new Promise((r) => setTimeout(r, 100));
    for (const l of [...this.links]) l.destroy();
    await this.#proxyArp?.close();
    this.dataPath.close();
    await this.#chain?.close?.();
    await this.#accounting?.shutdown();
    this.#log.info('pptpd-ts stopped');
  }
}
