// test/helpers/channel-tun.ts: the in-memory TUN behaves like the device it stands for.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ChannelTun } from '../../../helpers/channel-tun.js';
import { allocBatch, type PacketBatch } from '../../../../server/dataplane/native.js';
import type { TunDevice } from '../../../../server/dataplane/tun.js';
import { PptpdError } from '../../../../server/errors.js';

function packets(n: number): Buffer[] {
  return Array.from({ length: n }, (_, i) => Buffer.from(`packet-${i}`));
}

describe('ChannelTun', () => {
  it('delivers injected packets in batches of batchSize', () => {
    const tun: TunDevice & ChannelTun = new ChannelTun({ batchSize: 4 });
    const counts: number[] = [];
    const seen: string[] = [];
    tun.onPackets((b) => {
      counts.push(b.count);
      for (let i = 0; i < b.count; i++) seen.push(b.slab.toString('latin1', b.offsets[i]!, b.offsets[i]! + b.lengths[i]!));
    });
    assert.equal(tun.inject(packets(10)), 10);
    assert.deepEqual(counts, [4, 4, 2]);
    assert.deepEqual(seen, packets(10).map(String));
  });

  it('poisons the batch after the handler returns, like reused native memory', () => {
    const tun = new ChannelTun();
    let kept: Buffer | undefined;
    tun.onPackets((b: PacketBatch) => { kept = b.slab.subarray(b.offsets[0]!, b.offsets[0]! + b.lengths[0]!); });
    tun.inject([Buffer.from('abc')]);
    assert.deepEqual([...kept!], [0xee, 0xee, 0xee]);
  });

  it('keeps copies of written packets in order', async () => {
    const tun = new ChannelTun();
    const out = allocBatch(2, 16);
    out.slab.write('one', out.offsets[0]!);
    out.lengths[0] = 3;
    out.slab.write('two', out.offsets[1]!);
    out.lengths[1] = 3;
    out.count = 2;
    const waiting = tun.waitForWritten(2);
    assert.equal(tun.writePackets(out), 2);
    await waiting;
    out.slab.fill(0);
    assert.deepEqual(tun.takeWritten().map(String), ['one', 'two']);
    assert.equal(tun.written.length, 0);
  });

  it('counts packets injected without a handler and refuses use after close', () => {
    const tun = new ChannelTun({ mtu: 100 });
    assert.equal(tun.inject(packets(3)), 0);
    assert.equal(tun.undelivered, 3);
    tun.onPackets(() => {});
    assert.throws(() => tun.inject([Buffer.alloc(101)]), PptpdError);
    tun.close();
    assert.throws(() => tun.inject(packets(1)), PptpdError);
    assert.throws(() => tun.writePackets(allocBatch(1, 8)), PptpdError);
  });
});
