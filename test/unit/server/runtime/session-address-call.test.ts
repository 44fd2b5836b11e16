// The chap-secrets address rule through the server's own call binding (CallSession, in
// memory, world.ts), with the real ChapSecretsPlugin in an AuthChain reading a file: the
// project's PptpClient gets an address inside the user's subnet, pool.static is applied and
// held to the rule, and a user whose line allows nothing free is refused after
// authentication with no address and nothing leased.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AuthChain } from '../../../../auth-plugins/chain.js';
import { ChapSecretsPlugin, chapSecretsOptions } from '../../../../auth-plugins/chap-secrets/plugin.js';
import { PptpClient } from '../../../../server/client/pptp-client.js';
import { eventually, World } from '../client/world.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'ptd-rule-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function chain(lines: string[]): Promise<AuthChain> {
  const file = path.join(dir, `chap-secrets-${Math.random().toString(16).slice(2)}`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  const c = new AuthChain({ entries: [new ChapSecretsPlugin(chapSecretsOptions.parse({ file, watch: false }))], throttle: false });
  await c.init();
  return c;
}

async function connect(world: World, user: string): Promise<{ client: PptpClient; local?: string; error?: Error }> {
  const client = new PptpClient({ gre: world.gre, dialer: world.dialer });
  try {
    const r = await client.connect({ server: '192.0.2.1', user, password: 'pw', timeoutMs: 8000 });
    return { client, local: r.local };
  } catch (e) {
    return { client, error: e as Error };
  }
}

test('a subnet line: the address comes from inside it, though the pool spans more', async () => {
  const world = new World({ remotePool: '10.8.0.2-100', chain: await chain(['net * pw !10.8.0.64 10.8.0.64/28']) });
  const { client, local } = await connect(world, 'net');
  assert.equal(local, '10.8.0.65');
  assert.equal(world.sessions[0]?.network?.remote, '10.8.0.65');
  await client.close();
  assert.ok(await eventually(() => world.pool.inUse === 0), 'the address went back at session end');
});

test('pool.static is given, and refused when the line does not allow it', async () => {
  const c = await chain(['fixed * pw 10.8.0.0/24', 'narrow * pw 10.8.0.64/28']);
  const world = new World({ remotePool: '10.8.0.2-100', chain: c, poolStatic: { fixed: '10.8.0.90', narrow: '10.8.0.90' } });
  const a = await connect(world, 'fixed');
  assert.equal(a.local, '10.8.0.90');
  await a.client.close();
  assert.ok(await eventually(() => world.pool.inUse === 0));
  const b = await connect(world, 'narrow');
  assert.ok(b.error, 'connect must fail');
  assert.ok(await eventually(() => world.sessions.at(-1)?.state === 'ended'));
  assert.equal(world.sessions.at(-1)?.network, undefined, 'no address was given');
  assert.equal(world.sessions.at(-1)?.endCause, 'NAS-Error');
  assert.ok(await eventually(() => world.pool.inUse === 0), 'nothing stays leased');
});

test('a line allowing nothing in the pool: authenticated, then refused; no address', async () => {
  const world = new World({ remotePool: '10.8.0.2-100', chain: await chain(['none * pw 10.9.0.0/24']) });
  const { error } = await connect(world, 'none');
  assert.ok(error, 'connect must fail');
  const s = world.sessions[0]!;
  assert.ok(await eventually(() => s.state === 'ended'));
  assert.equal(s.userName, 'none', 'authentication succeeded first');
  assert.equal(s.network, undefined);
  assert.equal(s.endCause, 'NAS-Error');
  assert.ok(await eventually(() => world.pool.inUse === 0));
});
