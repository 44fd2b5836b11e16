// RFC 2759 §9.2: user "User", password "clientPass". Drive the real handlers with the RFC's
// challenges and check the exact Response bytes and the S= string both sides agree on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeChap } from '../../../../../server/ppp/auth/chap-codec.js';
import { createAuthClient, createAuthServer } from '../../../../../server/ppp/auth/types.js';
import { fixedRandom, Pair } from './harness.js';

const AUTH_CHALLENGE = Buffer.from('5B5D7C7D7B3F2F3E3C2C602132262628', 'hex');
const PEER_CHALLENGE = Buffer.from('21402324255E262A28295F2B3A337C7E', 'hex');
const NT_RESPONSE = '82309ECD8D708B5EA08FAA3981CD835442 33114A3D85D6DF'.replace(/ /g, '');
const AUTH_RESPONSE = 'S=407A5589115FD0D6209F510FE9C04566932CDA56';

test('RFC 2759 §9.2: the Response packet and the Success S= are the RFC values', () => {
  const server = createAuthServer('mschap-v2', { serverName: '', random: fixedRandom(Buffer.of(0x2a), AUTH_CHALLENGE) });
  const client = createAuthClient('mschap-v2', { userName: 'User', password: 'clientPass', random: fixedRandom(PEER_CHALLENGE) });
  const p = new Pair(server, client, { User: 'clientPass' }).start().run();

  const response = p.sentBy('client')[0];
  assert.ok(response);
  const expected =
    '02' + '2a' + '003a' + '31' + PEER_CHALLENGE.toString('hex') + '00'.repeat(8) + NT_RESPONSE.toLowerCase() + '00' + '55736572';
  assert.equal(response.toString('hex'), expected);

  const success = decodeChap(p.sentBy('server')[1] ?? Buffer.alloc(0));
  assert.ok('message' in success);
  assert.equal(success.message.toString(), `${AUTH_RESPONSE} M=Access granted`);
  assert.equal(p.clientOutcome?.type, 'success', 'the client verified S= itself');
  assert.equal(p.serverOutcome?.type, 'success');
});
