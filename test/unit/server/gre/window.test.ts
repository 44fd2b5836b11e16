import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { GreWindow, seqAfter, DEFAULT_ACK_DELAY_MS, RESYNC_RUN } from '../../../../server/gre/window.js';

describe('receive: accept ahead, drop behind', () => {
  test('in-order packets are accepted and the ack follows the highest', () => {
    const w = new GreWindow();
    for (let s = 0; s < 5; s++) assert.equal(w.onData(s, s), true);
    assert.equal(w.highestReceived, 4);
    assert.equal(w.takeAck(), 4);
    assert.equal(w.takeAck(), undefined, 'nothing new to acknowledge');
    assert.equal(w.counters.received, 5);
  });

  test('the first packet sets the baseline whatever its number (pptp-linux starts at 1)', () => {
    const w = new GreWindow();
    assert.equal(w.onData(1, 0), true);
    assert.equal(w.onData(0, 0), false);
    assert.equal(w.counters.late, 1);
  });

  test('duplicates are dropped and counted as duplicate', () => {
    const w = new GreWindow();
    w.onData(10, 0);
    w.onData(11, 0);
    w.onData(12, 0);
    assert.equal(w.onData(12, 0), false);
    assert.equal(w.onData(11, 0), false);
    assert.equal(w.onData(10, 0), false);
    assert.deepEqual([w.counters.duplicate, w.counters.late], [3, 0]);
  });

  test('reordering: a gap is accepted (counted lost); the late packet is dropped as late', () => {
    const w = new GreWindow();
    w.onData(0, 0);
    assert.equal(w.onData(3, 0), true);
    assert.equal(w.counters.lost, 2);
    assert.equal(w.onData(1, 0), false);
    assert.equal(w.onData(2, 0), false);
    assert.deepEqual([w.counters.late, w.counters.duplicate], [2, 0]);
    assert.equal(w.onData(3, 0), false);
    assert.equal(w.counters.duplicate, 1);
    assert.equal(w.onData(4, 0), true);
  });

  test('history covers 32 packets back; older ones are late', () => {
    const w = new GreWindow();
    for (let s = 0; s <= 40; s++) w.onData(s, 0);
    assert.equal(w.onData(8, 0), false); // 32 behind 40: seen, in history
    assert.equal(w.counters.duplicate, 1);
    assert.equal(w.onData(7, 0), false); // 33 behind: beyond the history
    assert.equal(w.counters.late, 1);
    // A jump of exactly 32 and of more than 32 keep the history right.
    w.onData(72, 0);
    assert.equal(w.onData(40, 0), false);
    assert.equal(w.counters.duplicate, 2);
    w.onData(200, 0);
    assert.equal(w.onData(72, 0), false);
    assert.equal(w.counters.late, 2);
  });

  test('32-bit wraparound: 0xfffffffe, 0xffffffff, 0, 1 are in order', () => {
    const w = new GreWindow();
    for (const s of [0xfffffffe, 0xffffffff, 0, 1]) assert.equal(w.onData(s, 0), true, `seq ${s}`);
    assert.equal(w.onData(0xffffffff, 0), false);
    assert.equal(w.counters.duplicate, 1);
    assert.equal(w.onData(0xfffffff0, 0), false);
    assert.equal(w.counters.late, 1);
    assert.equal(w.takeAck(), 1);
    assert.equal(w.onData(3, 0), true);
    assert.equal(w.counters.lost, 1);
  });

  test('serial comparison', () => {
    assert.equal(seqAfter(0, 0xffffffff), true);
    assert.equal(seqAfter(0xffffffff, 0), false);
    assert.equal(seqAfter(5, 5), false);
    assert.equal(seqAfter(0x7fffffff, 0), true);
  });
});

describe('acknowledgement', () => {
  test('ack-only after the delay when no data packet carried it', () => {
    const w = new GreWindow({ ackDelay: 50 });
    assert.equal(w.nextDeadline(), undefined);
    w.onData(7, 1000);
    assert.equal(w.nextDeadline(), 1050);
    assert.equal(w.ackDue(1049), undefined);
    assert.equal(w.ackDue(1050), 7);
    assert.equal(w.ackDue(2000), undefined, 'already sent');
    assert.equal(w.nextDeadline(), undefined);
  });

  test('a piggybacked ack cancels the pending ack-only', () => {
    const w = new GreWindow();
    w.onData(7, 0);
    w.onData(8, 10);
    assert.equal(w.takeAck(), 8);
    assert.equal(w.ackDue(10_000), undefined);
  });

  test('the delay counts from the first unacknowledged packet', () => {
    const w = new GreWindow();
    w.onData(1, 0);
    w.onData(2, 40);
    assert.equal(w.ackDue(DEFAULT_ACK_DELAY_MS), 2);
  });

  test('dropped packets do not make an ack due', () => {
    const w = new GreWindow();
    w.onData(5, 0);
    w.takeAck();
    w.onData(5, 1);
    w.onData(4, 1);
    assert.equal(w.nextDeadline(), undefined);
  });
});

describe('send window', () => {
  test('numbers start at zero (RFC 2637 §4.1) and wrap', () => {
    const w = new GreWindow();
    assert.equal(w.takeSeq(0), 0);
    assert.equal(w.takeSeq(0), 1);
    const v = new GreWindow({ peerWindow: 100 });
    v.setNextSeq(0xffffffff);
    assert.deepEqual([v.takeSeq(0), v.takeSeq(0)], [0xffffffff, 0]);
    assert.equal(v.unacknowledged, 2);
    v.onAck(0, 1);
    assert.equal(v.unacknowledged, 0);
  });

  test('the peer window limits unacknowledged packets; acks open it', () => {
    const w = new GreWindow({ peerWindow: 3, sendTimeout: 1000 });
    for (let i = 0; i < 3; i++) {
      assert.equal(w.canSend(0), true);
      w.takeSeq(0);
    }
    assert.equal(w.unacknowledged, 3);
    assert.equal(w.canSend(10), false);
    w.onAck(0, 20);
    assert.equal(w.unacknowledged, 2);
    assert.equal(w.canSend(20), true);
  });

  test('a full window never blocks forever: after sendTimeout without ack progress, send anyway', () => {
    const w = new GreWindow({ peerWindow: 2, sendTimeout: 1000 });
    w.takeSeq(100);
    w.takeSeq(150);
    assert.equal(w.canSend(1099), false);
    assert.equal(w.nextDeadline(), 1100);
    assert.equal(w.canSend(1100), true);
    w.takeSeq(1100);
    assert.equal(w.counters.sentOverWindow, 1);
    // Progress (an ack) restarts the wait.
    w.onAck(1, 1200);
    assert.equal(w.unacknowledged, 1);
    w.takeSeq(1200);
    assert.equal(w.canSend(1300), false);
    assert.equal(w.canSend(2200), true);
  });

  test("Cisco's ack 0xffffffff before any data means nothing acknowledged", () => {
    const w = new GreWindow();
    w.onAck(0xffffffff, 0);
    assert.equal(w.counters.acksIgnored, 0);
    w.takeSeq(0);
    w.onAck(0xffffffff, 1);
    assert.equal(w.unacknowledged, 1);
  });

  test('acks for packets never sent are ignored and counted; old acks change nothing', () => {
    const w = new GreWindow();
    w.takeSeq(0);
    w.takeSeq(0);
    w.onAck(5, 1);
    assert.equal(w.counters.acksIgnored, 1);
    assert.equal(w.unacknowledged, 2);
    w.onAck(1, 2);
    w.onAck(0, 3);
    assert.equal(w.unacknowledged, 0);
  });

  test('peer window 0 or absent falls back to a default rather than stopping traffic', () => {
    assert.equal(new GreWindow({ peerWindow: 0 }).peerWindow, 64);
    assert.equal(new GreWindow().canSend(0), true);
  });
});

describe('GreWindow: a spoofed far-ahead sequence number does not blind the receive side', () => {
  test('genuine packets after one spoofed jump are accepted again after RESYNC_RUN of them', () => {
    const w = new GreWindow();
    for (let s = 0; s < 1000; s++) assert.equal(w.onData(s, 0), true);
    assert.equal(w.onData(0x7fff0000, 0), true, 'the spoofed packet itself looks like a forward jump');
    let accepted = 0;
    for (let s = 1000; s < 100_900; s++) if (w.onData(s, 0)) accepted++;
    assert.equal(accepted, 99_900 - (RESYNC_RUN - 1));
    assert.equal(w.counters.resyncs, 1);
    // After the resync the history is right: a replay of the run is a duplicate, not new.
    assert.equal(w.onData(100_899, 0), false);
    assert.equal(w.onData(100_895, 0), false);
    assert.equal(w.counters.resyncs, 1);
  });

  test('ordinary reordering (scattered late packets) never resynchronises', () => {
    const w = new GreWindow();
    let resyncs = 0;
    for (let s = 0; s < 10_000; s += 2) {
      w.onData(s + 1, 0); // odd first, then the even one behind it: late each time
      w.onData(s, 0);
      resyncs = w.counters.resyncs;
    }
    assert.equal(resyncs, 0);
  });
});
