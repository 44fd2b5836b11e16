// Pinger: Echo Requests from our address, replies matched by Identifier, Sequence Number
// and source; every wait bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Pinger } from '../../../../server/client/pinger.js';
import { buildEchoReply, IcmpType, parseEcho, type EchoMessage } from '../../../../server/client/icmp.js';
import { isDecodeError } from '../../../../server/errors.js';

const US = 0x0a080002;
const THEM = 0x0a080001;

function echoOf(p: Buffer): EchoMessage {
  const m = parseEcho(p);
  assert.ok(!isDecodeError(m));
  return m;
}

test('replies are matched by id, seq and source; others are ignored', async () => {
  const pinger = new Pinger(0x4242);
  const seen: EchoMessage[] = [];
  const r = await pinger.run(US, THEM, (pkt) => {
    const req = echoOf(pkt);
    seen.push(req);
    assert.equal(req.type, IcmpType.Echo);
    assert.equal(req.src, US);
    assert.equal(req.dst, THEM);
    assert.equal(req.id, 0x4242);
    assert.equal(req.data.length, 100);
    const good = echoOf(buildEchoReply(req));
    setImmediate(() => {
      assert.equal(pinger.onReply({ ...good, id: good.id ^ 1 }), false, 'another identifier');
      assert.equal(pinger.onReply({ ...good, seq: (good.seq + 1) & 0xffff }), false, 'another sequence number');
      assert.equal(pinger.onReply({ ...good, src: 0x01020304 }), false, 'from another address');
      assert.equal(pinger.onReply({ ...good, type: IcmpType.Echo }), false, 'a request is not a reply');
      assert.equal(pinger.onReply(good), true);
      assert.equal(pinger.onReply(good), false, 'a duplicate reply counts once');
    });
    return true;
  }, { count: 4, size: 100, timeoutMs: 1000 });
  assert.equal(r.sent, 4);
  assert.equal(r.received, 4);
  assert.deepEqual(seen.map((m) => m.seq), [1, 2, 3, 4]);
  assert.equal(pinger.requestsSent, 4);
  assert.equal(pinger.repliesReceived, 4);
});

test('an unanswered request times out; the run goes on to the next one', async () => {
  const pinger = new Pinger(7);
  let n = 0;
  const t0 = Date.now();
  const r = await pinger.run(US, THEM, (pkt) => {
    n++;
    const req = echoOf(pkt);
    if (n !== 1) setImmediate(() => pinger.onReply(echoOf(buildEchoReply(req))));
    return true;
  }, { count: 3, timeoutMs: 150 });
  assert.equal(r.sent, 3);
  assert.equal(r.received, 2);
  assert.equal(r.rttMs.length, 2);
  const elapsed = Date.now() - t0;
  assert.ok(elapsed >= 140 && elapsed < 1000, `one timeout of 150 ms, took ${elapsed}`);
});

test('a tunnel that refuses to send ends the run; cancel() releases a waiting request', async () => {
  const pinger = new Pinger(9);
  const r = await pinger.run(US, THEM, () => false, { count: 5, timeoutMs: 5000 });
  assert.deepEqual(r, { sent: 0, received: 0, rttMs: [] });
  const t0 = Date.now();
  const run = pinger.run(US, THEM, () => {
    setImmediate(() => pinger.cancel());
    return true;
  }, { count: 2, timeoutMs: 5000 });
  const r2 = await run;
  assert.equal(r2.received, 0);
  assert.ok(Date.now() - t0 < 1000, 'cancel() does not wait for the timeouts');
});
