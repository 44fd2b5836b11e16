// Misusing the native addon's JS API is an exception, never a crash or a silent
// wrap-around (issue 12): out-of-range numbers, reassigned reader arrays, MPPE state in
// a SharedArrayBuffer, and a worker torn down while its Reader polls.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { openFifo, type Fifo } from '../../../helpers/fifo.js';
import { ReaderMode, dataplaneUnavailable, loadDataplane } from '../../../../server/dataplane/native.js';
import { nodeTs } from '../../../helpers/netns.js';
import { repoRoot } from '../../../helpers/paths.js';

const skip = dataplaneUnavailable() ?? false;

describe('native addon misuse', { skip }, () => {
  let fifo: Fifo;
  let fd: number;
  before(() => {
    fifo = openFifo('ptd-misuse-');
    fd = fifo.fd;
  });
  after(() => fifo.close());

  it('numbers that would wrap (2^32 + 1, -1, 1.5) are RangeErrors, not 1, 2^32-1 or 1', () => {
    const { Reader } = loadDataplane();
    const noop = (): void => undefined;
    assert.throws(() => new Reader(fd, ReaderMode.Tun, 2 ** 32 + 1, 128, noop, noop), RangeError);
    assert.throws(() => new Reader(fd, ReaderMode.Tun, -1, 128, noop, noop), RangeError);
    assert.throws(() => new Reader(fd, ReaderMode.Tun, 1.5, 128, noop, noop), RangeError);
    assert.throws(() => new Reader(2 ** 32 + fd, ReaderMode.Tun, 4, 128, noop, noop), RangeError);
    const a = loadDataplane();
    const state = new Uint8Array(a.mppeStateSize);
    a.mppeInit(state, Buffer.alloc(16, 1), 128);
    const buf = Buffer.alloc(64);
    assert.throws(() => a.mppeCrypt(state, buf, 0, 2 ** 32 + 10, 0, false), RangeError);
    assert.throws(() => a.mppeCrypt(state, buf, 0, 10, 2 ** 32 + 1, false), RangeError);
    assert.throws(() => a.mppeCrypt(state, buf, 0.5, 10, 0, false), RangeError);
    a.mppeCrypt(state, buf, 0, 64, 1, false); // still usable
  });

  it("a Reader's arrays cannot be swapped from JS (the native side keeps writing where JS reads)", () => {
    const { Reader } = loadDataplane();
    const r = new Reader(fd, ReaderMode.Tun, 4, 128, () => undefined, () => undefined);
    try {
      const { slab, offsets, lengths } = r;
      assert.throws(() => { (r as { slab: Buffer }).slab = Buffer.alloc(1); }, TypeError);
      assert.throws(() => { (r as { offsets: Uint32Array }).offsets = new Uint32Array(1); }, TypeError);
      assert.throws(() => { delete (r as { lengths?: Uint32Array }).lengths; }, TypeError);
      assert.equal(r.slab, slab);
      assert.equal(r.offsets, offsets);
      assert.equal(r.lengths, lengths);
    } finally {
      r.stop();
    }
  });

  it('MPPE state over a SharedArrayBuffer is refused (another thread could change it between check and use)', () => {
    const a = loadDataplane();
    const shared = new Uint8Array(new SharedArrayBuffer(a.mppeStateSize));
    assert.throws(() => a.mppeInit(shared, Buffer.alloc(16, 1), 128), TypeError);
    const plain = new Uint8Array(a.mppeStateSize);
    a.mppeInit(plain, Buffer.alloc(16, 1), 128);
    shared.set(plain);
    assert.throws(() => a.mppeCrypt(shared, Buffer.alloc(8), 0, 8, 1, false), TypeError);
  });

  it('a worker terminated while its Reader polls leaves the process well', () => {
    const [cmd, ...args] = nodeTs('test/unit/server/dataplane/fixtures/worker-teardown.ts');
    const r = spawnSync(cmd!, args, { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.signal, null, `killed by ${r.signal}: ${r.stderr.slice(-2000)}`);
    assert.equal(r.status, 0, r.stderr.slice(-2000));
    assert.match(r.stdout, /survived/);
  });
});
