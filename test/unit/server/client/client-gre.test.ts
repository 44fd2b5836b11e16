// ClientGre: one transport, many calls; demultiplexing by our Call ID and the server's
// address; batched sends with the right enhanced GRE header.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClientGre, type GreEndpoint, type GreTransport } from '../../../../server/client/client-gre.js';
import { decodeGre, encodeGre, type GrePacket } from '../../../../server/gre/codec.js';
import { isDecodeError } from '../../../../server/errors.js';
import type { GreBatch, GreHandler } from '../../../../server/dataplane/gre-socket.js';

class FakeTransport implements GreTransport {
  handler: GreHandler | undefined;
  sent: { dst: number; bytes: Buffer }[] = [];
  sendCalls = 0;
  closed = false;
  send(b: GreBatch | { slab: Buffer; offsets: Uint32Array; lengths: Uint32Array; count: number }, dst: Uint32Array): number {
    this.sendCalls++;
    for (let i = 0; i < b.count; i++) {
      const off = b.offsets[i]!;
      this.sent.push({ dst: dst[i]!, bytes: Buffer.from(b.slab.subarray(off, off + b.lengths[i]!)) });
    }
    return b.count;
  }
  onPackets(h: GreHandler | undefined): void {
    this.handler = h;
  }
  close(): void {
    this.closed = true;
  }
  /** Packets as one received batch, all from `source`. */
  receive(packets: Uint8Array[], sources: number[]): void {
    const slab = Buffer.concat(packets.map((p) => Buffer.from(p)));
    const offsets = new Uint32Array(packets.length);
    const lengths = new Uint32Array(packets.length);
    let o = 0;
    packets.forEach((p, i) => {
      offsets[i] = o;
      lengths[i] = p.length;
      o += p.length;
    });
    this.handler!({ slab, offsets, lengths, sources: Uint32Array.from(sources), count: packets.length });
  }
}

class Endpoint implements GreEndpoint {
  got: { seq: number | undefined; ack: number | undefined; payload: string }[] = [];
  constructor(readonly peerIp: number) {}
  onGre(pkt: GrePacket): void {
    this.got.push({ seq: pkt.seq, ack: pkt.ack, payload: Buffer.from(pkt.payload).toString() });
  }
}

const SERVER_A = 0xc0000201;
const SERVER_B = 0xc0000202;

test('demultiplexes by our Call ID and drops wrong peers, unknown calls and malformed GRE', () => {
  const t = new FakeTransport();
  const gre = new ClientGre(t);
  const a = new Endpoint(SERVER_A);
  const b = new Endpoint(SERVER_B);
  const idA = gre.attach(a)!;
  const idB = gre.attach(b)!;
  assert.notEqual(idA, idB);
  assert.ok(idA > 0 && idB > 0, 'Call ID 0 is never handed out');
  assert.equal(gre.size, 2);
  t.receive(
    [
      encodeGre({ callId: idA, seq: 1 }, Buffer.from('to-a')),
      encodeGre({ callId: idB, seq: 5, ack: 3 }, Buffer.from('to-b')),
      encodeGre({ callId: idA, ack: 9 }),
      encodeGre({ callId: idA, seq: 2 }, Buffer.from('spoofed')), // right call, wrong source
      encodeGre({ callId: (idB + 1000) & 0xffff || 1, seq: 1 }, Buffer.from('nobody')),
      Buffer.from([0x30, 0x01, 0x08, 0x00]), // truncated
    ],
    [SERVER_A, SERVER_B, SERVER_A, SERVER_B, SERVER_A, SERVER_A],
  );
  assert.deepEqual(a.got, [{ seq: 1, ack: undefined, payload: 'to-a' }, { seq: undefined, ack: 9, payload: '' }]);
  assert.deepEqual(b.got, [{ seq: 5, ack: 3, payload: 'to-b' }]);
  assert.deepEqual(gre.counters, { received: 3, malformed: 1, unknownCall: 1, wrongPeer: 1, sent: 0, oversize: 0, sendCalls: 0, receiveBatches: 1 });
  // Detached: its id no longer routes, and is free again.
  gre.detach(idA, a);
  gre.detach(idA, a); // idempotent
  assert.equal(gre.size, 1);
  assert.equal(gre.callIds.isUsed(idA), false);
  t.receive([encodeGre({ callId: idA, seq: 3 }, Buffer.from('late'))], [SERVER_A]);
  assert.equal(a.got.length, 2);
  assert.equal(gre.counters.unknownCall, 2);
  // detach with the wrong endpoint does nothing
  gre.detach(idB, a);
  assert.equal(gre.size, 1);
});

test('sends are batched into one transport call per turn, with correct headers', async () => {
  const t = new FakeTransport();
  const gre = new ClientGre(t);
  gre.send(SERVER_A, 0x1234, 0, undefined, Buffer.from('lcp'));
  gre.send(SERVER_A, 0x1234, 1, 7, Buffer.from('ipcp'));
  gre.send(SERVER_B, 0x99, undefined, 8, new Uint8Array(0));
  assert.equal(t.sendCalls, 0, 'nothing leaves before the end of the turn');
  await new Promise((r) => setImmediate(r));
  assert.equal(t.sendCalls, 1);
  assert.equal(gre.counters.sendCalls, 1, 'one batch counted for three packets');
  const decoded = t.sent.map((s) => ({ dst: s.dst, pkt: decodeGre(s.bytes) }));
  const view = decoded.map(({ dst, pkt }) => {
    assert.ok(!isDecodeError(pkt));
    return { dst, callId: pkt.callId, seq: pkt.seq, ack: pkt.ack, payload: Buffer.from(pkt.payload).toString() };
  });
  assert.deepEqual(view, [
    { dst: SERVER_A, callId: 0x1234, seq: 0, ack: undefined, payload: 'lcp' },
    { dst: SERVER_A, callId: 0x1234, seq: 1, ack: 7, payload: 'ipcp' },
    { dst: SERVER_B, callId: 0x99, seq: undefined, ack: 8, payload: '' },
  ]);
  assert.equal(gre.counters.sent, 3);
  // A frame too big for a slot is dropped and counted.
  gre.send(SERVER_A, 1, 2, undefined, Buffer.alloc(4000));
  assert.equal(gre.counters.oversize, 1);
  // close() flushes, stops receiving, closes the transport; attach then fails.
  gre.send(SERVER_A, 1, 3, undefined, Buffer.from('last'));
  gre.close();
  assert.equal(t.sendCalls, 2);
  assert.equal(gre.counters.sendCalls, 2);
  assert.equal(t.closed, true);
  assert.equal(t.handler, undefined);
  assert.equal(gre.attach(new Endpoint(SERVER_A)), undefined);
});

test('a full batch (64) is flushed at once; more than 64 packets in a turn all go', async () => {
  const t = new FakeTransport();
  const gre = new ClientGre(t);
  for (let i = 0; i < 150; i++) gre.send(SERVER_A, 1, i, undefined, Buffer.from([i & 0xff]));
  assert.equal(t.sendCalls, 2);
  await new Promise((r) => setImmediate(r));
  assert.equal(t.sendCalls, 3);
  assert.equal(t.sent.length, 150);
  const seqs = t.sent.map((s) => {
    const p = decodeGre(s.bytes);
    return isDecodeError(p) ? -1 : p.seq;
  });
  assert.deepEqual(seqs, [...Array(150).keys()]);
});
