// LCP Configuration Option handlers (RFC 1661 §6, RFC 1994 §3 for the CHAP algorithm
// octet, RFC 2433 §3 / RFC 2759 §2 for MS-CHAP). Each handler is one option; they share
// one LcpOptionState that records what was agreed in each direction. Options without a
// handler (Quality-Protocol 4, Callback 13, MRRU 17, Endpoint-Discriminator 19, anything
// unknown) are Configure-Rejected by the negotiator.
import type { AuthMethod } from '../../../auth-plugins/types.js';
import { ACK, nak, REJECT, type OptionHandler, type OptionVerdict } from '../fsm/negotiator.js';
import { OptionTypeSet } from '../fsm/option-set.js';
import { Protocol } from '../protocols.js';

export const LcpOption = {
  MRU: 1,
  ACCM: 2, // Async-Control-Character-Map, RFC 1662 §7.1
  AuthenticationProtocol: 3,
  QualityProtocol: 4,
  MagicNumber: 5,
  PFC: 7,
  ACFC: 8,
  Callback: 13, // RFC 1570 §2.3 — rejected: PPTP has no callback
  MRRU: 17, // RFC 1990 Multilink — rejected
  EndpointDiscriminator: 19, // RFC 1990 Multilink — rejected
} as const;
export type LcpOption = (typeof LcpOption)[keyof typeof LcpOption];

export const DEFAULT_MRU = 1500; // RFC 1661 §6.1
export const MIN_MRU = 128; // pppd PPP_MINMRU: below this we Nak

/** CHAP algorithm octets (RFC 1994 §3, RFC 2433 §3, RFC 2759 §2). */
const CHAP_ALGORITHM: Readonly<Record<Exclude<AuthMethod, 'pap'>, number>> = {
  'chap-md5': 0x05,
  'mschap-v1': 0x80,
  'mschap-v2': 0x81,
};

/** Our order of preference, strongest first (the task's policy, as pppd's `require-*`). */
export const AUTH_PREFERENCE: readonly AuthMethod[] = ['mschap-v2', 'mschap-v1', 'chap-md5', 'pap'];

export function encodeAuthOption(m: AuthMethod): Buffer {
  if (m === 'pap') return Buffer.from([Protocol.PAP >> 8, Protocol.PAP & 0xff]);
  return Buffer.from([Protocol.CHAP >> 8, Protocol.CHAP & 0xff, CHAP_ALGORITHM[m]]);
}

/** The method an Authentication-Protocol option names, or null if we do not know it. */
export function decodeAuthOption(data: Buffer): AuthMethod | null {
  if (data.length < 2) return null;
  const proto = data.readUInt16BE(0);
  if (proto === Protocol.PAP && data.length === 2) return 'pap';
  if (proto !== Protocol.CHAP || data.length !== 3) return null;
  for (const [m, alg] of Object.entries(CHAP_ALGORITHM)) if (alg === data[2]) return m as AuthMethod;
  return null;
}

export interface LcpOptionConfig {
  readonly role: 'server' | 'client';
  /** Server: methods we may ask for. Client: methods we agree to. Sorted by AUTH_PREFERENCE. */
  readonly authMethods: readonly AuthMethod[];
  /** Our MRU; requested only when it differs from 1500. */
  readonly mru: number;
  /** ACCM to request (pppd asks asyncmap 0); null = do not request. */
  readonly accm: number | null;
  readonly requestPfc: boolean;
  readonly requestAcfc: boolean;
  /** A non-zero random 32-bit number (injectable for tests). */
  readonly newMagic: () => number;
  /** Configure-Requests carrying our own magic tolerated before declaring a loop. */
  readonly loopbackLimit: number;
}

/** What LCP agreed, per direction. "local" = options of our request (peer→us). */
export class LcpOptionState {
  // Our side (values the peer Acked in our request).
  localMru = DEFAULT_MRU;
  localMagic = 0;
  localAccm: number | null = null;
  /** Server role: the method the peer accepted (index into the candidates). */
  authIndex = 0;
  authCandidates: AuthMethod[] = [];
  // Rejections of our options: stop asking.
  rejected = new OptionTypeSet();
  // Peer's side (values we Acked in its request).
  peerMru = DEFAULT_MRU;
  peerMagic = 0;
  peerPfc = false;
  peerAcfc = false;
  /** Client role: the method the server asked for and we accepted. */
  peerAuth: AuthMethod | null = null;
  /** Consecutive peer requests carrying our own magic (RFC 1661 §6.4). */
  loopbacks = 0;
  /** Set when negotiation cannot succeed; LCP closes the link with this cause. */
  fatal: { cause: 'auth-refused' | 'loopback'; message: string } | null = null;

  /** The authentication method this side will run, or null for none. */
  get authMethod(): AuthMethod | null {
    return this.authCandidates[this.authIndex] ?? null;
  }
}

function u32(data: Buffer): number | null {
  return data.length === 4 ? data.readUInt32BE(0) : null;
}

function u32buf(v: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(v >>> 0);
  return b;
}

// The handlers are classes, not object literals of closures: a session builds twelve of
// them (LCP, IPCP, CCP), and methods on a prototype cost nothing per session where
// closures cost a function object each plus their context (heap snapshot, performance.md).

/** RFC 1661 §6.1 Maximum-Receive-Unit. */
class MruHandler implements OptionHandler {
  readonly type = LcpOption.MRU;
  readonly name = 'MRU';
  constructor(
    private readonly cfg: LcpOptionConfig,
    private readonly st: LcpOptionState,
  ) {}
  resetLocal(): void {
    this.st.rejected.delete(LcpOption.MRU);
    this.st.localMru = this.cfg.mru;
  }
  resetPeer(): void {
    this.st.peerMru = DEFAULT_MRU;
  }
  request(): Buffer | null {
    const st = this.st;
    if (st.rejected.has(LcpOption.MRU) || st.localMru === DEFAULT_MRU) return null;
    const b = Buffer.allocUnsafe(2);
    b.writeUInt16BE(st.localMru);
    return b;
  }
  check(data: Buffer): OptionVerdict {
    if (data.length !== 2) return REJECT;
    const v = data.readUInt16BE(0);
    if (v < MIN_MRU) {
      const b = Buffer.allocUnsafe(2);
      b.writeUInt16BE(MIN_MRU);
      return nak(b);
    }
    this.st.peerMru = v;
    return ACK;
  }
  naked(data: Buffer): void {
    if (data.length !== 2) return;
    const v = data.readUInt16BE(0);
    if (v >= MIN_MRU) this.st.localMru = v;
  }
  rejected(): void {
    this.st.rejected.add(LcpOption.MRU);
    this.st.localMru = DEFAULT_MRU;
  }
}

/** RFC 1662 §7.1 ACCM: meaningless on PPTP's synchronous GRE framing, but pppd asks for 0. */
class AccmHandler implements OptionHandler {
  readonly type = LcpOption.ACCM;
  readonly name = 'ACCM';
  constructor(
    private readonly cfg: LcpOptionConfig,
    private readonly st: LcpOptionState,
  ) {}
  resetLocal(): void {
    this.st.rejected.delete(LcpOption.ACCM);
    this.st.localAccm = this.cfg.accm;
  }
  request(): Buffer | null {
    const st = this.st;
    return st.localAccm === null || st.rejected.has(LcpOption.ACCM) ? null : u32buf(st.localAccm);
  }
  check(data: Buffer): OptionVerdict {
    return data.length === 4 ? ACK : REJECT;
  }
  naked(data: Buffer): void {
    const v = u32(data);
    if (v !== null && this.st.localAccm !== null) this.st.localAccm = (this.st.localAccm | v) >>> 0;
  }
  rejected(): void {
    this.st.rejected.add(LcpOption.ACCM);
  }
}

const allowed = (cfg: LcpOptionConfig): string => cfg.authMethods.join(', ');

/** RFC 1661 §6.2 Authentication-Protocol. The server asks; the client agrees or suggests. */
class AuthHandler implements OptionHandler {
  readonly type = LcpOption.AuthenticationProtocol;
  readonly name = 'Authentication-Protocol';
  private readonly server: boolean;
  constructor(
    private readonly cfg: LcpOptionConfig,
    private readonly st: LcpOptionState,
  ) {
    this.server = cfg.role === 'server';
  }
  resetLocal(): void {
    this.st.authCandidates = this.server ? [...this.cfg.authMethods] : [];
    this.st.authIndex = 0;
  }
  resetPeer(): void {
    this.st.peerAuth = null;
  }
  request(): Buffer | null {
    const m = this.st.authMethod;
    return this.server && m ? encodeAuthOption(m) : null;
  }
  check(data: Buffer): OptionVerdict {
    // We never authenticate ourselves to a client (pppd `noauth` towards the peer).
    if (this.server) return REJECT;
    const m = decodeAuthOption(data);
    if (m && this.cfg.authMethods.includes(m)) {
      this.st.peerAuth = m;
      return ACK;
    }
    const best = this.cfg.authMethods[0];
    return best ? nak(encodeAuthOption(best)) : REJECT;
  }
  naked(data: Buffer): void {
    if (!this.server) return;
    const st = this.st;
    // RFC 1661 §6.2: the Nak names the protocol the peer would rather use.
    const m = decodeAuthOption(data);
    const i = m ? st.authCandidates.indexOf(m) : -1;
    if (i >= 0) {
      st.authIndex = i;
      return;
    }
    st.authCandidates.splice(st.authIndex, 1);
    if (st.authIndex >= st.authCandidates.length) st.authIndex = 0;
    if (st.authCandidates.length === 0) {
      st.fatal = { cause: 'auth-refused', message: `peer refused every allowed authentication method (${allowed(this.cfg)}); the client must accept one of them` };
    }
  }
  rejected(): void {
    if (!this.server) return;
    this.st.fatal = {
      cause: 'auth-refused',
      message: `peer refused to authenticate (it rejected the Authentication-Protocol option; allowed: ${allowed(this.cfg)}); the client must accept one of them`,
    };
  }
}

/** RFC 1661 §6.4 Magic-Number and loop-back detection. */
class MagicHandler implements OptionHandler {
  readonly type = LcpOption.MagicNumber;
  readonly name = 'Magic-Number';
  constructor(
    private readonly cfg: LcpOptionConfig,
    private readonly st: LcpOptionState,
  ) {}
  private fresh(avoid: number): number {
    // Bounded: a broken random source cannot spin us forever.
    for (let i = 0; i < 8; i++) {
      const m = this.cfg.newMagic() >>> 0;
      if (m !== 0 && m !== avoid) return m;
    }
    return (avoid ^ 0x5a5a5a5a) >>> 0 || 1;
  }
  resetLocal(): void {
    this.st.rejected.delete(LcpOption.MagicNumber);
    this.st.localMagic = this.fresh(0);
    this.st.loopbacks = 0;
  }
  resetPeer(): void {
    this.st.peerMagic = 0;
  }
  request(): Buffer | null {
    return this.st.rejected.has(LcpOption.MagicNumber) ? null : u32buf(this.st.localMagic);
  }
  check(data: Buffer): OptionVerdict {
    const st = this.st;
    const v = u32(data);
    if (v === null) return REJECT;
    if (v !== 0 && v === st.localMagic && !st.rejected.has(LcpOption.MagicNumber)) {
      // Possibly our own request looped back: Nak with a different number and pick a
      // new one ourselves; after loopbackLimit times in a row, give up.
      st.loopbacks += 1;
      if (st.loopbacks >= this.cfg.loopbackLimit) {
        st.fatal = { cause: 'loopback', message: `link appears looped back (own magic seen ${st.loopbacks} times)` };
      }
      st.localMagic = this.fresh(v);
      return nak(u32buf(this.fresh(st.localMagic)));
    }
    st.loopbacks = 0;
    st.peerMagic = v;
    return ACK;
  }
  naked(): void {
    this.st.localMagic = this.fresh(this.st.localMagic);
  }
  rejected(): void {
    // RFC 1661 §6.4: act as if negotiation succeeded; the peer uses no magic.
    this.st.rejected.add(LcpOption.MagicNumber);
    this.st.localMagic = 0;
  }
}

/** RFC 1661 §6.5 PFC and §6.6 ACFC: the peer's option lets us compress towards it. */
class FlagHandler implements OptionHandler {
  constructor(
    readonly type: 7 | 8,
    readonly name: string,
    private readonly want: boolean,
    private readonly st: LcpOptionState,
  ) {}
  private set(v: boolean): void {
    if (this.type === LcpOption.PFC) this.st.peerPfc = v;
    else this.st.peerAcfc = v;
  }
  resetLocal(): void {
    this.st.rejected.delete(this.type);
  }
  resetPeer(): void {
    this.set(false);
  }
  request(): Buffer | null {
    return this.want && !this.st.rejected.has(this.type) ? Buffer.alloc(0) : null;
  }
  check(data: Buffer): OptionVerdict {
    if (data.length !== 0) return REJECT;
    this.set(true);
    return ACK;
  }
  rejected(): void {
    this.st.rejected.add(this.type);
  }
}

/** The LCP handler list, in the order our Configure-Request carries them (pppd's order). */
export function lcpOptionHandlers(cfg: LcpOptionConfig, st: LcpOptionState): OptionHandler[] {
  return [
    new MruHandler(cfg, st),
    new AccmHandler(cfg, st),
    new AuthHandler(cfg, st),
    new MagicHandler(cfg, st),
    new FlagHandler(LcpOption.PFC, 'PFC', cfg.requestPfc, st),
    new FlagHandler(LcpOption.ACFC, 'ACFC', cfg.requestAcfc, st),
  ];
}
