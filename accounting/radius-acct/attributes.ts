// The attributes of an Accounting-Request (RFC 2866, RFC 2869), built from one
// AccountingEvent — sans-I/O: the caller passes `now`, which only Acct-Delay-Time uses, so a
// retry rebuilt later carries a larger delay (RFC 2866 §5.2) while everything else, including
// Event-Timestamp (RFC 2869 §5.3), stays the time the event happened.
import { fitString, type RadiusAttribute } from '../../server/radius/attributes.js';
import { FramedProtocol, NasPortType, ServiceType } from '../../server/radius/constants.js';
import type { AccountingEvent, SessionCounters, SessionInfo, TerminateCause } from '../record.js';

/** RFC 2866 §5.1 Acct-Status-Type. */
export const AcctStatusType = {
  Start: 1,
  Stop: 2,
  InterimUpdate: 3, // RFC 2869 §2.1
  AccountingOn: 7,
  AccountingOff: 8,
} as const;
export type AcctStatusType = (typeof AcctStatusType)[keyof typeof AcctStatusType];

/** RFC 2866 §5.10 Acct-Terminate-Cause values for the names record.ts uses. */
export const TERMINATE_CAUSE_VALUE: Readonly<Record<TerminateCause, number>> = {
  'User-Request': 1,
  'Lost-Carrier': 2,
  'Idle-Timeout': 4,
  'Session-Timeout': 5,
  'Admin-Reset': 6,
  'Port-Error': 8,
  'NAS-Error': 9,
  'NAS-Request': 10,
  'NAS-Reboot': 11,
  'Service-Unavailable': 15,
  'User-Error': 17,
};

const STATUS_OF: Readonly<Record<AccountingEvent['type'], AcctStatusType>> = {
  start: AcctStatusType.Start,
  interim: AcctStatusType.InterimUpdate,
  stop: AcctStatusType.Stop,
  'accounting-on': AcctStatusType.AccountingOn,
  'accounting-off': AcctStatusType.AccountingOff,
};

const TWO_32 = 2 ** 32;
const U32_MAX = TWO_32 - 1;
const IPV4_RE = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export interface AcctAttributeOptions {
  /** Overrides the event's NAS-IP-Address (config accounting.radius.nasIpAddress). */
  readonly nasIpAddress?: string;
  /** Overrides the event's NAS-Identifier (config accounting.radius.nasIdentifier). */
  readonly nasIdentifier?: string;
}

/**
 * A 64-bit counter as RFC 2869 §5.1/§5.2 carry it: the low 32 bits in Acct-*-Octets and
 * the number of times it wrapped 2^32 in Acct-*-Gigawords. Counters are JS numbers, exact
 * up to 2^53 (8 PiB), far beyond any session.
 */
export function splitOctets(n: number): { octets: number; gigawords: number } {
  const v = Math.max(0, Math.floor(n));
  const gigawords = Math.floor(v / TWO_32);
  return { octets: v - gigawords * TWO_32, gigawords: Math.min(gigawords, U32_MAX) };
}

/** The Acct-Session-Id of an event: the session's id, or for Accounting-On/-Off the event id minus its type. */
export function acctSessionId(ev: AccountingEvent): string {
  if ('session' in ev) return ev.session.sessionId;
  const i = ev.id.lastIndexOf(':');
  return i > 0 ? ev.id.slice(0, i) : ev.id;
}

function u32(n: number): number {
  return Math.min(U32_MAX, Math.max(0, Math.floor(n)));
}

function nasAttributes(nasIp: string, nasId: string): RadiusAttribute[] {
  // RFC 2865 §5.4/§5.32: at least one of NAS-IP-Address and NAS-Identifier; we send both when we can.
  const out: RadiusAttribute[] = [];
  if (IPV4_RE.test(nasIp) && nasIp !== '0.0.0.0') out.push(['NAS-IP-Address', nasIp]);
  if (nasId !== '') out.push(['NAS-Identifier', nasId]);
  return out;
}

function sessionAttributes(s: SessionInfo, opts: AcctAttributeOptions): RadiusAttribute[] {
  // A name longer than an attribute holds (the wire allows ~1400 octets) is cut to fit:
  // unsendable, the record would be retried for ever; the journal keeps the whole name.
  const out: RadiusAttribute[] = [['User-Name', fitString(s.userName)]];
  out.push(...nasAttributes(opts.nasIpAddress ?? s.nasIpAddress, opts.nasIdentifier ?? s.nasIdentifier));
  out.push(['NAS-Port', u32(s.callId)]); // RFC 2865 §5.5: the PPTP call id identifies the "port"
  out.push(['NAS-Port-Type', NasPortType.VIRTUAL]); // RFC 2865 §5.41: 5 = Virtual (a tunnel)
  out.push(['Service-Type', ServiceType.FRAMED_USER]);
  out.push(['Framed-Protocol', FramedProtocol.PPP]);
  if (IPV4_RE.test(s.framedIpAddress)) out.push(['Framed-IP-Address', s.framedIpAddress]);
  if (s.clientAddress !== '') out.push(['Calling-Station-Id', s.clientAddress]); // RFC 2865 §5.31
  if (s.serverAddress !== '') out.push(['Called-Station-Id', s.serverAddress]); // RFC 2865 §5.30
  // RFC 2865 §5.25: Class from the Access-Accept is sent back unmodified in accounting.
  for (const hex of s.class ?? []) if (/^([0-9a-f]{2})+$/i.test(hex)) out.push(['Class', Buffer.from(hex, 'hex')]);
  return out;
}

function counterAttributes(c: SessionCounters, sessionTimeS: number): RadiusAttribute[] {
  const input = splitOctets(c.inputOctets);
  const output = splitOctets(c.outputOctets);
  return [
    ['Acct-Session-Time', u32(sessionTimeS)], // RFC 2866 §5.7
    ['Acct-Input-Octets', input.octets], // RFC 2866 §5.3: octets received from the port (the client)
    ['Acct-Output-Octets', output.octets],
    ['Acct-Input-Gigawords', input.gigawords], // RFC 2869 §5.1
    ['Acct-Output-Gigawords', output.gigawords], // RFC 2869 §5.2
    ['Acct-Input-Packets', u32(c.inputPackets % TWO_32)], // RFC 2866 §5.5 (32 bits, wraps)
    ['Acct-Output-Packets', u32(c.outputPackets % TWO_32)],
  ];
}

/** The attribute list of the Accounting-Request for `ev`, as sent at time `now` (ms). */
export function accountingAttributes(ev: AccountingEvent, now: number, opts: AcctAttributeOptions = {}): RadiusAttribute[] {
  const out: RadiusAttribute[] = [
    ['Acct-Status-Type', STATUS_OF[ev.type]],
    ['Acct-Session-Id', acctSessionId(ev)],
  ];
  if ('session' in ev) {
    out.push(...sessionAttributes(ev.session, opts));
    if (ev.type !== 'start') out.push(...counterAttributes(ev.counters, (ev.time - ev.session.startTime) / 1000));
    if (ev.type === 'stop') out.push(['Acct-Terminate-Cause', TERMINATE_CAUSE_VALUE[ev.cause] ?? TERMINATE_CAUSE_VALUE['NAS-Error']]);
  } else {
    out.push(...nasAttributes(opts.nasIpAddress ?? ev.nasIpAddress, opts.nasIdentifier ?? ev.nasIdentifier));
  }
  out.push(['Event-Timestamp', new Date(Math.floor(ev.time / 1000) * 1000)]); // RFC 2869 §5.3
  out.push(['Acct-Delay-Time', u32((now - ev.time) / 1000)]); // RFC 2866 §5.2
  return out;
}
