// The server side of PPP never runs a link without authentication: a peer that will not
// authenticate (it rejects the Authentication-Protocol option, or Naks every method the
// server allows) is closed with auth-refused before any network phase, and a server
// session cannot even be built with no method to ask for (there is no `noauth`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PppPair } from '../../../helpers/ppp-pair.js';
import { PppSession } from '../../../../server/ppp/session.js';
import { PptpdError } from '../../../../server/errors.js';

function refusedBy(client: ConstructorParameters<typeof PppPair>[0]): PppPair {
  const p = new PppPair(client);
  p.start();
  p.drive({ until: p.now + 60_000 });
  return p;
}

function assertRefused(p: PppPair, message: RegExp): void {
  const down = p.eventsOf('server', 'down');
  assert.equal(down.length, 1, 'the server ended the link once');
  assert.equal(down[0]?.cause, 'auth-refused');
  assert.match(down[0]?.message ?? '', message);
  assert.equal(p.eventsOf('server', 'authenticated').length, 0, 'never authenticated');
  assert.equal(p.eventsOf('server', 'network-up').length, 0, 'no network phase, so no address');
  assert.ok(p.server.isDead);
  assert.ok(p.client.isDead, 'the peer saw the link end (LCP Terminate)');
}

test('a peer that Configure-Rejects the Authentication-Protocol option is disconnected (auth-refused)', () => {
  // A client allowing no method rejects the server's auth option (pppd refuse-pap refuse-chap ...).
  const p = refusedBy({ client: { authMethods: [] } });
  assertRefused(p, /rejected the Authentication-Protocol option; allowed: mschap-v2\); the client must accept one of them/);
});

test('a peer that Naks every allowed method is disconnected once the list is used up', () => {
  // Server allows MS-CHAPv2 and MS-CHAPv1; the client only does PAP and Naks each request with it.
  const p = refusedBy({ server: { authMethods: ['mschap-v2', 'mschap-v1'] }, client: { authMethods: ['pap'] } });
  assertRefused(p, /refused every allowed authentication method \(mschap-v2, mschap-v1\)/);
  const asked = p.wire.server.filter((f) => f.includes(Buffer.from('c223', 'hex'))).length;
  assert.ok(asked >= 2, 'the server offered each allowed method before giving up');
});

test('a server session with no authentication method cannot be built', () => {
  assert.throws(
    () => new PppSession({ role: 'server', authMethods: [], mppe: { required: false, bits: [], stateful: 'deny' } }),
    (e: unknown) => e instanceof PptpdError && /at least one authentication method/.test(e.message),
  );
});
