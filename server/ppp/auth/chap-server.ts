// RFC 1994 CHAP, authenticator side, for all three algorithms (MD5, MS-CHAPv1, MS-CHAPv2).
// The algorithm-specific parts (Value sub-format, Success/Failure texts) come from a
// ChapServerDigest, as pppd's chap_digest_type does; this file holds only the exchange:
//
//   initial ─start─▶ challenge-sent ─Response─▶ verifying ─accept─▶ success
//                     │ timeout: resend the        │         ─reject, R=0─▶ failure
//                     │ same Challenge, give up     └─reject, R=1─▶ retry-wait ─Response─▶ verifying
//                     │ after maxRetransmits
//
// - Retransmission resends the identical Challenge (same Identifier and Value), as pppd does,
//   so every Response the peer makes for this attempt carries one Identifier and one challenge.
// - While a verify is outstanding, Responses are not verified again: a byte-identical one is
//   answered by the coming Success/Failure; a *different* one for the same Identifier means the
//   peer re-computed (e.g. a new MS-CHAPv2 Peer-Challenge) and holds only its latest, so it is
//   kept, the verdict for the superseded one is ignored and the latest is verified instead.
// - After the answer, a Response with the answered Identifier gets the same answer again
//   (RFC 1994 §4.2: the Success may be lost). Once successful the handler lives as long as
//   the link but needs only that: the Success packet is kept as a string and everything
//   else of the exchange (challenge, Response, credentials, packets) is let go.
// - MS-CHAP retry (RFC 2433 §8, RFC 2759 §6): R=1 only while attempts < maxChallenges and the
//   error is 691; the Failure's C= is the next challenge. With R=0 a Failure ends authentication.
import { pooledRandomBytes } from '../../random-pool.js';
import type { AuthCredentials, AuthMethod, AuthResult } from '../../../auth-plugins/types.js';
import { ErrorCode, PptpdError, isDecodeError } from '../../errors.js';
import { decodeChap, encodeChapStatus, encodeChapValue } from './chap-codec.js';
import { AuthDefaults, ChapCode, MschapError, PppProtocol } from './constants.js';
import { isRetryable } from './mschap-fields.js';
import { decodeText, encodeText } from './text.js';
import { Deadline } from './deadline.js';
import type { AuthAction, AuthProtocolHandler, AuthServerOptions } from './types.js';

export type AcceptResult = Extract<AuthResult, { verdict: 'accept' }>;
export type RejectResult = Extract<AuthResult, { verdict: 'reject' }>;

/** What differs between CHAP algorithms on the authenticator side. */
export interface ChapServerDigest {
  readonly method: AuthMethod;
  /** Octets of our Challenge Value. */
  readonly challengeSize: number;
  /** 0: plain CHAP failure text, no retry; 1/2: MS-CHAP "E= R= C= V=" and retry. */
  readonly mschapVersion: 0 | 1 | 2;
  /** Response Value → credentials for the chain, or null when malformed (the Response is ignored). */
  credentials(identifier: number, challenge: Buffer, value: Buffer): AuthCredentials | null;
  /** Success Message, or null when the accept cannot be turned into one (v2 without S=). */
  successMessage(result: AcceptResult, credentials: AuthCredentials): string | null;
  /** Failure Message; `nextChallenge` is the C= value for MS-CHAP. */
  failureMessage(error: number, retry: boolean, nextChallenge: Buffer, replyMessage: string | undefined): string;
}

/** Shared, never written. */
const NO_CHALLENGE: Buffer = Buffer.alloc(0);

type State = 'initial' | 'challenge-sent' | 'verifying' | 'retry-wait' | 'success' | 'failure';

interface ReceivedResponse {
  readonly identifier: number;
  readonly value: Buffer; // our own copy
  readonly peerName: string;
  readonly credentials: AuthCredentials;
}

interface Answer {
  readonly identifier: number;
  readonly value: Buffer; // the Response Value it answered
  readonly packet: Buffer;
}

export class ChapServer implements AuthProtocolHandler {
  readonly protocol = PppProtocol.CHAP;
  readonly method: AuthMethod;
  private state: State = 'initial';
  private readonly deadline = new Deadline();
  private identifier = 0; // Identifier of the current Challenge (or the one expected after R=1)
  private challenge: Buffer = NO_CHALLENGE;
  private challengePacket: Buffer | null = null;
  private transmits = 0; // Challenge transmissions in this attempt
  private attempts = 0; // challenges issued: 1 + MS-CHAP retries
  private verifies = 0; // verify actions in this attempt (bounded by maxRetransmits)
  private pending: ReceivedResponse | null = null; // being verified
  private latest: ReceivedResponse | null = null; // a newer, different Response that arrived meanwhile
  private answer: Answer | null = null; // the last Failure sent (a Success is kept below)
  /** In 'success': the Success packet (latin1, one octet per char) and its Identifier. */
  private successPacket: string | null = null;
  private successId = -1;
  private readonly serverName: string; // the config's string, shared by every link
  private readonly maxChallenges: number;
  private readonly retransmitMs: number;
  private readonly maxRetransmits: number;
  private readonly random: (n: number) => Buffer;

  constructor(
    private readonly digest: ChapServerDigest,
    opts: AuthServerOptions,
  ) {
    this.method = digest.method;
    this.serverName = opts.serverName;
    this.maxChallenges = Math.max(1, opts.maxChallenges ?? AuthDefaults.maxChallenges);
    this.retransmitMs = opts.retransmitMs ?? AuthDefaults.retransmitMs;
    this.maxRetransmits = Math.max(1, opts.maxRetransmits ?? AuthDefaults.maxRetransmits);
    this.random = opts.random ?? pooledRandomBytes;
  }

  start(now: number): AuthAction[] {
    if (this.state !== 'initial') return [];
    this.attempts = 1;
    this.identifier = (this.random(1)[0] ?? 0) & 0xff;
    this.challenge = this.newChallenge();
    return this.sendChallenge(now);
  }

  input(packet: Buffer, now: number): AuthAction[] {
    const p = decodeChap(packet);
    if (isDecodeError(p) || p.code !== ChapCode.Response) return []; // peer fault: drop
    const id = p.identifier;
    switch (this.state) {
      case 'challenge-sent':
        return id === this.identifier ? this.beginVerify(id, p.value, p.name) : [];
      case 'retry-wait': {
        const a = this.answer;
        if (a && id === a.identifier && a.value.equals(p.value)) return [this.send(a.packet)]; // lost Failure
        // RFC 2433 B.1: the retry Response carries the Failure's Identifier + 1 (++ID); be liberal
        // and also take a new Response under the old Identifier.
        if (id === this.identifier || (a !== null && id === a.identifier)) return this.beginVerify(id, p.value, p.name);
        return [];
      }
      case 'verifying': {
        const pend = this.pending;
        if (!pend || id !== pend.identifier || pend.value.equals(p.value)) return []; // answered when the verdict comes
        const r = this.receive(id, p.value, p.name);
        if (r) this.latest = r; // the peer re-computed; it now expects the answer to this one
        return [];
      }
      case 'success':
        return this.successPacket !== null && id === this.successId ? [this.send(Buffer.from(this.successPacket, 'latin1'))] : [];
      case 'failure':
        return this.answer && id === this.answer.identifier ? [this.send(this.answer.packet)] : [];
      default:
        return [];
    }
  }

  handleTimeout(now: number): AuthAction[] {
    if (!this.deadline.expired(now)) return []; // early, or a deadline since replaced
    if (this.state === 'challenge-sent') {
      if (this.transmits >= this.maxRetransmits || !this.challengePacket) {
        return this.fail(`no CHAP Response after ${this.transmits} Challenge(s)`, undefined);
      }
      this.transmits++;
      return [this.send(this.challengePacket), this.deadline.set(now + this.retransmitMs)];
    }
    if (this.state === 'retry-wait') return this.fail('peer did not retry after MS-CHAP Failure with R=1', undefined);
    return [];
  }

  handleVerdict(result: AuthResult, now: number): AuthAction[] {
    const pend = this.pending;
    if (this.state !== 'verifying' || !pend) return []; // stale: nothing is being verified
    if (this.latest && this.verifies < this.maxRetransmits) {
      // The verdict is for a Response the peer has replaced: ignore it, verify the latest.
      this.pending = this.latest;
      this.latest = null;
      this.verifies++;
      return [this.verifyAction(this.pending)];
    }
    this.latest = null;
    if (result.verdict === 'accept') {
      const msg = this.digest.successMessage(result, pend.credentials);
      if (msg !== null) {
        const packet = this.status(ChapCode.Success, pend, msg);
        this.state = 'success';
        this.settle(pend.identifier, packet);
        const success: AuthAction = result.mppeKeys
          ? { type: 'success', userName: result.userName, mppeKeys: result.mppeKeys, result }
          : { type: 'success', userName: result.userName, result };
        return [this.deadline.set(null), this.send(packet), success];
      }
      // RFC 2759 §5: a Success without S= makes the peer end the session; say Failure instead.
      return this.reject(pend, MschapError.AUTHENTICATION_FAILURE, undefined, 'accept without an MS-CHAPv2 authenticator response', now, false);
    }
    const error = result.mschapError ?? MschapError.AUTHENTICATION_FAILURE;
    return this.reject(pend, error, result.replyMessage, `rejected: ${result.reason}`, now, true);
  }

  private reject(
    pend: ReceivedResponse,
    error: number,
    replyMessage: string | undefined,
    reason: string,
    now: number,
    mayRetry: boolean,
  ): AuthAction[] {
    const retry = mayRetry && this.digest.mschapVersion !== 0 && this.attempts < this.maxChallenges && isRetryable(error);
    const next = this.digest.mschapVersion !== 0 ? this.newChallenge() : this.challenge;
    const msg = this.digest.failureMessage(error, retry, next, replyMessage);
    this.answer = { identifier: pend.identifier, value: pend.value, packet: this.status(ChapCode.Failure, pend, msg) };
    this.pending = null;
    if (retry) {
      // RFC 2759 §6: R=1 disables short timeouts while the user retypes; wait the whole budget.
      this.attempts++;
      this.verifies = 0;
      this.challenge = next;
      this.identifier = (pend.identifier + 1) & 0xff;
      this.state = 'retry-wait';
      return [this.send(this.answer.packet), this.deadline.set(now + this.retransmitMs * this.maxRetransmits)];
    }
    this.state = 'failure';
    const mschapError = this.digest.mschapVersion !== 0 ? error : undefined;
    return [this.deadline.set(null), this.send(this.answer.packet), this.failure(reason, mschapError)];
  }

  settled(): AuthProtocolHandler {
    return this.state === 'success' && this.successPacket !== null
      ? new ChapSuccessReplay(this.method, this.successId, this.successPacket)
      : this;
  }

  /** Success: keep only what re-answering a retransmitted Response needs (see the header). */
  private settle(identifier: number, packet: Buffer): void {
    this.successId = identifier;
    this.successPacket = packet.toString('latin1');
    this.answer = null;
    this.pending = null;
    this.latest = null;
    this.challenge = NO_CHALLENGE;
    this.challengePacket = null;
  }

  private beginVerify(identifier: number, value: Buffer, name: Buffer): AuthAction[] {
    const r = this.receive(identifier, value, name);
    if (!r) return []; // malformed Value: ignored, the Challenge timer keeps running
    this.pending = r;
    this.state = 'verifying';
    this.verifies++;
    return [this.deadline.set(null), this.verifyAction(r)];
  }

  private receive(identifier: number, value: Buffer, name: Buffer): ReceivedResponse | null {
    const own = Buffer.from(value); // the input buffer may be reused by the caller
    const credentials = this.digest.credentials(identifier, this.challenge, own);
    if (!credentials) return null;
    return { identifier, value: own, peerName: decodeText(name), credentials };
  }

  private verifyAction(r: ReceivedResponse): AuthAction {
    return { type: 'verify', peerName: r.peerName, credentials: r.credentials };
  }

  private sendChallenge(now: number): AuthAction[] {
    const name = encodeText(this.serverName).subarray(0, 255);
    this.challengePacket = encodeChapValue(ChapCode.Challenge, this.identifier, this.challenge, name);
    this.transmits = 1;
    this.state = 'challenge-sent';
    return [this.send(this.challengePacket), this.deadline.set(now + this.retransmitMs)];
  }

  private newChallenge(): Buffer {
    const c = this.random(this.digest.challengeSize);
    if (c.length !== this.digest.challengeSize) {
      // An injected source that returns the wrong size is our bug, not the peer's.
      throw new PptpdError(ErrorCode.AUTH, `random(${this.digest.challengeSize}) returned ${c.length} octets`);
    }
    return Buffer.from(c);
  }

  private status(code: typeof ChapCode.Success | typeof ChapCode.Failure, pend: ReceivedResponse, msg: string): Buffer {
    return encodeChapStatus(code, pend.identifier, encodeText(msg));
  }

  private fail(reason: string, mschapError: number | undefined): AuthAction[] {
    this.state = 'failure';
    this.pending = null;
    return [this.deadline.set(null), this.failure(reason, mschapError)];
  }

  private failure(reason: string, mschapError: number | undefined): AuthAction {
    const r = `${this.method}: ${reason}`;
    return mschapError === undefined ? { type: 'failure', reason: r } : { type: 'failure', reason: r, mschapError };
  }

  private send(payload: Buffer): AuthAction {
    return { type: 'send', protocol: PppProtocol.CHAP, payload };
  }
}

/**
 * What is left of a successful CHAP exchange for the rest of the link: a Response
 * retransmitted with the answered Identifier gets the same Success again (RFC 1994 §4.2);
 * everything else is ignored, as ChapServer does in its 'success' state.
 */
export class ChapSuccessReplay implements AuthProtocolHandler {
  readonly protocol = PppProtocol.CHAP;

  constructor(
    readonly method: AuthMethod,
    private readonly identifier: number,
    /** The Success packet, one octet per char (latin1). */
    private readonly packet: string,
  ) {}

  start(_now: number): AuthAction[] {
    return [];
  }

  input(packet: Buffer, _now: number): AuthAction[] {
    const p = decodeChap(packet);
    if (isDecodeError(p) || p.code !== ChapCode.Response || p.identifier !== this.identifier) return [];
    return [{ type: 'send', protocol: PppProtocol.CHAP, payload: Buffer.from(this.packet, 'latin1') }];
  }

  handleTimeout(_now: number): AuthAction[] {
    return [];
  }

  handleVerdict(_result: AuthResult, _now: number): AuthAction[] {
    return [];
  }
}
