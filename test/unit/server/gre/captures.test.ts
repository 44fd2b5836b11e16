// Every GRE packet of the real captures (../shared/real-clients, never copied here)
// decodes, re-encodes to the same octets, and matches tcpdump, Zeek and the summaries.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { sharedDir } from '../../../helpers/paths.js';
import { grePackets } from '../../../helpers/pcap.js';
import { decodeGre, encodeGre, type GrePacket } from '../../../../server/gre/codec.js';
import { stripIpv4, ipv4ToString } from '../../../../server/gre/ipv4.js';
import { GreWindow } from '../../../../server/gre/window.js';
import { isDecodeError } from '../../../../server/errors.js';
import { summaryLines } from '../pptp/summaries.js';

const dir = path.join(sharedDir, 'real-clients');
const skip = existsSync(dir) ? false : `captures not found in ${dir} (set PPTPD_SHARED to the shared folder)`;
const read = (f: string) => readFileSync(path.join(dir, f));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

interface Decoded {
  readonly frame: number;
  readonly src: string;
  readonly dst: string;
  readonly gre: Uint8Array;
  readonly packet: GrePacket;
}

/** Through the same path as the server: IPv4 packet → stripIpv4 → decodeGre. */
function decodeAll(file: string): Decoded[] {
  return grePackets(read(file)).map((g) => {
    const ip = stripIpv4(g.ip);
    assert.ok(!isDecodeError(ip), `${file} frame ${g.frame}: ${JSON.stringify(ip)}`);
    assert.equal(ipv4ToString(ip.source), g.src);
    const packet = decodeGre(ip.gre);
    assert.ok(!isDecodeError(packet), `${file} frame ${g.frame}: ${JSON.stringify(packet)}`);
    return { frame: g.frame, src: g.src, dst: g.dst, gre: ip.gre, packet };
  });
}

const FILES: Array<[string, number]> = [
  ['tcpdump__pptp.pcap', 1],
  ['chapcrack__sample.dump', 117],
  ['chapcrack__pptp.cap', 3],
  ['packetlife__PPTP_negotiation.cap', 17],
  ['zeek__gre-pptp.pcap', 2],
];

describe('every GRE packet in the captures', { skip }, () => {
  for (const [file, count] of FILES) {
    test(`${file}: ${count} packets decode and re-encode to the same octets`, () => {
      const all = decodeAll(file);
      assert.equal(all.length, count);
      for (const d of all) assert.equal(hex(encodeGre(d.packet, d.packet.payload)), hex(d.gre), `frame ${d.frame}`);
    });
  }

  for (const file of ['tcpdump__pptp.pcap', 'chapcrack__sample.dump', 'chapcrack__pptp.cap', 'packetlife__PPTP_negotiation.cap']) {
    test(`${file}: matches every GRE line of decoded-summaries.txt`, () => {
      const ours = decodeAll(file);
      const lines = summaryLines(file, 'GREv1');
      assert.ok(lines.length >= 1);
      for (const l of lines) {
        const d = ours.find((x) => x.frame === l.frame);
        assert.ok(d, `frame ${l.frame}`);
        const p = d.packet;
        const text = `call=${p.callId} plen=${p.payload.length}` + (p.seq !== undefined ? ` seq=${p.seq}` : '') + (p.ack !== undefined ? ` ack=${p.ack}` : '');
        assert.equal(text, l.text.slice(0, l.text.indexOf(' |')), `frame ${l.frame}`);
        assert.deepEqual([d.src, d.dst], [l.src, l.dst]);
      }
    });
  }

  test('tcpdump__pptp.out: "GREv1, call 0, seq 0, length 60" and an LCP Configure-Request inside', () => {
    const [d] = decodeAll('tcpdump__pptp.pcap');
    const line = read('tcpdump__pptp.out').toString('utf8').split('\n').find((l) => l.includes('GREv1'))!;
    assert.ok(line.includes(`GREv1, call ${d!.packet.callId}, seq ${d!.packet.seq}, length ${d!.gre.length}: LCP, Conf-Request`), line);
    assert.equal(hex(d!.packet.payload.subarray(0, 4)), 'ff03c021');
    assert.equal(d!.packet.ack, undefined);
  });

  test('zeek__gre-pptp.pcap (IPv4 in IPv6): the tunnel Zeek reports, one packet with seq+ack, one with seq only', () => {
    const all = decodeAll('zeek__gre-pptp.pcap');
    const log = read('zeek__gre-pptp.tunnel.log').toString('utf8');
    const gre = log.split('\n').find((l) => l.includes('Tunnel::GRE'))!.split('\t');
    assert.deepEqual([all[0]!.src, all[0]!.dst], [gre[2], gre[4]]);
    assert.deepEqual(all.map((d) => [d.packet.callId, d.packet.seq !== undefined, d.packet.ack !== undefined]), [[6016, true, true], [17, true, false]]);
    // Unencrypted PPP carrying IPv4: FF03 0021.
    for (const d of all) assert.equal(hex(d.packet.payload.subarray(0, 4)), 'ff030021');
  });

  test('ack-only packets: chapcrack (pptpd/pppd) and Cisco both send them', () => {
    for (const [file, n] of [['chapcrack__sample.dump', 24], ['packetlife__PPTP_negotiation.cap', 2]] as const) {
      const ackOnly = decodeAll(file).filter((d) => d.packet.seq === undefined);
      assert.equal(ackOnly.length, n, file);
      for (const d of ackOnly) {
        assert.equal(d.packet.payload.length, 0);
        assert.notEqual(d.packet.ack, undefined);
      }
    }
  });
});

describe('GreWindow replaying real sessions', { skip }, () => {
  for (const file of ['chapcrack__sample.dump', 'packetlife__PPTP_negotiation.cap']) {
    test(`${file}: every data packet accepted in order; every ack is for a packet already sent`, () => {
      const all = decodeAll(file);
      const rx = new Map<string, GreWindow>(); // receiver's view of each direction
      const tx = new Map<string, GreWindow>(); // sender's view: its seqs, the peer's acks
      const dataCount = new Map<string, number>();
      let now = 0;
      for (const d of all) {
        now += 1;
        const dir = `${d.src}>${d.dst}`;
        if (!rx.has(dir)) rx.set(dir, new GreWindow());
        if (d.packet.seq !== undefined) {
          assert.equal(rx.get(dir)!.onData(d.packet.seq, now), true, `frame ${d.frame}`);
          dataCount.set(dir, (dataCount.get(dir) ?? 0) + 1);
          let w = tx.get(dir);
          if (!w) {
            tx.set(dir, (w = new GreWindow()));
            w.setNextSeq(d.packet.seq); // pptp-linux and Cisco start at 1, Windows at 0
          }
          assert.equal(w.takeSeq(now), d.packet.seq, `frame ${d.frame}: consecutive sequence numbers`);
        }
        if (d.packet.ack !== undefined) tx.get(`${d.dst}>${d.src}`)?.onAck(d.packet.ack, now);
      }
      for (const [dir, w] of rx) {
        assert.deepEqual([w.counters.duplicate, w.counters.late, w.counters.received], [0, 0, dataCount.get(dir)], dir);
      }
      for (const [dir, w] of tx) {
        assert.equal(w.counters.acksIgnored, 0, dir);
        assert.ok(w.unacknowledged <= 4, `${dir}: ${w.unacknowledged} unacknowledged at the end`);
      }
    });
  }
});
