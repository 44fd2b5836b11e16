// Per-call sequence/acknowledgement bookkeeping for enhanced GRE (RFC 2637 §4.1–§4.4),
// sans-I/O: the caller reports packets and asks questions with `now` (ms).
//
// Receive: PPP tolerates loss but not reordering well, so a packet ahead of the highest
// sequence number seen is accepted (a gap is counted as lost), and one at or behind it
// is dropped: as a duplicate if it was seen (a 32-packet history tells), as late if not.
// Sequence numbers compare in 32-bit serial arithmetic (RFC 1982), so they wrap.
// One spoofed packet far ahead would make every genuine packet after it "late" for good,
// so a run of RESYNC_RUN late packets that follow one another (n, n+1, n+2, ...) means
// the highest was not the peer's: the window resynchronises to that run.
// Acknowledge: an ack rides on our next data packet (takeAck()); if none goes out within
// ackDelay, ackDue() says to send an ack-only packet.
// Send: §4.2 asks us not to exceed the peer's receive window (from its OCRQ or OCRP) of
// unacknowledged packets. Peers that never acknowledge exist, so a full window blocks
// for at most sendTimeout without ack progress, then packets go anyway (as pptp-linux
// does); those sends are counted.

/** Delay before an ack-only packet; short, since pptp-linux offers a window of only 3. */
export const DEFAULT_ACK_DELAY_MS = 50;
/** How long a full send window may wait for acknowledgement progress. */
export const DEFAULT_SEND_TIMEOUT_MS = 1_000;
/** Consecutive in-order "late" packets after which the receive side resynchronises to them. */
export const RESYNC_RUN = 8;
/** Window used when the peer gave none (0 would stop all traffic). */
export const DEFAULT_PEER_WINDOW = 64;

export interface GreWindowOptions {
  /** The peer's Packet Recv. Window Size (OCRQ for a server, OCRP for a client). */
  readonly peerWindow?: number;
  readonly ackDelay?: number;
  readonly sendTimeout?: number;
}

export interface GreWindowCounters {
  received: number; // data packets accepted
  duplicate: number; // dropped: this sequence number was already received
  late: number; // dropped: behind the highest received, never seen (reordered or very old)
  resyncs: number; // the highest was abandoned for a run of in-order packets behind it
  lost: number; // sequence numbers skipped by accepted packets (some may arrive late)
  sent: number; // sequence numbers handed out
  sentOverWindow: number; // sent although the peer's window was full (after sendTimeout)
  acksIgnored: number; // Acknowledgment Numbers for packets we never sent
}

/** a is after b in 32-bit serial arithmetic. */
export function seqAfter(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}

export class GreWindow {
  readonly peerWindow: number;
  readonly ackDelay: number;
  readonly sendTimeout: number;
  readonly counters: GreWindowCounters = { received: 0, duplicate: 0, late: 0, resyncs: 0, lost: 0, sent: 0, sentOverWindow: 0, acksIgnored: 0 };

  // send side (§4.1: "The sequence number for each user session is set to zero at session startup")
  private nextSeq = 0;
  private peerAcked = 0xffffffff; // the highest of our numbers the peer acknowledged; -1 = none
  private progressAt = 0; // when the peer last acknowledged something new, or our wait began

  // receive side
  private haveRx = false;
  private rxHighest = 0;
  private rxHistory = 0; // bit i set: rxHighest - 1 - i was received
  private lateRun = 0; // consecutive late packets, each one after the previous
  private lateLast = 0; // the last of them
  private ackPendingSince: number | undefined;

  constructor(options: GreWindowOptions = {}) {
    this.peerWindow = options.peerWindow && options.peerWindow > 0 ? options.peerWindow : DEFAULT_PEER_WINDOW;
    this.ackDelay = options.ackDelay ?? DEFAULT_ACK_DELAY_MS;
    this.sendTimeout = options.sendTimeout ?? DEFAULT_SEND_TIMEOUT_MS;
  }

  // ---- receive -------------------------------------------------------------

  /** A data packet with Sequence Number `seq` arrived. True: deliver its payload; false: drop it. */
  onData(seq: number, now: number): boolean {
    seq >>>= 0;
    if (!this.haveRx) {
      // The first packet sets the baseline, whatever its number (pptp-linux starts at 1, Windows at 0).
      this.haveRx = true;
      this.rxHighest = seq;
      this.rxHistory = 0;
    } else {
      const d = (seq - this.rxHighest) | 0;
      if (d <= 0) {
        const back = -d; // 0 = same as the highest
        const seen = back === 0 || (back <= 32 && (this.rxHistory & (1 << (back - 1))) !== 0);
        if (seen) {
          this.counters.duplicate++;
          return false;
        }
        this.counters.late++;
        this.lateRun = this.lateRun > 0 && seq === ((this.lateLast + 1) >>> 0) ? this.lateRun + 1 : 1;
        this.lateLast = seq;
        if (this.lateRun < RESYNC_RUN) return false;
        // The peer is plainly sending from here: take this run as the new baseline.
        this.counters.resyncs++;
        this.lateRun = 0;
        this.rxHighest = seq;
        this.rxHistory = (1 << (RESYNC_RUN - 1)) - 1; // the run's earlier packets were seen (and dropped)
        this.counters.received++;
        if (this.ackPendingSince === undefined) this.ackPendingSince = now;
        return true;
      }
      this.lateRun = 0;
      this.counters.lost += d - 1;
      // Shift the history: the old highest becomes "1 behind".
      this.rxHistory = d > 32 ? 0 : d === 32 ? 1 << 31 : ((this.rxHistory << d) | (1 << (d - 1))) >>> 0;
      this.rxHighest = seq;
    }
    this.counters.received++;
    if (this.ackPendingSince === undefined) this.ackPendingSince = now;
    return true;
  }

  /** An Acknowledgment Number arrived (on a data or an ack-only packet). */
  onAck(ack: number, now: number): void {
    ack >>>= 0;
    if (!seqAfter(ack, this.peerAcked)) return; // old or repeated (Cisco sends 0xffffffff before any data: "none")
    const lastSent = (this.nextSeq - 1) >>> 0;
    if (seqAfter(ack, lastSent)) {
      this.counters.acksIgnored++;
      return;
    }
    this.peerAcked = ack;
    this.progressAt = now;
  }

  /** The ack to piggyback on the data packet being sent now, or undefined if nothing new. */
  takeAck(): number | undefined {
    if (this.ackPendingSince === undefined) return undefined;
    this.ackPendingSince = undefined;
    return this.rxHighest;
  }

  /** If an ack has waited ackDelay with no data packet to ride on: its number (now counted as sent). */
  ackDue(now: number): number | undefined {
    if (this.ackPendingSince === undefined || now < this.ackPendingSince + this.ackDelay) return undefined;
    return this.takeAck();
  }

  /** The highest Sequence Number received, if any. */
  get highestReceived(): number | undefined {
    return this.haveRx ? this.rxHighest : undefined;
  }

  // ---- send ----------------------------------------------------------------

  /** Our data packets not yet acknowledged by the peer. */
  get unacknowledged(): number {
    return (this.nextSeq - 1 - this.peerAcked) >>> 0;
  }

  /** Whether a data packet may go now: room in the peer's window, or the wait timed out. */
  canSend(now: number): boolean {
    return this.unacknowledged < this.peerWindow || now >= this.progressAt + this.sendTimeout;
  }

  /** The Sequence Number for the data packet being sent now. */
  takeSeq(now: number): number {
    const unacked = this.unacknowledged;
    if (unacked === 0) this.progressAt = now; // a new wait for acknowledgement begins
    else if (unacked >= this.peerWindow) this.counters.sentOverWindow++;
    const seq = this.nextSeq;
    this.nextSeq = (this.nextSeq + 1) >>> 0;
    this.counters.sent++;
    return seq;
  }

  /** When the caller should next look: an ack falling due, or a blocked window opening. */
  nextDeadline(): number | undefined {
    const ack = this.ackPendingSince === undefined ? undefined : this.ackPendingSince + this.ackDelay;
    const unblock = this.unacknowledged >= this.peerWindow ? this.progressAt + this.sendTimeout : undefined;
    if (ack === undefined) return unblock;
    if (unblock === undefined) return ack;
    return Math.min(ack, unblock);
  }

  /** Start numbering from `seq` (tests use it to exercise wraparound). */
  setNextSeq(seq: number): void {
    this.nextSeq = seq >>> 0;
    this.peerAcked = (seq - 1) >>> 0;
  }
}
