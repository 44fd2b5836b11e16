import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildMschapV1Response,
  buildMschapV2Response,
  formatMschapFailure,
  formatMschapV2Success,
  isRetryable,
  parseMschapFailure,
  parseMschapV1Response,
  parseMschapV2Response,
  parseMschapV2Success,
} from '../../../../../server/ppp/auth/mschap-fields.js';

test('v2 Response Value: build, parse, mirror; wrong sizes rejected', () => {
  const peer = Buffer.alloc(16, 0xaa);
  const nt = Buffer.alloc(24, 0xbb);
  const v = buildMschapV2Response(peer, nt, 0);
  assert.equal(v.length, 49);
  assert.deepEqual(v.subarray(16, 24), Buffer.alloc(8)); // Reserved
  const r = parseMschapV2Response(v);
  assert.ok(r);
  assert.deepEqual(r.peerChallenge, peer);
  assert.deepEqual(r.ntResponse, nt);
  assert.equal(r.flags, 0);
  assert.deepEqual(buildMschapV2Response(r.peerChallenge, r.ntResponse, r.flags), v);
  assert.equal(parseMschapV2Response(v.subarray(0, 48)), null);
  assert.equal(parseMschapV2Response(Buffer.alloc(50)), null);
});

test('v1 Response Value: build, parse, mirror; Flags 0 means LAN Manager', () => {
  const v = buildMschapV1Response(Buffer.alloc(24, 1), Buffer.alloc(24, 2), true);
  const r = parseMschapV1Response(v);
  assert.ok(r && r.useNtResponse);
  assert.deepEqual(buildMschapV1Response(r.lmResponse, r.ntResponse, r.useNtResponse), v);
  v[48] = 0;
  assert.equal(parseMschapV1Response(v)?.useNtResponse, false);
  assert.equal(parseMschapV1Response(Buffer.alloc(48)), null);
});

test('Failure messages: exact formats of RFC 2433 §8 and RFC 2759 §6', () => {
  const c16 = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
  assert.equal(
    formatMschapFailure(2, { error: 691, retry: false, challenge: c16, message: 'Access denied' }),
    'E=691 R=0 C=00112233445566778899AABBCCDDEEFF V=3 M=Access denied',
  );
  assert.equal(
    formatMschapFailure(1, { error: 691, retry: true, challenge: c16.subarray(0, 8) }),
    'E=691 R=1 C=0011223344556677 V=2',
  );
  // Control characters in a reply message cannot break the field syntax.
  assert.equal(
    formatMschapFailure(2, { error: 649, retry: false, challenge: c16, message: 'a\nb' }),
    'E=649 R=0 C=00112233445566778899AABBCCDDEEFF V=3 M=a b',
  );
});

test('parseMschapFailure: fields, M= with spaces, unknown fields ignored, bad fields dropped', () => {
  const f = parseMschapFailure('E=691 R=1 C=00112233445566778899AABBCCDDEEFF V=3 M=Try again, E=1 please');
  assert.ok(f);
  assert.equal(f.error, 691);
  assert.equal(f.retry, true);
  assert.equal(f.challenge?.toString('hex'), '00112233445566778899aabbccddeeff');
  assert.equal(f.version, 3);
  assert.equal(f.message, 'Try again, E=1 please');
  const v1 = parseMschapFailure('E=648 R=0 X=whatever V=2');
  assert.deepEqual(v1, { error: 648, retry: false, version: 2 });
  assert.equal(parseMschapFailure('E=691 R=0 C=xyz V=3')?.challenge, undefined);
  assert.equal(parseMschapFailure('Access denied'), null);
  assert.equal(parseMschapFailure(''), null);
});

test('v2 Success: format uppercases S=, parse requires exactly 40 hex digits', () => {
  const hex = '407a5589115fd0d6209f510fe9c04566932cda56';
  assert.equal(formatMschapV2Success('S=' + hex, 'hi'), 'S=407A5589115FD0D6209F510FE9C04566932CDA56 M=hi');
  assert.equal(formatMschapV2Success(hex, 'hi'), 'S=407A5589115FD0D6209F510FE9C04566932CDA56 M=hi');
  assert.equal(formatMschapV2Success('S=1234', 'hi'), null);
  assert.deepEqual(parseMschapV2Success('S=' + hex + ' M=Access granted'), {
    authenticatorResponse: hex.toUpperCase(),
    message: 'Access granted',
  });
  assert.deepEqual(parseMschapV2Success('S=' + hex), { authenticatorResponse: hex.toUpperCase() });
  assert.equal(parseMschapV2Success('S=' + hex.slice(2)), null);
  assert.equal(parseMschapV2Success('M=Access granted'), null);
});

test('only 691 is worth a retry', () => {
  assert.equal(isRetryable(691), true);
  for (const e of [646, 647, 648, 649, 709]) assert.equal(isRetryable(e), false);
});

test('v2 Success: authenticator response must be 40 hex digits of either case; message is sanitised', () => {
  const up = '407A5589115FD0D6209F510FE9C04566932CDA56';
  assert.equal(formatMschapV2Success(up, 'ok'), `S=${up} M=ok`);
  assert.equal(formatMschapV2Success('S=407a5589115FD0D6209F510FE9C04566932CDA56', 'ok'), `S=${up} M=ok`, 'mixed case');
  for (const bad of [up.slice(1), up + '0', up.slice(0, 39) + 'G', up.slice(0, 39) + 'g', up.slice(0, 39) + ' ', 'S=S=' + up.slice(2), '']) {
    assert.equal(formatMschapV2Success(bad, 'ok'), null, JSON.stringify(bad));
  }
  assert.equal(formatMschapV2Success(up, 'a\tb\x7fc'), `S=${up} M=a b c`, 'control characters become spaces');
  assert.equal(formatMschapV2Success(up, 'x'.repeat(300)), `S=${up} M=${'x'.repeat(200)}`, 'cut to 200');
});
