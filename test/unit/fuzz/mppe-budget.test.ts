// Found by the fuzz harness: a stateless MPPE packet whose coherency count jumps far ahead
// made the decoder change keys once per skipped count (up to 2048 SHA-1 + RC4 key changes,
// about 7 ms) for a packet nobody can authenticate (MPPE has no integrity check). A stream
// of them from one client stalled the whole one-process server. Key changes are now paid
// for by received packets; genuine loss bursts are still followed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MppeDecoder, MppeEncoder } from '../../../server/crypto/mppe.js';

const KEY = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const MODE = { bits: 128 as const, stateless: true };
const payload = (i: number): Buffer => Buffer.concat([Buffer.from([0x00, 0x21]), Buffer.alloc(60, i & 0xff)]);

test('stateless MPPE: a loss burst of 2000 packets is followed, twice', () => {
  const enc = new MppeEncoder(KEY, MODE);
  const dec = new MppeDecoder(KEY, MODE);
  for (let burst = 0; burst < 2; burst++) {
    for (let i = 0; i < 3000; i++) {
      const r = dec.decode(enc.encode(payload(i)));
      assert.ok(r.ok);
    }
    for (let i = 0; i < 2000; i++) enc.encode(payload(i)); // lost
    const r = dec.decode(enc.encode(payload(7)));
    assert.ok(r.ok, 'decoded after the burst');
    assert.ok(r.payload.equals(payload(7)));
  }
});

test('stateless MPPE: bogus packets with far-ahead counts cost bounded work', () => {
  const enc = new MppeEncoder(KEY, MODE);
  const dec = new MppeDecoder(KEY, MODE);
  assert.ok(dec.decode(enc.encode(payload(1))).ok);
  const t0 = performance.now();
  let count = 0;
  for (let i = 0; i < 300; i++) {
    count = (count + 2000) & 0xfff;
    const bogus = Buffer.alloc(62, 0x55);
    bogus.writeUInt16BE(0x9000 | count, 0); // A (flushed) + D (encrypted), count
    dec.decode(bogus);
  }
  const ms = performance.now() - t0;
  // Without the budget: 300 × ~2000 key changes ≈ 2 s here; with it, a few ms.
  assert.ok(ms < 500, `300 bogus packets took ${ms.toFixed(0)} ms`);
});
