// The MPPE Configuration Option of CCP (type 18, RFC 3078 §2): 4 octets of "Supported
// Bits". Least significant octet: M 0x80 = 56-bit, S 0x40 = 128-bit, L 0x20 = 40-bit,
// D 0x10 obsolete (SHOULD NOT be accepted), C 0x01 = MPPC compression (RFC 2118; we never
// compress). Most significant octet: H 0x01 = stateless ("historyless") mode.
//
// RFC 1962 §2: a Configure-Request names what its sender will RECEIVE. So the peer's
// request (which we Ack) fixes our send direction and our request (which the peer Acks)
// fixes our receive direction. We keep the two separately.
//
// Strength (RFC 3078 §2.1: the responder Naks with "a single encryption option"), the
// rule PoPToP's pppd follows, so every strength a pppd peer can accept comes up:
//   - our request offers EVERY strength we allow; the peer Naks the one it takes and we
//     ask again with that one (a pppd client refused to accept a request naming only a
//     strength it does not allow: it Rejects it and hangs up, where PoPToP's request
//     naming both let it pick 40-bit);
//   - the peer's request is Acked when it names exactly one strength we allow; otherwise
//     Nak'ed with the single strongest we allow among those it named (128 > 56 > 40),
//     keeping the strength of our own request when that one is settled, so both
//     directions match; a request naming none we allow is Nak'ed with ours;
//   - once the peer has named a strength we take, our own request follows it.
//
// Stateless vs stateful (policy.stateful):
//   'deny'   only stateless: the peer's stateful request is Nak'ed with H; a Nak asking
//            us to go stateful ends MPPE (pppd's default refuse-mppe-stateful).
//   'allow'  we ask stateless and accept whichever mode the peer asks or suggests.
//   'prefer' we ask stateful, and Nak a stateless request once towards stateful; a peer
//            that insists (re-requests H, or Naks ours with H) gets stateless. A stock
//            pppd peer refuses stateful outright (it ends the link on such a Nak), so
//            this is for Windows peers or pppd with `mppe-stateful`.
import { ACK, nak, REJECT, type OptionHandler, type OptionVerdict } from '../fsm/negotiator.js';

export const CCP_OPTION_MPPE = 18;

export const MppeBit = {
  H: 0x01000000,
  M: 0x00000080, // 56-bit
  S: 0x00000040, // 128-bit
  L: 0x00000020, // 40-bit
  D: 0x00000010, // obsolete
  C: 0x00000001, // MPPC
} as const;
export type MppeBit = (typeof MppeBit)[keyof typeof MppeBit];

export type MppeStrength = 40 | 56 | 128;
export type MppeStatefulPolicy = 'deny' | 'allow' | 'prefer';

export interface MppeCcpPolicy {
  /** Without MPPE the link ends (pppd require-mppe). */
  readonly required: boolean;
  /** Key strengths we allow; empty = MPPE off. */
  readonly bits: readonly MppeStrength[];
  readonly stateful: MppeStatefulPolicy;
}

/** One direction's negotiated MPPE. */
export interface MppeDirection {
  readonly bits: MppeStrength;
  readonly stateless: boolean;
}

/** What our Configure-Request asks for: one or more strengths (strongest first) and a mode. */
export interface MppeOffer {
  readonly bits: readonly MppeStrength[];
  readonly stateless: boolean;
}

const STRENGTH_BIT: Readonly<Record<MppeStrength, number>> = { 128: MppeBit.S, 56: MppeBit.M, 40: MppeBit.L };
const STRONGEST_FIRST: readonly MppeStrength[] = [128, 56, 40];

export function encodeMppe(d: MppeDirection | MppeOffer): Buffer {
  const strengths: readonly MppeStrength[] = typeof d.bits === 'number' ? [d.bits] : d.bits;
  let v = d.stateless ? MppeBit.H : 0;
  for (const s of strengths) v |= STRENGTH_BIT[s];
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(v >>> 0);
  return b;
}

/** Strengths named in `v`, strongest first. */
export function strengthsOf(v: number): MppeStrength[] {
  return STRONGEST_FIRST.filter((s) => (v & STRENGTH_BIT[s]) !== 0);
}

/** A Supported Bits value with exactly one strength and nothing else but H, as a direction. */
export function decodeSingle(v: number): MppeDirection | null {
  const ss = strengthsOf(v);
  const first = ss[0];
  if (ss.length !== 1 || first === undefined) return null;
  if ((v & ~(MppeBit.H | STRENGTH_BIT[first])) !== 0) return null;
  return { bits: first, stateless: (v & MppeBit.H) !== 0 };
}

/** The strengths we allow among `among`, strongest first. */
export function allowedAmong(policy: MppeCcpPolicy, among: readonly MppeStrength[] = STRONGEST_FIRST): MppeStrength[] {
  return STRONGEST_FIRST.filter((s) => among.includes(s) && policy.bits.includes(s));
}

export function strongestAllowed(policy: MppeCcpPolicy, among: readonly MppeStrength[] = STRONGEST_FIRST): MppeStrength | null {
  return allowedAmong(policy, among)[0] ?? null;
}

/** Negotiated state of the option, per direction. */
export class MppeOptionState {
  /** What our next Configure-Request asks; null = we stopped asking. */
  target: MppeOffer | null = null;
  /** Peer→us, once the peer Acked our request. */
  recv: MppeDirection | null = null;
  /** Us→peer, from the peer request we Acked. */
  send: MppeDirection | null = null;
  /** 'prefer': we already Nak'ed a stateless request towards stateful once. */
  naggedStateful = false;
  /** Why MPPE cannot be agreed (the session ends the link when MPPE is required). */
  refused: string | null = null;
}

const u32 = (d: Buffer): number | null => (d.length === 4 ? d.readUInt32BE(0) : null);

/** A class rather than closures: its methods cost nothing per session (lcp/options.ts note). */
class MppeOptionHandler implements OptionHandler {
  readonly type = CCP_OPTION_MPPE;
  readonly name = 'MPPE';
  constructor(
    private readonly policy: MppeCcpPolicy,
    private readonly st: MppeOptionState,
  ) {}
  resetLocal(): void {
    const st = this.st;
    const all = allowedAmong(this.policy);
    st.target = all.length === 0 ? null : { bits: all, stateless: this.policy.stateful !== 'prefer' };
    st.recv = null;
    st.naggedStateful = false;
    st.refused = null;
  }
  resetPeer(): void {
    this.st.send = null;
  }
  request(): Buffer | null {
    return this.st.target ? encodeMppe(this.st.target) : null;
  }
  check(data: Buffer): OptionVerdict {
    const { policy, st } = this;
    const v = u32(data);
    if (v === null || policy.bits.length === 0) return REJECT;
    const offered = allowedAmong(policy, strengthsOf(v));
    // Our own request's strength once settled: keep both directions at it (symmetry).
    const mine = st.target?.bits.length === 1 ? st.target.bits[0] : undefined;
    const bits = mine !== undefined && offered.includes(mine) ? mine : (offered[0] ?? mine ?? strongestAllowed(policy));
    if (bits === null || bits === undefined) return REJECT;
    const peerStateless = (v & MppeBit.H) !== 0;
    let stateless: boolean;
    if (policy.stateful === 'deny') stateless = true;
    else if (policy.stateful === 'prefer' && peerStateless && !st.naggedStateful) {
      st.naggedStateful = true;
      stateless = false;
    } else stateless = peerStateless;
    const want: MppeDirection = { bits, stateless };
    // Our own request follows the strength the peer named, until the peer has Acked ours.
    if (st.target && st.recv === null && offered.includes(bits) && st.target.bits.includes(bits)) st.target = { ...st.target, bits: [bits] };
    const wantBuf = encodeMppe(want);
    if (wantBuf.equals(data)) {
      st.send = want;
      return ACK;
    }
    return nak(wantBuf); // one strength, H as our policy says; drops C (MPPC), D and unknown bits
  }
  acked(data: Buffer): void {
    const v = u32(data);
    // An Ack of a request naming several strengths: the strongest, as the Linux kernel's
    // MPPE does with such options (pppd and Windows Nak such a request instead).
    const bits = v === null ? undefined : strengthsOf(v)[0];
    this.st.recv = v === null || bits === undefined ? null : { bits, stateless: (v & MppeBit.H) !== 0 };
  }
  naked(data: Buffer): void {
    const { policy, st } = this;
    const v = u32(data);
    if (v === null || !st.target) return;
    const bits = strongestAllowed(policy, strengthsOf(v));
    const stateless = (v & MppeBit.H) !== 0;
    if (bits === null) {
      st.target = null;
      st.refused = 'peer suggested only MPPE strengths we do not allow';
    } else if (!stateless && policy.stateful === 'deny') {
      st.target = null;
      st.refused = 'peer wants stateful MPPE but stateful mode is denied';
    } else {
      st.target = { bits: [bits], stateless };
    }
  }
  rejected(): void {
    this.st.target = null;
    this.st.refused = 'peer rejected the MPPE option';
  }
}

export function mppeOptionHandler(policy: MppeCcpPolicy, st: MppeOptionState): OptionHandler {
  return new MppeOptionHandler(policy, st);
}
