// After a successful CHAP exchange the session keeps only ChapSuccessReplay (settled()):
// it must answer a retransmitted Response exactly as the full handler did, and nothing else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeChap, encodeChapValue } from '../../../../../server/ppp/auth/chap-codec.js';
import { ChapSuccessReplay } from '../../../../../server/ppp/auth/chap-server.js';
import { ChapCode, PppProtocol } from '../../../../../server/ppp/auth/constants.js';
import { createAuthClient, createAuthServer } from '../../../../../server/ppp/auth/types.js';
import { fixedRandom, Pair } from './harness.js';

const users = { alice: 'secret' };
const challenge = Buffer.from('5b5d7c7d7b3f2f3e3c2c602132262628', 'hex');

for (const method of ['mschap-v2', 'mschap-v1', 'chap-md5'] as const) {
  test(`${method}: settled() keeps the Success for a retransmitted Response, identical bytes, same answers`, () => {
    const server = createAuthServer(method, { serverName: 'pptpd', random: fixedRandom(Buffer.of(7), challenge, challenge) });
    const p = new Pair(server, createAuthClient(method, { userName: 'alice', password: 'secret' }), users).start().run();
    assert.equal(p.serverOutcome?.type, 'success');
    const response = p.sentBy('client')[0]!;
    const success = p.sentBy('server')[1]!;
    const d = decodeChap(success);
    assert.ok('code' in d && d.code === ChapCode.Success);

    const settled = server.settled?.();
    assert.ok(settled instanceof ChapSuccessReplay);
    assert.equal(settled.method, method);
    assert.equal(settled.protocol, PppProtocol.CHAP);
    // The full handler and the replay answer the retransmission with the same packet.
    const full = server.input(response, 10);
    const replay = settled.input(response, 10);
    assert.deepEqual(replay, full);
    assert.equal(replay.length, 1);
    const a = replay[0]!;
    assert.ok(a.type === 'send' && a.payload.equals(success));
    // Another Identifier, another code, garbage: ignored by both.
    const other = encodeChapValue(ChapCode.Response, (d.identifier + 1) & 0xff, Buffer.alloc(49), Buffer.from('alice'));
    assert.deepEqual(settled.input(other, 11), []);
    assert.deepEqual(server.input(other, 11), []);
    const challengePkt = encodeChapValue(ChapCode.Challenge, d.identifier, Buffer.alloc(16), Buffer.from('x'));
    assert.deepEqual(settled.input(challengePkt, 12), []);
    assert.deepEqual(settled.input(Buffer.of(2), 12), []);
    assert.deepEqual(settled.start(13), []);
    assert.deepEqual(settled.handleTimeout(1e9), []);
    assert.deepEqual(settled.handleVerdict({ verdict: 'reject', reason: 'x', plugin: 't' }, 14), []);
  });
}

test('settled() before success or after a failure keeps the handler itself', () => {
  const server = createAuthServer('mschap-v2', { serverName: 'pptpd', random: fixedRandom(Buffer.of(7), challenge, challenge) });
  assert.equal(server.settled?.(), server);
  const p = new Pair(server, createAuthClient('mschap-v2', { userName: 'alice', password: 'wrong' }), users).start().run();
  assert.equal(p.serverOutcome?.type, 'failure');
  assert.equal(server.settled?.(), server);
});
