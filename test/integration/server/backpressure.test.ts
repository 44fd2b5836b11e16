// A peer that sends requests but never reads the replies cannot grow the server's memory
// (issue 12: SCCRQ, then a stream of Echo-Requests, never read — the server used to
// buffer every Echo-Reply). The server stops reading such a peer once its replies pile
// up, so TCP pushes back on the sender; meanwhile another client still gets a call.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { canUseNetns, Netns, nodeTs } from '../../helpers/netns.js';
import { startServer } from '../../helpers/server-proc.js';
import { CHILD_RUN_MS } from '../../helpers/wait.js';

const skip = canUseNetns();
let ns: Netns | undefined;
after(() => ns?.destroy());

function rssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0; // the server is gone (the test then fails on its own assertions)
  }
}

describe('control connection backpressure', { skip }, () => {
  test('Echo-Requests streamed without reading: RSS stays bounded, the flood is pushed back, other clients get in', async () => {
    ns = Netns.create('bp');
    const server = await startServer(ns, {
      config: { pool: { local: ['10.8.0.1'], remote: ['10.8.0.2-20'] }, limits: { perSourceAddress: 0 } },
      chapSecrets: 'alice * secret *\n',
    });
    const before = rssKb(server.child.pid);
    let peak = before;
    const sampler = setInterval(() => { peak = Math.max(peak, rssKb(server.child.pid)); }, 100);
    try {
      // 2 connections × up to 60 MB each in 10 s: without backpressure the server read what
      // its CPU allowed and held every reply (seen: +400 MB RSS on a busy 2-core machine).
      const flood = ns.exec(nodeTs('test/integration/server/fixtures/echo-flood.ts', '2', '10', '60'), { timeoutMs: CHILD_RUN_MS });
      // A well-behaved client connects in the middle of the flood.
      await new Promise((r) => setTimeout(r, 2000));
      const other = ns.spawn(nodeTs('test/integration/server/fixtures/silent-call.ts', String(CHILD_RUN_MS)));
      try {
        await other.waitForLine(/^connected \d+/, CHILD_RUN_MS);
      } finally {
        other.child.stdin?.end(); // the fixture hangs up when its stdin closes
        await other.wait(30_000);
      }
      const f = await flood;
      clearInterval(sampler);
      assert.equal(f.code, 0, f.stderr);
      const results = JSON.parse(f.stdout.trim().split('\n').pop()!) as { sent: number; closedByServer: boolean }[];
      const total = results.reduce((a, r) => a + r.sent, 0);
      // The flood did reach the server (the kernel's buffers alone take a few MB per connection).
      assert.ok(total > 4 * 1024 * 1024, `flood accepted: ${total} bytes`);
      const grownMb = (peak - before) / 1024;
      assert.ok(grownMb < 64, `server RSS grew by ${grownMb.toFixed(1)} MB during the flood (peak ${peak} kB)`);
    } finally {
      clearInterval(sampler);
      await server.stop();
    }
  });
});
