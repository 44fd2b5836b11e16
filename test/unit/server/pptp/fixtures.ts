// Hand-built wire images of every PPTP control message (RFC 2637 §2), written field by
// field from the RFC diagrams, independently of the codec, with the decoded value each
// must give. Values echo what real peers sent (see ../shared/real-clients/README.md).

import type { ControlMessage } from '../../../../server/pptp/codec.js';

export const u8 = (n: number): string => n.toString(16).padStart(2, '0');
export const u16 = (n: number): string => n.toString(16).padStart(4, '0');
export const u32 = (n: number): string => (n >>> 0).toString(16).padStart(8, '0');
/** A NUL-padded string field. */
export const str = (s: string, width: number): string => Buffer.from(s, 'latin1').toString('hex').padEnd(width * 2, '0');
/** The 12-octet header: Length, PPTP Message Type 1, Magic Cookie, Control Message Type, Reserved0. */
export const hdr = (length: number, type: number): string => u16(length) + '0001' + '1a2b3c4d' + u16(type) + '0000';
export const bytes = (...hexParts: string[]): Uint8Array => new Uint8Array(Buffer.from(hexParts.join(''), 'hex'));

export interface Fixture {
  readonly name: string;
  readonly message: ControlMessage;
  readonly wire: Uint8Array;
}

export const fixtures: Fixture[] = [
  {
    name: 'SCCRQ from Windows NT (tcpdump__pptp.pcap frame 5)',
    message: { type: 'SCCRQ', protocolVersion: 0x0100, framingCapabilities: 1, bearerCapabilities: 1, maximumChannels: 0, firmwareRevision: 0x0870, hostName: '', vendorString: 'Microsoft Windows NT' },
    wire: bytes(hdr(156, 1), '0100', '0000', u32(1), u32(1), u16(0), u16(0x0870), str('', 64), str('Microsoft Windows NT', 64)),
  },
  {
    name: 'SCCRP from Cisco IOS',
    message: { type: 'SCCRP', protocolVersion: 0x0100, resultCode: 1, errorCode: 0, framingCapabilities: 3, bearerCapabilities: 3, maximumChannels: 0, firmwareRevision: 0x1200, hostName: 'ixro-smdev-r1', vendorString: 'Cisco Systems, Inc.' },
    wire: bytes(hdr(156, 2), '0100', '01', '00', u32(3), u32(3), u16(0), u16(0x1200), str('ixro-smdev-r1', 64), str('Cisco Systems, Inc.', 64)),
  },
  {
    name: 'StopCCRQ Stop-Local-Shutdown',
    message: { type: 'StopCCRQ', reason: 3 },
    wire: bytes(hdr(16, 3), '03', '00', '0000'),
  },
  {
    name: 'StopCCRP General Error / Bad-Value',
    message: { type: 'StopCCRP', resultCode: 2, errorCode: 3 },
    wire: bytes(hdr(16, 4), '02', '03', '0000'),
  },
  {
    name: 'Echo-Request',
    message: { type: 'EchoRequest', identifier: 0xdeadbeef },
    wire: bytes(hdr(16, 5), u32(0xdeadbeef)),
  },
  {
    name: 'Echo-Reply OK',
    message: { type: 'EchoReply', identifier: 0x01020304, resultCode: 1, errorCode: 0 },
    wire: bytes(hdr(20, 6), u32(0x01020304), '01', '00', '0000'),
  },
  {
    name: 'OCRQ from Windows NT (serial 30760, window 64)',
    message: { type: 'OCRQ', callId: 0, callSerialNumber: 30760, minimumBps: 300, maximumBps: 100_000_000, bearerType: 3, framingType: 3, packetRecvWindowSize: 64, packetProcessingDelay: 0, phoneNumberLength: 0, phoneNumber: '', subaddress: '' },
    wire: bytes(hdr(168, 7), u16(0), u16(30760), u32(300), u32(100_000_000), u32(3), u32(3), u16(64), u16(0), u16(0), '0000', str('', 64), str('', 64)),
  },
  {
    name: 'OCRQ with a phone number and subaddress',
    message: { type: 'OCRQ', callId: 0xbeef, callSerialNumber: 7, minimumBps: 2400, maximumBps: 0x80000000, bearerType: 1, framingType: 1, packetRecvWindowSize: 3, packetProcessingDelay: 5, phoneNumberLength: 11, phoneNumber: '+4915112345', subaddress: 'sub' },
    wire: bytes(hdr(168, 7), u16(0xbeef), u16(7), u32(2400), u32(0x80000000), u32(1), u32(1), u16(3), u16(5), u16(11), '0000', str('+4915112345', 64), str('sub', 64)),
  },
  {
    name: 'OCRP from Windows RRAS (Call ID 11755, window 16384)',
    message: { type: 'OCRP', callId: 11755, peerCallId: 0, resultCode: 1, errorCode: 0, causeCode: 0, connectSpeed: 14_945_108, packetRecvWindowSize: 16384, packetProcessingDelay: 0, physicalChannelId: 0 },
    wire: bytes(hdr(32, 8), u16(11755), u16(0), '01', '00', u16(0), u32(14_945_108), u16(16384), u16(0), u32(0)),
  },
  {
    name: 'ICRQ',
    message: { type: 'ICRQ', callId: 9, callSerialNumber: 10, callBearerType: 1, physicalChannelId: 0x11223344, dialedNumberLength: 3, dialingNumberLength: 4, dialedNumber: '123', dialingNumber: '4567', subaddress: 'x' },
    wire: bytes(hdr(220, 9), u16(9), u16(10), u32(1), u32(0x11223344), u16(3), u16(4), str('123', 64), str('4567', 64), str('x', 64)),
  },
  {
    name: 'ICRP Do-Not-Accept',
    message: { type: 'ICRP', callId: 0, peerCallId: 9, resultCode: 3, errorCode: 0, packetRecvWindowSize: 0, packetTransmitDelay: 0 },
    wire: bytes(hdr(24, 10), u16(0), u16(9), '03', '00', u16(0), u16(0), '0000'),
  },
  {
    name: 'ICCN',
    message: { type: 'ICCN', peerCallId: 77, connectSpeed: 64000, packetRecvWindowSize: 16, packetTransmitDelay: 1, framingType: 2 },
    wire: bytes(hdr(28, 11), u16(77), '0000', u32(64000), u16(16), u16(1), u32(2)),
  },
  {
    name: 'CCRQ from pptp-linux',
    message: { type: 'CCRQ', callId: 0 },
    wire: bytes(hdr(16, 12), u16(0), '0000'),
  },
  {
    name: 'CDN with call statistics',
    message: { type: 'CDN', callId: 0x1234, resultCode: 4, errorCode: 0, causeCode: 16, callStatistics: 'rx 10 tx 20' },
    wire: bytes(hdr(148, 13), u16(0x1234), '04', '00', u16(16), '0000', str('rx 10 tx 20', 128)),
  },
  {
    name: 'WEN',
    message: { type: 'WEN', peerCallId: 5, crcErrors: 1, framingErrors: 2, hardwareOverruns: 3, bufferOverruns: 4, timeoutErrors: 5, alignmentErrors: 0xffffffff },
    wire: bytes(hdr(40, 14), u16(5), '0000', u32(1), u32(2), u32(3), u32(4), u32(5), u32(0xffffffff)),
  },
  {
    name: 'SLI from Windows NT (ACCMs 0xffffffff)',
    message: { type: 'SLI', peerCallId: 0, sendAccm: 0xffffffff, receiveAccm: 0xffffffff },
    wire: bytes(hdr(24, 15), u16(0), '0000', u32(0xffffffff), u32(0xffffffff)),
  },
  {
    name: 'SLI from Windows RRAS with a non-zero Reserved1',
    message: { type: 'SLI', peerCallId: 0, sendAccm: 0, receiveAccm: 0xffffffff, reserved1: 0xa196 },
    wire: bytes(hdr(24, 15), u16(0), 'a196', u32(0), u32(0xffffffff)),
  },
];
