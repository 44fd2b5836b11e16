// The client side of the GRE data channel: ONE raw GRE socket per process shared by every
// PptpClient in it (the load benchmark runs hundreds), demultiplexing received GRE by OUR
// Call ID (RFC 2637 §4.1: the Key's low half is the receiver's Call ID) and sending
// through one batched writer (a sendmmsg per event-loop turn, as the server's DataPath).
//
// Call IDs are therefore unique process-wide: the allocator lives here, not per client.
// Packets that belong to no one are dropped and counted by reason.

import { decodeGre, headerLength, writeHeader, type GrePacket } from '../gre/codec.js';
import { GreSocket, type GreHandler, type GreSocketOptions } from '../dataplane/gre-socket.js';
import type { PacketBatch } from '../dataplane/native.js';
import { isDecodeError } from '../errors.js';
import { CallIdAllocator } from '../pptp/call-ids.js';
import { BatchWriter } from '../runtime/batch-writer.js';
import { now } from '../timers.js';

/** What ClientGre needs from a raw GRE socket (GreSocket fits; tests pass an in-memory one). */
export interface GreTransport {
  send(batch: PacketBatch, dstIPv4: Uint32Array): number;
  onPackets(handler: GreHandler | undefined): void;
  close(): void;
}

/** One call as the demultiplexer sees it. */
export interface GreEndpoint {
  /** The server's IPv4 address (host order): GRE from anywhere else is dropped. */
  readonly peerIp: number;
  /** A GRE packet for this call; `pkt.payload` is a view valid only during the call. */
  onGre(pkt: GrePacket, t: number): void;
}

/** Sends one GRE packet (an ack-only packet when `frame` is empty and `seq` undefined). */
export interface GreSender {
  send(dst: number, peerCallId: number, seq: number | undefined, ack: number | undefined, frame: Uint8Array): void;
}

export interface ClientGreCounters {
  /** GRE packets handed to a call. */
  received: number;
  /** GRE that did not decode (wrong version/protocol, bad lengths). */
  malformed: number;
  /** GRE for a Call ID no client here holds. */
  unknownCall: number;
  /** GRE for a live Call ID from an address other than that call's server. */
  wrongPeer: number;
  /** GRE packets queued for sending. */
  sent: number;
  /** Frames too large for a send slot (dropped). */
  oversize: number;
  /** Batches handed to the socket (one sendmmsg each): `sent / sendCalls` is the batching achieved. */
  sendCalls: number;
  /** Batches read from the socket (one recvmmsg each). */
  receiveBatches: number;
}

const STRIDE = 2048;
const BATCH = 64;
const ID_COUNT = 0x10000;

export class ClientGre implements GreSender {
  readonly counters: ClientGreCounters = {
    received: 0, malformed: 0, unknownCall: 0, wrongPeer: 0, sent: 0, oversize: 0, sendCalls: 0, receiveBatches: 0,
  };
  readonly callIds = new CallIdAllocator();
  // Call IDs are 16-bit: a flat array is the cheapest per-packet lookup (as the server's registry).
  readonly #byCallId: (GreEndpoint | undefined)[] = new Array(ID_COUNT);
  readonly #transport: GreTransport;
  readonly #out: BatchWriter;
  #size = 0;
  #closed = false;

  constructor(transport: GreTransport) {
    this.#transport = transport;
    this.#out = new BatchWriter(BATCH, STRIDE, (b, dst) => {
      if (this.#closed) return;
      this.counters.sendCalls++;
      this.#transport.send(b, dst);
    });
    transport.onPackets((b) => this.#onBatch(b.slab, b.offsets, b.lengths, b.sources, b.count));
  }

  /** Opens the process's raw GRE socket (needs CAP_NET_RAW, i.e. root). */
  static open(options: GreSocketOptions = {}): ClientGre {
    return new ClientGre(GreSocket.open(options));
  }

  /** Calls attached now. */
  get size(): number {
    return this.#size;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Allocates a Call ID for `endpoint` and routes its GRE to it; undefined when all ids are taken. */
  attach(endpoint: GreEndpoint): number | undefined {
    if (this.#closed) return undefined;
    const id = this.callIds.allocate();
    if (id === undefined) return undefined;
    this.#byCallId[id] = endpoint;
    this.#size++;
    return id;
  }

  /** Stops routing GRE to `callId` and frees the id. Idempotent per attachment. */
  detach(callId: number, endpoint: GreEndpoint): void {
    if (this.#byCallId[callId] !== endpoint) return;
    this.#byCallId[callId] = undefined;
    this.callIds.release(callId);
    this.#size--;
  }

  send(dst: number, peerCallId: number, seq: number | undefined, ack: number | undefined, frame: Uint8Array): void {
    if (this.#closed) return;
    const hl = headerLength(seq !== undefined, ack !== undefined);
    const out = this.#out;
    const off = out.reserve(hl + frame.length, dst);
    if (off < 0) {
      this.counters.oversize++;
      return;
    }
    writeHeader(out.slab, off, { callId: peerCallId, payloadLength: frame.length, seq, ack });
    out.slab.set(frame, off + hl);
    this.counters.sent++;
  }

  /** Sends what is queued now (otherwise it goes at the end of this event-loop turn). */
  flush(): void {
    this.#out.flush();
  }

  /** Flushes and closes the socket. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#out.flush();
    this.#closed = true;
    this.#transport.onPackets(undefined);
    this.#transport.close();
  }

  #onBatch(slab: Buffer, offsets: Uint32Array, lengths: Uint32Array, sources: Uint32Array, count: number): void {
    const t = now();
    this.counters.receiveBatches++;
    for (let i = 0; i < count; i++) {
      const off = offsets[i]!;
      const pkt = decodeGre(slab.subarray(off, off + lengths[i]!));
      if (isDecodeError(pkt)) {
        this.counters.malformed++;
        continue;
      }
      const ep = this.#byCallId[pkt.callId];
      if (!ep) {
        this.counters.unknownCall++;
        continue;
      }
      if (ep.peerIp !== sources[i]) {
        this.counters.wrongPeer++;
        continue;
      }
      this.counters.received++;
      ep.onGre(pkt, t);
    }
    // What the batch produced (acks, replies) leaves now, not a loop turn later.
    if (this.#out.pending > 0) this.#out.flush();
  }
}

// ---- the process-wide instance -------------------------------------------------------

let shared: ClientGre | undefined;
let users = 0;

/** The process's shared ClientGre, opened on first use; pair every call with releaseSharedGre(). */
export function acquireSharedGre(): ClientGre {
  if (!shared || shared.closed) {
    shared = ClientGre.open();
    users = 0;
  }
  users++;
  return shared;
}

/** The process's shared ClientGre while it is open (for its counters), else undefined. */
export function sharedGreIfOpen(): ClientGre | undefined {
  return shared && !shared.closed ? shared : undefined;
}

/** One user of the shared ClientGre is done; the last one closes the socket (so the process can exit). */
export function releaseSharedGre(gre: ClientGre): void {
  if (gre !== shared) return;
  users--;
  if (users <= 0) {
    // Let this turn's batched sends (the last LCP/GRE acks) leave first.
    gre.close();
    shared = undefined;
    users = 0;
  }
}
