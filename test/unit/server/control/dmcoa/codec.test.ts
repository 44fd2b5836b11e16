import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import radius from 'radius';
import { isDecodeError } from '../../../../../server/errors.js';
import {
  Attr,
  DynAuthCode,
  decodeDynAuthRequest,
  encodeDynAuthReply,
  encodeDynAuthRequest,
  parseAttributes,
  u32,
  type DynAuthRequest,
} from '../../../../../server/control/dmcoa/codec.js';

const SECRET = 'testing123';
const attr = (type: number, value: string | Buffer) => ({ type, value: typeof value === 'string' ? Buffer.from(value) : value });

function decodeOk(pkt: Buffer, secret = SECRET, require = false): DynAuthRequest {
  const r = decodeDynAuthRequest(pkt, secret, require);
  if (isDecodeError(r)) assert.fail(r.reason);
  return r;
}

test('request round trip: encode → decode → same attributes, with and without Message-Authenticator', () => {
  for (const ma of [false, true]) {
    const pkt = encodeDynAuthRequest({
      code: DynAuthCode.CoaRequest,
      identifier: 77,
      attributes: [attr(Attr.UserName, 'alice'), attr(Attr.SessionTimeout, u32(3600)), attr(Attr.ProxyState, Buffer.from([1, 2, 3]))],
      secret: SECRET,
      messageAuthenticator: ma,
    });
    const r = decodeOk(pkt, SECRET, ma);
    assert.equal(r.code, DynAuthCode.CoaRequest);
    assert.equal(r.identifier, 77);
    assert.equal(r.hasMessageAuthenticator, ma);
    const own = r.attributes.filter((a) => a.type !== Attr.MessageAuthenticator);
    assert.deepEqual(own.map((a) => [a.type, a.value.toString('hex')]), [
      [Attr.UserName, Buffer.from('alice').toString('hex')],
      [Attr.SessionTimeout, '00000e10'],
      [Attr.ProxyState, '010203'],
    ]);
    // mirror: re-encoding the decoded attributes gives the same bytes
    const again = encodeDynAuthRequest({ code: r.code, identifier: r.identifier, attributes: own, secret: SECRET, messageAuthenticator: ma });
    assert.deepEqual(again, pkt);
  }
});

test('the Request Authenticator matches the radius package (RFC 2866-style MD5 over a zero authenticator)', () => {
  const theirs = radius.encode({ code: 'Disconnect-Request', identifier: 5, secret: SECRET, attributes: [['User-Name', 'bob'], ['Acct-Session-Id', 'S1']] });
  const r = decodeOk(theirs);
  assert.equal(r.code, DynAuthCode.DisconnectRequest);
  const ours = encodeDynAuthRequest({ code: DynAuthCode.DisconnectRequest, identifier: 5, attributes: r.attributes, secret: SECRET, messageAuthenticator: false });
  assert.deepEqual(ours, theirs);
});

test('Message-Authenticator is HMAC-MD5 over the packet with authenticator and MA zeroed (RFC 5176 §3.5)', () => {
  const pkt = encodeDynAuthRequest({ code: DynAuthCode.DisconnectRequest, identifier: 9, attributes: [attr(Attr.UserName, 'x')], secret: SECRET, messageAuthenticator: true });
  // MA is the first attribute: value at offset 22..38
  const copy = Buffer.from(pkt);
  copy.fill(0, 4, 20);
  copy.fill(0, 22, 38);
  assert.deepEqual(pkt.subarray(22, 38), createHmac('md5', SECRET).update(copy).digest());
  const ra = createHash('md5').update(Buffer.concat([pkt.subarray(0, 4), Buffer.alloc(16), pkt.subarray(20), Buffer.from(SECRET)])).digest();
  assert.deepEqual(pkt.subarray(4, 20), ra);
});

test('a reply verifies with the radius package and echoes the request authenticator chain', () => {
  const req = radius.encode({ code: 'Disconnect-Request', identifier: 200, secret: SECRET, attributes: [['User-Name', 'bob']] });
  const r = decodeOk(req);
  const reply = encodeDynAuthReply({ code: DynAuthCode.DisconnectNak, identifier: r.identifier, requestAuthenticator: r.authenticator, attributes: [attr(Attr.ErrorCause, u32(503))], secret: SECRET, messageAuthenticator: false });
  assert.equal(radius.verify_response({ request: req, response: reply, secret: SECRET }), true);
  assert.equal(radius.verify_response({ request: req, response: reply, secret: 'other' }), false);
  const d = radius.decode({ packet: reply, secret: SECRET });
  assert.equal(d.code, 'Disconnect-NAK');
  assert.equal(d.attributes['Error-Cause'], 'Session-Context-Not-Found');
});

test('a reply with Message-Authenticator: HMAC over the reply with the request authenticator in the field', () => {
  const auth = randomBytes(16);
  const reply = encodeDynAuthReply({ code: DynAuthCode.CoaAck, identifier: 1, requestAuthenticator: auth, attributes: [], secret: SECRET, messageAuthenticator: true });
  assert.equal(reply.length, 38);
  const copy = Buffer.from(reply);
  auth.copy(copy, 4);
  copy.fill(0, 22, 38);
  assert.deepEqual(reply.subarray(22, 38), createHmac('md5', SECRET).update(copy).digest());
  const resp = createHash('md5').update(Buffer.concat([reply.subarray(0, 4), auth, reply.subarray(20), Buffer.from(SECRET)])).digest();
  assert.deepEqual(reply.subarray(4, 20), resp);
});

test('refused: wrong secret, tampered attributes, bad or duplicated or missing Message-Authenticator', () => {
  const good = encodeDynAuthRequest({ code: DynAuthCode.DisconnectRequest, identifier: 1, attributes: [attr(Attr.UserName, 'alice')], secret: SECRET, messageAuthenticator: true });
  const reason = (p: Buffer, s = SECRET, req = false) => {
    const r = decodeDynAuthRequest(p, s, req);
    assert.ok(isDecodeError(r), 'should be refused');
    return r.reason;
  };
  assert.match(reason(good, 'wrong'), /Request Authenticator/);
  const tampered = Buffer.from(good);
  tampered[tampered.length - 1] = tampered[tampered.length - 1]! ^ 1;
  assert.match(reason(tampered), /Request Authenticator/);
  // MA altered and the Request Authenticator recomputed (an attacker who knows neither cannot, but test the MA check alone)
  const badMa = Buffer.from(good);
  badMa[25] = badMa[25]! ^ 0xff;
  badMa.fill(0, 4, 20);
  createHash('md5').update(Buffer.concat([badMa, Buffer.from(SECRET)])).digest().copy(badMa, 4);
  assert.match(reason(badMa), /Message-Authenticator mismatch/);
  const noMa = encodeDynAuthRequest({ code: DynAuthCode.DisconnectRequest, identifier: 1, attributes: [attr(Attr.UserName, 'alice')], secret: SECRET, messageAuthenticator: false });
  assert.match(reason(noMa, SECRET, true), /missing and required/);
  assert.ok(!isDecodeError(decodeDynAuthRequest(noMa, SECRET, false)));
  const twoMa = encodeDynAuthRequest({ code: DynAuthCode.DisconnectRequest, identifier: 1, attributes: [attr(Attr.MessageAuthenticator, Buffer.alloc(16))], secret: SECRET, messageAuthenticator: true });
  assert.match(reason(twoMa), /more than one/);
});

test('malformed packets are DecodeError values, never exceptions', () => {
  const ok = encodeDynAuthRequest({ code: DynAuthCode.DisconnectRequest, identifier: 1, attributes: [attr(Attr.UserName, 'alice')], secret: SECRET, messageAuthenticator: false });
  const cases: [string, Buffer, RegExp][] = [
    ['short', Buffer.alloc(10), /shorter than a RADIUS header/],
    ['length too big', Buffer.concat([ok.subarray(0, 2), Buffer.from([0x01, 0x00]), ok.subarray(4)]), /Length field/],
    ['length < 20', Buffer.concat([ok.subarray(0, 2), Buffer.from([0x00, 0x10]), ok.subarray(4)]), /Length field/],
    ['Access-Request code', Buffer.concat([Buffer.from([1]), ok.subarray(1)]), /code 1/],
  ];
  const attrZero = Buffer.from(ok);
  attrZero[21] = 0;
  cases.push(['attribute length 0', attrZero, /length 0/]);
  const attrLong = Buffer.from(ok);
  attrLong[21] = 200;
  cases.push(['attribute past end', attrLong, /runs past/]);
  for (const [name, pkt, re] of cases) {
    const r = decodeDynAuthRequest(pkt, SECRET, false);
    assert.ok(isDecodeError(r), name);
    assert.match(r.reason, re, name);
  }
  // Octets past Length are ignored (RFC 2865 §3).
  const padded = Buffer.concat([ok, Buffer.from([9, 9, 9])]);
  assert.ok(!isDecodeError(decodeDynAuthRequest(padded, SECRET, false)));
  // A truncated attribute header (one octet left inside Length).
  const trunc = Buffer.concat([ok, Buffer.from([1])]);
  trunc.writeUInt16BE(trunc.length, 2);
  assert.ok(isDecodeError(parseAttributes(trunc, trunc.length)));
});

test('fuzz: 20 000 random and mutated datagrams never throw', () => {
  const seed = encodeDynAuthRequest({ code: DynAuthCode.CoaRequest, identifier: 3, attributes: [attr(Attr.UserName, 'alice'), attr(Attr.IdleTimeout, u32(60))], secret: SECRET, messageAuthenticator: true });
  for (let i = 0; i < 20_000; i++) {
    let pkt: Buffer;
    if (i % 2 === 0) {
      pkt = randomBytes(i % 80);
      if (pkt.length >= 4) pkt.writeUInt16BE(Math.min(pkt.length, (i * 7) % 100), 2);
    } else {
      pkt = Buffer.from(seed);
      pkt[i % pkt.length] = pkt[i % pkt.length]! ^ (1 + (i % 255));
    }
    const r = decodeDynAuthRequest(pkt, SECRET, i % 3 === 0);
    assert.ok(isDecodeError(r) || r.attributes.length >= 0);
  }
});
