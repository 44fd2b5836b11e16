// Fuzz targets for the PPTP control channel (RFC 2637 §2-3) and enhanced GRE (§4):
// the framer + ControlConnection in both roles, fed mutated message streams in random
// chunks with the clock moving; the GRE codec and the sequence/ack window.
import assert from 'node:assert/strict';
import { isDecodeError } from '../../../server/errors.js';
import { decodeGre, encodeGre } from '../../../server/gre/codec.js';
import { GreWindow } from '../../../server/gre/window.js';
import { decodeControlMessage, encodeControlMessage } from '../../../server/pptp/codec.js';
import { ControlConnection } from '../../../server/pptp/control.js';
import { ControlFramer } from '../../../server/pptp/framer.js';
import { fixtures } from '../server/pptp/fixtures.js';
import { mutate, type FuzzTarget, type Rng } from './harness.js';

const CONTROL_SEEDS: readonly Uint8Array[] = fixtures.map((f) => f.wire);
const SCCRQ = CONTROL_SEEDS[fixtures.findIndex((f) => f.message.type === 'SCCRQ')]!;
const SCCRP = CONTROL_SEEDS[fixtures.findIndex((f) => f.message.type === 'SCCRP')]!;
const OCRQ = CONTROL_SEEDS[fixtures.findIndex((f) => f.message.type === 'OCRQ')]!;
const OCRP = CONTROL_SEEDS[fixtures.findIndex((f) => f.message.type === 'OCRP')]!;

/** Everything a control core writes must be a message our own decoder accepts. */
function checkTransmits(c: ControlConnection): void {
  for (let out = c.pollTransmit(); out; out = c.pollTransmit()) {
    const m = decodeControlMessage(out);
    assert.ok(!isDecodeError(m), `the core sent an undecodable message: ${Buffer.from(out).toString('hex')}`);
  }
}

/** Feeds `bytes` to `c` in 1..3 random chunks. */
function feedChunks(rng: Rng, c: ControlConnection, bytes: Uint8Array, now: number): void {
  let off = 0;
  for (let k = 0; k < 3 && off < bytes.length; k++) {
    const n = k === 2 ? bytes.length - off : 1 + rng.int(bytes.length - off);
    c.handleData(bytes.subarray(off, off + n), now);
    off += n;
  }
}

/**
 * A stream for a control core: mostly well-formed messages (so the state machine gets
 * deep: established, calls up) with mutated ones among them.
 */
function streamInput(rng: Rng, lead: Uint8Array, second: Uint8Array): Uint8Array {
  const r = rng.next();
  if (r < 0.15) return lead;
  if (r < 0.3) return second;
  if (r < 0.55) return rng.pick(CONTROL_SEEDS);
  return mutate(rng, CONTROL_SEEDS, 700);
}

function controlTarget(role: 'server' | 'client'): FuzzTarget {
  return {
    name: `pptp-control-${role}`,
    covers: `ControlFramer + ControlConnection (${role}): mutated message streams, random chunking, timeouts`,
    setup() {
      let now = 0;
      let core: ControlConnection | undefined;
      let nextCallId = 1;
      const fresh = (): ControlConnection => {
        const c = new ControlConnection({ role, echoInterval: 5_000, echoTimeout: 5_000, startTimeout: 10_000, callTimeout: 10_000 }, now);
        if (role === 'client') c.start(now);
        return c;
      };
      return (rng) => {
        if (!core || core.isClosed || rng.chance(0.002)) core = fresh();
        const c = core;
        now += rng.int(400);
        if (rng.chance(0.1)) {
          const due = c.pollTimeout();
          if (due !== undefined) now = Math.max(now, due);
          c.handleTimeout(now);
        } else {
          feedChunks(rng, c, streamInput(rng, role === 'server' ? SCCRQ : SCCRP, role === 'server' ? OCRQ : OCRP), now);
        }
        for (let ev = c.pollEvent(); ev; ev = c.pollEvent()) {
          if (ev.type === 'outgoing-call-request') {
            if (rng.chance(0.7)) c.acceptCall(ev.peerCallId, { callId: nextCallId++ & 0xffff || 1 });
            else c.rejectCall(ev.peerCallId, 4);
          } else if (ev.type === 'control-connection-up' && role === 'client' && c.connectionState === 'established') {
            c.placeCall({ callId: nextCallId++ & 0xffff || 1 }, now);
          }
        }
        if (rng.chance(0.02)) c.clearCall(rng.int(nextCallId), now);
        if (rng.chance(0.005)) c.stop(now);
        checkTransmits(c);
      };
    },
  };
}

export const pptpFramer: FuzzTarget = {
  name: 'pptp-framer+codec',
  covers: 'ControlFramer.push + decodeControlMessage; whatever decodes re-encodes and decodes equal',
  setup() {
    let framer = new ControlFramer();
    return (rng) => {
      if (framer.error || rng.chance(0.01)) framer = new ControlFramer();
      for (const item of framer.push(mutate(rng, CONTROL_SEEDS, 1200))) {
        if (isDecodeError(item)) break;
        const m = decodeControlMessage(item);
        if (isDecodeError(m)) continue;
        const again = decodeControlMessage(encodeControlMessage(m));
        assert.ok(!isDecodeError(again), `${m.type} re-encoded does not decode`);
        assert.equal(again.type, m.type);
      }
      assert.ok(framer.buffered <= framer.maxMessageLength);
    };
  },
};

export const pptpControlServer = controlTarget('server');
export const pptpControlClient = controlTarget('client');

const GRE_SEEDS: readonly Uint8Array[] = [
  encodeGre({ callId: 7, seq: 1, ack: 0 }, Buffer.from('ff03c021010100040000', 'hex')),
  encodeGre({ callId: 7, seq: 0xffffffff }, Buffer.alloc(40, 0x45)),
  encodeGre({ callId: 0xffff, ack: 12 }),
  encodeGre({ callId: 1, seq: 5 }, Buffer.alloc(1400, 1)),
];

export const greTarget: FuzzTarget = {
  name: 'gre-codec+window',
  covers: 'decodeGre on random/mutated packets; decoded headers re-encode equal; GreWindow fed their seq/ack',
  setup() {
    let now = 0;
    let w = new GreWindow({ peerWindow: 64 });
    return (rng) => {
      if (rng.chance(0.001)) w = new GreWindow({ peerWindow: 1 + rng.int(128) });
      now += rng.int(30);
      const pkt = decodeGre(mutate(rng, GRE_SEEDS, 1600));
      if (!isDecodeError(pkt)) {
        const again = decodeGre(encodeGre({ callId: pkt.callId, seq: pkt.seq, ack: pkt.ack }, pkt.payload));
        assert.ok(!isDecodeError(again));
        assert.equal(again.callId, pkt.callId);
        assert.equal(again.seq, pkt.seq);
        assert.equal(again.ack, pkt.ack);
        assert.ok(Buffer.from(again.payload).equals(Buffer.from(pkt.payload)));
        if (pkt.ack !== undefined) w.onAck(pkt.ack, now);
        if (pkt.seq !== undefined) w.onData(pkt.seq, now);
      }
      assert.ok(w.unacknowledged <= w.counters.sent, 'never more unacknowledged than sent');
      // Our side of the window: sends, acks due, deadlines.
      if (rng.chance(0.5)) w.takeSeq(now);
      if (rng.chance(0.3)) w.takeAck();
      const due = w.nextDeadline();
      if (due !== undefined && rng.chance(0.3)) {
        now = Math.max(now, due);
        w.ackDue(now);
      }
    };
  },
};
