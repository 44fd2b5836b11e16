// Fuzzed and truncated PPP from tcpdump's test suite (../shared/real-clients, read in place)
// and random mutations of real packets: the session and every Control Protocol take them
// without throwing. Skipped when ../shared is absent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { decodeFrame } from '../../../../server/ppp/frame.js';
import { sharedDir } from '../../../helpers/paths.js';
import { PppPair, seededRandom } from '../../../helpers/ppp-pair.js';

const dir = path.join(sharedDir, 'real-clients');

/** Records of a classic little-endian pcap file (bounded by the file size). */
function pcapRecords(file: string): Buffer[] {
  const b = readFileSync(file);
  assert.equal(b.readUInt32LE(0), 0xa1b2c3d4);
  const out: Buffer[] = [];
  // DLT_PPP (9) records are PPP frames; DLT_EN10MB (1) ones carry PPP after a 14-octet
  // Ethernet header (ethertype 0x880b).
  const skip = b.readUInt32LE(20) === 1 ? 14 : 0;
  let off = 24;
  while (off + 16 <= b.length) {
    const incl = b.readUInt32LE(off + 8);
    if (off + 16 + incl > b.length) break;
    if (incl > skip) out.push(b.subarray(off + 16 + skip, off + 16 + incl));
    off += 16 + incl;
  }
  return out;
}

function upPair(): PppPair {
  const p = new PppPair({ server: { echoIntervalMs: 1000 } });
  p.start();
  p.drive({ until: p.now + 10_000 });
  assert.equal(p.eventsOf('server', 'network-up').length, 1);
  return p;
}

for (const name of ['tcpdump__ppp-invalid-lengths.pcap', 'tcpdump__ppp_ccp_config_deflate_option_asan.pcap']) {
  test(`${name}: every frame, in every phase, never throws`, { skip: !existsSync(path.join(dir, name)) }, () => {
    const frames = pcapRecords(path.join(dir, name));
    assert.ok(frames.length >= 1);
    let parsed = 0;
    for (const f of frames) if (!('kind' in decodeFrame(f))) parsed++;
    assert.ok(parsed >= 1, 'the PPP header of the fuzzed frames is valid; the damage is inside');
    // Before anything, during LCP, and with the network up.
    const fresh = new PppPair();
    fresh.start();
    const p = upPair();
    for (const f of frames) {
      fresh.server.handleFrame(Buffer.from(f), fresh.now);
      fresh.client.handleFrame(Buffer.from(f), fresh.now);
      p.server.handleFrame(Buffer.from(f), p.now);
      p.client.handleFrame(Buffer.from(f), p.now);
    }
    p.collect('server');
    p.collect('client');
    p.drive({ until: p.now + 3_000 });
    assert.ok(p.server.stats.rxFrames >= frames.length);
  });
}

test('bounded fuzz: mutated real CP packets into an established session never throw', () => {
  let p = upPair();
  let frames = 0;
  let links = 1;
  const rnd = seededRandom(1234);
  const seeds = [
    'ff03c021010000150104057805060 8dd621507020802 0d0306',
    'ff0380fd0105000a120601000040',
    'ff038021010600200306000000008106000000008206000000008306000000008406 00000000',
    'ff03c02109010008cafebabe',
    'ff03c0210c02000e00000000 4d5352415356',
    'ff0380fd0e010004',
    'ff03c2230101001510 00112233445566778899aabbccddeeff 70707470',
  ].map((h) => Buffer.from(h.replace(/\s+/g, ''), 'hex'));
  for (let i = 0; i < 3000; i++) {
    const base = Buffer.from(seeds[i % seeds.length]!);
    const flips = 1 + (rnd(1)[0]! % 4);
    for (let k = 0; k < flips; k++) {
      const pos = 2 + (rnd(1)[0]! % Math.max(1, base.length - 2));
      base[pos] = rnd(1)[0]!;
    }
    const cut = rnd(1)[0]! % 3 === 0 ? base.subarray(0, rnd(1)[0]! % base.length) : base;
    p.server.handleFrame(cut, p.now);
    p.server.drain();
    frames++;
    // A CCP renegotiation after MPPE is up ends the link (as pppd): go on with a fresh one.
    if (p.server.isDead) {
      p = upPair();
      links++;
    }
  }
  assert.equal(frames, 3000);
  assert.ok(links < 3000, `links: ${links}`);
});
