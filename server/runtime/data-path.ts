// The packet path between the network and the sessions: GRE from clients in
// (raw socket, batched) → session by call id; IP from the kernel (TUN, batched)
// → session by destination address; and the two batched writers back out.
// Packets that belong to no one are dropped and counted by reason.

import type { Logger } from 'pino';
import { decodeGre, headerLength, writeHeader } from '../gre/codec.js';
import { GreSocket, type GreBatch, type GreSocketStats } from '../dataplane/gre-socket.js';
import { NativeTun, type TunDevice, type TunStats } from '../dataplane/tun.js';
import type { PacketBatch } from '../dataplane/native.js';
import { isDecodeError } from '../errors.js';
import { now } from '../timers.js';
import { BatchWriter } from './batch-writer.js';
import type { GreTx, TunTx } from './call-session.js';
import type { SessionRegistry } from './registry.js';

export interface DropCounters {
  /** GRE that did not decode (wrong version/protocol, bad length). */
  greMalformed: number;
  /** GRE for a call id no session has. */
  greUnknownCall: number;
  /** GRE for a live call id from another address than the call's client. */
  greWrongPeer: number;
  /** Packets from TUN that are not IPv4 or go to no session's address. */
  tunNoSession: number;
  /** Frames too large for a send slot. */
  oversize: number;
}

/** The two devices' counters: reads (packets, batches = wake-up rounds) and writes
 *  (packets, batches = system-call groups); packets / batches is the batch size achieved. */
export interface DataPathIoStats {
  readonly gre: GreSocketStats | undefined;
  readonly tun: TunStats | undefined;
}

export interface DataPathOptions {
  readonly tunName: string;
  readonly mtu: number;
}

const STRIDE = 2048;

export class DataPath implements GreTx, TunTx {
  readonly drops: DropCounters = { greMalformed: 0, greUnknownCall: 0, greWrongPeer: 0, tunNoSession: 0, oversize: 0 };
  readonly #registry: SessionRegistry;
  readonly #log: Logger;
  #gre: GreSocket | undefined;
  #tun: NativeTun | undefined;
  readonly #greOut: BatchWriter;
  readonly #tunOut: BatchWriter;

  constructor(registry: SessionRegistry, log: Logger) {
    this.#registry = registry;
    this.#log = log;
    this.#greOut = new BatchWriter(64, STRIDE, (b, dst) => this.#gre?.send(b, dst));
    this.#tunOut = new BatchWriter(64, STRIDE, (b) => this.#tun?.writePackets(b));
  }

  /** Opens the raw GRE socket and the TUN device (needs CAP_NET_RAW and CAP_NET_ADMIN). */
  open(opts: DataPathOptions): TunDevice {
    const onError = (what: string) => (err: Error) => this.#log.error({ err: err.message }, `${what} failed: ${err.message}`);
    this.#gre = GreSocket.open({ onError: onError('GRE receive') });
    this.#tun = NativeTun.open({ name: opts.tunName, mtu: opts.mtu, onError: onError('TUN read') });
    this.#gre.onPackets((b) => this.#onGre(b));
    this.#tun.onPackets((b) => this.#onTun(b));
    return this.#tun;
  }

  /** Batch sizes and drops of the GRE socket and the TUN device (undefined before open()). */
  ioStats(): DataPathIoStats {
    return { gre: this.#gre?.stats(), tun: this.#tun?.stats() };
  }

  close(): void {
    this.#greOut.flush();
    this.#tunOut.flush();
    this.#gre?.close();
    this.#tun?.close();
    this.#gre = undefined;
    this.#tun = undefined;
  }

  // ---- in ------------------------------------------------------------------------------

  #onGre(b: GreBatch): void {
    const t = now();
    for (let i = 0; i < b.count; i++) {
      const off = b.offsets[i]!;
      const pkt = decodeGre(b.slab, off, off + b.lengths[i]!);
      if (isDecodeError(pkt)) {
        this.drops.greMalformed++;
        continue;
      }
      const s = this.#registry.byCallId(pkt.callId);
      if (!s) {
        this.drops.greUnknownCall++;
        continue;
      }
      if (s.peerIp !== b.sources[i]) {
        s.grePeerMismatch++;
        this.drops.greWrongPeer++;
        continue;
      }
      s.onGre(pkt, t);
    }
    // The batch is handled: what it produced leaves now, in one system call each,
    // instead of a loop turn later (lower latency; batching is kept per received batch).
    this.#flushOut();
  }

  #flushOut(): void {
    if (this.#tunOut.pending > 0) this.#tunOut.flush();
    if (this.#greOut.pending > 0) this.#greOut.flush();
  }

  #onTun(b: PacketBatch): void {
    const t = now();
    for (let i = 0; i < b.count; i++) {
      const off = b.offsets[i]!;
      const len = b.lengths[i]!;
      if (len < 20 || b.slab[off]! >> 4 !== 4) {
        this.drops.tunNoSession++;
        continue;
      }
      const s = this.#registry.byIp(b.slab.readUInt32BE(off + 16));
      if (!s || s.state !== 'up') {
        this.drops.tunNoSession++;
        continue;
      }
      s.sendIp(b.slab.subarray(off, off + len), t);
    }
    this.#flushOut();
  }

  // ---- out -----------------------------------------------------------------------------

  send(dst: number, peerCallId: number, seq: number | undefined, ack: number | undefined, frame: Uint8Array): void {
    const off = this.reserveFrame(dst, peerCallId, seq, ack, frame.length);
    if (off >= 0) this.#greOut.slab.set(frame, off);
  }

  /** The GRE send slab: reserveFrame() offsets point into it (the same Buffer for the data path's life). */
  get greSlab(): Buffer {
    return this.#greOut.slab;
  }

  /**
   * Queues a GRE packet to `dst` carrying a frame of `frameLength` octets that the caller
   * writes itself (PPP DataPath.encapsulateInto: encrypted in place, no frame buffer and
   * no second copy): writes the GRE header and returns the offset in greSlab where the
   * frame goes; -1 when it does not fit a slot (counted in drops.oversize). The frame must
   * be written before the next send(), reserveFrame() or flush (a full slab is flushed by
   * the next reservation). Same order and batching as send().
   */
  reserveFrame(dst: number, peerCallId: number, seq: number | undefined, ack: number | undefined, frameLength: number): number {
    const hl = headerLength(seq !== undefined, ack !== undefined);
    const out = this.#greOut;
    const off = out.reserve(hl + frameLength, dst);
    if (off < 0) {
      this.drops.oversize++;
      return -1;
    }
    writeHeader(out.slab, off, { callId: peerCallId, payloadLength: frameLength, seq, ack });
    return off + hl;
  }

  write(packet: Uint8Array): void {
    const out = this.#tunOut;
    const off = out.reserve(packet.length, 0);
    if (off < 0) {
      this.drops.oversize++;
      return;
    }
    out.slab.set(packet, off);
  }
}
