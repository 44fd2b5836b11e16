// RFC 1334 PAP, peer side: send Authenticate-Request until a reply comes or the retry counter
// runs out (§2.2.1). Each transmission takes a new Identifier (§2.2.1: "MUST be changed each
// time"); a reply is accepted for any Identifier we used in this exchange, since a late
// Ack to an earlier copy is still the authenticator's answer.
import { ErrorCode, PptpdError, isDecodeError } from '../../errors.js';
import { AuthDefaults, PapCode, PppProtocol } from './constants.js';
import { decodePap, encodePapRequest } from './pap-codec.js';
import { encodeText, printable } from './text.js';
import { Deadline } from './deadline.js';
import type { AuthAction, AuthClientOptions, AuthProtocolHandler } from './types.js';

type State = 'initial' | 'sending' | 'done';

export class PapClient implements AuthProtocolHandler {
  readonly method = 'pap' as const;
  readonly protocol = PppProtocol.PAP;
  private state: State = 'initial';
  private readonly deadline = new Deadline();
  private firstId = 1;
  private identifier = 1;
  private transmits = 0;
  private readonly userName: string;
  private readonly peerId: Buffer;
  private readonly password: Buffer;
  private readonly retransmitMs: number;
  private readonly maxRetransmits: number;

  constructor(opts: AuthClientOptions) {
    this.userName = opts.userName;
    this.peerId = encodeText(opts.userName);
    this.password = encodeText(opts.password);
    // Our own configuration: a field with a one-octet length cannot carry more.
    if (this.peerId.length > 255) throw new PptpdError(ErrorCode.AUTH, 'PAP Peer-ID longer than 255 octets');
    if (this.password.length > 255) throw new PptpdError(ErrorCode.AUTH, 'PAP password longer than 255 octets');
    this.retransmitMs = opts.retransmitMs ?? AuthDefaults.retransmitMs;
    this.maxRetransmits = Math.max(1, opts.maxRetransmits ?? AuthDefaults.maxRetransmits);
  }

  start(now: number): AuthAction[] {
    if (this.state !== 'initial') return [];
    this.state = 'sending';
    this.transmits = 1;
    return this.transmit(now);
  }

  input(packet: Buffer, _now: number): AuthAction[] {
    if (this.state !== 'sending') return [];
    const p = decodePap(packet);
    if (isDecodeError(p) || p.code === PapCode.AuthenticateRequest) return [];
    if (((p.identifier - this.firstId) & 0xff) >= this.transmits) return []; // not one of ours
    this.state = 'done';
    if (p.code === PapCode.AuthenticateAck) {
      return [this.deadline.set(null), { type: 'success', userName: this.userName }];
    }
    return [this.deadline.set(null), { type: 'failure', reason: `pap: server sent Authenticate-Nak "${printable(p.message)}"` }];
  }

  handleTimeout(now: number): AuthAction[] {
    if (!this.deadline.expired(now)) return []; // early, or a deadline since replaced
    if (this.state !== 'sending') return [];
    if (this.transmits >= this.maxRetransmits) {
      this.state = 'done';
      return [this.deadline.set(null), { type: 'failure', reason: `pap: no reply after ${this.transmits} Authenticate-Requests` }];
    }
    this.transmits++;
    this.identifier = (this.identifier + 1) & 0xff;
    return this.transmit(now);
  }

  handleVerdict(): AuthAction[] {
    return []; // the peer role asks no plugin chain
  }

  private transmit(now: number): AuthAction[] {
    const payload = encodePapRequest(this.identifier, this.peerId, this.password);
    return [{ type: 'send', protocol: PppProtocol.PAP, payload }, this.deadline.set(now + this.retransmitMs)];
  }
}
