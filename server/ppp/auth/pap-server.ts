// RFC 1334 PAP, authenticator side.
//
//   initial ─start─▶ waiting ─Authenticate-Request─▶ verifying ─accept─▶ success (Ack sent)
//                    │ no Request by the deadline               ─reject─▶ failure (Nak sent)
//                    └─▶ failure
//
// - The peer drives retransmission (§2.2.1) and changes the Identifier each time. Requests that
//   arrive while a verify is outstanding are not verified again; the newest Identifier is kept,
//   and the reply goes to it, because that is the one the peer is now waiting on.
// - After the answer, every further Authenticate-Request gets the same Code again with its own
//   Identifier (§2.2.1 implementation note: the Ack may be lost).
// - We wait retransmitMs × maxRetransmits for the first Request (pppd pap-timeout, 30 s).
import type { AuthResult } from '../../../auth-plugins/types.js';
import { isDecodeError } from '../../errors.js';
import { AuthDefaults, AuthMessages, PapCode, PppProtocol } from './constants.js';
import { decodePap, encodePapReply } from './pap-codec.js';
import { decodeText, encodeText } from './text.js';
import { Deadline } from './deadline.js';
import type { AuthAction, AuthProtocolHandler, AuthServerOptions } from './types.js';

type State = 'initial' | 'waiting' | 'verifying' | 'success' | 'failure';
type ReplyCode = typeof PapCode.AuthenticateAck | typeof PapCode.AuthenticateNak;

export class PapServer implements AuthProtocolHandler {
  readonly method = 'pap' as const;
  readonly protocol = PppProtocol.PAP;
  private state: State = 'initial';
  private readonly deadline = new Deadline();
  private replyTo = 0; // Identifier of the newest Authenticate-Request
  private reply: { code: ReplyCode; message: Buffer } | null = null;
  private readonly waitMs: number;

  constructor(opts: AuthServerOptions) {
    this.waitMs = (opts.retransmitMs ?? AuthDefaults.retransmitMs) * Math.max(1, opts.maxRetransmits ?? AuthDefaults.maxRetransmits);
  }

  start(now: number): AuthAction[] {
    if (this.state !== 'initial') return [];
    this.state = 'waiting';
    return [this.deadline.set(now + this.waitMs)];
  }

  input(packet: Buffer, _now: number): AuthAction[] {
    const p = decodePap(packet);
    if (isDecodeError(p) || p.code !== PapCode.AuthenticateRequest) return []; // peer fault: drop
    switch (this.state) {
      case 'waiting':
        this.replyTo = p.identifier;
        this.state = 'verifying';
        return [
          this.deadline.set(null),
          {
            type: 'verify',
            peerName: decodeText(p.peerId),
            credentials: { method: 'pap', password: decodeText(p.password) },
          },
        ];
      case 'verifying':
        this.replyTo = p.identifier; // answered when the verdict comes
        return [];
      case 'success':
      case 'failure':
        return this.reply ? [this.send(encodePapReply(this.reply.code, p.identifier, this.reply.message))] : [];
      default:
        return []; // §2.2.1: Requests in any other phase are silently discarded
    }
  }

  handleTimeout(now: number): AuthAction[] {
    if (!this.deadline.expired(now)) return []; // early, or a deadline since replaced
    if (this.state !== 'waiting') return [];
    this.state = 'failure';
    return [this.deadline.set(null), { type: 'failure', reason: 'pap: no Authenticate-Request from the peer in time' }];
  }

  handleVerdict(result: AuthResult, _now: number): AuthAction[] {
    if (this.state !== 'verifying') return []; // stale
    if (result.verdict === 'accept') {
      this.state = 'success';
      this.reply = { code: PapCode.AuthenticateAck, message: encodeText(result.attributes.replyMessage ?? AuthMessages.PAP_ACK) };
      const success: AuthAction = result.mppeKeys
        ? { type: 'success', userName: result.userName, mppeKeys: result.mppeKeys, result }
        : { type: 'success', userName: result.userName, result };
      return [this.send(encodePapReply(this.reply.code, this.replyTo, this.reply.message)), success];
    }
    this.state = 'failure';
    this.reply = { code: PapCode.AuthenticateNak, message: encodeText(result.replyMessage ?? AuthMessages.PAP_NAK) };
    return [
      this.send(encodePapReply(this.reply.code, this.replyTo, this.reply.message)),
      { type: 'failure', reason: `pap: rejected: ${result.reason}` },
    ];
  }

  private send(payload: Buffer): AuthAction {
    return { type: 'send', protocol: PppProtocol.PAP, payload };
  }
}
