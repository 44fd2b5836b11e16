// The one shape of a session's accounting record, shared by every sink (wtmp/utmp,
// RADIUS accounting, the journal) and by the delivery queue. Producers (the server
// runtime) build these; sinks never see protocol objects.

/** RFC 2866 §5.10 Acct-Terminate-Cause names we use. */
export const TerminateCause = {
  UserRequest: 'User-Request', // 1: LCP Terminate / CCRQ / StopCCRQ from the client
  LostCarrier: 'Lost-Carrier', // 2: echo failure, control connection lost
  IdleTimeout: 'Idle-Timeout', // 4
  SessionTimeout: 'Session-Timeout', // 5
  AdminReset: 'Admin-Reset', // 6: operator kill, RADIUS Disconnect
  NasError: 'NAS-Error', // 9
  NasRequest: 'NAS-Request', // 10: server shutting down
  NasReboot: 'NAS-Reboot', // 11: closed after a crash, on the next start
  PortError: 'Port-Error', // 8: protocol failure on the link
  ServiceUnavailable: 'Service-Unavailable', // 15
  UserError: 'User-Error', // 17: the client broke the protocol or negotiation failed
} as const;
export type TerminateCause = (typeof TerminateCause)[keyof typeof TerminateCause];

/** What is known about a session when it starts (IPCP opened). */
export interface SessionInfo {
  /** Unique across restarts and servers (Acct-Session-Id). */
  readonly sessionId: string;
  /** Name to account under (after rewriting). */
  readonly userName: string;
  /** The name as the client sent it (e.g. `CORP\alice`). */
  readonly peerName: string;
  readonly nasIdentifier: string;
  readonly nasIpAddress: string;
  /** PPTP call id (NAS-Port). */
  readonly callId: number;
  /** utmp ut_line, e.g. `pptp7` (call id based, unique while the session lives). */
  readonly line: string;
  /** Client's public address (Calling-Station-Id). */
  readonly clientAddress: string;
  /** Our address the client connected to (Called-Station-Id). */
  readonly serverAddress: string;
  /** Tunnel address given to the client (Framed-IP-Address). */
  readonly framedIpAddress: string;
  /** Our tunnel address. */
  readonly localIpAddress: string;
  /** ms since the epoch. */
  readonly startTime: number;
  readonly authMethod: string;
  /** e.g. 'MPPE-128 stateless', or 'none'. */
  readonly encryption: string;
  /** RADIUS Class attributes to echo, hex-encoded. */
  readonly class?: readonly string[];
  readonly acctInterimInterval?: number;
  /** Process id of the server (utmp ut_pid). */
  readonly pid: number;
}

/** Counted from the NAS's side as RFC 2866 does: input = from the client. */
export interface SessionCounters {
  readonly inputOctets: number;
  readonly outputOctets: number;
  readonly inputPackets: number;
  readonly outputPackets: number;
}

export type AccountingEvent =
  | { readonly type: 'start'; readonly id: string; readonly time: number; readonly session: SessionInfo }
  | {
      readonly type: 'interim';
      readonly id: string;
      readonly time: number;
      readonly session: SessionInfo;
      readonly counters: SessionCounters;
    }
  | {
      readonly type: 'stop';
      readonly id: string;
      readonly time: number;
      readonly session: SessionInfo;
      readonly counters: SessionCounters;
      readonly cause: TerminateCause;
    }
  /** RFC 2866 Accounting-On / -Off: the NAS starts or stops (no session). */
  | { readonly type: 'accounting-on' | 'accounting-off'; readonly id: string; readonly time: number; readonly nasIdentifier: string; readonly nasIpAddress: string };

/** A destination for records. deliver() resolves once the record is durable there; it rejects to be retried. Must tolerate a replay of the same `id`. */
export interface AccountingSink {
  readonly name: string;
  /**
   * Deliveries this sink takes at once (default: the lane's, 16). A sink that commits many
   * events together (the journal) wants more, or its batches can never grow past 16.
   */
  readonly concurrency?: number;
  deliver(event: AccountingEvent): Promise<void>;
  close?(): Promise<void>;
}

/** What the server runtime calls; the implementation makes the record durable before returning. */
export interface AccountingRecorder {
  record(event: AccountingEvent): void;
}

/** Stable event ids make replays idempotent: one Start and one Stop per session. */
export function eventId(sessionId: string, type: AccountingEvent['type'], seq = 0): string {
  return type === 'interim' ? `${sessionId}:interim:${seq}` : `${sessionId}:${type}`;
}
