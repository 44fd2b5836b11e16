import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { readPcap, ipv4Packets, grePackets, tcpStreams, frameAt } from './pcap.js';
import { sharedDir } from './paths.js';

// ---- builders for synthetic captures ----
const be16 = (n: number) => [n >> 8, n & 0xff];
const be32 = (n: number) => [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];

function pcap(linkType: number, frames: number[][], little = true): Uint8Array {
  const u32 = (n: number) => (little ? [...be32(n)].reverse() : be32(n));
  const u16 = (n: number) => (little ? [...be16(n)].reverse() : be16(n));
  const out = [...u32(0xa1b2c3d4), ...u16(2), ...u16(4), ...u32(0), ...u32(0), ...u32(65535), ...u32(linkType)];
  frames.forEach((f, i) => out.push(...u32(1000 + i), ...u32(500), ...u32(f.length), ...u32(f.length), ...f));
  return Uint8Array.from(out);
}

function ipv4(proto: number, src: number[], dst: number[], payload: number[]): number[] {
  return [0x45, 0, ...be16(20 + payload.length), 0, 1, 0x40, 0, 64, proto, 0, 0, ...src, ...dst, ...payload];
}

function tcp(sport: number, dport: number, seq: number, flags: number, data: string): number[] {
  return [...be16(sport), ...be16(dport), ...be32(seq), ...be32(0), 0x50, flags, 0xff, 0xff, 0, 0, 0, 0, ...Buffer.from(data)];
}

const ether = (type: number, payload: number[]) => [...Array(12).fill(0xaa), ...be16(type), ...payload];
const vlan = (type: number, payload: number[]) => [...Array(12).fill(0xaa), 0x81, 0x00, 0x00, 0x05, ...be16(type), ...payload];
const A = [10, 0, 0, 1];
const B = [10, 0, 0, 2];
const GRE = [0x30, 0x01, 0x88, 0x0b, 0, 4, 0, 9, 0, 0, 0, 0, 0xff, 0x03, 0xc0, 0x21];

test('TCP reassembly: out-of-order, duplicate and overlapping segments, VLAN tags', () => {
  const isn = 1000;
  const file = pcap(1, [
    vlan(0x0800, ipv4(6, A, B, tcp(3025, 1723, isn, 0x02, ''))), // SYN
    ether(0x0800, ipv4(6, A, B, tcp(3025, 1723, isn + 1, 0x18, 'AAAA'))),
    ether(0x0800, ipv4(6, A, B, tcp(3025, 1723, isn + 9, 0x18, 'CCCC'))), // ahead
    ether(0x0800, ipv4(6, A, B, tcp(3025, 1723, isn + 5, 0x18, 'BBBB'))),
    ether(0x0800, ipv4(6, A, B, tcp(3025, 1723, isn + 5, 0x18, 'BBBB'))), // duplicate
    ether(0x0800, ipv4(6, A, B, tcp(3025, 1723, isn + 11, 0x18, 'CCDD'))), // overlaps by 2
    ether(0x0800, ipv4(6, B, A, tcp(1723, 3025, 7, 0x18, 'reply'))), // other direction, no SYN seen
    ether(0x0800, ipv4(6, A, B, tcp(3025, 80, 1, 0x18, 'other port'))),
  ]);
  const streams = tcpStreams(file, 1723);
  assert.equal(streams.length, 2);
  assert.equal(Buffer.from(streams[0]!.data).toString(), 'AAAABBBBCCCCDD');
  assert.deepEqual([streams[0]!.src, streams[0]!.dst], ['10.0.0.1:3025', '10.0.0.2:1723']);
  assert.deepEqual(streams[0]!.segments.map((s) => [s.frame, s.offset, s.length]), [[2, 0, 4], [4, 4, 4], [3, 8, 4], [6, 12, 2]]);
  assert.equal(frameAt(streams[0]!, 9), 3);
  assert.equal(Buffer.from(streams[1]!.data).toString(), 'reply');
});

test('a hole in a TCP stream is an error', () => {
  const file = pcap(1, [
    ether(0x0800, ipv4(6, A, B, tcp(1, 1723, 100, 0x18, 'AAAA'))),
    ether(0x0800, ipv4(6, A, B, tcp(1, 1723, 110, 0x18, 'BBBB'))),
  ]);
  assert.throws(() => tcpStreams(file, 1723), /gap in TCP stream/);
});

test('big-endian file, Linux cooked link layer, GRE', () => {
  const sll = (payload: number[]) => [0, 0, 0, 1, 0, 6, ...Array(8).fill(0), 0x08, 0x00, ...payload];
  const file = pcap(113, [sll(ipv4(47, A, B, GRE))], false);
  assert.equal(readPcap(file).linkType, 113);
  const g = grePackets(file);
  assert.equal(g.length, 1);
  assert.deepEqual([g[0]!.frame, g[0]!.src, g[0]!.dst], [1, '10.0.0.1', '10.0.0.2']);
  assert.deepEqual([...g[0]!.gre], GRE);
  assert.equal(g[0]!.ip.length, 20 + GRE.length);
});

test('raw IP link layer; IPv4 inside IPv6 behind a hop-by-hop header', () => {
  const inner = ipv4(47, A, B, GRE);
  const hbh = [4, 0, 0, 0, 0, 0, 0, 0]; // next header 4 (IPv4), length 0 → 8 octets
  const v6 = [0x60, 0, 0, 0, ...be16(hbh.length + inner.length), 0, 64, ...Array(32).fill(0x20), ...hbh, ...inner];
  const file = pcap(101, [v6, inner]);
  const pk = ipv4Packets(file);
  assert.deepEqual(pk.map((p) => [p.frame, p.protocol, p.src]), [[1, 47, '10.0.0.1'], [2, 47, '10.0.0.1']]);
});

test('IPv4 packets are cut at Total Length (Ethernet padding dropped)', () => {
  const file = pcap(1, [ether(0x0800, [...ipv4(47, A, B, GRE), 0, 0, 0, 0])]);
  assert.equal(grePackets(file)[0]!.gre.length, GRE.length);
});

test('not a pcap file, or a truncated record: throws', () => {
  assert.throws(() => readPcap(new Uint8Array(24)), /not a classic pcap/);
  const file = pcap(1, [ether(0x0800, ipv4(47, A, B, GRE))]);
  assert.throws(() => readPcap(file.subarray(0, file.length - 1)), /truncated record/);
});

const capture = path.join(sharedDir, 'real-clients', 'tcpdump__pptp.pcap');
test('the real tcpdump__pptp.pcap: 23 frames, both TCP directions, one GRE packet', { skip: existsSync(capture) ? false : `${capture} not found` }, () => {
  const file = readFileSync(capture);
  const { linkType, frames } = readPcap(file);
  assert.deepEqual([linkType, frames.length], [1, 23]);
  const s = tcpStreams(file, 1723);
  // tcpdump: client "seq 1:157", "157:325", "325:349"; server "1:157", "157:189".
  assert.deepEqual(s.map((x) => [x.src, x.data.length]), [['10.1.1.11:3025', 348], ['10.1.1.10:1723', 188]]);
  assert.deepEqual(grePackets(file).map((g) => g.frame), [16]);
});
