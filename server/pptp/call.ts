// The calls of one control connection (RFC 2637 §3.2): each is known by our Call ID
// and the peer's. A handful live on one connection, so lookups scan a small Map.

/** Per-call state (§3.2.1 PAC / §3.2.2 PNS state machines, reduced to what PPTP-over-IP needs). */
export type CallState =
  | 'wait-reply' // client: OCRQ sent, waiting for OCRP
  | 'established' // OCRP Connected sent (server) or received (client)
  | 'wait-disconnect'; // client: CCRQ sent, waiting for CDN

export interface Call {
  readonly callId: number; // ours
  peerCallId: number; // theirs (client: known once OCRP arrives)
  state: CallState;
  /** Client: when to give up waiting for OCRP or CDN. */
  deadline: number | undefined;
}

export class CallTable {
  private readonly calls = new Map<number, Call>();

  get size(): number {
    return this.calls.size;
  }

  add(call: Call): void {
    this.calls.set(call.callId, call);
  }

  byCallId(callId: number): Call | undefined {
    return this.calls.get(callId);
  }

  byPeerCallId(peerCallId: number): Call | undefined {
    for (const c of this.calls.values()) if (c.state !== 'wait-reply' && c.peerCallId === peerCallId) return c;
    return undefined;
  }

  remove(callId: number): void {
    this.calls.delete(callId);
  }

  /** All calls, in insertion order; a copy, so callers may remove while iterating. */
  all(): Call[] {
    return [...this.calls.values()];
  }

  /** Earliest per-call deadline. */
  nextDeadline(): number | undefined {
    let min: number | undefined;
    for (const c of this.calls.values()) if (c.deadline !== undefined && (min === undefined || c.deadline < min)) min = c.deadline;
    return min;
  }
}
