// A sans-I/O model of how pppd 2.4.9 (Debian 12's, the real Linux client's and PoPToP's)
// negotiates the MPPE option of CCP, written from reading its behaviour and checked
// against the real thing: test/interop/mppe-matrix.test.ts runs the same matrix with
// the real client against live PoPToP, and pppdAgainstPppd() over that matrix must give
// the outcomes recorded there (test/helpers/mppe-matrix.ts). Behaviour, in short:
//   - it requests H (stateless) plus every strength it allows (pppd knows 40 and 128);
//   - a peer request: 56-bit, MPPC, D or unknown bits are cleared with a Nak; stateful
//     without `mppe-stateful` is Rejected; 128+40 is Nak'ed to the strongest it allows;
//     a single strength it does not allow is Rejected; no strength is Nak'ed with every
//     strength it allows; otherwise Acked. Rejecting MPPE while requiring it hangs up;
//   - a Nak of its request is taken when it asks for nothing it did not offer (and not
//     stateful without `mppe-stateful`), else it hangs up; a Reject makes it hang up.
// It prints "MPPE <bits of its request as Acked>-bit stateless|stateful compression
// enabled", which is what the interop test reads.
import { MppeBit, type MppeStrength } from '../../../../../server/ppp/ccp/mppe-option.js';

export interface PppdMppeOptions {
  /** require-mppe-40 / require-mppe-128 / require-mppe. */
  readonly allow: readonly (40 | 128)[];
  /** mppe-stateful (else pppd's default, refuse stateful). */
  readonly stateful: boolean;
}

export type PppdVerdict = { code: 'ack' | 'nak'; value: number } | { code: 'rej' };

interface Want {
  s128: boolean;
  s40: boolean;
  stateful: boolean;
}

const KNOWN = MppeBit.H | MppeBit.M | MppeBit.S | MppeBit.L | MppeBit.D | MppeBit.C;
const encode = (w: Want): number => (w.stateful ? 0 : MppeBit.H) | (w.s128 ? MppeBit.S : 0) | (w.s40 ? MppeBit.L : 0);

export class PppdMppePeer {
  /** What its next Configure-Request asks (it receives with this once Acked). */
  private want: Want;
  /** The peer request it Acked (it sends with this). */
  acked: number | null = null;
  /** Its own request was Acked. */
  ackedOurs = false;
  /** Why it hung up (LCP close), as pppd logs it. */
  closed: string | null = null;

  constructor(private readonly o: PppdMppeOptions) {
    this.want = { s128: o.allow.includes(128), s40: o.allow.includes(40), stateful: false };
  }

  request(): number | null {
    return this.closed ? null : encode(this.want);
  }

  onRequest(v: number): PppdVerdict {
    let nak = (v & (MppeBit.M | MppeBit.C | MppeBit.D | ~KNOWN)) !== 0;
    const his: Want = { s128: (v & MppeBit.S) !== 0, s40: (v & MppeBit.L) !== 0, stateful: (v & MppeBit.H) === 0 };
    if (his.stateful && !this.o.stateful) return this.refuse();
    const allow128 = this.o.allow.includes(128);
    const allow40 = this.o.allow.includes(40);
    if (his.s128 && his.s40) {
      nak = true;
      if (allow128) his.s40 = false;
      else his.s128 = false;
    } else if (his.s128) {
      if (!allow128) return this.refuse();
    } else if (his.s40) {
      if (!allow40) return this.refuse();
    } else {
      nak = true;
      Object.assign(his, { s128: allow128, s40: allow40, stateful: false });
    }
    if (nak) return { code: 'nak', value: encode(his) };
    this.acked = encode(his);
    return { code: 'ack', value: this.acked };
  }

  onNak(v: number): void {
    const tryWant: Want = { s128: (v & MppeBit.S) !== 0, s40: (v & MppeBit.L) !== 0, stateful: (v & MppeBit.H) === 0 };
    const extra = (v & ~(MppeBit.H | MppeBit.S | MppeBit.L)) !== 0 || (tryWant.s128 && !this.want.s128) || (tryWant.s40 && !this.want.s40);
    const nothing = !tryWant.s128 && !tryWant.s40 && !tryWant.stateful;
    if ((tryWant.stateful && !this.o.stateful) || extra || nothing) {
      this.closed = 'MPPE required but peer negotiation failed';
      return;
    }
    this.want = tryWant;
  }

  onReject(): void {
    this.closed = 'MPPE required but peer refused';
  }

  onAck(v: number): void {
    if (v === encode(this.want)) this.ackedOurs = true;
  }

  /** pppd's "MPPE ... compression enabled" text, once both requests are Acked. */
  get mppe(): string | null {
    if (this.closed || !this.ackedOurs || this.acked === null) return null;
    const bits = [this.want.s128 ? '128-bit' : '', this.want.s40 ? '40-bit' : ''].filter(Boolean).join(' ');
    return `MPPE ${bits} ${this.want.stateful ? 'stateful' : 'stateless'}`;
  }

  private refuse(): PppdVerdict {
    this.closed = 'MPPE required but peer negotiation failed';
    return { code: 'rej' };
  }
}

/** Strengths as pppd options: {40,56,128} → require-mppe (pppd has no 56-bit). */
export function pppdAllow(bits: readonly MppeStrength[]): (40 | 128)[] {
  return bits.filter((b): b is 40 | 128 => b !== 56);
}
