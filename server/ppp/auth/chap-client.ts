// RFC 1994 CHAP, peer side (the project's own PPTP client authenticating to a server), for
// MD5, MS-CHAPv1 and MS-CHAPv2. The algorithm-specific parts come from a ChapClientDigest.
//
//   initial ─start─▶ waiting ─Challenge─▶ responded ─Success (checked)─▶ done: success
//                                                    ─Failure──────────▶ done: failure
//   A deadline of waitMs from start() bounds the whole exchange (pppd chap-timeout).
//
// The peer never retransmits on its own (RFC 1994 §4.1: the authenticator does). A Challenge
// repeated with the same Identifier and Value gets the cached Response again, byte for byte,
// so an MS-CHAPv2 Peer-Challenge stays the one the server's S= will be computed from.
// We do not retry after an MS-CHAP Failure with R=1: our password would not change.
import type { AuthMethod, MppeKeys } from '../../../auth-plugins/types.js';
import { isDecodeError } from '../../errors.js';
import { decodeChap, encodeChapValue } from './chap-codec.js';
import { AuthDefaults, ChapCode, PppProtocol } from './constants.js';
import { Deadline } from './deadline.js';
import type { AuthAction, AuthClientOptions, AuthProtocolHandler } from './types.js';
import { encodeText } from './text.js';

export type SuccessCheck = { ok: true; mppeKeys?: MppeKeys } | { ok: false; reason: string };

/** What differs between CHAP algorithms on the peer side. `C` is what a Response must remember. */
export interface ChapClientDigest<C> {
  readonly method: AuthMethod;
  /** Build the Response Value for a Challenge, or null when the Challenge Value is unusable. */
  makeResponse(identifier: number, challenge: Buffer): { value: Buffer; context: C } | null;
  /** Judge the Success Message (MS-CHAPv2 checks S= here) and derive our MPPE keys. */
  checkSuccess(message: Buffer, context: C): SuccessCheck;
  /** Turn a Failure Message into a reason (no secrets) and the MS-CHAP error, if any. */
  describeFailure(message: Buffer): { reason: string; mschapError?: number };
}

type State = 'initial' | 'waiting' | 'responded' | 'done';

interface Sent<C> {
  readonly identifier: number;
  readonly challenge: Buffer;
  readonly packet: Buffer;
  readonly context: C;
}

export class ChapClient<C> implements AuthProtocolHandler {
  readonly protocol = PppProtocol.CHAP;
  readonly method: AuthMethod;
  private state: State = 'initial';
  private readonly deadline = new Deadline();
  private sent: Sent<C> | null = null;
  private readonly userName: string;
  private readonly name: Buffer;
  private readonly waitMs: number;

  constructor(
    private readonly digest: ChapClientDigest<C>,
    opts: AuthClientOptions,
  ) {
    this.method = digest.method;
    this.userName = opts.userName;
    this.name = encodeText(opts.userName);
    this.waitMs = opts.waitMs ?? AuthDefaults.clientWaitMs;
  }

  start(now: number): AuthAction[] {
    if (this.state !== 'initial') return [];
    this.state = 'waiting';
    return [this.deadline.set(now + this.waitMs)];
  }

  input(packet: Buffer, _now: number): AuthAction[] {
    if (this.state !== 'waiting' && this.state !== 'responded') return [];
    const p = decodeChap(packet);
    if (isDecodeError(p)) return []; // peer fault: drop
    if (p.code === ChapCode.Challenge) {
      const s = this.sent;
      if (s && s.identifier === p.identifier && s.challenge.equals(p.value)) return [this.send(s.packet)];
      const challenge = Buffer.from(p.value);
      const r = this.digest.makeResponse(p.identifier, challenge);
      if (!r) return []; // e.g. an MS-CHAPv2 Challenge that is not 16 octets
      const out = encodeChapValue(ChapCode.Response, p.identifier, r.value, this.name);
      this.sent = { identifier: p.identifier, challenge, packet: out, context: r.context };
      this.state = 'responded';
      return [this.send(out)];
    }
    if (p.code === ChapCode.Response) return []; // we do not authenticate the server by CHAP here
    const s = this.sent;
    if (this.state !== 'responded' || !s || p.identifier !== s.identifier) return []; // RFC 1994 §4.2: must match
    this.state = 'done';
    if (p.code === ChapCode.Success) {
      const check = this.digest.checkSuccess(p.message, s.context);
      if (!check.ok) return [this.deadline.set(null), { type: 'failure', reason: `${this.method}: ${check.reason}` }];
      const success: AuthAction = check.mppeKeys
        ? { type: 'success', userName: this.userName, mppeKeys: check.mppeKeys }
        : { type: 'success', userName: this.userName };
      return [this.deadline.set(null), success];
    }
    const f = this.digest.describeFailure(p.message);
    const failure: AuthAction =
      f.mschapError === undefined
        ? { type: 'failure', reason: `${this.method}: ${f.reason}` }
        : { type: 'failure', reason: `${this.method}: ${f.reason}`, mschapError: f.mschapError };
    return [this.deadline.set(null), failure];
  }

  handleTimeout(now: number): AuthAction[] {
    if (!this.deadline.expired(now)) return []; // early, or a deadline since replaced
    if (this.state !== 'waiting' && this.state !== 'responded') return [];
    const what = this.state === 'waiting' ? 'no Challenge' : 'no Success or Failure';
    this.state = 'done';
    return [this.deadline.set(null), { type: 'failure', reason: `${this.method}: ${what} from the server in time` }];
  }

  handleVerdict(): AuthAction[] {
    return []; // the peer role asks no plugin chain
  }

  private send(payload: Buffer): AuthAction {
    return { type: 'send', protocol: PppProtocol.CHAP, payload };
  }
}
