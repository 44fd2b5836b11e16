// The control core in the server (PAC) role, fed the messages a Windows client sends.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ControlConnection, MAX_PROTOCOL_ERRORS } from '../../../../server/pptp/control.js';
import { encodeControlMessage, type ControlMessage, type Ocrq, type Sccrq } from '../../../../server/pptp/codec.js';
import { CdnResult, GeneralError, OcrpResult, SccrpResult, StopReason } from '../../../../server/pptp/constants.js';
import { PptpdError } from '../../../../server/errors.js';
import { fixtures } from './fixtures.js';
import { drain, ofType } from './pair.js';

const fx = (name: string) => fixtures.find((f) => f.name.startsWith(name))!;
const SCCRQ = fx('SCCRQ from Windows NT').wire;
const OCRQ = fx('OCRQ from Windows NT').wire;
const enc = (m: ControlMessage) => encodeControlMessage(m);
const OCRQ_MSG = fx('OCRQ from Windows NT').message as Ocrq;
const SCCRQ_MSG = fx('SCCRQ from Windows NT').message as Sccrq;

function established(now = 0, opts = {}) {
  const c = new ControlConnection({ role: 'server', firstEchoIdentifier: 100, ...opts }, now);
  c.handleData(SCCRQ, now);
  drain(c);
  return c;
}

function withCall(callId = 0x4001, peerCallId = 0) {
  const c = established();
  c.handleData(enc({ ...OCRQ_MSG, callId: peerCallId }), 0);
  drain(c);
  assert.equal(c.acceptCall(peerCallId, { callId }), true);
  drain(c);
  return c;
}

describe('server handshake (Windows NT sequence from tcpdump__pptp.pcap)', () => {
  test('SCCRQ → SCCRP Success and control-connection-up with the peer description', () => {
    const c = new ControlConnection({ role: 'server', hostName: 'vpn', vendorString: 'test' }, 0);
    c.handleData(SCCRQ, 5);
    const { sent, events } = drain(c);
    assert.deepEqual(sent, [{
      type: 'SCCRP', protocolVersion: 0x0100, resultCode: SccrpResult.Success, errorCode: 0, framingCapabilities: 3,
      bearerCapabilities: 3, maximumChannels: 0, firmwareRevision: 1, hostName: 'vpn', vendorString: 'test',
    }]);
    assert.deepEqual(events, [{ type: 'control-connection-up', peer: {
      protocolVersion: 0x0100, framingCapabilities: 1, bearerCapabilities: 1, maximumChannels: 0,
      firmwareRevision: 0x0870, hostName: '', vendorString: 'Microsoft Windows NT' } }]);
    assert.equal(c.connectionState, 'established');
  });

  test('OCRQ → outgoing-call-request; acceptCall → OCRP Connected; SLI → set-link-info', () => {
    const c = established();
    c.handleData(OCRQ, 10);
    const { sent, events } = drain(c);
    assert.deepEqual(sent, []);
    assert.deepEqual(events, [{ type: 'outgoing-call-request', peerCallId: 0, serial: 30760, minimumBps: 300, maximumBps: 100_000_000,
      bearerType: 3, framingType: 3, window: 64, processingDelay: 0, phoneNumber: '', subaddress: '' }]);
    assert.equal(c.acceptCall(0, { callId: 0x4001 }), true);
    assert.deepEqual(drain(c).sent, [{ type: 'OCRP', callId: 0x4001, peerCallId: 0, resultCode: OcrpResult.Connected, errorCode: 0,
      causeCode: 0, connectSpeed: 100_000_000, packetRecvWindowSize: 64, packetProcessingDelay: 0, physicalChannelId: 0 }]);
    assert.equal(c.acceptCall(0, { callId: 0x4002 }), false, 'no longer pending');
    // SLI's Peer's Call ID is the receiver's (ours).
    c.handleData(enc({ type: 'SLI', peerCallId: 0x4001, sendAccm: 0xffffffff, receiveAccm: 0 }), 20);
    assert.deepEqual(drain(c).events, [{ type: 'set-link-info', callId: 0x4001, sendAccm: 0xffffffff, receiveAccm: 0 }]);
  });

  test('a message split in every possible way across chunks gives the same result', () => {
    for (let cut = 1; cut < SCCRQ.length; cut += 7) {
      const c = new ControlConnection({ role: 'server' }, 0);
      c.handleData(SCCRQ.subarray(0, cut), 0);
      assert.equal(c.connectionState, 'idle');
      c.handleData(SCCRQ.subarray(cut), 0);
      assert.equal(c.connectionState, 'established');
    }
  });
});

describe('server timers', () => {
  test('stimeout: no SCCRQ within the start timeout stops the connection', () => {
    const c = new ControlConnection({ role: 'server', startTimeout: 3_000 }, 1_000);
    assert.equal(c.pollTimeout(), 4_000);
    c.handleTimeout(3_999);
    assert.equal(c.isClosed, false);
    c.handleTimeout(4_000);
    assert.deepEqual(drain(c).events, [{ type: 'stopped', by: 'timeout', reason: 'no SCCRQ within the start timeout' }]);
    assert.equal(c.pollTimeout(), undefined);
  });

  test('default start timeout is 10 s (PoPToP stimeout)', () => {
    assert.equal(new ControlConnection({ role: 'server' }, 0).pollTimeout(), 10_000);
  });

  test('echo keepalive: Echo-Request after 60 s of silence; a reply keeps the peer', () => {
    const c = established(0);
    assert.equal(c.pollTimeout(), 60_000);
    c.handleTimeout(60_000);
    assert.deepEqual(drain(c).sent, [{ type: 'EchoRequest', identifier: 100 }]);
    assert.equal(c.pollTimeout(), 120_000);
    c.handleData(enc({ type: 'EchoReply', identifier: 100, resultCode: 1, errorCode: 0 }), 61_000);
    assert.equal(c.pollTimeout(), 121_000);
    c.handleTimeout(121_000);
    assert.deepEqual(drain(c).sent, [{ type: 'EchoRequest', identifier: 101 }]);
  });

  test('echo timeout: no reply within 60 s drops the peer', () => {
    const c = withCall();
    c.handleTimeout(60_000);
    drain(c);
    c.handleTimeout(119_999);
    assert.equal(c.isClosed, false);
    c.handleTimeout(120_000);
    const { events } = drain(c);
    assert.deepEqual(events.map((e) => e.type), ['echo-timeout', 'call-cleared', 'stopped']);
    assert.deepEqual(ofType(events, 'call-cleared')[0], { type: 'call-cleared', callId: 0x4001, peerCallId: 0, by: 'stop' });
    assert.deepEqual(ofType(events, 'stopped')[0]!.by, 'timeout');
  });

  test('echo interval and timeout are parameters; 0 disables keepalive', () => {
    const c = established(0, { echoInterval: 5_000, echoTimeout: 1_000 });
    assert.equal(c.pollTimeout(), 5_000);
    assert.equal(established(0, { echoInterval: 0 }).pollTimeout(), undefined);
  });

  test('peer Echo-Request is answered with its Identifier', () => {
    const c = established();
    c.handleData(enc({ type: 'EchoRequest', identifier: 0xabcdef01 }), 1);
    assert.deepEqual(drain(c).sent, [{ type: 'EchoReply', identifier: 0xabcdef01, resultCode: 1, errorCode: 0 }]);
  });
});

describe('server: unexpected messages get the RFC result codes', () => {
  test('OCRQ before SCCRQ → OCRP General Error / Not-Connected', () => {
    const c = new ControlConnection({ role: 'server' }, 0);
    c.handleData(OCRQ, 0);
    const { sent, events } = drain(c);
    assert.deepEqual(sent, [{ type: 'OCRP', callId: 0, peerCallId: 0, resultCode: OcrpResult.GeneralError, errorCode: GeneralError.NotConnected,
      causeCode: 0, connectSpeed: 0, packetRecvWindowSize: 0, packetProcessingDelay: 0, physicalChannelId: 0 }]);
    const reason = 'OCRQ before Start-Control-Connection-Request';
    assert.deepEqual(events, [
      { type: 'protocol-error', reason, message: 'OCRQ', fatal: true },
      { type: 'stopped', by: 'error', reason },
    ]);
    assert.equal(c.connectionState, 'closed');
  });

  test('Echo-Requests before SCCRQ: the first is answered Not-Connected, then the connection is closed', () => {
    const c = new ControlConnection({ role: 'server' }, 0);
    const flood = Buffer.concat(Array.from({ length: 1000 }, (_, i) => enc({ type: 'EchoRequest', identifier: i })));
    c.handleData(flood, 0);
    const { sent, events } = drain(c);
    assert.deepEqual(sent, [{ type: 'EchoReply', identifier: 0, resultCode: 2, errorCode: GeneralError.NotConnected }]);
    assert.equal(c.connectionState, 'closed');
    assert.equal(events.filter((e) => e.type === 'protocol-error').length, 1);
  });

  test('an established connection is closed after MAX_PROTOCOL_ERRORS unexpected messages, not logged forever', () => {
    const c = established();
    drain(c);
    const flood = Buffer.concat(Array.from({ length: 200 }, () => SCCRQ));
    c.handleData(flood, 1);
    const { sent, events } = drain(c);
    const errors = events.filter((e) => e.type === 'protocol-error');
    assert.equal(errors.length, MAX_PROTOCOL_ERRORS + 1);
    assert.equal((errors.at(-1) as { fatal: boolean }).fatal, true);
    assert.equal(sent.length, MAX_PROTOCOL_ERRORS + 1, 'one SCCRP per SCCRQ until the cut');
    assert.equal(c.connectionState, 'closed');
  });

  test('a second SCCRQ → SCCRP Command-Channel-Already-Exists, connection kept', () => {
    const c = established();
    c.handleData(SCCRQ, 1);
    const { sent } = drain(c);
    assert.equal(sent.length, 1);
    assert.equal((sent[0] as { resultCode: number }).resultCode, SccrpResult.ChannelExists);
    assert.equal(c.connectionState, 'established');
  });

  test('SCCRQ with an older protocol version → SCCRP Bad-Version and stop', () => {
    const c = new ControlConnection({ role: 'server' }, 0);
    c.handleData(enc({ ...SCCRQ_MSG, protocolVersion: 0x00ff }), 0);
    const { sent, events } = drain(c);
    assert.equal((sent[0] as { resultCode: number }).resultCode, SccrpResult.BadVersion);
    assert.equal((sent[0] as { protocolVersion: number }).protocolVersion, 0x0100);
    assert.equal(events.at(-1)!.type, 'stopped');
  });

  test('OCRQ reusing a Call ID in use → OCRP General Error / Bad-Call ID', () => {
    const c = withCall(0x4001, 0);
    c.handleData(OCRQ, 1);
    const { sent } = drain(c);
    assert.deepEqual([(sent[0] as { resultCode: number }).resultCode, (sent[0] as { errorCode: number }).errorCode], [OcrpResult.GeneralError, GeneralError.BadCallId]);
  });

  test('ICRQ (incoming calls are not offered) → ICRP Do-Not-Accept', () => {
    const c = established();
    c.handleData(fx('ICRQ').wire, 1);
    const { sent, events } = drain(c);
    assert.deepEqual(sent, [{ type: 'ICRP', callId: 0, peerCallId: 9, resultCode: 3, errorCode: 0, packetRecvWindowSize: 0, packetTransmitDelay: 0 }]);
    assert.equal(events[0]!.type, 'protocol-error');
  });

  test('CCRQ for an unknown call → CDN General Error / Bad-Call ID', () => {
    const c = established();
    c.handleData(enc({ type: 'CCRQ', callId: 99 }), 1);
    assert.deepEqual(drain(c).sent, [{ type: 'CDN', callId: 99, resultCode: CdnResult.GeneralError, errorCode: GeneralError.BadCallId, causeCode: 0, callStatistics: '' }]);
  });

  test('a well-framed message of the wrong size is reported, not fatal', () => {
    const c = established();
    const bad = new Uint8Array(20);
    bad.set(fx('CCRQ').wire);
    bad[1] = 20;
    c.handleData(bad, 1);
    assert.deepEqual(drain(c).events, [{ type: 'protocol-error', reason: 'wrong-length-for-type', fatal: false }]);
    assert.equal(c.connectionState, 'established');
  });

  test('a bad Magic Cookie is fatal: protocol-error then stopped', () => {
    const c = withCall();
    const bad = new Uint8Array(fx('Echo-Request').wire);
    bad[4] = 0;
    c.handleData(bad, 1);
    const { events } = drain(c);
    assert.deepEqual(events.map((e) => e.type), ['protocol-error', 'call-cleared', 'stopped']);
    assert.deepEqual(events[0], { type: 'protocol-error', reason: 'bad-magic-cookie', fatal: true });
    c.handleData(SCCRQ, 2); // ignored after close
    assert.deepEqual(drain(c), { sent: [], events: [] });
  });

  test('random garbage never throws', () => {
    let seed = 7;
    for (let i = 0; i < 500; i++) {
      const c = established();
      const junk = new Uint8Array(1 + (i % 300)).map(() => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24);
      assert.doesNotThrow(() => c.handleData(junk, 1));
    }
  });
});

describe('server: clearing calls and stopping', () => {
  test('CCRQ → CDN Request carrying the PNS Call ID; call-cleared by peer', () => {
    const c = withCall(0x4001, 0x77);
    c.handleData(enc({ type: 'CCRQ', callId: 0x77 }), 1);
    const { sent, events } = drain(c);
    assert.deepEqual(sent, [{ type: 'CDN', callId: 0x77, resultCode: CdnResult.Request, errorCode: 0, causeCode: 0, callStatistics: '' }]);
    assert.deepEqual(events, [{ type: 'call-cleared', callId: 0x4001, peerCallId: 0x77, by: 'peer' }]);
    assert.equal(c.callCount, 0);
  });

  test('CCRQ for an OCRQ not yet answered clears it', () => {
    const c = established();
    c.handleData(OCRQ, 1);
    drain(c);
    c.handleData(enc({ type: 'CCRQ', callId: 0 }), 2);
    assert.deepEqual(drain(c).events, [{ type: 'call-cleared', callId: undefined, peerCallId: 0, by: 'peer' }]);
    assert.equal(c.acceptCall(0, { callId: 1 }), false);
  });

  test('rejectCall → OCRP with the given Result Code and no Call ID', () => {
    const c = established();
    c.handleData(OCRQ, 1);
    drain(c);
    assert.equal(c.rejectCall(0, OcrpResult.GeneralError, GeneralError.NoResource), true);
    const ocrp = drain(c).sent[0] as { callId: number; resultCode: number; errorCode: number };
    assert.deepEqual([ocrp.callId, ocrp.resultCode, ocrp.errorCode], [0, 2, 4]);
    assert.equal(c.rejectCall(0, 7), false);
  });

  test('clearCall → CDN Admin-Shutdown; call-cleared by local', () => {
    const c = withCall(0x4001, 5);
    assert.equal(c.clearCall(0x4001, 1), true);
    const { sent, events } = drain(c);
    assert.deepEqual(sent, [{ type: 'CDN', callId: 5, resultCode: CdnResult.AdminShutdown, errorCode: 0, causeCode: 0, callStatistics: '' }]);
    assert.deepEqual(events, [{ type: 'call-cleared', callId: 0x4001, peerCallId: 5, by: 'local' }]);
    assert.equal(c.clearCall(0x4001, 2), false);
  });

  test('StopCCRQ → StopCCRP OK, calls cleared, stopped by peer', () => {
    const c = withCall();
    c.handleData(enc({ type: 'StopCCRQ', reason: StopReason.None }), 1);
    const { sent, events } = drain(c);
    assert.deepEqual(sent, [{ type: 'StopCCRP', resultCode: 1, errorCode: 0 }]);
    assert.deepEqual(events.map((e) => e.type), ['call-cleared', 'stopped']);
    assert.equal(c.isClosed, true);
  });

  test('stop() → CDN per call, StopCCRQ; StopCCRP → stopped by local', () => {
    const c = withCall(0x4001, 3);
    c.stop(100, StopReason.LocalShutdown);
    const { sent, events } = drain(c);
    assert.deepEqual(sent.map((m) => m.type), ['CDN', 'StopCCRQ']);
    assert.deepEqual(sent[1], { type: 'StopCCRQ', reason: StopReason.LocalShutdown });
    assert.deepEqual(events, [{ type: 'call-cleared', callId: 0x4001, peerCallId: 3, by: 'stop' }]);
    assert.equal(c.pollTimeout(), 10_100);
    c.handleData(enc({ type: 'StopCCRP', resultCode: 1, errorCode: 0 }), 200);
    assert.deepEqual(drain(c).events, [{ type: 'stopped', by: 'local', reason: 'StopCCRP received' }]);
  });

  test('stop() with no StopCCRP in time → stopped by timeout', () => {
    const c = established();
    c.stop(0);
    drain(c);
    c.handleTimeout(10_000);
    assert.equal(drain(c).events[0]!.type, 'stopped');
  });

  test('caller misuse throws PptpdError', () => {
    const c = established();
    assert.throws(() => c.placeCall({ callId: 1 }, 0), PptpdError);
    assert.throws(() => c.start(0), PptpdError);
    c.handleData(OCRQ, 1);
    c.acceptCall(0, { callId: 9 });
    c.handleData(enc({ ...OCRQ_MSG, callId: 1 }), 1);
    assert.throws(() => c.acceptCall(1, { callId: 9 }), PptpdError, 'Call ID 9 already used');
  });
});
