import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Attr, DynAuthCode, ErrorCause, u32, type Attribute, type DynAuthRequest } from '../../../../../server/control/dmcoa/codec.js';
import { handleDynAuthRequest } from '../../../../../server/control/dmcoa/handler.js';
import { FakeHost, view } from '../fake-host.js';

const a = (type: number, value: string | Buffer): Attribute => ({ type, value: typeof value === 'string' ? Buffer.from(value) : value });
const req = (code: 40 | 43, attributes: Attribute[]): DynAuthRequest => ({ code, identifier: 1, authenticator: Buffer.alloc(16), attributes, hasMessageAuthenticator: true });
const errorCause = (attrs: readonly Attribute[]) => attrs.find((x) => x.type === Attr.ErrorCause)?.value.readUInt32BE(0);

function host(): FakeHost {
  return new FakeHost([
    view({ sessionId: 'S1', callId: 11, userName: 'alice', address: '10.0.0.2', clientAddress: '192.0.2.1' }),
    view({ sessionId: 'S2', callId: 12, userName: 'alice', address: '10.0.0.3', clientAddress: '192.0.2.2' }),
    view({ sessionId: 'S3', callId: 13, userName: 'bob', address: '10.0.0.4', clientAddress: '192.0.2.1' }),
  ]);
}

test('Disconnect by User-Name ends every session of that user with Admin-Reset → Disconnect-ACK', () => {
  const h = host();
  const d = handleDynAuthRequest(req(40, [a(Attr.UserName, 'ALICE')]), h);
  assert.equal(d.code, DynAuthCode.DisconnectAck);
  assert.deepEqual([...d.sessions].sort(), ['S1', 'S2']);
  assert.deepEqual(h.killed.map((k) => [k.sel.session, k.cause]), [['S1', 'Admin-Reset'], ['S2', 'Admin-Reset']]);
  assert.deepEqual(h.list.map((s) => s.sessionId), ['S3']);
  assert.equal(errorCause(d.attributes), undefined);
});

test('Disconnect by Acct-Session-Id, Framed-IP-Address, Calling-Station-Id, NAS-Port; several attributes must all match', () => {
  for (const [attrs, want] of [
    [[a(Attr.AcctSessionId, 'S3')], ['S3']],
    [[a(Attr.FramedIpAddress, Buffer.from([10, 0, 0, 3]))], ['S2']],
    [[a(Attr.CallingStationId, '192.0.2.1')], ['S1', 'S3']],
    [[a(Attr.NasPort, u32(12))], ['S2']],
    [[a(Attr.CallingStationId, '192.0.2.1'), a(Attr.UserName, 'bob')], ['S3']],
  ] as [Attribute[], string[]][]) {
    const d = handleDynAuthRequest(req(40, attrs), host());
    assert.equal(d.code, DynAuthCode.DisconnectAck);
    assert.deepEqual([...d.sessions].sort(), want);
  }
  const none = handleDynAuthRequest(req(40, [a(Attr.UserName, 'alice'), a(Attr.AcctSessionId, 'S3')]), host());
  assert.equal(none.code, DynAuthCode.DisconnectNak);
  assert.equal(errorCause(none.attributes), ErrorCause.SessionContextNotFound);
});

test('no matching session → NAK 503 Session-Context-Not-Found, nothing killed', () => {
  const h = host();
  const d = handleDynAuthRequest(req(40, [a(Attr.UserName, 'carol')]), h);
  assert.equal(d.code, DynAuthCode.DisconnectNak);
  assert.equal(errorCause(d.attributes), 503);
  assert.equal(h.killed.length, 0);
});

test('CoA changes Session-Timeout and Idle-Timeout of the matching session → CoA-ACK', () => {
  const h = host();
  const d = handleDynAuthRequest(req(43, [a(Attr.AcctSessionId, 'S1'), a(Attr.SessionTimeout, u32(600)), a(Attr.IdleTimeout, u32(120))]), h);
  assert.equal(d.code, DynAuthCode.CoaAck);
  assert.deepEqual(h.changed, [{ sel: { session: 'S1' }, t: { sessionTimeout: 600, idleTimeout: 120 } }]);
  assert.equal(h.list[0]!.sessionTimeLeft, 600);
  assert.equal(h.list[0]!.idleTimeout, 120);
  assert.equal(h.killed.length, 0);
});

test('NAK causes: 402 no identification, 401 unsupported attribute, 405 Service-Type in CoA, 404 malformed, 403 NAS-Identifier', () => {
  const cases: [40 | 43, Attribute[], number][] = [
    [40, [a(Attr.NasIpAddress, Buffer.from([1, 2, 3, 4]))], ErrorCause.MissingAttribute],
    [43, [a(Attr.SessionTimeout, u32(5))], ErrorCause.MissingAttribute],
    [40, [a(Attr.UserName, 'alice'), a(Attr.VendorSpecific, Buffer.from([0, 0, 0, 9, 1, 3, 0]))], ErrorCause.UnsupportedAttribute],
    [40, [a(Attr.UserName, 'alice'), a(Attr.SessionTimeout, u32(5))], ErrorCause.UnsupportedAttribute],
    [40, [a(Attr.UserName, 'alice'), a(Attr.ServiceType, u32(17))], ErrorCause.UnsupportedAttribute],
    [43, [a(Attr.UserName, 'alice'), a(Attr.ServiceType, u32(17))], ErrorCause.UnsupportedService],
    [43, [a(Attr.UserName, 'alice'), a(Attr.SessionTimeout, Buffer.from([1, 2]))], ErrorCause.InvalidRequest],
    [40, [a(Attr.FramedIpAddress, Buffer.from([10, 0, 0]))], ErrorCause.InvalidRequest],
    [40, [a(Attr.UserName, 'alice'), a(Attr.UserName, 'bob')], ErrorCause.InvalidRequest],
    [40, [a(Attr.UserName, 'alice'), a(Attr.NasIdentifier, 'other-nas')], ErrorCause.NasIdentificationMismatch],
  ];
  for (const [code, attrs, cause] of cases) {
    const h = host();
    const d = handleDynAuthRequest(req(code, attrs), h, { nasIdentifier: 'pptpd-ts' });
    assert.equal(d.code, code === 40 ? DynAuthCode.DisconnectNak : DynAuthCode.CoaNak, `cause ${cause}`);
    assert.equal(errorCause(d.attributes), cause);
    assert.equal(h.killed.length + h.changed.length, 0);
  }
  // Our own NAS-Identifier, NAS-IP-Address, Event-Timestamp are accepted.
  const okd = handleDynAuthRequest(
    req(40, [a(Attr.UserName, 'bob'), a(Attr.NasIdentifier, 'pptpd-ts'), a(Attr.NasIpAddress, Buffer.from([1, 2, 3, 4])), a(Attr.EventTimestamp, u32(1))]),
    host(),
    { nasIdentifier: 'pptpd-ts' },
  );
  assert.equal(okd.code, DynAuthCode.DisconnectAck);
});

test('Proxy-State is copied, in order, into ACKs and NAKs', () => {
  const ps = [a(Attr.ProxyState, Buffer.from('one')), a(Attr.ProxyState, Buffer.from('two'))];
  const ack = handleDynAuthRequest(req(40, [ps[0]!, a(Attr.UserName, 'bob'), ps[1]!]), host());
  assert.deepEqual(ack.attributes.map((x) => x.value.toString()), ['one', 'two']);
  const nak = handleDynAuthRequest(req(43, [ps[0]!, a(Attr.UserName, 'nobody'), ps[1]!]), host());
  assert.deepEqual(nak.attributes.map((x) => [x.type, x.type === Attr.ProxyState ? x.value.toString() : x.value.readUInt32BE(0)]), [
    [Attr.ErrorCause, 503],
    [Attr.ProxyState, 'one'],
    [Attr.ProxyState, 'two'],
  ]);
});
