// Admission limits against a running server, with calls that never send GRE: an
// exhausted pool is refused in the Outgoing-Call-Reply (Busy) with a log line naming
// the pool, the address comes back when the call ends, and limits.connections and
// limits.perSourceAddress bite with their own log lines.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { canUseNetns, Netns, nodeTs, type NetnsChild } from '../../helpers/netns.js';
import { startServer } from '../../helpers/server-proc.js';

const skip = canUseNetns();
const namespaces: Netns[] = [];
const kids: NetnsChild[] = [];
after(() => {
  kids.forEach((k) => k.kill('SIGKILL'));
  namespaces.forEach((n) => n.destroy());
});

const call = (ns: Netns, holdMs: number): NetnsChild => {
  const kid = ns.spawn(nodeTs('test/integration/server/fixtures/silent-call.ts', String(holdMs)));
  kids.push(kid);
  return kid;
};
/** A call held until hangUp(): a busy machine cannot end it before the test is done with it. */
const heldCall = (ns: Netns): NetnsChild => call(ns, 300_000);
const hangUp = (c: NetnsChild): Promise<unknown> => {
  c.child.stdin?.end();
  return c.wait(30_000);
};
// Bounds for a fixture process (node + tsx) to start and act on a busy machine.
const START_MS = 60_000;

describe('admission limits', { skip, concurrency: 1 }, () => {
  test('pool exhausted: OCRP Busy and a log line naming the pool; the address is reused after release', async () => {
    const ns = Netns.create('pool');
    namespaces.push(ns);
    const server = await startServer(ns, {
      config: { pool: { name: 'tiny', local: ['10.8.0.1'], remote: ['10.8.0.2'] }, limits: { perSourceAddress: 0 } },
      chapSecrets: 'alice * secret *\n',
    });
    try {
      const a = heldCall(ns);
      await a.waitForLine(/^connected/, START_MS);
      const b = await call(ns, 100).wait(START_MS);
      assert.equal(b.code, 1, 'second call refused');
      await server.waitForLog(/refused: No more free connection slots: No more free addresses in pool "tiny"/);
      await hangUp(a);
      const c = call(ns, 100);
      await c.waitForLine(/^connected/, START_MS);
      await c.wait(START_MS);
    } finally {
      await server.stop();
    }
  });

  test('limits.connections and limits.perSourceAddress', async () => {
    const ns = Netns.create('conn');
    namespaces.push(ns);
    const server = await startServer(ns, {
      config: { pool: { local: ['10.8.0.1'], remote: ['10.8.0.2-9'] }, limits: { connections: 2, perSourceAddress: 3 } },
      chapSecrets: 'alice * secret *\n',
    });
    try {
      const a = heldCall(ns);
      const b = heldCall(ns);
      await Promise.all([a.waitForLine(/^connected/, START_MS), b.waitForLine(/^connected/, START_MS)]);
      // A third call is over limits.connections: refused in its OCRP (its control connection is the 3rd allowed one).
      const c = heldCall(ns);
      await c.waitForLine(/^rejected 4/, START_MS);
      await server.waitForLog(/connection limit 2 reached \(limits\.connections\)/);
      // A 4th control connection from the same address is over limits.perSourceAddress: closed at once.
      const d = await call(ns, 100).wait(START_MS);
      assert.ok(d.code === 4 || d.code === 2, `closed (4) or reset (2) by the server, got ${d.code}`);
      await server.waitForLog(/refused control connection from 127\.0\.0\.1: 3 already open \(limits\.perSourceAddress\)/);
      await Promise.all([hangUp(a), hangUp(b), hangUp(c)]);
      // Once they are closed, their slots count again: a new connection from the same address is served.
      // (The server may see the last FIN a moment after the clients exit, hence a few bounded attempts.)
      let served = false;
      for (let attempt = 0; attempt < 10 && !served; attempt++) {
        const e = call(ns, 100);
        served = (await e.wait(START_MS)).code === 0;
        if (!served) await new Promise((r) => setTimeout(r, 300));
      }
      assert.ok(served, 'a connection from the same address is accepted after the earlier ones closed');
    } finally {
      await server.stop();
    }
  });
});
