import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AuthMethod } from '../../../../../auth-plugins/types.js';
import { PptpdError } from '../../../../../server/errors.js';
import { createAuthClient, createAuthServer, lcpAuthOption, methodFromLcp } from '../../../../../server/ppp/auth/types.js';

const methods: AuthMethod[] = ['pap', 'chap-md5', 'mschap-v1', 'mschap-v2'];

test('each method gets a handler of that method and protocol, in both roles', () => {
  for (const m of methods) {
    const s = createAuthServer(m, { serverName: 'pptpd' });
    const c = createAuthClient(m, { userName: 'u', password: 'p' });
    const proto = m === 'pap' ? 0xc023 : 0xc223;
    assert.deepEqual([s.method, s.protocol, c.method, c.protocol], [m, proto, m, proto]);
  }
  assert.throws(() => createAuthServer('eap' as AuthMethod, { serverName: 'x' }), PptpdError);
  assert.throws(() => createAuthClient('pap', { userName: 'x'.repeat(256), password: '' }), PptpdError);
});

test('LCP Authentication-Protocol option ↔ method', () => {
  assert.deepEqual(lcpAuthOption('mschap-v2'), { protocol: 0xc223, algorithm: 0x81 });
  assert.deepEqual(lcpAuthOption('mschap-v1'), { protocol: 0xc223, algorithm: 0x80 });
  assert.deepEqual(lcpAuthOption('chap-md5'), { protocol: 0xc223, algorithm: 0x05 });
  assert.deepEqual(lcpAuthOption('pap'), { protocol: 0xc023 });
  for (const m of methods) {
    const o = lcpAuthOption(m);
    assert.equal(methodFromLcp(o.protocol, o.algorithm), m);
  }
  assert.equal(methodFromLcp(0xc223, 0x06), null);
  assert.equal(methodFromLcp(0xc223), null);
  assert.equal(methodFromLcp(0xc227), null, 'EAP');
  assert.equal(methodFromLcp(0xc023, 5), null);
});
