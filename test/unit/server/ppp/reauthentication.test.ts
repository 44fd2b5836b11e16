// LCP renegotiation and authentication verdicts (issue 12): a verdict belongs to the
// attempt that asked for it, and once authenticated a session keeps one identity — an
// LCP renegotiation after authentication ends it rather than authenticating again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDecodeError } from '../../../../server/errors.js';
import { decodeFrame } from '../../../../server/ppp/frame.js';
import { Protocol } from '../../../../server/ppp/protocols.js';
import { terminateCauseOf } from '../../../../server/runtime/causes.js';
import { PppPair } from '../../../helpers/ppp-pair.js';

/** The first LCP Configure-Request the client sent (replayed to force a renegotiation). */
function clientLcpRequest(p: PppPair): Buffer {
  const f = p.wire.client.find((b) => {
    const d = decodeFrame(b);
    return !isDecodeError(d) && d.protocol === Protocol.LCP && d.info[0] === 1;
  });
  assert.ok(f);
  return Buffer.from(f);
}

function inject(p: PppPair, frame: Buffer): void {
  p.server.handleFrame(frame, p.now);
  p.collect('server');
}

test('LCP renegotiation after authentication ends the session: one identity, one network-up, never a second auth', () => {
  const p = new PppPair();
  p.start();
  p.drive({ until: p.now + 30_000 });
  assert.equal(p.eventsOf('server', 'network-up').length, 1);
  inject(p, clientLcpRequest(p));
  p.drive({ until: p.now + 30_000 });
  const down = p.eventsOf('server', 'down')[0];
  assert.equal(down?.cause, 'lcp-renegotiated');
  assert.match(down?.message ?? '', /renegotiated LCP after authentication/);
  assert.equal(terminateCauseOf(down!.cause), 'User-Error');
  assert.equal(p.eventsOf('server', 'auth-verify').length, 1);
  assert.equal(p.eventsOf('server', 'authenticated').length, 1);
  assert.equal(p.eventsOf('server', 'network-up').length, 1);
});

test('a verdict for an attempt replaced by an LCP renegotiation is dropped; only the new attempt decides', () => {
  const p = new PppPair({ manualVerdicts: true });
  p.start();
  p.drive({ until: p.now + 2_000 });
  const first = p.eventsOf('server', 'auth-verify')[0];
  assert.ok(first, 'the server asked for a verdict');
  const accept = p.verdictFor(first);
  assert.equal(accept.verdict, 'accept');
  // Before the verdict comes back, the peer renegotiates LCP and authenticates afresh.
  inject(p, clientLcpRequest(p));
  p.drive({ until: p.now + 2_000 });
  const second = p.eventsOf('server', 'auth-verify')[1];
  assert.ok(second, 'a new attempt');
  assert.ok(second.attempt > first.attempt);
  // The late accept for the first attempt must not complete the second.
  p.server.handleAuthVerdict(accept, p.now, first.attempt);
  p.collect('server');
  p.drive({ until: p.now + 1_000 });
  assert.equal(p.eventsOf('server', 'authenticated').length, 0, 'a stale accept authenticates nobody');
  // The second attempt's own verdict decides (here: refused).
  p.server.handleAuthVerdict({ verdict: 'reject', reason: 'wrong password', mschapError: 691 }, p.now, second.attempt);
  p.collect('server');
  p.drive({ until: p.now + 30_000 });
  assert.equal(p.eventsOf('server', 'authenticated').length, 0);
  assert.equal(p.eventsOf('server', 'down')[0]?.cause, 'auth-failed');
});
