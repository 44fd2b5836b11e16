// ip-up / ip-down with odd peer names (issue 12): a NUL in the name used to reach
// execFile's environment, which throws synchronously inside a promise nothing handled,
// and Node exited. Scripts run for real here (a shell script writing its environment).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { envSafe, PppdHooks } from '../../../../server/runtime/hooks.js';
import type { CallSession } from '../../../../server/runtime/call-session.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'ptd-hooks-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const script = path.join(dir, 'ip-up');
writeFileSync(script, '#!/bin/sh\nprintf "%s" "$PEERNAME" > "$0.$CALL_ID.peername"\nprintf "%s" "$6" > "$0.$CALL_ID.ipparam"\n');
chmodSync(script, 0o755);

async function waitForFile(file: string, ms = 10_000): Promise<string> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (existsSync(file)) return readFileSync(file, 'utf8');
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${file} not written within ${ms} ms`);
}

function session(callId: number, userName: string, warnings: string[]): CallSession {
  const log = { warn: (_o: unknown, msg: string) => warnings.push(msg) };
  return {
    callId, userName, peerName: userName, peerAddress: '192.0.2.7', sessionId: `s${callId}`, upAt: Date.now(),
    network: { local: '10.8.0.1', remote: '10.8.0.2', dns: [] },
    log, counters: () => ({ inputOctets: 0, outputOctets: 0 }),
  } as unknown as CallSession;
}

const names = ['al\0ice', 'bob\nFAKE=1', 'x'.repeat(255), 'caf\xe9\xff\x7f', '\x1b[31mred'];

test('hooks run for odd names: control characters never reach the environment, the process survives', async () => {
  const hooks = new PppdHooks({ ipUp: script, ipparam: true, timeout: 10 }, 'pptp0', pino({ level: 'silent' }));
  const warnings: string[] = [];
  names.forEach((n, i) => hooks.up(session(100 + i, n, warnings)));
  for (const [i, n] of names.entries()) {
    const seen = await waitForFile(`${script}.${100 + i}.peername`);
    assert.equal(seen, envSafe(n));
    assert.doesNotMatch(seen, /[\x00-\x1f\x7f]/);
    assert.equal(await waitForFile(`${script}.${100 + i}.ipparam`), '192.0.2.7');
  }
  assert.deepEqual(warnings, []);
});

test('a script execFile refuses is one warning for that session, not a crash', async () => {
  const warnings: string[] = [];
  const hooks = new PppdHooks({ ipUp: `${script}\0`, ipparam: false, timeout: 10 }, 'pptp0', pino({ level: 'silent' }));
  hooks.up(session(200, 'alice', warnings));
  const until = Date.now() + 5000;
  while (warnings.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /failed/);
});
