// native.ts: batch allocation, the drop-or-throw write loop (with fake native
// calls), and the addon's own argument and errno behaviour. Nothing here
// creates an interface or sends a packet.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, openSync } from 'node:fs';
import { PptpdError } from '../../../../server/errors.js';
import {
  ReaderMode, allocBatch, dataplaneUnavailable, isErrnoError, isFatalErrno, loadDataplane, newWriteStats, writeOrDrop,
} from '../../../../server/dataplane/native.js';

function errnoError(code: string): Error {
  return Object.assign(new Error(code), { code, errno: -1, syscall: 'sendmmsg' });
}

describe('allocBatch', () => {
  it('presets slot offsets at multiples of the stride', () => {
    const b = allocBatch(4, 100);
    assert.equal(b.slab.length, 400);
    assert.deepEqual([...b.offsets], [0, 100, 200, 300]);
    assert.equal(b.count, 0);
    assert.deepEqual([b.capacity, b.stride], [4, 100]);
  });
  it('refuses empty or fractional shapes', () => {
    assert.throws(() => allocBatch(0, 100), PptpdError);
    assert.throws(() => allocBatch(2, 1.5), PptpdError);
  });
});

describe('writeOrDrop', () => {
  it('writes everything the native call takes, across short writes', () => {
    const calls: Array<[number, number]> = [];
    const stats = newWriteStats();
    const n = writeOrDrop((s, e) => { calls.push([s, e]); return Math.min(3, e - s); }, 7, stats);
    assert.equal(n, 7);
    assert.deepEqual(calls, [[0, 7], [3, 7], [6, 7]]);
    assert.deepEqual(stats, { packets: 7, dropped: 0, batches: 1, lastError: undefined });
  });
  it('drops exactly the packet whose send fails and goes on with the rest', () => {
    const stats = newWriteStats();
    // packet 2 is refused: the native call returns 2, then throws at 2.
    const n = writeOrDrop((s, e) => {
      if (s < 2) return 2 - s;
      if (s === 2) throw errnoError('EHOSTUNREACH');
      return e - s;
    }, 5, stats);
    assert.equal(n, 4);
    assert.deepEqual(stats, { packets: 4, dropped: 1, batches: 1, lastError: 'EHOSTUNREACH' });
  });
  it('drops the rest of the batch when the kernel pushes back', () => {
    const stats = newWriteStats();
    const n = writeOrDrop((s) => (s === 0 ? 3 : 0), 10, stats);
    assert.equal(n, 3);
    assert.deepEqual(stats, { packets: 3, dropped: 7, batches: 1, lastError: 'EAGAIN' });
  });
  it('rethrows fatal errors and non-errno exceptions', () => {
    assert.throws(() => writeOrDrop(() => { throw errnoError('EBADF'); }, 3, newWriteStats()), /EBADF/);
    assert.throws(() => writeOrDrop(() => { throw new TypeError('bug'); }, 3, newWriteStats()), TypeError);
  });
  it('ends even when every packet fails', () => {
    const stats = newWriteStats();
    let calls = 0;
    assert.equal(writeOrDrop(() => { calls++; throw errnoError('EPERM'); }, 4, stats), 0);
    assert.equal(calls, 4);
    assert.equal(stats.dropped, 4);
  });
});

describe('errno classification', () => {
  it('recognises errno-shaped errors and the fatal ones', () => {
    assert.equal(isErrnoError(errnoError('EPERM')), true);
    assert.equal(isErrnoError(new Error('x')), false);
    assert.equal(isFatalErrno(errnoError('EBADF')), true);
    assert.equal(isFatalErrno(errnoError('ENOBUFS')), false);
  });
});

const noAddon = dataplaneUnavailable() ?? false;

describe('the native addon', { skip: noAddon }, () => {
  const addon = noAddon ? undefined : loadDataplane();
  const slab = Buffer.alloc(64);
  const offsets = new Uint32Array([0, 32]);
  const lengths = new Uint32Array([10, 10]);

  it('throws errors named by errno, like Node system errors', () => {
    assert.throws(() => addon!.writeBatch(-1, slab, offsets, lengths, 0, 2), (e: unknown) => {
      assert.ok(isErrnoError(e));
      assert.deepEqual([e.code, e.errno, e.syscall], ['EBADF', -9, 'write']);
      assert.match(e.message, /^EBADF: Bad file descriptor, write$/);
      return true;
    });
    const fd = openSync('/dev/null', 'r');
    try {
      assert.throws(() => addon!.sendBatch(fd, slab, offsets, lengths, new Uint32Array(2), 0, 2),
        (e: unknown) => isErrnoError(e) && e.code === 'ENOTSOCK' && e.syscall === 'sendmmsg');
    } finally {
      closeSync(fd);
    }
  });

  it('writes to /dev/null and reports the count', () => {
    const fd = openSync('/dev/null', 'w');
    try {
      assert.equal(addon!.writeBatch(fd, slab, offsets, lengths, 0, 2), 2);
      assert.equal(addon!.writeBatch(fd, slab, offsets, lengths, 1, 2), 1);
      assert.equal(addon!.writeBatch(fd, slab, offsets, lengths, 2, 2), 0);
    } finally {
      closeSync(fd);
    }
  });

  it('refuses packets outside the slab and ranges outside the arrays', () => {
    assert.throws(() => addon!.writeBatch(1, slab, new Uint32Array([60]), new Uint32Array([10]), 0, 1), RangeError);
    assert.throws(() => addon!.writeBatch(1, slab, offsets, lengths, 0, 3), RangeError);
    assert.throws(() => addon!.writeBatch(1, slab, offsets, lengths, 2, 1), RangeError);
    assert.throws(() => addon!.sendBatch(1, slab, offsets, lengths, new Uint32Array(1), 0, 2), RangeError);
  });

  it('checks argument types instead of crashing', () => {
    const a = addon as unknown as Record<string, (...args: unknown[]) => unknown>;
    assert.throws(() => a['writeBatch']!('1', slab, offsets, lengths, 0, 2), TypeError);
    assert.throws(() => a['writeBatch']!(1, [1, 2], offsets, lengths, 0, 2), TypeError);
    assert.throws(() => a['writeBatch']!(1, slab, [0, 32], lengths, 0, 2), TypeError);
    assert.throws(() => a['openTun']!(42, 0), TypeError);
    assert.throws(() => addon!.openTun('a-name-longer-than-15', 0), RangeError);
  });

  it('rejects bad Reader shapes before touching the fd', () => {
    const { Reader } = addon!;
    const noop = (): void => {};
    assert.throws(() => new Reader(0, 2 as ReaderMode, 64, 2048, noop, noop), RangeError);
    assert.throws(() => new Reader(0, ReaderMode.Tun, 0, 2048, noop, noop), RangeError);
    assert.throws(() => new Reader(0, ReaderMode.Tun, 64, 10, noop, noop), RangeError);
  });

  it('opens a raw GRE socket with the buffer sizes asked for (as root)', { skip: process.getuid?.() !== 0 && 'needs CAP_NET_RAW' }, () => {
    const fd = addon!.openRawGre(1 << 20, 1 << 19);
    try {
      // The kernel reports twice the requested size (it counts its overhead).
      assert.deepEqual(addon!.socketBufferSizes(fd), { rcvbuf: 2 << 20, sndbuf: 2 << 19 });
    } finally {
      addon!.close(fd);
    }
    assert.throws(() => addon!.close(fd), (e: unknown) => isErrnoError(e) && e.code === 'EBADF');
  });
});
