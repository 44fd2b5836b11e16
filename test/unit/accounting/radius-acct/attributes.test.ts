import { test } from 'node:test';
import assert from 'node:assert/strict';
import radius from 'radius';
import { encodeRequest } from '../../../../server/radius/packet.js';
import { readAttributes, u32, ipv4, text, all } from '../../../../server/radius/attributes.js';
import { accountingAttributes, acctSessionId, splitOctets } from '../../../../accounting/radius-acct/attributes.js';
import { interimEvent, nasEvent, startEvent, stopEvent } from '../../../../accounting/dispatcher.js';
import { session } from '../queue/fakes.js';

const SECRET = 'testing123';

/** Encodes like the client does and reads the packet back by attribute number. */
function wire(attrs: ReturnType<typeof accountingAttributes>) {
  const req = encodeRequest({ code: 'Accounting-Request', identifier: 7, secret: SECRET, attributes: attrs });
  const parsed = readAttributes(req.packet);
  assert.ok(Array.isArray(parsed));
  return { req, attrs: parsed };
}

test('64-bit counters split into Octets + Gigawords (RFC 2869 §5.1)', () => {
  assert.deepEqual(splitOctets(0), { octets: 0, gigawords: 0 });
  assert.deepEqual(splitOctets(2 ** 32 - 1), { octets: 2 ** 32 - 1, gigawords: 0 });
  assert.deepEqual(splitOctets(2 ** 32), { octets: 0, gigawords: 1 });
  assert.deepEqual(splitOctets(5 * 2 ** 32 + 123), { octets: 123, gigawords: 5 });
  assert.deepEqual(splitOctets(-3), { octets: 0, gigawords: 0 });
});

test('Start carries the session attributes, Class echoed byte for byte, no counters', () => {
  const s = session(1, { class: ['deadbeef00', '41424344'] });
  const ev = startEvent(s);
  const { attrs } = wire(accountingAttributes(ev, s.startTime + 2500));
  assert.equal(u32(attrs, 40), 1, 'Acct-Status-Type Start');
  assert.equal(text(attrs, 44), s.sessionId);
  assert.equal(text(attrs, 1), 'user1');
  assert.equal(ipv4(attrs, 4), '127.0.0.1');
  assert.equal(text(attrs, 32), 'pptpd-test');
  assert.equal(u32(attrs, 5), 101, 'NAS-Port = call id');
  assert.equal(u32(attrs, 61), 5, 'NAS-Port-Type Virtual');
  assert.equal(u32(attrs, 6), 2, 'Service-Type Framed-User');
  assert.equal(u32(attrs, 7), 1, 'Framed-Protocol PPP');
  assert.equal(ipv4(attrs, 8), '10.8.0.3');
  assert.equal(text(attrs, 31), '198.51.100.1');
  assert.equal(text(attrs, 30), '192.0.2.1');
  assert.deepEqual(all(attrs, 25).map((b) => b.toString('hex')), ['deadbeef00', '41424344']);
  assert.equal(u32(attrs, 55), Math.floor(s.startTime / 1000), 'Event-Timestamp');
  assert.equal(u32(attrs, 41), 2, 'Acct-Delay-Time');
  assert.equal(u32(attrs, 42), undefined);
  assert.equal(u32(attrs, 49), undefined);
});

test('Interim-Update and Stop carry session time, octets, gigawords, packets; Stop its cause', () => {
  const s = session(2);
  const counters = { inputOctets: 6 * 2 ** 32 + 1000, outputOctets: 2 ** 32 + 5, inputPackets: 7_000_000, outputPackets: 9 };
  const interim = wire(accountingAttributes(interimEvent(s, counters, 1, s.startTime + 600_000), s.startTime + 600_000)).attrs;
  assert.equal(u32(interim, 40), 3);
  assert.equal(u32(interim, 46), 600);
  assert.equal(u32(interim, 42), 1000);
  assert.equal(u32(interim, 52), 6);
  assert.equal(u32(interim, 43), 5);
  assert.equal(u32(interim, 53), 1);
  assert.equal(u32(interim, 47), 7_000_000);
  assert.equal(u32(interim, 48), 9);
  const stop = wire(accountingAttributes(stopEvent(s, counters, 'NAS-Reboot', s.startTime + 3_723_000), s.startTime + 3_723_000)).attrs;
  assert.equal(u32(stop, 40), 2);
  assert.equal(u32(stop, 49), 11, 'NAS-Reboot');
  assert.equal(u32(stop, 46), 3723);
});

test('Acct-Delay-Time grows with the time of sending; nothing else changes', () => {
  const s = session(3);
  const ev = startEvent(s);
  const a = accountingAttributes(ev, s.startTime);
  const b = accountingAttributes(ev, s.startTime + 47_900);
  const delay = (x: typeof a) => x.find((t) => t[0] === 'Acct-Delay-Time')![1];
  assert.equal(delay(a), 0);
  assert.equal(delay(b), 47);
  assert.deepEqual(a.filter((t) => t[0] !== 'Acct-Delay-Time'), b.filter((t) => t[0] !== 'Acct-Delay-Time'));
  assert.equal(delay(accountingAttributes(ev, s.startTime - 5000)), 0, 'clock behind the event: 0, not negative');
});

test('Accounting-On/-Off carry the NAS identity and a session id of their own', () => {
  const on = nasEvent('accounting-on', { nasIdentifier: 'nas-a', nasIpAddress: '192.0.2.9' }, 'B1', 1_700_000_000_000);
  const { attrs } = wire(accountingAttributes(on, 1_700_000_000_000));
  assert.equal(u32(attrs, 40), 7);
  assert.equal(text(attrs, 44), 'nas-a.B1');
  assert.equal(acctSessionId(on), 'nas-a.B1');
  assert.equal(ipv4(attrs, 4), '192.0.2.9');
  assert.equal(text(attrs, 32), 'nas-a');
  assert.equal(text(attrs, 1), undefined);
  const off = nasEvent('accounting-off', { nasIdentifier: 'nas-a', nasIpAddress: '' }, 'B1', 1);
  const offAttrs = wire(accountingAttributes(off, 1)).attrs;
  assert.equal(u32(offAttrs, 40), 8);
  assert.equal(ipv4(offAttrs, 4), undefined, 'no NAS-IP-Address when unknown');
});

test('config overrides of NAS-IP-Address / NAS-Identifier win; the codec decodes the names FreeRADIUS logs', () => {
  const s = session(4);
  const attrs = accountingAttributes(stopEvent(s, { inputOctets: 1, outputOctets: 2, inputPackets: 3, outputPackets: 4 }, 'User-Request', s.startTime + 1000), s.startTime + 1000, {
    nasIpAddress: '192.0.2.77',
    nasIdentifier: 'edge-1',
  });
  const { req } = wire(attrs);
  const decoded = radius.decode({ packet: req.packet, secret: SECRET });
  assert.equal(decoded.code, 'Accounting-Request');
  assert.equal(decoded.attributes['NAS-IP-Address'], '192.0.2.77');
  assert.equal(decoded.attributes['NAS-Identifier'], 'edge-1');
  assert.equal(decoded.attributes['Acct-Status-Type'], 'Stop');
  assert.equal(decoded.attributes['Acct-Terminate-Cause'], 'User-Request');
  assert.equal(decoded.attributes['NAS-Port-Type'], 'Virtual');
});

test('a user name longer than an attribute holds is cut to 253 octets, so the record can be sent', async () => {
  const { accountingAttributes } = await import('../../../../accounting/radius-acct/attributes.js');
  const ev = {
    type: 'start', id: 's1:start', time: Date.UTC(2026, 0, 1),
    session: { sessionId: 's1', userName: 'x'.repeat(300), peerName: 'x'.repeat(300), nasIdentifier: 'n', nasIpAddress: '192.0.2.1', callId: 1, framedIpAddress: '10.8.0.2', clientAddress: '192.0.2.9', serverAddress: '192.0.2.1', startTime: Date.UTC(2026, 0, 1) },
  } as unknown as Parameters<typeof accountingAttributes>[0];
  const name = accountingAttributes(ev, Date.UTC(2026, 0, 1)).find((a) => a[0] === 'User-Name')![1] as string;
  assert.equal(name, 'x'.repeat(253));
});
