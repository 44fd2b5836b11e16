// GreSocket in this process over loopback (127.0.0.1 only): the wrapper's own
// life cycle — start, replace and stop delivery, stats, close — which the
// namespace tests only see from outside. Other GRE on loopback is ignored by
// filtering on a call id chosen per run.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GreSocket, parseIPv4, type GreBatch } from '../../../server/dataplane/gre-socket.js';
import { PptpdError } from '../../../server/errors.js';
import { allocBatch, dataplaneUnavailable } from '../../../server/dataplane/native.js';
import { readGre, writeGre } from './fixtures/packets.js';
import { waitFor } from '../../helpers/wait.js';

const skip = dataplaneUnavailable() ?? (process.getuid?.() !== 0 ? 'raw sockets need CAP_NET_RAW (root)' : false);
const LOOPBACK = parseIPv4('127.0.0.1');
const callId = process.pid & 0xffff;

function sendN(tx: GreSocket, n: number, firstSeq: number): number {
  const out = allocBatch(n, 128);
  for (let i = 0; i < n; i++) out.lengths[i] = writeGre(out.slab, out.offsets[i]!, callId, firstSeq + i, 40);
  out.count = n;
  return tx.send(out, new Uint32Array(n).fill(LOOPBACK));
}

function collect(rx: GreSocket, into: number[]): void {
  rx.onPackets((b: GreBatch) => {
    for (let i = 0; i < b.count; i++) {
      const g = readGre(b.slab, b.offsets[i]!, b.lengths[i]!, true);
      if (g?.callId === callId && g.patternOk && b.sources[i] === LOOPBACK) into.push(g.seq);
    }
  });
}

const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('GreSocket over loopback', { skip }, () => {
  it('delivers while a handler is set and not after onPackets(undefined)', async () => {
    const rx = GreSocket.open({ rcvbuf: 1 << 20 });
    const tx = GreSocket.open();
    try {
      const seqs: number[] = [];
      collect(rx, seqs);
      assert.equal(sendN(tx, 5, 0), 5);
      await waitFor('5 packets delivered', () => seqs.length >= 5);
      assert.deepEqual(seqs, [0, 1, 2, 3, 4]);
      rx.onPackets(undefined);
      assert.equal(sendN(tx, 3, 100), 3);
      await tick(100);
      assert.deepEqual(seqs, [0, 1, 2, 3, 4], 'no delivery without a handler');
      assert.ok((rx.stats().received?.packets ?? 0) >= 5);
      assert.equal(tx.stats().sent.packets, 8);
    } finally {
      rx.close();
      tx.close();
    }
  });

  it('is idempotent to close and refuses use afterwards', () => {
    const s = GreSocket.open();
    s.onPackets(() => {});
    s.close();
    s.close();
    assert.throws(() => s.onPackets(() => {}), PptpdError);
    assert.throws(() => s.send(allocBatch(1, 64), new Uint32Array(1)), PptpdError);
  });
});
