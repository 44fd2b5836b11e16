import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { createRewriteDomain, rewriteDomainOptions } from '../../../../auth-plugins/rewrite-domain/plugin.js';
import { splitName, throttleUserKey } from '../../../../auth-plugins/names.js';
import type { PluginOutcome } from '../../../../auth-plugins/plugin.js';
import { pap, request } from '../fixtures.js';

const ctx = { signal: new AbortController().signal, logger: pino({ level: 'silent' }) };
const make = (opts: Record<string, unknown> = {}) => createRewriteDomain(rewriteDomainOptions.parse(opts));
const rewritten = (o: PluginOutcome) => {
  assert.equal(o.type, 'rewrite');
  return o as Extract<PluginOutcome, { type: 'rewrite' }>;
};

test('strip: CORP\\alice and alice@corp.example become alice; realm kept; peerName untouched', async () => {
  const p = make();
  const a = rewritten(await p.handle(request(pap('x'), { peerName: 'CORP\\alice' }), ctx));
  assert.equal(a.request.userName, 'alice');
  assert.equal(a.request.realm, 'CORP');
  assert.equal(a.request.peerName, 'CORP\\alice');
  assert.equal(a.branch, undefined);
  const b = rewritten(await p.handle(request(pap('x'), { peerName: 'alice@corp.example' }), ctx));
  assert.equal(b.request.userName, 'alice');
  assert.equal(b.request.realm, 'corp.example');
  assert.deepEqual(await p.handle(request(pap('x'), { peerName: 'alice' }), ctx), { type: 'pass', reason: 'no domain in the user name' });
});

test('keep: userName unchanged, realm still noted and routed', async () => {
  const p = make({ mode: 'keep', realms: { corp: 'ldap' } });
  const a = rewritten(await p.handle(request(pap('x'), { peerName: 'CORP\\alice' }), ctx));
  assert.equal(a.request.userName, 'CORP\\alice');
  assert.equal(a.request.realm, 'CORP');
  assert.equal(a.branch, 'ldap');
});

test('realm map is case-insensitive; unknown realms continue, go to defaultBranch, or are rejected', async () => {
  const p = make({ realms: { Corp: 'ldap', 'isp.example': 'radius' } });
  assert.equal(rewritten(await p.handle(request(pap('x'), { peerName: 'CORP\\a' }), ctx)).branch, 'ldap');
  assert.equal(rewritten(await p.handle(request(pap('x'), { peerName: 'b@ISP.example' }), ctx)).branch, 'radius');
  assert.equal(rewritten(await p.handle(request(pap('x'), { peerName: 'c@other.example' }), ctx)).branch, undefined);
  assert.deepEqual([...(p.branchTargets ?? [])].sort(), ['ldap', 'radius']);
  const d = make({ realms: { corp: 'ldap' }, defaultBranch: 'radius' });
  assert.equal(rewritten(await d.handle(request(pap('x'), { peerName: 'c@other.example' }), ctx)).branch, 'radius');
  assert.deepEqual([...(d.branchTargets ?? [])].sort(), ['ldap', 'radius']);
  const r = make({ realms: { corp: 'ldap' }, unknownRealm: 'reject' });
  const out = await r.handle(request(pap('x'), { peerName: 'c@other.example' }), ctx);
  assert.equal(out.type, 'reject');
});

test('forms: only the configured forms are recognised', async () => {
  const p = make({ forms: ['upn'] });
  assert.equal((await p.handle(request(pap('x'), { peerName: 'CORP\\alice' }), ctx)).type, 'pass');
  assert.equal(rewritten(await p.handle(request(pap('x'), { peerName: 'alice@corp' }), ctx)).request.userName, 'alice');
});

test('the rewriter works on the current userName (after an earlier rewrite)', async () => {
  const p = make();
  const a = rewritten(await p.handle(request(pap('x'), { peerName: 'X\\orig', userName: 'bob@corp' }), ctx));
  assert.equal(a.request.userName, 'bob');
  assert.equal(a.request.peerName, 'X\\orig');
});

test('splitName edge cases and the throttle key', () => {
  assert.equal(splitName('\\alice'), null);
  assert.equal(splitName('CORP\\'), null);
  assert.equal(splitName('@corp'), null);
  assert.deepEqual(splitName('A\\B\\carol'), { user: 'carol', realm: 'A\\B', form: 'netbios' });
  assert.deepEqual(splitName('a@b@c'), { user: 'a@b', realm: 'c', form: 'upn' });
  assert.equal(throttleUserKey('CORP\\Alice'), 'alice');
  assert.equal(throttleUserKey('ALICE@corp.example'), 'alice');
  assert.equal(throttleUserKey('alice'), 'alice');
});

test('options: bad values are refused by the schema', () => {
  assert.equal(rewriteDomainOptions.safeParse({ mode: 'drop' }).success, false);
  assert.equal(rewriteDomainOptions.safeParse({ forms: [] }).success, false);
  assert.equal(rewriteDomainOptions.safeParse({ realm: {} }).success, false, 'unknown key');
});
