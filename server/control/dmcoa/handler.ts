// What to do with an authenticated Disconnect-Request or CoA-Request (RFC 5176), and the
// reply to send. No sockets here: the caller passes the decoded request and the server
// view, and sends back the ACK or NAK this returns.
//
// Session identification (RFC 5176 §3): User-Name, Acct-Session-Id (our session id),
// Framed-IP-Address (the client's tunnel address), Calling-Station-Id (its public
// address) and NAS-Port (the PPTP call id, as our accounting sends it). Every attribute
// given must match (AND); all matching sessions are acted on. NAS identification:
// NAS-Identifier is compared when one is configured (else ignored, like
// NAS-IP-Address / NAS-IPv6-Address, which a NAS behind NAT cannot check reliably).
//
// Outcomes (Error-Cause values, RFC 5176 §3.6):
//   no identification attribute                   → NAK 402 Missing-Attribute
//   an attribute we do not support in this request → NAK 401 Unsupported-Attribute
//   Service-Type in a CoA-Request                  → NAK 405 Unsupported-Service
//   a malformed value (wrong length, repeated id)  → NAK 404 Invalid-Request
//   NAS-Identifier names another NAS               → NAK 403 NAS-Identification-Mismatch
//   nothing matches                                → NAK 503 Session-Context-Not-Found
//   Disconnect: every match ends with Admin-Reset  → Disconnect-ACK
//   CoA: Session-Timeout / Idle-Timeout applied    → CoA-ACK
// Proxy-State attributes are copied, in order, into every reply (RFC 5176 §3).

import type { OperationsHost, SessionView } from '../host.js';
import { Attr, DynAuthCode, ErrorCause, u32, type Attribute, type DynAuthRequest } from './codec.js';

export type DynAuthHost = Pick<OperationsHost, 'sessions' | 'kill' | 'changeTimeouts'>;

export interface DynAuthPolicy {
  readonly nasIdentifier?: string | undefined;
}

export interface DynAuthDecision {
  readonly code: DynAuthCode;
  readonly attributes: Attribute[];
  /** For logs and metrics. */
  readonly result: 'ack' | 'nak';
  readonly errorCause: ErrorCause | undefined;
  /** Session ids acted on. */
  readonly sessions: readonly string[];
  readonly detail: string;
}

interface Identification {
  user?: string;
  session?: string;
  ip?: string;
  calling?: string;
  callId?: number;
}

const IDENTIFYING: ReadonlySet<number> = new Set([Attr.UserName, Attr.AcctSessionId, Attr.FramedIpAddress, Attr.CallingStationId, Attr.NasPort]);
/** Present in requests, carry nothing for us to act on (checked elsewhere or informational). */
const IGNORED: ReadonlySet<number> = new Set([Attr.MessageAuthenticator, Attr.EventTimestamp, Attr.NasIpAddress, Attr.NasIpv6Address, Attr.ProxyState]);

export function handleDynAuthRequest(req: DynAuthRequest, host: DynAuthHost, policy: DynAuthPolicy = {}): DynAuthDecision {
  const isCoa = req.code === DynAuthCode.CoaRequest;
  const ack = isCoa ? DynAuthCode.CoaAck : DynAuthCode.DisconnectAck;
  const nakCode = isCoa ? DynAuthCode.CoaNak : DynAuthCode.DisconnectNak;
  const proxyState = req.attributes.filter((a) => a.type === Attr.ProxyState).map((a) => ({ type: a.type, value: Buffer.from(a.value) }));
  const nak = (cause: ErrorCause, detail: string): DynAuthDecision => ({
    code: nakCode,
    attributes: [{ type: Attr.ErrorCause, value: u32(cause) }, ...proxyState],
    result: 'nak',
    errorCause: cause,
    sessions: [],
    detail,
  });

  const id: Identification = {};
  const change: { sessionTimeout?: number; idleTimeout?: number } = {};
  const seen = new Set<number>();
  for (const a of req.attributes) {
    if (IGNORED.has(a.type)) continue;
    if (IDENTIFYING.has(a.type) || a.type === Attr.SessionTimeout || a.type === Attr.IdleTimeout || a.type === Attr.NasIdentifier) {
      if (seen.has(a.type)) return nak(ErrorCause.InvalidRequest, `attribute ${a.type} appears more than once`);
      seen.add(a.type);
    }
    switch (a.type) {
      case Attr.UserName:
        if (a.value.length === 0) return nak(ErrorCause.InvalidRequest, 'empty User-Name');
        id.user = a.value.toString('utf8');
        break;
      case Attr.AcctSessionId:
        if (a.value.length === 0) return nak(ErrorCause.InvalidRequest, 'empty Acct-Session-Id');
        id.session = a.value.toString('utf8');
        break;
      case Attr.CallingStationId:
        if (a.value.length === 0) return nak(ErrorCause.InvalidRequest, 'empty Calling-Station-Id');
        id.calling = a.value.toString('utf8');
        break;
      case Attr.FramedIpAddress:
        if (a.value.length !== 4) return nak(ErrorCause.InvalidRequest, `Framed-IP-Address of ${a.value.length} octets`);
        id.ip = `${a.value[0]}.${a.value[1]}.${a.value[2]}.${a.value[3]}`;
        break;
      case Attr.NasPort:
        if (a.value.length !== 4) return nak(ErrorCause.InvalidRequest, `NAS-Port of ${a.value.length} octets`);
        id.callId = a.value.readUInt32BE(0);
        break;
      case Attr.NasIdentifier:
        if (policy.nasIdentifier !== undefined && a.value.toString('utf8') !== policy.nasIdentifier) {
          return nak(ErrorCause.NasIdentificationMismatch, `NAS-Identifier "${a.value.toString('utf8')}" is not ours`);
        }
        break;
      case Attr.SessionTimeout:
      case Attr.IdleTimeout: {
        const name = a.type === Attr.SessionTimeout ? 'Session-Timeout' : 'Idle-Timeout';
        if (!isCoa) return nak(ErrorCause.UnsupportedAttribute, `${name} in a Disconnect-Request`);
        if (a.value.length !== 4) return nak(ErrorCause.InvalidRequest, `${name} of ${a.value.length} octets`);
        if (a.type === Attr.SessionTimeout) change.sessionTimeout = a.value.readUInt32BE(0);
        else change.idleTimeout = a.value.readUInt32BE(0);
        break;
      }
      case Attr.ServiceType:
        // RFC 5176 §3.2: Authorize-Only needs a re-authorization we do not do; 405 is not
        // allowed in a Disconnect-NAK, where the attribute is simply unsupported.
        return isCoa ? nak(ErrorCause.UnsupportedService, 'Service-Type is not supported') : nak(ErrorCause.UnsupportedAttribute, 'Service-Type in a Disconnect-Request');
      default:
        return nak(ErrorCause.UnsupportedAttribute, `attribute ${a.type} is not supported`);
    }
  }
  if (![...seen].some((t) => IDENTIFYING.has(t))) {
    return nak(ErrorCause.MissingAttribute, 'no session identification (User-Name, Acct-Session-Id, Framed-IP-Address, Calling-Station-Id, NAS-Port)');
  }
  const hits = host.sessions().filter((s) => matches(s, id));
  if (hits.length === 0) return nak(ErrorCause.SessionContextNotFound, `no session matches ${describe(id)}`);
  const ids = hits.map((s) => s.sessionId);
  if (isCoa) {
    if (change.sessionTimeout !== undefined || change.idleTimeout !== undefined) {
      for (const sid of ids) host.changeTimeouts({ session: sid }, change);
    }
    return { code: ack, attributes: proxyState, result: 'ack', errorCause: undefined, sessions: ids, detail: `changed ${JSON.stringify(change)} for ${describe(id)}` };
  }
  for (const sid of ids) host.kill({ session: sid }, 'Admin-Reset', 'RADIUS Disconnect-Request');
  return { code: ack, attributes: proxyState, result: 'ack', errorCause: undefined, sessions: ids, detail: `disconnected ${describe(id)}` };
}

function matches(s: SessionView, id: Identification): boolean {
  if (s.state === 'ended') return false;
  if (id.user !== undefined && s.userName?.toLowerCase() !== id.user.toLowerCase() && s.peerName !== id.user) return false;
  if (id.session !== undefined && s.sessionId !== id.session) return false;
  if (id.ip !== undefined && s.address !== id.ip) return false;
  if (id.calling !== undefined && s.clientAddress !== id.calling) return false;
  if (id.callId !== undefined && s.callId !== id.callId) return false;
  return true;
}

function describe(id: Identification): string {
  const parts: string[] = [];
  if (id.user !== undefined) parts.push(`User-Name=${id.user}`);
  if (id.session !== undefined) parts.push(`Acct-Session-Id=${id.session}`);
  if (id.ip !== undefined) parts.push(`Framed-IP-Address=${id.ip}`);
  if (id.calling !== undefined) parts.push(`Calling-Station-Id=${id.calling}`);
  if (id.callId !== undefined) parts.push(`NAS-Port=${id.callId}`);
  return parts.join(' ');
}
