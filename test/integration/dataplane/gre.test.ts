// Raw GRE between two namespaces over a veth pair, through the project's
// GreSocket on both ends (fixtures/gre-peer.ts, each under `ip netns exec`).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Netns, canUseNetns, vethPair } from '../../helpers/netns.js';
import { dataplaneUnavailable } from '../../../server/dataplane/native.js';
import { fixtureResult, runFixture, startFixture } from './fixtures/run.js';

const skip = canUseNetns() ?? dataplaneUnavailable() ?? false;

describe('GreSocket between two namespaces', { skip }, () => {
  let a: Netns;
  let b: Netns;
  before(() => {
    a = Netns.create('grea');
    b = Netns.create('greb');
    vethPair(a, '10.251.0.1/24', b, '10.251.0.2/24');
  });
  after(() => {
    a.destroy();
    b.destroy();
  });

  it('receives a sendmmsg burst in order with the sender as source and the IP header stripped', async () => {
    const count = 2000;
    const rx = await startFixture(a, 'gre-peer.ts', ['--mode', 'recv', '--call-id', '4660', '--count', String(count), '--seconds', '10', '--check', '1']);
    const tx = await runFixture(b, 'gre-peer.ts', ['--mode', 'send', '--dst', '10.251.0.1', '--call-id', '4660', '--count', String(count), '--size', '1400', '--seconds', '10']);
    const r = await fixtureResult(rx);
    assert.equal(tx['sent'], count);
    assert.equal(r['received'], count);
    assert.equal(r['firstSource'], '10.251.0.2');
    assert.equal(r['gaps'], 0, 'sequence numbers arrive contiguous');
    assert.equal(r['bad'], 0, 'every payload byte as sent');
    assert.equal(r['bytes'], count * 1400, 'lengths exclude the 20-byte IPv4 header');
  });

  it('replies to each packet source (echo) and the original sender gets every packet back', async () => {
    const echo = await startFixture(a, 'gre-peer.ts', ['--mode', 'echo', '--count', '50', '--seconds', '10']);
    const ping = await runFixture(b, 'gre-peer.ts', ['--mode', 'ping', '--dst', '10.251.0.1', '--call-id', '7', '--count', '50', '--seconds', '10']);
    const e = await fixtureResult(echo);
    assert.equal(ping['sent'], 50);
    assert.equal(ping['replies'], 50);
    assert.equal(ping['wrongSource'], 0);
    assert.equal(ping['bad'], 0);
    assert.equal(e['echoed'], 50);
  });

  it('counts a send to an unroutable destination as dropped instead of throwing', async () => {
    // 10.99.0.1 has no route in namespace b: sendmmsg fails with ENETUNREACH.
    const r = await runFixture(b, 'gre-peer.ts', ['--mode', 'send', '--dst', '10.99.0.1', '--count', '5', '--batch', '5', '--seconds', '5']);
    assert.equal(r['sent'], 0);
    const stats = r['stats'] as { sent: { dropped: number; lastError: string } };
    assert.equal(stats.sent.dropped, 5);
    assert.equal(stats.sent.lastError, 'ENETUNREACH');
  });
});
