// The PPP IP data path (server/ppp/datapath.ts): encapsulateInto() (frame built and
// encrypted in the caller's send slab) writes exactly the bytes encapsulate() returns, for
// every compression and MPPE mode, touches nothing outside its range, and what it sends the
// peer's side decrypts back to the IP packet.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataPath } from '../../../../server/ppp/datapath.js';
import type { FrameCompression } from '../../../../server/ppp/frame.js';
import { decodeFrame } from '../../../../server/ppp/frame.js';
import { Protocol } from '../../../../server/ppp/protocols.js';
import { isDecodeError } from '../../../../server/errors.js';
import type { MppeDirection } from '../../../../server/ppp/ccp/mppe-option.js';

const KEY_A = Buffer.alloc(16, 0x11);
const KEY_B = Buffer.alloc(16, 0x22);
const COMPRESSIONS: FrameCompression[] = [
  { acfc: false, pfc: false }, { acfc: true, pfc: false }, { acfc: false, pfc: true }, { acfc: true, pfc: true },
];

function ipPacket(len: number, seed: number): Buffer {
  const p = Buffer.alloc(len);
  for (let i = 0; i < len; i++) p[i] = (i * 31 + seed * 7) & 0xff;
  p[0] = 0x45;
  return p;
}

/** A sender and the receiver facing it: A's send key is B's receive key. */
function pair(dir: MppeDirection | null): { tx: DataPath; rx: DataPath } {
  const tx = new DataPath();
  const rx = new DataPath();
  if (dir) {
    tx.configure({ sendKey: KEY_A, recvKey: KEY_B }, { send: dir, recv: null }, true);
    rx.configure({ sendKey: KEY_B, recvKey: KEY_A }, { send: null, recv: dir }, true);
  }
  return { tx, rx };
}

for (const dir of [null, { bits: 128, stateless: true }, { bits: 128, stateless: false }, { bits: 40, stateless: true }] as const) {
  const name = dir ? `MPPE ${dir.bits}-bit ${dir.stateless ? 'stateless' : 'stateful'}` : 'plain IP';
  test(`encapsulateInto = encapsulate, in place at an offset (${name})`, () => {
    for (const comp of COMPRESSIONS) {
      // Two senders with the same keys stay in step: one per form.
      const a = pair(dir).tx;
      const b = pair(dir).tx;
      const slab = Buffer.alloc(2048, 0xee);
      for (let i = 0; i < 40; i++) {
        const pkt = ipPacket(20 + ((i * 97) % 1381), i);
        const want = a.encapsulate(pkt, comp);
        const len = b.frameLength(pkt.length, comp);
        assert.equal(len, want.length);
        slab.fill(0xee);
        const off = 16 + (i % 5);
        assert.equal(b.encapsulateInto(pkt, comp, slab, off), len);
        assert.deepEqual(slab.subarray(off, off + len), want, `packet ${i} ${JSON.stringify(comp)}`);
        assert.ok(slab.subarray(0, off).every((x) => x === 0xee), 'nothing written before the frame');
        assert.ok(slab.subarray(off + len).every((x) => x === 0xee), 'nothing written after the frame');
      }
    }
  });

  test(`frames from encapsulateInto decrypt to the packet on the peer's side (${name})`, () => {
    const { tx, rx } = pair(dir);
    const comp: FrameCompression = { acfc: true, pfc: true };
    const slab = Buffer.alloc(2048);
    for (let i = 0; i < 50; i++) {
      const pkt = ipPacket(1400 - i, i);
      const len = tx.encapsulateInto(pkt, comp, slab, 100);
      const frame = decodeFrame(Buffer.from(slab.subarray(100, 100 + len)));
      if (isDecodeError(frame)) return assert.fail(`packet ${i}: ${frame.reason}`);
      if (!dir) {
        assert.equal(frame.protocol, Protocol.IP);
        assert.deepEqual(frame.info, pkt);
        continue;
      }
      assert.equal(frame.protocol, Protocol.MPPE);
      const r = rx.decryptMppe(frame.info);
      assert.equal(r.kind, 'ip', `packet ${i}: ${r.kind === 'drop' ? r.reason : ''}`);
      if (r.kind === 'ip') assert.deepEqual(r.packet, pkt);
    }
  });
}
