// The native Reader on a FIFO: the TUN mode's batching, reuse of its arrays,
// stop() and stats, with no network at all. (A FIFO read returns whatever is
// buffered, so each write that lands before a read becomes one "packet".)
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeSync } from 'node:fs';
import { openFifo, type Fifo } from '../../../helpers/fifo.js';
import { ReaderMode, dataplaneUnavailable, loadDataplane, type NativeReader } from '../../../../server/dataplane/native.js';

const skip = dataplaneUnavailable() ?? false;

describe('native Reader (TUN mode) on a FIFO', { skip }, () => {
  let fifo: Fifo;
  let fd: number;
  before(() => {
    fifo = openFifo('ptd-reader-');
    fd = fifo.fd;
  });
  after(() => fifo.close());

  it('delivers reads as a batch in its reused slab, then stops cleanly', async () => {
    const { Reader } = loadDataplane();
    const seen: string[] = [];
    let reader: NativeReader | undefined;
    const got = new Promise<void>((resolve) => {
      reader = new Reader(fd, ReaderMode.Tun, 4, 128, (count) => {
        const r = reader!;
        for (let i = 0; i < count; i++) {
          assert.equal(r.offsets[i], i * 128);
          seen.push(r.slab.toString('latin1', r.offsets[i]!, r.offsets[i]! + r.lengths[i]!));
        }
        resolve();
      }, (err) => assert.fail(err));
    });
    assert.equal(reader!.slab.length, 4 * 128);
    assert.equal(reader!.sources, undefined, 'TUN mode has no sources');
    writeSync(fd, 'first packet');
    await got;
    assert.deepEqual(seen, ['first packet']);
    assert.deepEqual(reader!.stats(), { packets: 1, batches: 1, dropped: 0, errors: 0 });
    reader!.stop();
    reader!.stop(); // idempotent
    writeSync(fd, 'after stop');
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(seen, ['first packet'], 'nothing read after stop()');
  });
});
