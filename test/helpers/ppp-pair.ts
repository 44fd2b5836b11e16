// A server PppSession and a client PppSession wired back to back in memory with a virtual
// clock (quinn's tests/util.rs Pair, boringtun's create_two_tuns). Frames go through a
// link that can drop or rewrite them; the server's auth-verify events are answered with
// the project's local verifier against one clear-text secret.
import type { AuthResult } from '../../auth-plugins/types.js';
import { verifyLocal } from '../../auth-plugins/verify-local.js';
import { PppSession } from '../../server/ppp/session.js';
import type { PppAction, PppEvent, PppSessionOptions } from '../../server/ppp/session-types.js';

export type Side = 'server' | 'client';

export interface PairOptions {
  readonly server?: Partial<PppSessionOptions>;
  readonly client?: Partial<PppSessionOptions>;
  readonly userName?: string;
  /** The password the client uses (and, unless `secret` is given, the one the server knows). */
  readonly password?: string;
  readonly secret?: string;
  /** Server: call setNetwork() when authenticated (default true). */
  readonly autoNetwork?: boolean;
  readonly network?: { local: string; remote: string; dns?: string[]; wins?: string[] };
  /** Deterministic randomness seed. */
  readonly seed?: number;
  /** Leave 'auth-verify' events unanswered: the test answers them (verdictFor + handleAuthVerdict). */
  readonly manualVerdicts?: boolean;
}

/** Deterministic bytes (xorshift32), so magic numbers and challenges repeat between runs. */
export function seededRandom(seed: number): (n: number) => Buffer {
  let x = seed >>> 0 || 1;
  return (n: number) => {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) {
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      b[i] = x & 0xff;
    }
    return b;
  };
}

export class PppPair {
  now = 1_000;
  readonly server: PppSession;
  readonly client: PppSession;
  readonly events: Record<Side, PppEvent[]> = { server: [], client: [] };
  readonly delivered: Record<Side, Buffer[]> = { server: [], client: [] };
  /** Every frame put on the wire, by sender (before any loss). */
  readonly wire: Record<Side, Buffer[]> = { server: [], client: [] };
  /** Return false to drop a frame in flight; may also rewrite it by returning a Buffer. */
  filter: ((from: Side, frame: Buffer) => boolean | Buffer) | null = null;
  private readonly inflight: { to: Side; frame: Buffer }[] = [];
  private readonly timers: Record<Side, number | null> = { server: null, client: null };
  private readonly secret: string;
  private readonly autoNetwork: boolean;
  private readonly manualVerdicts: boolean;
  private readonly network: NonNullable<PairOptions['network']>;

  constructor(o: PairOptions = {}) {
    const userName = o.userName ?? 'alice';
    const password = o.password ?? 'secret';
    this.secret = o.secret ?? password;
    this.autoNetwork = o.autoNetwork ?? true;
    this.manualVerdicts = o.manualVerdicts ?? false;
    this.network = o.network ?? { local: '10.8.0.1', remote: '10.8.0.23', dns: ['10.0.0.53'] };
    const mppe = { required: true, bits: [128, 56, 40] as (40 | 56 | 128)[], stateful: 'deny' as const };
    this.server = new PppSession({
      role: 'server',
      authMethods: ['mschap-v2'],
      mppe,
      random: seededRandom(o.seed ?? 1),
      echoIntervalMs: 0,
      ...o.server,
    });
    this.client = new PppSession({
      role: 'client',
      authMethods: ['mschap-v2', 'mschap-v1', 'chap-md5', 'pap'],
      mppe,
      credentials: { userName, password },
      random: seededRandom((o.seed ?? 1) + 7),
      echoIntervalMs: 0,
      ...o.client,
    });
  }

  session(side: Side): PppSession {
    return side === 'server' ? this.server : this.client;
  }

  start(): void {
    this.server.start(this.now);
    this.client.start(this.now);
    this.collect('server');
    this.collect('client');
  }

  /** Deliver frames until none are in flight; advance the clock to timers when idle. */
  drive(opts: { maxSteps?: number; until?: number } = {}): void {
    const until = opts.until ?? this.now + 60_000;
    for (let step = 0; step < (opts.maxSteps ?? 10_000); step++) {
      const next = this.inflight.shift();
      if (next) {
        this.session(next.to).handleFrame(next.frame, this.now);
        this.collect(next.to);
        continue;
      }
      const t = this.nextTimer();
      if (t === null || t > until) return;
      this.now = Math.max(this.now, t);
      for (const side of ['server', 'client'] as const) {
        const at = this.timers[side];
        if (at !== null && at <= this.now) {
          this.session(side).handleTimeout(this.now);
          this.collect(side);
        }
      }
    }
  }

  /** An IP packet from `side`'s TUN; it crosses the link on the next drive(). */
  sendIp(side: Side, packet: Buffer): void {
    this.session(side).sendIp(packet, this.now);
    this.collect(side);
  }

  eventsOf<T extends PppEvent['type']>(side: Side, type: T): Extract<PppEvent, { type: T }>[] {
    return this.events[side].filter((e): e is Extract<PppEvent, { type: T }> => e.type === type);
  }

  private nextTimer(): number | null {
    const a = this.timers.server;
    const b = this.timers.client;
    if (a === null) return b;
    if (b === null) return a;
    return Math.min(a, b);
  }

  collect(side: Side): void {
    const s = this.session(side);
    // Bounded: each reaction is one verdict or one setNetwork.
    for (let round = 0; round < 8; round++) {
      const acts = s.drain();
      if (acts.length === 0) return;
      const react: PppEvent[] = [];
      for (const a of acts) this.perform(side, a, react);
      for (const e of react) this.react(side, e);
    }
  }

  private perform(side: Side, a: PppAction, react: PppEvent[]): void {
    switch (a.type) {
      case 'transmit': {
        this.wire[side].push(Buffer.from(a.frame));
        const f = this.filter ? this.filter(side, a.frame) : true;
        if (f === false) return;
        this.inflight.push({ to: side === 'server' ? 'client' : 'server', frame: f === true ? a.frame : f });
        return;
      }
      case 'deliver':
        this.delivered[side].push(Buffer.from(a.packet));
        return;
      case 'timer':
        this.timers[side] = a.at;
        return;
      case 'event':
        this.events[side].push(a.event);
        react.push(a.event);
        return;
    }
  }

  private react(side: Side, e: PppEvent): void {
    if (side !== 'server') return;
    if (e.type === 'auth-verify') {
      if (this.manualVerdicts) return;
      // Answered after the current input's actions were handled, as the async chain does.
      this.server.handleAuthVerdict(this.verdictFor(e), this.now, e.attempt);
    } else if (e.type === 'authenticated' && this.autoNetwork) {
      this.server.setNetwork(this.network, this.now);
    }
  }

  /** What the project's local verifier says of an 'auth-verify' event, against the pair's secret. */
  verdictFor(e: Extract<PppEvent, { type: 'auth-verify' }>): AuthResult {
    const v = verifyLocal(
      {
        peerName: e.peerName,
        userName: e.peerName,
        credentials: e.credentials,
        peerAddress: '192.0.2.10',
        localAddress: '192.0.2.1',
        callId: 1,
        serverName: 'pptpd',
      },
      { kind: 'cleartext', password: this.secret },
    );
    return v.status === 'ok'
      ? {
          verdict: 'accept',
          userName: e.peerName,
          attributes: {},
          plugin: 'test',
          ...(v.mppeKeys ? { mppeKeys: v.mppeKeys } : {}),
          ...(v.authenticatorResponse ? { authenticatorResponse: v.authenticatorResponse } : {}),
        }
      : { verdict: 'reject', reason: v.reason, mschapError: 691 };
  }
}
