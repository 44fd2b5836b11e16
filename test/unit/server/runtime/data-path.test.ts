// The runtime data path's send side without devices (server/runtime/data-path.ts):
// reserveFrame() + a frame written in place produce the same GRE packet as send(), in the
// same slot order; frames too big for a slot are refused and counted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Logger } from 'pino';
import { DataPath } from '../../../../server/runtime/data-path.js';
import { SessionRegistry } from '../../../../server/runtime/registry.js';
import { decodeGre } from '../../../../server/gre/codec.js';
import { isDecodeError } from '../../../../server/errors.js';

const log = { error() {} } as unknown as Logger;

test('reserveFrame + in-place frame = send(), GRE header included', () => {
  const a = new DataPath(new SessionRegistry(), log);
  const b = new DataPath(new SessionRegistry(), log);
  const cases = [
    { seq: 7, ack: 3, len: 1402 },
    { seq: 8, ack: undefined, len: 100 },
    { seq: undefined, ack: 9, len: 0 },
  ];
  const offsets: number[] = [];
  for (const [i, c] of cases.entries()) {
    const frame = Buffer.alloc(c.len, i + 1);
    a.send(0x0a000001 + i, 0x1234, c.seq, c.ack, frame);
    const off = b.reserveFrame(0x0a000001 + i, 0x1234, c.seq, c.ack, c.len);
    assert.ok(off >= 0);
    b.greSlab.fill(i + 1, off, off + c.len);
    offsets.push(off);
  }
  for (const [i, c] of cases.entries()) {
    const slot = i * 2048;
    const end = offsets[i]! + c.len;
    assert.deepEqual(b.greSlab.subarray(slot, end), a.greSlab.subarray(slot, end), `packet ${i}`);
    const pkt = decodeGre(b.greSlab, slot, end);
    if (isDecodeError(pkt)) return assert.fail(pkt.reason);
    assert.equal(pkt.callId, 0x1234);
    assert.equal(pkt.seq, c.seq);
    assert.equal(pkt.ack, c.ack);
    assert.equal(pkt.payload.length, c.len);
  }
  a.close();
  b.close();
});

test('a frame too big for a slot is refused and counted as oversize', () => {
  const d = new DataPath(new SessionRegistry(), log);
  assert.equal(d.reserveFrame(1, 1, 1, undefined, 2048), -1);
  assert.equal(d.drops.oversize, 1);
  assert.ok(d.reserveFrame(1, 1, 1, undefined, 2048 - 12) >= 0, 'header + frame = one slot fits');
  assert.deepEqual(d.ioStats(), { gre: undefined, tun: undefined });
  d.close();
});
