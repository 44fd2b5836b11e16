// Sessions and events for the journal and audit-command tests.
import { eventId, type AccountingEvent, type SessionCounters, type SessionInfo, type TerminateCause } from '../../../../accounting/record.js';

export const T0 = Date.UTC(2024, 4, 3, 14, 0, 0); // 3 May 2024 14:00 UTC
export const MIN = 60_000;

export function session(id: string, user: string, framedIp: string, startTime: number, over: Partial<SessionInfo> = {}): SessionInfo {
  return {
    sessionId: id, userName: user, peerName: `CORP\\${user}`, nasIdentifier: 'vpn1', nasIpAddress: '192.0.2.1',
    callId: 7, line: 'pptp7', clientAddress: '198.51.100.7', serverAddress: '192.0.2.1', framedIpAddress: framedIp,
    localIpAddress: '10.8.0.1', startTime, authMethod: 'MS-CHAPv2', encryption: 'MPPE-128 stateless',
    class: ['c0ffee'], pid: 1234, ...over,
  };
}

export const counters = (n: number): SessionCounters => ({ inputOctets: n, outputOctets: 2 * n, inputPackets: Math.floor(n / 16), outputPackets: Math.floor(n / 8) });

export const start = (s: SessionInfo): AccountingEvent => ({ type: 'start', id: eventId(s.sessionId, 'start'), time: s.startTime, session: s });
export const interim = (s: SessionInfo, seq: number, time: number, n: number): AccountingEvent => ({
  type: 'interim', id: eventId(s.sessionId, 'interim', seq), time, session: s, counters: counters(n),
});
export const stop = (s: SessionInfo, time: number, n: number, cause: TerminateCause = 'User-Request'): AccountingEvent => ({
  type: 'stop', id: eventId(s.sessionId, 'stop'), time, session: s, counters: counters(n), cause,
});
