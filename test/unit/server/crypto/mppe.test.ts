import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MppeDecoder, MppeEncoder, MppeHeaderBit, type MppeMode } from '../../../../server/crypto/mppe.js';
import { mppeKeysV2 } from '../../../../server/crypto/mppe-keys.js';
import { PptpdError } from '../../../../server/errors.js';
import { CHILD_PRELUDE, hex, inLegacyChild, opensslLegacyAvailable, pseudoRandom, vectors } from './helpers.js';

const BITS = [40, 56, 128] as const;
const MASTER = pseudoRandom(16, 0xbeef);

function payloads(count: number, seed: number): Buffer[] {
  // PPP protocol 0x0021 (IPv4) + data of varying size, 1..1400 octets.
  return Array.from({ length: count }, (_, i) => {
    const p = pseudoRandom(1 + ((i * 97 + seed) % 1400), seed + i);
    p[0] = 0x00;
    if (p.length > 1) p[1] = 0x21;
    return p;
  });
}
const ccountOf = (pkt: Buffer): number => ((pkt[0]! & 0x0f) << 8) | pkt[1]!;
const flushedOf = (pkt: Buffer): boolean => (pkt[0]! & MppeHeaderBit.FLUSHED) !== 0;

function expectOk(dec: MppeDecoder, pkt: Buffer, want: Buffer, what: string): void {
  const r = dec.decode(Buffer.from(pkt));
  assert.ok(r.ok, `${what}: ${r.ok ? '' : r.error.reason}`);
  assert.deepEqual(r.payload, want, what);
}

test('RFC 3079 §3.5 sample: the first stateful packet carries the RFC ciphertext at 40/56/128 bits', () => {
  const v = vectors<{ v2: { passwordHash: string; ntResponse: string; testMessage: string; strengths: { bits: 40 | 56 | 128; testMessageCipher: string }[] } }>(
    'rfc3079-mppe-keys.json',
  ).v2;
  const keys = mppeKeysV2(hex(v.passwordHash), hex(v.ntResponse));
  for (const s of v.strengths) {
    const enc = new MppeEncoder(keys.sendKey, { bits: s.bits, stateless: false });
    const pkt = enc.encode(Buffer.from(v.testMessage));
    // Count 0, D set, not flushed (as Linux ppp_mppe sends its first packet).
    assert.equal(pkt.toString('hex'), '1000' + s.testMessageCipher, `${s.bits}-bit`);
    // The peer's decoder uses the same key (our send key is its receive key).
    const dec = new MppeDecoder(keys.sendKey, { bits: s.bits, stateless: false });
    expectOk(dec, pkt, Buffer.from(v.testMessage), `${s.bits}-bit decode`);
  }
});

test('round trip in both modes and all strengths, across flag packets and the 12-bit wrap', () => {
  for (const stateless of [true, false]) {
    for (const bits of BITS) {
      const mode: MppeMode = { bits, stateless };
      const enc = new MppeEncoder(MASTER, mode);
      const dec = new MppeDecoder(MASTER, mode);
      const n = bits === 128 ? 4200 : 600; // one long run crosses 4095 -> 0
      const ps = payloads(n, bits + (stateless ? 1 : 0)).map((p) => p.subarray(0, 1 + (p.length % 200)));
      ps.forEach((p, i) => {
        const pkt = enc.encode(p);
        assert.equal(ccountOf(pkt), i & 0xfff);
        assert.equal(pkt[0]! & MppeHeaderBit.ENCRYPTED, MppeHeaderBit.ENCRYPTED);
        assert.equal(pkt[0]! & (MppeHeaderBit.B | MppeHeaderBit.C), 0);
        // Stateless: every packet flushed. Stateful: only the flag packets (count xFF).
        assert.equal(flushedOf(pkt), stateless || (i & 0xff) === 0xff, `A bit at ${i}`);
        assert.equal(pkt.length, p.length + 2);
        if (p.length > 8) assert.notDeepEqual(pkt.subarray(2), p, 'data is encrypted');
        expectOk(dec, pkt, p, `${bits}-bit ${stateless ? 'stateless' : 'stateful'} packet ${i}`);
      });
      assert.equal(enc.coherencyCount, (n - 1) & 0xfff);
    }
  }
});

test('stateless: lost packets (single and a run of 300) are caught up by rekeying', () => {
  for (const bits of BITS) {
    const mode: MppeMode = { bits, stateless: true };
    const enc = new MppeEncoder(MASTER, mode);
    const dec = new MppeDecoder(MASTER, mode);
    const ps = payloads(800, 3);
    ps.forEach((p, i) => {
      const pkt = enc.encode(p);
      const lost = i % 7 === 3 || (i >= 200 && i < 500);
      if (!lost) expectOk(dec, pkt, p, `${bits}-bit packet ${i}`);
    });
  }
});

test('stateless: repeated, late and unflushed packets are dropped without breaking the stream', () => {
  const mode: MppeMode = { bits: 128, stateless: true };
  const enc = new MppeEncoder(MASTER, mode);
  const dec = new MppeDecoder(MASTER, mode);
  const ps = payloads(6, 9);
  const pkts = ps.map((p) => enc.encode(p));
  expectOk(dec, pkts[0]!, ps[0]!, 'p0');
  expectOk(dec, pkts[2]!, ps[2]!, 'p2 (p1 lost)');
  for (const [pkt, why] of [[pkts[2]!, /repeated/], [pkts[1]!, /late/]] as const) {
    const r = dec.decode(Buffer.from(pkt));
    assert.ok(!r.ok);
    assert.match(r.error.reason, why);
    assert.equal(r.error.format, 'mppe');
    assert.equal(r.resetRequired, false);
  }
  const unflushed = Buffer.from(pkts[3]!);
  unflushed[0] = unflushed[0]! & ~MppeHeaderBit.FLUSHED;
  const r = dec.decode(unflushed);
  assert.ok(!r.ok);
  assert.match(r.error.reason, /A \(flushed\)/);
  expectOk(dec, pkts[3]!, ps[3]!, 'p3 after the drops');
  expectOk(dec, pkts[5]!, ps[5]!, 'p5');
});

test('stateless: a count more than 2048 ahead is taken as late (bounded rekey work)', () => {
  const mode: MppeMode = { bits: 40, stateless: true };
  const enc = new MppeEncoder(MASTER, mode);
  const dec = new MppeDecoder(MASTER, mode);
  const p = Buffer.from('0021aabbcc', 'hex');
  expectOk(dec, enc.encode(p), p, 'first');
  for (let i = 0; i < 2048; i++) enc.encode(p); // lose 2048: the next is 2049 ahead
  const r = dec.decode(enc.encode(p));
  assert.ok(!r.ok);
  assert.match(r.error.reason, /late/);
});

test('stateful: a lost packet asks for Reset-Request until a flushed packet, then resyncs', () => {
  for (const flushRekeys of [true, false]) {
    for (const bits of BITS) {
      const mode: MppeMode = { bits, stateless: false, flushRekeys };
      const enc = new MppeEncoder(MASTER, mode);
      const dec = new MppeDecoder(MASTER, mode);
      const ps = payloads(40, 5);
      const pk = (i: number): Buffer => enc.encode(ps[i]!);
      for (let i = 0; i < 10; i++) expectOk(dec, pk(i), ps[i]!, `p${i}`);
      pk(10); // lost
      for (let i = 11; i < 14; i++) {
        const r = dec.decode(pk(i));
        assert.ok(!r.ok, `p${i} must be dropped`);
        assert.equal(r.resetRequired, true);
        assert.equal(dec.awaitingFlush, true);
      }
      enc.resetRequest(); // the CCP layer delivered our Reset-Request
      const flushed = pk(14);
      assert.ok(flushedOf(flushed));
      expectOk(dec, flushed, ps[14]!, `${bits}-bit flushRekeys=${flushRekeys} resync`);
      assert.equal(dec.awaitingFlush, false);
      for (let i = 15; i < 40; i++) {
        const pkt = pk(i);
        assert.equal(flushedOf(pkt), false, 'only one flushed packet per reset');
        expectOk(dec, pkt, ps[i]!, `p${i} after resync`);
      }
    }
  }
});

test('stateful: losing flag packets (one, or a run over two) is caught up at the flushed packet', () => {
  for (const flushRekeys of [true, false]) {
    const mode: MppeMode = { bits: 128, stateless: false, flushRekeys };
    const enc = new MppeEncoder(MASTER, mode);
    const dec = new MppeDecoder(MASTER, mode);
    const ps = payloads(1000, 11).map((p) => p.subarray(0, 40));
    for (let i = 0; i < 1000; i++) {
      if (i === 262 || i === 700) enc.resetRequest();
      const pkt = enc.encode(ps[i]!);
      // Lost: the flag packet 255, and 500..699 (holding flag 511). 700 answers the Reset-Request.
      const lost = i === 255 || (i >= 500 && i < 700);
      if (lost) continue;
      const r = dec.decode(pkt);
      if (i > 255 && i < 262) {
        assert.ok(!r.ok && r.resetRequired, `p${i} dropped after the lost flag packet`);
      } else {
        assert.ok(r.ok, `p${i} flushRekeys=${flushRekeys}: ${r.ok ? '' : r.error.reason}`);
        assert.deepEqual(r.payload, ps[i]);
      }
    }
  }
});

test('stateful: a flag packet also resynchronizes without any Reset-Request answer', () => {
  const mode: MppeMode = { bits: 56, stateless: false };
  const enc = new MppeEncoder(MASTER, mode);
  const dec = new MppeDecoder(MASTER, mode);
  const ps = payloads(300, 13);
  for (let i = 0; i < 300; i++) {
    const pkt = enc.encode(ps[i]!);
    if (i === 100) continue; // lost; the peer never hears our Reset-Request
    const r = dec.decode(pkt);
    if (i > 100 && i < 255) assert.ok(!r.ok && r.resetRequired, `p${i}`);
    else {
      assert.ok(r.ok, `p${i}`);
      assert.deepEqual(r.payload, ps[i]);
    }
  }
});

test('stateful reset semantics differ: Linux full key change vs RFC 3078 re-initialization', () => {
  const ps = payloads(8, 17);
  const run = (encRekeys: boolean, decRekeys: boolean): boolean => {
    const enc = new MppeEncoder(MASTER, { bits: 128, stateless: false, flushRekeys: encRekeys });
    const dec = new MppeDecoder(MASTER, { bits: 128, stateless: false, flushRekeys: decRekeys });
    for (let i = 0; i < 3; i++) assert.ok(dec.decode(enc.encode(ps[i]!)).ok);
    enc.resetRequest();
    const r = dec.decode(enc.encode(ps[3]!));
    return r.ok && r.payload.equals(ps[3]!);
  };
  assert.equal(run(true, true), true);
  assert.equal(run(false, false), true);
  assert.equal(run(true, false), false);
  assert.equal(run(false, true), false);
});

test('malformed packets are DecodeErrors and leave the decoder state alone', () => {
  for (const stateless of [true, false]) {
    const mode: MppeMode = { bits: 128, stateless };
    const enc = new MppeEncoder(MASTER, mode);
    const dec = new MppeDecoder(MASTER, mode);
    const p = Buffer.from('0021deadbeef', 'hex');
    const good = enc.encode(p);
    for (const bad of [Buffer.alloc(0), Buffer.of(0x90), Buffer.of(0x90, 0x00)]) {
      const r = dec.decode(bad);
      assert.ok(!r.ok);
      assert.match(r.error.reason, /shorter/);
    }
    const clear = Buffer.from(good);
    clear[0] = clear[0]! & ~MppeHeaderBit.ENCRYPTED;
    const r = dec.decode(clear);
    assert.ok(!r.ok);
    assert.match(r.error.reason, /D \(encrypted\)/);
    expectOk(dec, good, p, 'the real packet still decodes');
  }
});

test('encodeInPlace / decodeInPlace work inside a larger buffer without touching the rest', () => {
  const mode: MppeMode = { bits: 128, stateless: true };
  const enc = new MppeEncoder(MASTER, mode);
  const dec = new MppeDecoder(MASTER, mode);
  const payload = pseudoRandom(100, 21);
  const buf = Buffer.alloc(130, 0xee);
  payload.copy(buf, 12); // 10 octets of room before, header at 10..12
  enc.encodeInPlace(buf, 10, 112);
  assert.deepEqual(buf.subarray(0, 10), Buffer.alloc(10, 0xee));
  assert.deepEqual(buf.subarray(112), Buffer.alloc(18, 0xee));
  assert.deepEqual(buf.subarray(10, 112), new MppeEncoder(MASTER, mode).encode(payload));
  const r = dec.decodeInPlace(buf, 10, 112);
  assert.ok(r.ok);
  assert.deepEqual(r.payload, payload);
  assert.equal(r.payload.buffer, buf.buffer, 'payload is a view, not a copy');
  assert.throws(() => enc.encodeInPlace(buf, 0, 200), RangeError);
  assert.ok(!dec.decodeInPlace(buf, 100, 200).ok);
});

test('master keys too short for the strength are refused', () => {
  assert.throws(() => new MppeEncoder(Buffer.alloc(8), { bits: 128, stateless: true }), PptpdError);
  assert.throws(() => new MppeDecoder(Buffer.alloc(7), { bits: 40, stateless: true }), PptpdError);
  new MppeEncoder(Buffer.alloc(8), { bits: 40, stateless: true }); // 8 is enough for 40/56
});

// An independent MPPE written here with OpenSSL's rc4 and sha1, run in a child
// `node --openssl-legacy-provider`: it decrypts what our encoder sends and
// encrypts what our decoder must accept.
const CHILD_MPPE = `
function session(master, bits) {
  const len = bits === 128 ? 16 : 8;
  const start = master.subarray(0, len);
  const interim = (sess) => crypto.createHash('sha1').update(start).update(Buffer.alloc(40)).update(sess).update(Buffer.alloc(40, 0xf2)).digest().subarray(0, len);
  const reduce = (k) => { if (bits === 40) { k[0] = 0xd1; k[1] = 0x26; k[2] = 0x9e; } else if (bits === 56) k[0] = 0xd1; return k; };
  const s = { key: reduce(Buffer.from(interim(start))) };
  s.cipher = crypto.createCipheriv('rc4', s.key, null);
  s.change = () => { const i = interim(s.key); s.key = reduce(Buffer.from(crypto.createCipheriv('rc4', i, null).update(i)));
                     s.cipher = crypto.createCipheriv('rc4', s.key, null); };
  return s;
}
`;

test('cross-check: an independent OpenSSL MPPE (child process) decrypts our packets and we decrypt its packets', (t) => {
  if (!opensslLegacyAvailable()) return t.skip('no OpenSSL legacy provider for the child');
  const cases: { bits: 40 | 56 | 128; stateless: boolean; packets: string[]; payloads: string[] }[] = [];
  for (const stateless of [true, false]) {
    for (const bits of BITS) {
      const enc = new MppeEncoder(MASTER, { bits, stateless });
      const ps = payloads(600, bits * 3 + (stateless ? 1 : 0)).map((p) => p.subarray(0, 1 + (p.length % 300)));
      // Stateless: lose every 5th packet on the way to the child; stateful: deliver all.
      const packets: string[] = [];
      const delivered: string[] = [];
      ps.forEach((p, i) => {
        const pkt = enc.encode(p);
        if (!stateless || i % 5 !== 4) {
          packets.push(pkt.toString('hex'));
          delivered.push(p.toString('hex'));
        }
      });
      cases.push({ bits, stateless, packets, payloads: delivered });
    }
  }
  const out = inLegacyChild<{ decrypted: string[]; encrypted: string[] }[]>(
    CHILD_PRELUDE +
      CHILD_MPPE +
      `done(input.cases.map((c) => {
        const rx = session(h(input.master), c.bits);
        let last = 4095;
        const decrypted = c.packets.map((x) => {
          const p = h(x); const count = ((p[0] & 15) << 8) | p[1];
          if (c.stateless) { for (let n = (count - last) & 4095; n > 0; n--) rx.change(); }
          else if ((count & 255) === 255) rx.change();
          last = count;
          return rx.cipher.update(p.subarray(2)).toString('hex');
        });
        const tx = session(h(input.master), c.bits);
        const encrypted = c.payloads.map((x, i) => {
          const count = i & 4095; const flag = (count & 255) === 255;
          if (c.stateless || flag) tx.change();
          const hdr = Buffer.of(((c.stateless || flag) ? 0x80 : 0) | 0x10 | (count >> 8), count & 255);
          return Buffer.concat([hdr, tx.cipher.update(h(x))]).toString('hex');
        });
        return { decrypted, encrypted };
      }));`,
    { master: MASTER.toString('hex'), cases },
  );
  cases.forEach((c, k) => {
    const o = out[k]!;
    assert.deepEqual(o.decrypted, c.payloads, `child decrypts our ${c.bits}-bit ${c.stateless ? 'stateless' : 'stateful'} packets`);
    const dec = new MppeDecoder(MASTER, { bits: c.bits, stateless: c.stateless });
    o.encrypted.forEach((x, i) => expectOk(dec, hex(x), hex(c.payloads[i]!), `our decoder, child packet ${i}`));
  });
});

test('stateful: forged flushed packets that each demand ~16 key changes run out of credit (same budget as stateless)', () => {
  const dec = new MppeDecoder(Buffer.alloc(16, 7), { bits: 128, stateless: false });
  const N = 2000;
  let accepted = 0;
  let c = 0;
  for (let i = 0; i < N; i++) {
    c = (c + 4095) & 0x0fff; // one count behind: skips 15–16 flag packets
    const pkt = Buffer.alloc(40, 0xaa);
    pkt[0] = 0x80 | 0x10 | (c >> 8); // A (flushed) + D (encrypted)
    pkt[1] = c & 0xff;
    if (dec.decode(pkt).ok) accepted++;
  }
  // Each accepted forgery costs ~16 key changes; the credit is 2048 plus 2 per packet.
  assert.ok(accepted * 15 <= 2048 + 2 * N, `accepted ${accepted} of ${N} forged flushed packets`);
  assert.ok(accepted > 0);
});
