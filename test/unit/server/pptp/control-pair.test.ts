// Server core ↔ client core back to back in memory with a virtual clock.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ControlConnection } from '../../../../server/pptp/control.js';
import { CallIdAllocator } from '../../../../server/pptp/call-ids.js';
import { encodeControlMessage } from '../../../../server/pptp/codec.js';
import { OcrpResult, StopReason } from '../../../../server/pptp/constants.js';
import { Pair, drain, ofType } from './pair.js';

function up(p = new Pair()) {
  p.client.start(p.now);
  p.drive();
  return p;
}

/** Server side policy for tests: accept every OCRQ with an id from the allocator. */
function acceptAll(p: Pair, ids: CallIdAllocator) {
  for (const e of ofType(p.serverEvents.splice(0), 'outgoing-call-request')) {
    p.server.acceptCall(e.peerCallId, { callId: ids.allocate()!, window: 16 });
  }
  p.drive();
}

describe('handshake', () => {
  test('SCCRQ/SCCRP: both sides up, each sees the other description', () => {
    const p = up(new Pair({ hostName: 'pac', vendorString: 'srv' }, { hostName: 'pns', vendorString: 'cli' }));
    assert.deepEqual(p.wire.map((w) => `${w.from}:${w.message.type}`), ['client:SCCRQ', 'server:SCCRP']);
    assert.equal(ofType(p.serverEvents, 'control-connection-up')[0]!.peer.vendorString, 'cli');
    assert.equal(ofType(p.clientEvents, 'control-connection-up')[0]!.peer.hostName, 'pac');
    assert.equal(p.server.connectionState, 'established');
    assert.equal(p.client.connectionState, 'established');
  });

  test('client start timeout: no SCCRP → stopped by timeout', () => {
    const c = new ControlConnection({ role: 'client', startTimeout: 2_000 }, 0);
    c.start(0);
    assert.equal(c.pollTimeout(), 2_000);
    c.handleTimeout(2_000);
    assert.deepEqual(drain(c).events, [{ type: 'stopped', by: 'timeout', reason: 'no SCCRP within the start timeout' }]);
  });

  test('SCCRP with a failure Result Code stops the client', () => {
    const c = new ControlConnection({ role: 'client' }, 0);
    c.start(0);
    drain(c);
    c.handleData(encodeControlMessage({ type: 'SCCRP', protocolVersion: 0x100, resultCode: 4, errorCode: 0, framingCapabilities: 0,
      bearerCapabilities: 0, maximumChannels: 0, firmwareRevision: 0, hostName: '', vendorString: '' }), 1);
    assert.deepEqual(drain(c).events, [{ type: 'stopped', by: 'peer', reason: 'SCCRP result 4 error 0' }]);
  });
});

describe('calls', () => {
  test('two calls on one control connection; clearing one leaves the other', () => {
    const p = up();
    const ids = new CallIdAllocator({ start: 500 });
    p.client.placeCall({ callId: 1, callSerialNumber: 11, window: 3 }, p.now);
    p.client.placeCall({ callId: 2, callSerialNumber: 12, window: 3 }, p.now);
    p.drive();
    const reqs = ofType(p.serverEvents, 'outgoing-call-request');
    assert.deepEqual(reqs.map((r) => [r.peerCallId, r.serial, r.window]), [[1, 11, 3], [2, 12, 3]]);
    acceptAll(p, ids);
    const connected = ofType(p.clientEvents, 'call-connected');
    assert.deepEqual(connected.map((c) => [c.callId, c.peerCallId, c.window]), [[1, 500, 16], [2, 501, 16]]);
    assert.equal(p.server.callCount, 2);

    // SLI from the client reaches the right server call.
    assert.equal(p.client.setLinkInfo(2, { sendAccm: 0, receiveAccm: 0xffffffff }), true);
    p.drive();
    assert.deepEqual(ofType(p.serverEvents, 'set-link-info'), [{ type: 'set-link-info', callId: 501, sendAccm: 0, receiveAccm: 0xffffffff }]);

    // Client hangs up call 1: CCRQ → CDN.
    assert.equal(p.client.clearCall(1, p.now), true);
    p.drive();
    assert.deepEqual(ofType(p.serverEvents, 'call-cleared'), [{ type: 'call-cleared', callId: 500, peerCallId: 1, by: 'peer' }]);
    const cleared = ofType(p.clientEvents, 'call-cleared');
    assert.equal(cleared.length, 1);
    assert.deepEqual([cleared[0]!.callId, cleared[0]!.peerCallId, cleared[0]!.by, cleared[0]!.resultCode], [1, 500, 'local', 4]);
    ids.release(500);
    assert.equal(p.server.callCount, 1);
    assert.equal(p.client.callCount, 1);

    // The server hangs up call 2: CDN straight away.
    assert.equal(p.server.clearCall(501, p.now), true);
    p.drive();
    assert.equal(ofType(p.clientEvents, 'call-cleared').at(-1)!.by, 'peer');
    assert.equal(p.client.callCount, 0);
  });

  test('server rejects → client call-rejected with the Result Code', () => {
    const p = up();
    p.client.placeCall({ callId: 7 }, p.now);
    p.drive();
    p.server.rejectCall(7, OcrpResult.Busy);
    p.drive();
    assert.deepEqual(ofType(p.clientEvents, 'call-rejected'), [{ type: 'call-rejected', callId: 7, resultCode: OcrpResult.Busy, errorCode: 0, causeCode: 0 }]);
    assert.equal(p.client.callCount, 0);
  });

  test('client: no OCRP in time → CCRQ sent, call-rejected with Result Code 0', () => {
    const p = up(new Pair({}, { callTimeout: 5_000 }));
    p.client.placeCall({ callId: 7 }, p.now);
    p.drive();
    p.serverEvents.length = 0; // the server never decides
    p.advance(5_000);
    assert.deepEqual(ofType(p.clientEvents, 'call-rejected'), [{ type: 'call-rejected', callId: 7, resultCode: 0, errorCode: 0, causeCode: 0 }]);
    assert.equal(p.wire.at(-2)!.message.type, 'CCRQ');
    assert.deepEqual(ofType(p.serverEvents, 'call-cleared'), [{ type: 'call-cleared', callId: undefined, peerCallId: 7, by: 'peer' }]);
  });

  test('client: CCRQ unanswered → call-cleared by timeout', () => {
    const p = up(new Pair({}, { callTimeout: 1_000 }));
    p.client.placeCall({ callId: 3 }, p.now);
    p.drive();
    acceptAll(p, new CallIdAllocator({ start: 10 }));
    p.clientAlive = false; // CCRQ is lost
    p.client.clearCall(3, p.now);
    p.advance(999);
    assert.equal(ofType(p.clientEvents, 'call-cleared').length, 0);
    p.advance(1);
    assert.equal(ofType(p.clientEvents, 'call-cleared')[0]!.by, 'timeout');
  });

  test('client accepts a CDN carrying the PAC Call ID (RFC 2637 §2.13 reading) too', () => {
    const p = up();
    p.client.placeCall({ callId: 3 }, p.now);
    p.drive();
    p.server.acceptCall(3, { callId: 900 });
    p.drive();
    p.client.handleData(encodeControlMessage({ type: 'CDN', callId: 900, resultCode: 1, errorCode: 0, causeCode: 0, callStatistics: 'bye' }), p.now);
    const e = ofType(drain(p.client).events, 'call-cleared')[0]!;
    assert.deepEqual([e.callId, e.by, e.callStatistics], [3, 'peer', 'bye']);
  });

  test('WEN from the PAC reaches the client as wan-error-notify', () => {
    const p = up();
    p.client.placeCall({ callId: 3 }, p.now);
    p.drive();
    p.server.acceptCall(3, { callId: 900 });
    p.drive();
    p.client.handleData(encodeControlMessage({ type: 'WEN', peerCallId: 3, crcErrors: 1, framingErrors: 2, hardwareOverruns: 3, bufferOverruns: 4, timeoutErrors: 5, alignmentErrors: 6 }), p.now);
    assert.deepEqual(drain(p.client).events, [{ type: 'wan-error-notify', callId: 3, crcErrors: 1, framingErrors: 2, hardwareOverruns: 3, bufferOverruns: 4, timeoutErrors: 5, alignmentErrors: 6 }]);
  });
});

describe('keepalive both ways', () => {
  test('idle for 10 minutes: both sides exchange echoes and stay up', () => {
    const p = up();
    p.advance(600_000);
    const echoes = p.wire.filter((w) => w.message.type === 'EchoRequest');
    const replies = p.wire.filter((w) => w.message.type === 'EchoReply');
    assert.ok(echoes.length >= 5, `${echoes.length} Echo-Requests`);
    assert.equal(replies.length, echoes.length);
    assert.equal(ofType(p.serverEvents, 'echo-timeout').length, 0);
    assert.equal(p.server.connectionState, 'established');
    assert.equal(p.client.connectionState, 'established');
  });

  test('a dead client is dropped by the server after interval + timeout', () => {
    const p = up();
    p.clientAlive = false;
    p.advance(119_999);
    assert.equal(p.server.connectionState, 'established');
    p.advance(1);
    assert.deepEqual(p.serverEvents.slice(-2).map((e) => e.type), ['echo-timeout', 'stopped']);
  });
});

describe('stopping', () => {
  test('client stop(): CCRQ per call then StopCCRQ; server clears and replies; both stopped', () => {
    const p = up();
    const ids = new CallIdAllocator({ start: 40 });
    p.client.placeCall({ callId: 1 }, p.now);
    p.client.placeCall({ callId: 2 }, p.now);
    p.drive();
    acceptAll(p, ids);
    p.client.stop(p.now, StopReason.LocalShutdown);
    p.drive();
    // The client's three messages go out together; the server answers each in turn.
    assert.deepEqual(p.wire.slice(-6).map((w) => `${w.from}:${w.message.type}`),
      ['client:CCRQ', 'client:CCRQ', 'client:StopCCRQ', 'server:CDN', 'server:CDN', 'server:StopCCRP']);
    assert.deepEqual(ofType(p.clientEvents, 'stopped'), [{ type: 'stopped', by: 'local', reason: 'StopCCRP received' }]);
    assert.equal(ofType(p.serverEvents, 'stopped')[0]!.by, 'peer');
    assert.equal(ofType(p.serverEvents, 'call-cleared').length, 2);
    assert.equal(ofType(p.clientEvents, 'call-cleared').length, 2);
    assert.equal(p.server.isClosed && p.client.isClosed, true);
  });

  test('server stop(): CDN per call, StopCCRQ; client answers; both stopped', () => {
    const p = up();
    p.client.placeCall({ callId: 1 }, p.now);
    p.drive();
    acceptAll(p, new CallIdAllocator({ start: 40 }));
    p.server.stop(p.now);
    p.drive();
    assert.deepEqual(p.wire.slice(-3).map((w) => `${w.from}:${w.message.type}`), ['server:CDN', 'server:StopCCRQ', 'client:StopCCRP']);
    assert.equal(ofType(p.serverEvents, 'stopped')[0]!.by, 'local');
    assert.equal(ofType(p.clientEvents, 'stopped')[0]!.by, 'peer');
    assert.equal(ofType(p.clientEvents, 'call-cleared')[0]!.by, 'peer');
  });

  test('both stop at once (collision): each answers the other StopCCRQ and closes', () => {
    const p = up();
    p.server.stop(p.now);
    p.client.stop(p.now);
    p.drive();
    assert.equal(p.server.isClosed, true);
    assert.equal(p.client.isClosed, true);
  });
});
