// Crypto benchmark: the per-packet MPPE path. RC4 alternatives on 1400-byte
// packets (pure TS here; OpenSSL's legacy rc4 in a child node started with
// --openssl-legacy-provider, since a stock node cannot load it), SHA-1 for the
// stateless key change, the native addon's cipher (server/dataplane/native/mppe.cc), and
// the full MppeEncoder/MppeDecoder per packet with each engine (TypeScript, native).
// Every loop has a fixed count. Figures: median of 3 runs.

import { spawnSync } from 'node:child_process';
import { createHash, getCiphers, hash, randomBytes } from 'node:crypto';
import os from 'node:os';
import { Rc4 } from '../../server/crypto/rc4.js';
import { MppeSessionKey } from '../../server/crypto/mppe-session.js';
import { MppeDecoder, MppeEncoder, type MppeMode } from '../../server/crypto/mppe.js';
import { MppeEngine, NativeMppeCipher, nativeMppeAvailable } from '../../server/crypto/mppe-native.js';

const PKT = 1400;
const RUNS = 3;

interface Figure {
  name: string;
  nsPerOp: number;
  bytesPerOp: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function print(f: Figure): void {
  const mbps = f.bytesPerOp > 0 ? `${((f.bytesPerOp / f.nsPerOp) * 1e3).toFixed(0).padStart(6)} MB/s` : ' '.repeat(11);
  console.log(`  ${f.name.padEnd(58)} ${mbps}  ${f.nsPerOp.toFixed(0).padStart(7)} ns/op`);
}

/** Times `count` calls of `op` after `count / 10` warm-up calls; median of RUNS. */
function measure(name: string, count: number, bytesPerOp: number, op: () => void): Figure {
  const runs: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    for (let k = 0; k < count / 10; k++) op();
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < count; k++) op();
    runs.push(Number(process.hrtime.bigint() - t0) / count);
  }
  const f = { name, nsPerOp: median(runs), bytesPerOp };
  print(f);
  return f;
}

/** Times a fresh batch per run, prepared (untimed) by `setup`, consumed by `op(i)`. */
function measureBatch(name: string, count: number, bytesPerOp: number, setup: () => (i: number) => void): Figure {
  const runs: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const op = setup();
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < count; k++) op(k);
    runs.push(Number(process.hrtime.bigint() - t0) / count);
  }
  const f = { name, nsPerOp: median(runs), bytesPerOp };
  print(f);
  return f;
}

function tsRc4(): void {
  console.log('RC4, pure TypeScript (server/crypto/rc4.ts), in place, no allocation:');
  const key = randomBytes(16);
  const pkt = randomBytes(PKT);
  const r = new Rc4(key);
  measure('stateful: persistent state, process(pkt)', 100_000, PKT, () => r.process(pkt));
  const k2 = randomBytes(16);
  measure('rekey (KSA) + process(pkt), no SHA-1', 50_000, PKT, () => {
    r.rekey(k2);
    r.process(pkt);
  });
  for (const bits of [128, 40] as const) {
    const s = new MppeSessionKey(randomBytes(16), bits);
    measure(`stateless ${bits}-bit: RFC 3078 key change (SHA-1 + 2 KSA) + pkt`, 50_000, PKT, () => {
      s.changeKey();
      s.rc4.process(pkt);
    });
  }
  const s = new MppeSessionKey(randomBytes(16), 128);
  measure('key change alone (SHA-1 + RC4(interim) + 2 KSA), 128-bit', 50_000, 0, () => s.changeKey());
}

function nativeCipher(): void {
  console.log('MPPE cipher in the native addon (server/dataplane/native/mppe.cc), one call per packet:');
  if (!nativeMppeAvailable()) {
    console.log('  (unavailable: the dataplane addon is not built)');
    return;
  }
  const pkt = randomBytes(PKT);
  const c = new NativeMppeCipher(randomBytes(16), 128);
  measure('stateful: crypt(pkt, 0 key changes)', 100_000, PKT, () => c.crypt(pkt, 0, PKT, 0, false));
  for (const bits of [128, 40] as const) {
    const s = new NativeMppeCipher(randomBytes(16), bits);
    measure(`stateless ${bits}-bit: crypt(pkt, 1 key change)`, 50_000, PKT, () => s.crypt(pkt, 0, PKT, 1, true));
  }
  measure('key change alone (crypt of 0 bytes, 1 key change), 128-bit', 50_000, 0, () => c.crypt(pkt, 0, 0, 1, true));
  measure('call overhead (crypt of 0 bytes, no key change)', 200_000, 0, () => c.crypt(pkt, 0, 0, 0, false));
}

function sha1(): void {
  console.log('SHA-1 of the 112-byte GetNewKeyFromSHA input (node:crypto, default provider):');
  const input = randomBytes(16 + 40 + 16 + 40);
  measure("createHash('sha1').update().digest()", 100_000, 0, () => {
    createHash('sha1').update(input).digest();
  });
  measure("crypto.hash('sha1', input, 'buffer') (used)", 100_000, 0, () => {
    hash('sha1', input, 'buffer');
  });
}

// The OpenSSL side runs in a child: a stock node has no rc4 (legacy provider).
const CHILD = `
const crypto = require('node:crypto');
const PKT = ${PKT}, RUNS = ${RUNS};
const key = crypto.randomBytes(16), pkt = crypto.randomBytes(PKT);
const pad1 = Buffer.alloc(40), pad2 = Buffer.alloc(40, 0xf2);
const out = [];
function measure(name, count, bytes, op) {
  const runs = [];
  for (let r = 0; r < RUNS; r++) {
    for (let k = 0; k < count / 10; k++) op();
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < count; k++) op();
    runs.push(Number(process.hrtime.bigint() - t0) / count);
  }
  runs.sort((a, b) => a - b);
  out.push({ name, nsPerOp: runs[Math.floor(RUNS / 2)], bytesPerOp: bytes });
}
const st = crypto.createCipheriv('rc4', key, null);
measure('stateful: one cipher, update(pkt) (allocates output)', 100000, PKT, () => { st.update(pkt); });
measure('rekey: createCipheriv(key).update(pkt) per packet', 50000, PKT, () => { crypto.createCipheriv('rc4', key, null).update(pkt); });
let sess = Buffer.from(key);
measure('stateless 128-bit: SHA-1 + rc4(interim) + new cipher + pkt', 50000, PKT, () => {
  const interim = crypto.createHash('sha1').update(key).update(pad1).update(sess).update(pad2).digest().subarray(0, 16);
  sess = crypto.createCipheriv('rc4', interim, null).update(interim);
  crypto.createCipheriv('rc4', sess, null).update(pkt);
});
process.stdout.write(JSON.stringify(out));
`;

function opensslRc4(): void {
  console.log('RC4, OpenSSL (legacy provider), child `node --openssl-legacy-provider`:');
  const r = spawnSync(process.execPath, ['--openssl-legacy-provider', '-e', CHILD], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) {
    console.log(`  (unavailable: ${r.stderr.split('\n')[0] ?? r.status})`);
    return;
  }
  for (const f of JSON.parse(r.stdout) as Figure[]) print(f);
}

function inProcessLegacyProbe(): void {
  // Can this (flag-less) process use OpenSSL rc4/md4 at all?
  let rc4ok = false;
  try {
    createHash('md4');
    rc4ok = getCiphers().includes('rc4');
  } catch {
    rc4ok = false;
  }
  console.log(`In this process (no flags): OpenSSL md4/rc4 usable: ${rc4ok ? 'yes' : 'no'}`);
}

function mppeCodec(engine: MppeEngine): void {
  console.log(`MPPE per packet (1400-byte payload), server/crypto/mppe.ts, engine '${engine}':`);
  if (engine === MppeEngine.NATIVE && !nativeMppeAvailable()) {
    console.log('  (unavailable: the dataplane addon is not built)');
    return;
  }
  const master = randomBytes(16);
  const payload = randomBytes(PKT);
  const N = 20_000;
  const modes: [string, MppeMode][] = [
    ['stateful 128-bit', { bits: 128, stateless: false, engine }],
    ['stateless 128-bit', { bits: 128, stateless: true, engine }],
    ['stateless 40-bit', { bits: 40, stateless: true, engine }],
  ];
  for (const [label, mode] of modes) {
    const enc = new MppeEncoder(master, mode);
    measure(`encode() ${label} (allocates the packet)`, N, PKT, () => {
      enc.encode(payload);
    });
    const enc2 = new MppeEncoder(master, mode);
    const buf = Buffer.alloc(PKT + 2);
    measure(`encodeInPlace() ${label}`, N, PKT, () => enc2.encodeInPlace(buf, 0, buf.length));
    measureBatch(`decode() ${label} (in place)`, N, PKT, () => {
      const e = new MppeEncoder(master, mode);
      const d = new MppeDecoder(master, mode);
      const packets = Array.from({ length: N }, () => e.encode(payload));
      return (i) => {
        d.decode(packets[i]!);
      };
    });
  }
}

export async function run(): Promise<void> {
  console.log(`cores: ${os.availableParallelism()}; packet: ${PKT} bytes; median of ${RUNS} runs`);
  inProcessLegacyProbe();
  tsRc4();
  opensslRc4();
  nativeCipher();
  sha1();
  mppeCodec(MppeEngine.TYPESCRIPT);
  mppeCodec(MppeEngine.NATIVE);
}
