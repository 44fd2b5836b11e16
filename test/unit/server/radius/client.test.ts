// The client's own logic against a local UDP responder (fake-server.ts):
// identifiers, retransmission, failover, dead time, refused and duplicate replies.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RadiusClient, type RadiusServerConfig } from '../../../../server/radius/client.js';
import { freeUdpPorts } from '../../../helpers/freeradius.js';
import { corruptAuthenticator, reply, startFakeServer, type FakeServer } from './fake-server.js';
import { waitFor } from '../../../helpers/wait.js';

const SECRET = 'fake-secret';
const servers: FakeServer[] = [];
const clients: RadiusClient[] = [];
after(async () => {
  await Promise.all([...servers.map((s) => s.close()), ...clients.map((c) => c.close())]);
});

async function fake(respond: Parameters<typeof startFakeServer>[1]): Promise<FakeServer> {
  const s = await startFakeServer(SECRET, respond);
  servers.push(s);
  return s;
}

// 1 s per attempt: tests that retransmit wait one timeout, and an answer on loopback comes
// well within it even on a busy machine (150 ms did not: a reply processed late was a
// timeout). Tests about timing pass their own.
function client(list: RadiusServerConfig[], opts: Partial<ConstructorParameters<typeof RadiusClient>[0]> = {}): RadiusClient {
  const c = new RadiusClient({ servers: list, timeoutMs: 1000, retries: 1, bindAddress: '127.0.0.1', ...opts });
  clients.push(c);
  return c;
}

const at = (port: number, extra: Partial<RadiusServerConfig> = {}): RadiusServerConfig => ({ host: '127.0.0.1', port, secret: SECRET, ...extra });
const user = () => [['User-Name', 'alice']] as const;

describe('RadiusClient', () => {
  it('sends an Access-Request with a Message-Authenticator and returns the checked reply', async () => {
    const s = await fake((r) => [reply(r, SECRET, 'Access-Accept', [['Session-Timeout', 99]])]);
    const c = client([at(s.port)]);
    const r = await c.send('Access-Request', (a) => [['User-Name', 'alice'], ['User-Password', a.hide(Buffer.from('pw'))]]);
    assert.ok(r.ok);
    assert.equal(r.reply.codeName, 'Access-Accept');
    assert.equal(r.reply.server.name, `127.0.0.1:${s.port}`);
    assert.equal(s.received[0]!.packet.attributes['User-Password'], 'pw');
    assert.ok(s.received[0]!.packet.attributes['Message-Authenticator'], 'request carries Message-Authenticator');
  });

  it('retransmits an unanswered Access-Request byte for byte (same identifier)', async () => {
    const s = await fake((r, i) => (i === 0 ? [] : [reply(r, SECRET, 'Access-Reject')]));
    const c = client([at(s.port)]);
    const r = await c.send('Access-Request', user);
    assert.ok(r.ok);
    assert.equal(s.received.length, 2);
    assert.deepEqual(s.received[0]!.raw, s.received[1]!.raw);
    assert.equal(r.servers[0]!.transmissions, 2);
  });

  it('rebuilds an Accounting-Request per attempt with a new identifier and a growing delay', async () => {
    const s = await fake((r, i) => (i === 0 ? [] : [reply(r, SECRET, 'Accounting-Response')]));
    const c = client([at(s.port)]);
    const seen: number[] = [];
    const r = await c.send('Accounting-Request', (a) => {
      seen.push(a.delaySeconds);
      return [['User-Name', 'alice'], ['Acct-Status-Type', 'Start'], ['Acct-Session-Id', 's1'], ['Acct-Delay-Time', a.delaySeconds]];
    }, { initialDelaySeconds: 5 });
    assert.ok(r.ok);
    assert.equal(seen.length, 2);
    assert.ok(seen.every((d) => d >= 5));
    assert.notEqual(s.received[0]!.packet.identifier, s.received[1]!.packet.identifier);
  });

  it('accepts a late reply to an earlier transmission of the same send', async () => {
    // Answers the first transmission only, after the client already retransmitted.
    let first: Parameters<Parameters<typeof startFakeServer>[1]>[0] | undefined;
    const s = await fake((r, i) => {
      if (i === 0) { first = r; return []; }
      return [reply(first!, SECRET, 'Accounting-Response')];
    });
    const c = client([at(s.port)]);
    const r = await c.send('Accounting-Request', () => [['User-Name', 'a'], ['Acct-Status-Type', 'Start'], ['Acct-Session-Id', 'x']]);
    assert.ok(r.ok);
    assert.equal(r.reply.identifier, s.received[0]!.packet.identifier);
  });

  it('fails over from a dead port to the next server, and skips the dead one afterwards', async () => {
    const [dead] = await freeUdpPorts(1);
    const s = await fake((r) => [reply(r, SECRET, 'Access-Accept')]);
    const c = client([at(dead!), at(s.port)], { deadTimeSeconds: 60, timeoutMs: 5000 });
    const t0 = performance.now();
    const r = await c.send('Access-Request', user);
    assert.ok(r.ok);
    assert.equal(r.reply.server.port, s.port);
    assert.equal(r.servers[0]!.portUnreachable, true, 'ICMP port unreachable ends the attempts early');
    assert.ok(performance.now() - t0 < 2500, 'did not wait for the timeout (5 s) on an unreachable port');
    assert.equal(c.isDead(0), true);
    const again = await c.send('Access-Request', user);
    assert.ok(again.ok);
    assert.equal(again.servers.length, 1, 'the dead server is skipped');
  });

  it('gives up within servers × attempts × timeout when nobody answers, with a clear reason', async () => {
    const silent1 = await fake(() => []);
    const silent2 = await fake(() => []);
    const c = client([at(silent1.port), at(silent2.port)], { timeoutMs: 250, retries: 1 });
    const t0 = performance.now();
    const r = await c.send('Access-Request', user);
    const ms = performance.now() - t0;
    assert.equal(r.ok, false);
    assert.ok(!r.ok && !r.aborted);
    assert.match(!r.ok ? r.reason : '', new RegExp(`no RADIUS server answered.*127\\.0\\.0\\.1:${silent1.port}: no reply to 2 transmissions.*127\\.0\\.0\\.1:${silent2.port}`));
    assert.ok(ms >= 990 && ms < 2500, `took ${ms} ms (2 servers × 2 attempts × 250 ms)`);
    assert.equal(silent1.received.length + silent2.received.length, 4);
  });

  it('refuses a reply with a bad Response Authenticator and keeps waiting for a good one', async () => {
    const s = await fake((r, i) => (i === 0 ? [corruptAuthenticator(reply(r, SECRET, 'Access-Accept'))] : [reply(r, SECRET, 'Access-Reject')]));
    const c = client([at(s.port)]);
    const r = await c.send('Access-Request', user);
    assert.ok(r.ok);
    assert.equal(r.reply.codeName, 'Access-Reject');
    assert.equal(r.servers[0]!.refused, 1);
    assert.match(r.servers[0]!.lastRefusal ?? '', /Response Authenticator/);
  });

  it('refuses a reply signed with another secret', async () => {
    const s = await fake((r) => [reply(r, 'not-the-secret', 'Access-Accept')]);
    const c = client([at(s.port)], { retries: 0 });
    const r = await c.send('Access-Request', user);
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.reason : '', /1 refused: bad Response Authenticator/);
    assert.doesNotMatch(!r.ok ? r.reason : '', /fake-secret|not-the-secret/);
  });

  it('refuses a reply without Message-Authenticator unless the server entry allows it', async () => {
    // The codec adds a Message-Authenticator to a reply only when the request had one: pretend it had none.
    const noMa = (r: Parameters<Parameters<typeof startFakeServer>[1]>[0]): Buffer[] => {
      const packet = { ...r.packet, attributes: { ...r.packet.attributes, 'Message-Authenticator': undefined } };
      return [reply({ ...r, packet }, SECRET, 'Access-Accept')];
    };
    const s = await fake(noMa);
    const strict = client([at(s.port)], { retries: 0 });
    const r1 = await strict.send('Access-Request', user);
    assert.equal(r1.ok, false);
    assert.match(!r1.ok ? r1.reason : '', /no Message-Authenticator/);
    const lenient = client([at(s.port, { requireMessageAuthenticator: false })], { retries: 0 });
    assert.equal((await lenient.send('Access-Request', user)).ok, true);
  });

  it('ignores duplicate replies', async () => {
    const s = await fake((r) => {
      const b = reply(r, SECRET, 'Access-Accept');
      return [b, b, b];
    });
    const c = client([at(s.port)]);
    const r = await c.send('Access-Request', user);
    assert.ok(r.ok);
    await waitFor('the two duplicates seen', () => c.stats.unmatched >= 2);
    assert.equal(c.stats.replies, 1);
    assert.equal(c.stats.unmatched, 2);
  });

  it('keeps at most 256 requests in flight per server; the rest wait and then go through', async () => {
    let max = 0;
    const held: Array<() => void> = [];
    const s = await fake((r) => new Promise<Buffer[]>((resolve) => {
      held.push(() => resolve([reply(r, SECRET, 'Access-Accept')]));
      max = Math.max(max, held.length);
    }));
    const c = client([at(s.port)], { timeoutMs: 30_000, retries: 0 });
    const sends = Array.from({ length: 300 }, () => c.send('Access-Request', user));
    await waitFor('256 requests at the server', () => held.length >= 256);
    await new Promise((res) => setTimeout(res, 50)); // a 257th would arrive now
    assert.equal(held.length, 256, 'exactly 256 reached the server');
    await waitFor('all 300 at the server', () => {
      while (held.length > 0) held.shift()!();
      return s.received.length >= 300;
    });
    while (held.length > 0) held.shift()!();
    const results = await Promise.all(sends);
    assert.equal(results.filter((r) => r.ok).length, 300);
    assert.equal(max, 256);
  });

  it('stops when the signal aborts, and close() ends sends in progress', async () => {
    const s = await fake(() => []);
    const c = client([at(s.port)], { timeoutMs: 5000 });
    const ac = new AbortController();
    const p = c.send('Access-Request', user, { signal: ac.signal });
    setTimeout(() => ac.abort(), 30);
    const r = await p;
    assert.ok(!r.ok && r.aborted);
    assert.equal(c.isDead(0), false, 'an abort does not mark the server dead');
    const p2 = c.send('Access-Request', user);
    setTimeout(() => void c.close(), 30);
    const r2 = await p2;
    assert.ok(!r2.ok && r2.aborted);
    await assert.rejects(c.send('Access-Request', user), /closed/);
  });
});
