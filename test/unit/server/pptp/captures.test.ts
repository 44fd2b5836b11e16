// Real captures from ../shared/real-clients (never copied into the project): every
// control message decodes, re-encodes to the same octets, and matches what tcpdump
// and the per-packet summaries (cross-checked with tshark) say about it.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { sharedDir } from '../../../helpers/paths.js';
import { tcpStreams, frameAt, type TcpStream } from '../../../helpers/pcap.js';
import { ControlFramer } from '../../../../server/pptp/framer.js';
import { decodeControlMessage, encodeControlMessage, type ControlMessage } from '../../../../server/pptp/codec.js';
import { ControlConnection } from '../../../../server/pptp/control.js';
import { MAGIC_COOKIE, MessageLength } from '../../../../server/pptp/constants.js';
import { isDecodeError } from '../../../../server/errors.js';
import { drain, ofType } from './pair.js';
import { summaryLines } from './summaries.js';

const dir = path.join(sharedDir, 'real-clients');
const skip = existsSync(dir) ? false : `captures not found in ${dir} (set PPTPD_SHARED to the shared folder)`;
const read = (f: string) => readFileSync(path.join(dir, f));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

interface Decoded {
  readonly frame: number;
  readonly stream: TcpStream;
  readonly wire: Uint8Array;
  readonly message: ControlMessage;
}

/** Every control message of every port-1723 stream, with its frame number. */
function decodeCapture(file: string): Decoded[] {
  const out: Decoded[] = [];
  for (const stream of tcpStreams(read(file), 1723)) {
    const framer = new ControlFramer();
    let offset = 0;
    for (const item of framer.push(stream.data)) {
      assert.ok(!isDecodeError(item), `${file}: framing error ${JSON.stringify(item)}`);
      const message = decodeControlMessage(item);
      assert.ok(!isDecodeError(message), `${file} offset ${offset}: ${JSON.stringify(message)}`);
      out.push({ frame: frameAt(stream, offset)!, stream, wire: item, message });
      offset += item.length;
    }
    assert.equal(offset, stream.data.length, `${file}: no octets left over`);
  }
  return out.sort((a, b) => a.frame - b.frame);
}

const CAPTURES = ['tcpdump__pptp.pcap', 'chapcrack__sample.dump', 'ndpi__pptp.pcap', 'packetlife__PPTP_negotiation.cap'];

describe('every control message in the captures', { skip }, () => {
  for (const file of CAPTURES) {
    test(`${file}: decodes, and re-encodes to the same octets`, () => {
      const all = decodeCapture(file);
      assert.ok(all.length >= 4, `${all.length} messages`);
      for (const d of all) assert.equal(hex(encodeControlMessage(d.message)), hex(d.wire), `frame ${d.frame} ${d.message.type}`);
    });
  }
});

// ---- tcpdump's own decoding (tcpdump__pptp.out, tcpdump__pptp-v.out) ------------------

const caps = (v: number, letters: [string, string]) => (v & 1 ? letters[0] : '') + (v & 2 ? letters[1] : '');
const resultNames: Record<string, Record<number, string>> = { SCCRP: { 1: 'Successful channel establishment' }, OCRP: { 1: 'Connected' } };
const bearerNames: Record<number, string> = { 1: 'A', 2: 'D', 3: 'Any' };
const framingNames: Record<number, string> = { 1: 'A', 2: 'S', 3: 'E' };

/** Our decoded message in tcpdump's print-pptp.c wording. */
function tcpdumpText(m: ControlMessage, verbose: boolean): string {
  const code = (n: number, names: Record<number, string> | undefined) => (verbose && names?.[n] ? `${n}:${names[n]}` : `${n}`);
  const err = (n: number) => (verbose && n === 0 ? '0:None' : `${n}`);
  const pre = verbose ? `Length=${MessageLength[m.type]} CTRL-MSG Magic-Cookie=${MAGIC_COOKIE.toString(16)} ` : '';
  const ver = (v: number) => `${v >> 8}.${v & 0xff}`;
  switch (m.type) {
    case 'SCCRQ':
      return `${pre}CTRL_MSGTYPE=SCCRQ PROTO_VER(${ver(m.protocolVersion)}) FRAME_CAP(${caps(m.framingCapabilities, ['A', 'S'])}) BEARER_CAP(${caps(m.bearerCapabilities, ['A', 'D'])}) MAX_CHAN(${m.maximumChannels}) FIRM_REV(${m.firmwareRevision}) HOSTNAME(${m.hostName}) VENDOR(${m.vendorString})`;
    case 'SCCRP':
      return `${pre}CTRL_MSGTYPE=SCCRP PROTO_VER(${ver(m.protocolVersion)}) RESULT_CODE(${code(m.resultCode, resultNames['SCCRP'])}) ERR_CODE(${err(m.errorCode)}) FRAME_CAP(${caps(m.framingCapabilities, ['A', 'S'])}) BEARER_CAP(${caps(m.bearerCapabilities, ['A', 'D'])}) MAX_CHAN(${m.maximumChannels}) FIRM_REV(${m.firmwareRevision}) HOSTNAME(${m.hostName}) VENDOR(${m.vendorString})`;
    case 'OCRQ':
      return `${pre}CTRL_MSGTYPE=OCRQ CALL_ID(${m.callId}) CALL_SER_NUM(${m.callSerialNumber}) MIN_BPS(${m.minimumBps}) MAX_BPS(${m.maximumBps}) BEARER_TYPE(${bearerNames[m.bearerType]}) FRAME_TYPE(${framingNames[m.framingType]}) RECV_WIN(${m.packetRecvWindowSize}) PROC_DELAY(${m.packetProcessingDelay}) PHONE_NO_LEN(${m.phoneNumberLength}) PHONE_NO(${m.phoneNumber}) SUB_ADDR(${m.subaddress})`;
    case 'OCRP':
      return `${pre}CTRL_MSGTYPE=OCRP CALL_ID(${m.callId}) PEER_CALL_ID(${m.peerCallId}) RESULT_CODE(${code(m.resultCode, resultNames['OCRP'])}) ERR_CODE(${err(m.errorCode)}) CAUSE_CODE(${m.causeCode}) CONN_SPEED(${m.connectSpeed}) RECV_WIN(${m.packetRecvWindowSize}) PROC_DELAY(${m.packetProcessingDelay}) PHY_CHAN_ID(${m.physicalChannelId})`;
    case 'SLI':
      return `${pre}CTRL_MSGTYPE=SLI PEER_CALL_ID(${m.peerCallId}) SEND_ACCM(0x${m.sendAccm.toString(16).padStart(8, '0')}) RECV_ACCM(0x${m.receiveAccm.toString(16).padStart(8, '0')})`;
    default:
      return `(${m.type} not in this capture)`;
  }
}

/** {frame → the text after "pptp "} from a tcpdump output file (plain or -v). */
function tcpdumpLines(file: string): Map<number, string> {
  const out = new Map<number, string>();
  let frame = 0;
  for (const line of read(file).toString('utf8').split('\n')) {
    const f = /^\s*(\d+)\s+\d{4}-\d\d-\d\d /.exec(line);
    if (f) frame = Number(f[1]);
    const i = line.indexOf(': pptp ');
    if (i >= 0) out.set(frame, line.slice(i + ': pptp '.length));
  }
  return out;
}

describe('tcpdump__pptp.pcap against tcpdump own decoding', { skip }, () => {
  for (const [out, verbose] of [['tcpdump__pptp.out', false], ['tcpdump__pptp-v.out', true]] as const) {
    test(`${out}: every PPTP line matches our decoding`, () => {
      const ours = decodeCapture('tcpdump__pptp.pcap');
      const theirs = tcpdumpLines(out);
      assert.equal(theirs.size, 7, 'tcpdump shows 7 PPTP frames (the capture holds each server segment twice)');
      const ourText = new Map(ours.map((d) => [d.frame, tcpdumpText(d.message, verbose)]));
      for (const [frame, text] of theirs) {
        // Frames 9 and 14 are second copies of 8 and 13, which TCP reassembly drops.
        const mine = ourText.get(frame) ?? ourText.get(frame - 1);
        assert.equal(mine, text, `frame ${frame}`);
      }
      assert.equal(ours.length, 5);
    });
  }

  test('the values the README calls out', () => {
    const ms = decodeCapture('tcpdump__pptp.pcap').map((d) => d.message);
    const sccrq = ms.find((m) => m.type === 'SCCRQ')!;
    assert.deepEqual([sccrq.firmwareRevision, sccrq.vendorString, sccrq.hostName, sccrq.maximumChannels], [0x0870, 'Microsoft Windows NT', '', 0]);
    const ocrq = ms.find((m) => m.type === 'OCRQ')!;
    assert.deepEqual([ocrq.callSerialNumber, ocrq.packetRecvWindowSize, ocrq.minimumBps, ocrq.maximumBps], [30760, 64, 300, 100_000_000]);
    const sli = ms.find((m) => m.type === 'SLI')!;
    assert.deepEqual([sli.sendAccm, sli.receiveAccm], [0xffffffff, 0xffffffff]);
  });
});

// ---- decoded-summaries.txt (scapy decoder cross-checked with tshark 4.0) ----------------

/** Our decoding in decoded-summaries.txt's wording (CCRQ/CDN show their octets after the Call ID). */
function summaryText(m: ControlMessage): string {
  const q = (s: string) => `'${s}'`;
  const x32 = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;
  const ver = (v: number) => `0x${v.toString(16).padStart(4, '0')}`;
  const fw = (n: number) => `${n}(0x${n.toString(16).padStart(4, '0')})`;
  switch (m.type) {
    case 'SCCRQ': return `SCCRQ ver=${ver(m.protocolVersion)}  framing=${m.framingCapabilities} bearer=${m.bearerCapabilities} maxch=${m.maximumChannels} fw=${fw(m.firmwareRevision)} host=${q(m.hostName)} vendor=${q(m.vendorString)}`;
    case 'SCCRP': return `SCCRP ver=${ver(m.protocolVersion)} result=(${m.resultCode}, ${m.errorCode}) framing=${m.framingCapabilities} bearer=${m.bearerCapabilities} maxch=${m.maximumChannels} fw=${fw(m.firmwareRevision)} host=${q(m.hostName)} vendor=${q(m.vendorString)}`;
    case 'OCRQ': return `OCRQ call=${m.callId} serial=${m.callSerialNumber} minbps=${m.minimumBps} maxbps=${m.maximumBps} bearer=${m.bearerType} framing=${m.framingType} rwin=${m.packetRecvWindowSize} pdelay=${m.packetProcessingDelay} phone=${q(m.phoneNumber)} sub=${q(m.subaddress)}`;
    case 'OCRP': return `OCRP call=${m.callId} peer=${m.peerCallId} result=${m.resultCode} err=${m.errorCode} cause=${m.causeCode} speed=${m.connectSpeed} rwin=${m.packetRecvWindowSize} pdelay=${m.packetProcessingDelay} chan=${m.physicalChannelId}`;
    case 'SLI': return `SLI peer=${m.peerCallId} send_accm=${x32(m.sendAccm)} recv_accm=${x32(m.receiveAccm)}`;
    case 'CCRQ': return `CCRQ call=${m.callId} ${hex(encodeControlMessage(m).subarray(14))}`;
    case 'CDN': return `CDN call=${m.callId} ${hex(encodeControlMessage(m).subarray(14))}`;
    default: return `(${m.type})`;
  }
}

describe('captures against decoded-summaries.txt', { skip }, () => {
  for (const file of CAPTURES) {
    test(`${file}: every control message line matches`, () => {
      const ours = decodeCapture(file);
      const lines = summaryLines(file, 'TCP');
      assert.ok(lines.length >= 4);
      for (const l of lines) {
        const mine = ours.find((d) => d.frame === l.frame);
        if (mine) {
          assert.equal(summaryText(mine.message), l.text, `frame ${l.frame}`);
          assert.ok(mine.stream.src.startsWith(`${l.src}:`), `frame ${l.frame} sender`);
        } else {
          // A TCP retransmission (ndpi frame 19 repeats the CCRQ of frame 16): same text earlier.
          assert.ok(ours.some((d) => d.frame < l.frame && summaryText(d.message) === l.text), `frame ${l.frame} is a retransmission`);
        }
      }
      // And nothing we decoded is missing from the summary.
      for (const d of ours) assert.ok(lines.some((l) => l.frame === d.frame), `frame ${d.frame} ${d.message.type} listed`);
    });
  }
});

// ---- the cores fed real peers' streams ---------------------------------------------------

function feedInChunks(c: ControlConnection, data: Uint8Array, sizes: number[]): void {
  let off = 0;
  for (let i = 0; off < data.length; i++) {
    const n = sizes[i % sizes.length]!;
    c.handleData(data.subarray(off, off + n), 1000 + i);
    off += n;
  }
}

describe('control cores driven by real peers', { skip }, () => {
  test('server core fed the Windows NT client stream (odd chunk sizes)', () => {
    const client = tcpStreams(read('tcpdump__pptp.pcap'), 1723).find((s) => s.dst.endsWith(':1723'))!;
    const c = new ControlConnection({ role: 'server' }, 0);
    const events = [];
    // Run up to the OCRQ, accept it the way PoPToP did (Call ID 0), then the rest.
    const ocrqEnd = 156 + 168;
    feedInChunks(c, client.data.subarray(0, ocrqEnd), [1, 7, 13, 100]);
    events.push(...drain(c).events);
    const req = ofType(events, 'outgoing-call-request')[0]!;
    assert.deepEqual([req.peerCallId, req.serial, req.window, req.maximumBps], [0, 30760, 64, 100_000_000]);
    assert.equal(c.acceptCall(req.peerCallId, { callId: 0 }), true);
    feedInChunks(c, client.data.subarray(ocrqEnd), [5]);
    const rest = drain(c);
    assert.equal(ofType(events, 'control-connection-up')[0]!.peer.vendorString, 'Microsoft Windows NT');
    assert.deepEqual(ofType(rest.events, 'set-link-info'), [{ type: 'set-link-info', callId: 0, sendAccm: 0xffffffff, receiveAccm: 0xffffffff }]);
    assert.equal(ofType([...events, ...rest.events], 'protocol-error').length, 0);
    // What we sent back has the shape PoPToP's had.
    assert.deepEqual(rest.sent.map((m) => m.type), ['OCRP']);
  });

  test('client core fed the Windows RRAS server stream (ndpi__pptp.pcap): two SLIs, then CDN', () => {
    const server = tcpStreams(read('ndpi__pptp.pcap'), 1723).find((s) => s.src.endsWith(':1723'))!;
    const c = new ControlConnection({ role: 'client' }, 0);
    c.start(0);
    const sccrp = server.data.subarray(0, 156);
    c.handleData(sccrp, 1);
    c.placeCall({ callId: 0 }, 2);
    drain(c);
    c.handleData(server.data.subarray(156, 156 + 32), 3); // OCRP
    const connected = ofType(drain(c).events, 'call-connected')[0]!;
    assert.deepEqual([connected.peerCallId, connected.window, connected.connectSpeed], [11755, 16384, 14_945_108]);
    // The capture's client sent CCRQ before the CDN arrived; do the same.
    assert.equal(c.clearCall(0, 4), true);
    feedInChunks(c, server.data.subarray(156 + 32), [3, 50]);
    const { events } = drain(c);
    assert.deepEqual(ofType(events, 'set-link-info').map((e) => [e.sendAccm, e.receiveAccm]), [[0, 0xffffffff], [0xffffffff, 0xffffffff]]);
    const cleared = ofType(events, 'call-cleared');
    assert.deepEqual(cleared.map((e) => [e.callId, e.by, e.resultCode]), [[0, 'local', 0]]);
    assert.equal(ofType(events, 'protocol-error').length, 0);
  });
});
