import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import radius from 'radius';
import { msAttr } from '../../../../server/radius/attributes.js';
import { ensureRadiusDictionary } from '../../../../server/radius/dictionary.js';
import { checkReply, encodeRequest, type EncodedRequest } from '../../../../server/radius/packet.js';

const SECRET = 'testing123';
ensureRadiusDictionary();

function accessRequest(ma = true): EncodedRequest {
  return encodeRequest({
    code: 'Access-Request',
    identifier: 7,
    secret: SECRET,
    authenticator: Buffer.alloc(16, 0xab),
    messageAuthenticator: ma,
    attributes: [['User-Name', 'User'], ['NAS-Port', 3], msAttr('MS-CHAP-Challenge', Buffer.alloc(16, 1))],
  });
}

/** A reply built by the codec (with a Message-Authenticator iff `ma`). */
function replyTo(req: EncodedRequest, code: string, attributes: unknown[] = [], ma = true): Buffer {
  return radius.encode({
    code,
    identifier: req.identifier,
    secret: SECRET,
    attributes,
    add_message_authenticator: ma,
    authenticator: req.authenticator,
  } as Parameters<typeof radius.encode>[0]);
}

describe('encodeRequest', () => {
  it('puts a valid Message-Authenticator first in an Access-Request (the codec verifies it)', () => {
    const req = accessRequest();
    assert.equal(req.packet[20], 80);
    assert.equal(req.packet[21], 18);
    assert.equal(req.hasMessageAuthenticator, true);
    assert.deepEqual(req.authenticator, Buffer.alloc(16, 0xab));
    // decode() throws on a wrong Message-Authenticator in a request.
    const decoded = radius.decode({ packet: req.packet, secret: SECRET });
    assert.equal(decoded.code, 'Access-Request');
    assert.equal(decoded.attributes['User-Name'], 'User');
    assert.deepEqual(decoded.attributes['Vendor-Specific']['MS-CHAP-Challenge'], Buffer.alloc(16, 1));
    assert.throws(() => radius.decode({ packet: req.packet, secret: 'other' }));
    // Recompute independently: HMAC-MD5 over the packet with the value zeroed.
    const zeroed = Buffer.from(req.packet);
    zeroed.fill(0, 22, 38);
    assert.deepEqual(createHmac('md5', SECRET).update(zeroed).digest(), req.packet.subarray(22, 38));
  });

  it('encodes the same attributes identically (round trip through the codec)', () => {
    const a = accessRequest();
    const b = accessRequest();
    assert.deepEqual(a.packet, b.packet);
    const again = encodeRequest({
      code: 'Access-Request', identifier: 7, secret: SECRET, authenticator: Buffer.alloc(16, 0xab),
      attributes: [['User-Name', 'User'], ['NAS-Port', 3], msAttr('MS-CHAP-Challenge', Buffer.alloc(16, 1))],
    });
    assert.deepEqual(again.packet, a.packet);
  });

  it('omits the Message-Authenticator when asked and from an Accounting-Request', () => {
    assert.notEqual(accessRequest(false).packet[20], 80);
    const acct = encodeRequest({ code: 'Accounting-Request', identifier: 1, secret: SECRET, attributes: [['User-Name', 'alice'], ['Acct-Status-Type', 'Start']] });
    assert.equal(acct.hasMessageAuthenticator, false);
    // RFC 2866 §3: Request Authenticator = MD5(packet with zero authenticator ‖ secret).
    const zeroed = Buffer.from(acct.packet);
    zeroed.fill(0, 4, 20);
    assert.deepEqual(createHash('md5').update(zeroed).update(SECRET).digest(), acct.authenticator);
  });

  it('passes the random authenticator to an attribute function', () => {
    let seen: Buffer | undefined;
    const req = encodeRequest({ code: 'Access-Request', identifier: 1, secret: SECRET, attributes: (ra) => { seen = ra; return [['User-Name', 'x']]; } });
    assert.deepEqual(seen, req.authenticator);
  });

  it('refuses an identifier out of range and unknown attributes with a PptpdError', () => {
    assert.throws(() => encodeRequest({ code: 'Access-Request', identifier: 256, secret: SECRET, attributes: [] }), /identifier/);
    assert.throws(() => encodeRequest({ code: 'Access-Request', identifier: 1, secret: SECRET, attributes: [['No-Such-Attribute', 'x']] }), /cannot encode/);
  });
});

describe('checkReply', () => {
  it('accepts a correct reply with or without Message-Authenticator (when not required)', () => {
    const req = accessRequest();
    const ok = checkReply(replyTo(req, 'Access-Accept', [['Session-Timeout', 60]]), req, SECRET, true);
    assert.equal(ok.ok, true);
    assert.ok(ok.ok && ok.codeName === 'Access-Accept');
    const noMa = replyTo(req, 'Access-Accept', [], false);
    assert.equal(checkReply(noMa, req, SECRET, false).ok, true);
  });

  it('refuses a reply without Message-Authenticator when it is required', () => {
    const req = accessRequest();
    const r = checkReply(replyTo(req, 'Access-Accept', [], false), req, SECRET, true);
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.reason : '', /no Message-Authenticator/);
    // …but not when the request carried none.
    const plain = accessRequest(false);
    assert.equal(checkReply(replyTo(plain, 'Access-Accept', [], false), plain, SECRET, true).ok, true);
  });

  it('refuses a bad Response Authenticator, wrong secret, wrong code or identifier', () => {
    const req = accessRequest();
    const good = replyTo(req, 'Access-Accept');
    const flipped = Buffer.from(good);
    flipped[5] = flipped[5]! ^ 1;
    assert.match(reason(checkReply(flipped, req, SECRET, true)), /Response Authenticator/);
    assert.match(reason(checkReply(good, req, 'other', true)), /Response Authenticator/);
    assert.match(reason(checkReply(replyTo(req, 'Accounting-Response'), req, SECRET, true)), /does not answer/);
    const otherId = Buffer.from(good);
    otherId[1] = 8;
    assert.match(reason(checkReply(otherId, req, SECRET, true)), /identifier/);
  });

  it('refuses a forged Message-Authenticator even with a valid Response Authenticator', () => {
    const req = accessRequest();
    const good = replyTo(req, 'Access-Reject');
    // Flip the MA value, then recompute the Response Authenticator over the result.
    const forged = Buffer.from(good);
    const at = forged.indexOf(Buffer.from([80, 18])) + 2;
    forged[at] = forged[at]! ^ 1;
    const ra = createHash('md5').update(forged.subarray(0, 4)).update(req.authenticator).update(forged.subarray(20)).update(SECRET).digest();
    ra.copy(forged, 4);
    assert.match(reason(checkReply(forged, req, SECRET, false)), /bad Message-Authenticator/);
  });

  it('ignores octets beyond Length and refuses short or inconsistent lengths', () => {
    const req = accessRequest();
    const good = replyTo(req, 'Access-Accept');
    assert.equal(checkReply(Buffer.concat([good, Buffer.alloc(5)]), req, SECRET, true).ok, true);
    assert.match(reason(checkReply(good.subarray(0, 19), req, SECRET, true)), /shorter than a header/);
    assert.match(reason(checkReply(good.subarray(0, good.length - 1), req, SECRET, true)), /Length field/);
  });

  it('never throws on random bytes (bounded fuzz)', () => {
    const req = accessRequest();
    const good = replyTo(req, 'Access-Accept', [['Reply-Message', 'hello'], ['Class', Buffer.from('x')]]);
    let seed = 12345;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) >>> 0);
    for (let i = 0; i < 2000; i++) {
      const b = i % 2 === 0 ? Buffer.from(good) : Buffer.alloc(rnd() % 80);
      for (let k = 0; k < 3; k++) if (b.length > 0) b[rnd() % b.length] = rnd() & 0xff;
      const r = checkReply(b, req, SECRET, false);
      assert.equal(typeof r.ok, 'boolean');
    }
  });
});

function reason(r: ReturnType<typeof checkReply>): string {
  return r.ok ? '(accepted)' : r.reason;
}
