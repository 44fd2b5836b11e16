// LCP Configuration Option handlers (RFC 1661 §6, RFC 1994 §3 for the CHAP algorithm
// octet, RFC 2433 §3 / RFC 2759 §2 for MS-CHAP). Each handler is one option; they share
// one LcpOptionState that records what was agreed in each direction. Options without a
// handler (Quality-Protocol 4, Callback 13, MRRU 17, Endpoint-Discriminator 19, anything
// unknown) are Configure-Rejected by the negotiator.
import type { AuthMethod } from '../../../auth-plugins/types.js';
import { ACK, nak, REJECT, type OptionHandler, type OptionVerdict } from '../fsm/negotiator.js';
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
  rejected = new Set<number>();
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

/** RFC 1661 §6.1 Maximum-Receive-Unit. */
function mruHandler(cfg: LcpOptionConfig, st: LcpOptionState): OptionHandler {
  return {
    type: LcpOption.MRU,
    name: 'MRU',
    resetLocal: () => {
      st.rejected.delete(LcpOption.MRU);
      st.localMru = cfg.mru;
    },
    resetPeer: () => {
      st.peerMru = DEFAULT_MRU;
    },
    request: () => {
      if (st.rejected.has(LcpOption.MRU) || st.localMru === DEFAULT_MRU) return null;
      const b = Buffer.allocUnsafe(2);
      b.writeUInt16BE(st.localMru);
      return b;
    },
    check: (data): OptionVerdict => {
      if (data.length !== 2) return REJECT;
      const v = data.readUInt16BE(0);
      if (v < MIN_MRU) {
        const b = Buffer.allocUnsafe(2);
        b.writeUInt16BE(MIN_MRU);
        return nak(b);
      }
      st.peerMru = v;
      return ACK;
    },
    naked: (data) => {
      if (data.length !== 2) return;
      const v = data.readUInt16BE(0);
      if (v >= MIN_MRU) st.localMru = v;
    },
    rejected: () => {
      st.rejected.add(LcpOption.MRU);
      st.localMru = DEFAULT_MRU;
    },
  };
}

/** RFC 1662 §7.1 ACCM: meaningless on PPTP's synchronous GRE framing, but pppd asks for 0. */
function accmHandler(cfg: LcpOptionConfig, st: LcpOptionState): OptionHandler {
  return {
    type: LcpOption.ACCM,
    name: 'ACCM',
    resetLocal: () => {
      st.rejected.delete(LcpOption.ACCM);
      st.localAccm = cfg.accm;
    },
    request: () => (st.localAccm === null || st.rejected.has(LcpOption.ACCM) ? null : u32buf(st.localAccm)),
    check: (data) => (data.length === 4 ? ACK : REJECT),
    naked: (data) => {
      const v = u32(data);
      if (v !== null && st.localAccm !== null) st.localAccm = (st.localAccm | v) >>> 0;
    },
    rejected: () => {
      st.rejected.add(LcpOption.ACCM);
    },
  };
}

/** RFC 1661 §6.2 Authentication-Protocol. The server asks; the client agrees or suggests. */
function authHandler(cfg: LcpOptionConfig, st: LcpOptionState): OptionHandler {
  const server = cfg.role === 'server';
  return {
    type: LcpOption.AuthenticationProtocol,
    name: 'Authentication-Protocol',
    resetLocal: () => {
      st.authCandidates = server ? [...cfg.authMethods] : [];
      st.authIndex = 0;
    },
    resetPeer: () => {
      st.peerAuth = null;
    },
    request: () => {
      const m = st.authMethod;
      return server && m ? encodeAuthOption(m) : null;
    },
    check: (data): OptionVerdict => {
      // We never authenticate ourselves to a client (pppd `noauth` towards the peer).
      if (server) return REJECT;
      const m = decodeAuthOption(data);
      if (m && cfg.authMethods.includes(m)) {
        st.peerAuth = m;
        return ACK;
      }
      const best = cfg.authMethods[0];
      return best ? nak(encodeAuthOption(best)) : REJECT;
    },
    naked: (data) => {
      if (!server) return;
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
        st.fatal = { cause: 'auth-refused', message: 'peer refused every allowed authentication method' };
      }
    },
    rejected: () => {
      if (!server) return;
      st.fatal = { cause: 'auth-refused', message: 'peer rejected the Authentication-Protocol option' };
    },
  };
}

/** RFC 1661 §6.4 Magic-Number and loop-back detection. */
function magicHandler(cfg: LcpOptionConfig, st: LcpOptionState): OptionHandler {
  const fresh = (avoid: number): number => {
    // Bounded: a broken random source cannot spin us forever.
    for (let i = 0; i < 8; i++) {
      const m = cfg.newMagic() >>> 0;
      if (m !== 0 && m !== avoid) return m;
    }
    return (avoid ^ 0x5a5a5a5a) >>> 0 || 1;
  };
  return {
    type: LcpOption.MagicNumber,
    name: 'Magic-Number',
    resetLocal: () => {
      st.rejected.delete(LcpOption.MagicNumber);
      st.localMagic = fresh(0);
      st.loopbacks = 0;
    },
    resetPeer: () => {
      st.peerMagic = 0;
    },
    request: () => (st.rejected.has(LcpOption.MagicNumber) ? null : u32buf(st.localMagic)),
    check: (data): OptionVerdict => {
      const v = u32(data);
      if (v === null) return REJECT;
      if (v !== 0 && v === st.localMagic && !st.rejected.has(LcpOption.MagicNumber)) {
        // Possibly our own request looped back: Nak with a different number and pick a
        // new one ourselves; after loopbackLimit times in a row, give up.
        st.loopbacks += 1;
        if (st.loopbacks >= cfg.loopbackLimit) {
          st.fatal = { cause: 'loopback', message: `link appears looped back (own magic seen ${st.loopbacks} times)` };
        }
        st.localMagic = fresh(v);
        return nak(u32buf(fresh(st.localMagic)));
      }
      st.loopbacks = 0;
      st.peerMagic = v;
      return ACK;
    },
    naked: () => {
      st.localMagic = fresh(st.localMagic);
    },
    rejected: () => {
      // RFC 1661 §6.4: act as if negotiation succeeded; the peer uses no magic.
      st.rejected.add(LcpOption.MagicNumber);
      st.localMagic = 0;
    },
  };
}

/** RFC 1661 §6.5 PFC and §6.6 ACFC: the peer's option lets us compress towards it. */
function flagHandler(type: 7 | 8, name: string, want: boolean, st: LcpOptionState): OptionHandler {
  const set = (v: boolean): void => {
    if (type === LcpOption.PFC) st.peerPfc = v;
    else st.peerAcfc = v;
  };
  return {
    type,
    name,
    resetLocal: () => {
      st.rejected.delete(type);
    },
    resetPeer: () => set(false),
    request: () => (want && !st.rejected.has(type) ? Buffer.alloc(0) : null),
    check: (data) => {
      if (data.length !== 0) return REJECT;
      set(true);
      return ACK;
    },
    rejected: () => {
      st.rejected.add(type);
    },
  };
}

/** The LCP handler list, in the order our Configure-Request carries them (pppd's order). */
export function lcpOptionHandlers(cfg: LcpOptionConfig, st: LcpOptionState): OptionHandler[] {
  return [
    mruHandler(cfg, st),
    accmHandler(cfg, st),
    authHandler(cfg, st),
    magicHandler(cfg, st),
    flagHandler(LcpOption.PFC, 'PFC', cfg.requestPfc, st),
    flagHandler(LcpOption.ACFC, 'ACFC', cfg.requestAcfc, st),
  ];
}
