// A session's accounting records: the SessionInfo built once when IPCP opens, then
// Start, Interim-Update (numbered, so replays are idempotent) and Stop, handed to the
// recorder (which makes them durable and delivers them to every sink).
import type { AccountingRecorder, SessionCounters, SessionInfo, TerminateCause } from '../../accounting/record.js';
import { eventId } from '../../accounting/record.js';
import type { CcpResult } from '../ppp/ccp/ccp.js';

/** 'MPPE-128 stateless', 'MPPE-40 stateful' or 'none'. */
export function encryptionName(mppe: CcpResult | null): string {
  const dir = mppe?.send ?? mppe?.recv;
  return dir ? `MPPE-${dir.bits} ${dir.stateless ? 'stateless' : 'stateful'}` : 'none';
}

/** What a session is known by when it comes up. */
export interface SessionFacts {
  readonly sessionId: string;
  readonly callId: number;
  readonly peerAddress: string;
  readonly localAddress: string;
  readonly userName: string | undefined;
  readonly peerName: string | undefined;
  readonly authMethod: string | undefined;
  readonly upAt: number | undefined;
}

/** The SessionInfo every sink receives, built once when IPCP opens. */
export function sessionInfoOf(
  s: SessionFacts,
  x: { nasIdentifier: string; network: { remote: string; local: string }; encryption: string; class?: readonly Buffer[] | undefined; interimSeconds: number },
): SessionInfo {
  return {
    sessionId: s.sessionId,
    userName: s.userName ?? '',
    peerName: s.peerName ?? s.userName ?? '',
    nasIdentifier: x.nasIdentifier,
    nasIpAddress: s.localAddress,
    callId: s.callId,
    line: `pptp${s.callId}`,
    clientAddress: s.peerAddress,
    serverAddress: s.localAddress,
    framedIpAddress: x.network.remote,
    localIpAddress: x.network.local,
    startTime: s.upAt ?? Date.now(),
    authMethod: s.authMethod ?? 'none',
    encryption: x.encryption,
    ...(x.class ? { class: x.class.map((c) => c.toString('hex')) } : {}),
    ...(x.interimSeconds > 0 ? { acctInterimInterval: x.interimSeconds } : {}),
    pid: process.pid,
  };
}

export class SessionAccounting {
  #info: SessionInfo | undefined;
  #interimSeq = 0;
  readonly #recorder: AccountingRecorder | undefined;

  constructor(recorder: AccountingRecorder | undefined) {
    this.#recorder = recorder;
  }

  get info(): SessionInfo | undefined {
    return this.#info;
  }

  start(info: SessionInfo): void {
    this.#info = info;
    this.#recorder?.record({ type: 'start', id: eventId(info.sessionId, 'start'), time: info.startTime, session: info });
  }

  interim(counters: SessionCounters): void {
    const info = this.#info;
    if (!info) return;
    this.#interimSeq++;
    this.#recorder?.record({
      type: 'interim',
      id: eventId(info.sessionId, 'interim', this.#interimSeq),
      time: Date.now(),
      session: info,
      counters,
    });
  }

  stop(counters: SessionCounters, cause: TerminateCause): void {
    const info = this.#info;
    if (!info) return;
    this.#recorder?.record({ type: 'stop', id: eventId(info.sessionId, 'stop'), time: Date.now(), session: info, counters, cause });
  }
}
