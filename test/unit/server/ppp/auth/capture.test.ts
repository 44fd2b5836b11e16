// A real MS-CHAPv2 exchange (pptp-linux + pppd client "moxie" → pptpd), from
// ../shared/real-clients/chapcrack__pptp.cap: Challenge, Response, Success. Skipped when absent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { sharedDir } from '../../../../helpers/paths.js';
import { decodeChap, encodeChapStatus, encodeChapValue } from '../../../../../server/ppp/auth/chap-codec.js';
import { ChapCode, PppProtocol } from '../../../../../server/ppp/auth/constants.js';
import { parseMschapV2Response, parseMschapV2Success } from '../../../../../server/ppp/auth/mschap-fields.js';
import { createAuthServer } from '../../../../../server/ppp/auth/types.js';
import { fixedRandom } from './harness.js';

const file = path.join(sharedDir, 'real-clients', 'chapcrack__pptp.cap');

/** Just enough pcap → Ethernet → IPv4 → enhanced GRE → PPP to get the CHAP payloads (bounded). */
function chapPayloads(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  assert.equal(buf.readUInt32LE(0), 0xa1b2c3d4, 'little-endian pcap');
  assert.equal(buf.readUInt32LE(20), 1, 'Ethernet');
  let off = 24;
  for (let n = 0; n < 100 && off + 16 <= buf.length; n++) {
    const incl = buf.readUInt32LE(off + 8);
    const frame = buf.subarray(off + 16, off + 16 + incl);
    off += 16 + incl;
    const ip = frame.subarray(14);
    if (ip[9] !== 47) continue;
    const gre = ip.subarray(((ip[0] as number) & 0x0f) * 4);
    const flags = gre.readUInt16BE(0);
    const hdr = 8 + (flags & 0x1000 ? 4 : 0) + (flags & 0x0080 ? 4 : 0);
    let ppp = gre.subarray(hdr, hdr + gre.readUInt16BE(4));
    if (ppp[0] === 0xff && ppp[1] === 0x03) ppp = ppp.subarray(2); // ACFC may be on or off
    const proto = (ppp[0] as number) & 1 ? ppp[0] : ppp.readUInt16BE(0);
    if (proto === PppProtocol.CHAP) out.push(ppp.subarray(2));
  }
  return out;
}

test('chapcrack pptp.cap: decode, check and mirror the Challenge, Response and Success', { skip: !existsSync(file) && 'capture absent' }, () => {
  const [chal, resp, succ] = chapPayloads(readFileSync(file));
  assert.ok(chal && resp && succ);

  const c = decodeChap(chal);
  assert.ok('value' in c && c.code === ChapCode.Challenge);
  assert.equal(c.identifier, 176);
  assert.equal(c.value.length, 16);
  assert.equal(c.name.toString(), 'pptpd');
  assert.deepEqual(encodeChapValue(c.code, c.identifier, c.value, c.name), chal);

  const r = decodeChap(resp);
  assert.ok('value' in r && r.code === ChapCode.Response);
  assert.equal(r.identifier, 176);
  assert.equal(r.name.toString(), 'moxie');
  const v = parseMschapV2Response(r.value);
  assert.ok(v);
  assert.equal(v.peerChallenge.toString('hex'), 'abfe01e6c759850155b4d8d6258cdb67');
  assert.equal(v.ntResponse.toString('hex'), '1c93abce815400686baeca315f348469256420598a73ad49');
  assert.equal(v.flags, 0);
  assert.deepEqual(r.value.subarray(16, 24), Buffer.alloc(8));
  assert.deepEqual(encodeChapValue(r.code, r.identifier, r.value, r.name), resp);

  const s = decodeChap(succ);
  assert.ok('message' in s && s.code === ChapCode.Success);
  assert.equal(s.identifier, 176);
  assert.deepEqual(parseMschapV2Success(s.message.toString()), {
    authenticatorResponse: '54644F81E5F18C0EE9E26776495D6BC7ADDFB767',
    message: 'Access granted',
  });
  assert.deepEqual(encodeChapStatus(s.code, s.identifier, s.message), succ);
});

test('chapcrack pptp.cap: our server, given the same challenge and verdict, sends pptpd\'s exact bytes', { skip: !existsSync(file) && 'capture absent' }, () => {
  const [chal, resp, succ] = chapPayloads(readFileSync(file));
  assert.ok(chal && resp && succ);
  const c = decodeChap(chal);
  assert.ok('value' in c);
  const server = createAuthServer('mschap-v2', { serverName: 'pptpd', random: fixedRandom(Buffer.of(176), Buffer.from(c.value)) });
  const start = server.start(0);
  assert.deepEqual(start[0], { type: 'send', protocol: PppProtocol.CHAP, payload: chal });
  const verify = server.input(resp, 10).find((a) => a.type === 'verify');
  assert.ok(verify?.type === 'verify' && verify.credentials.method === 'mschap-v2');
  assert.equal(verify.peerName, 'moxie');
  assert.deepEqual(verify.credentials.authenticatorChallenge, c.value);
  const out = server.handleVerdict(
    { verdict: 'accept', userName: 'moxie', attributes: {}, plugin: 'capture', authenticatorResponse: 'S=54644F81E5F18C0EE9E26776495D6BC7ADDFB767' },
    20,
  );
  assert.deepEqual(out.find((a) => a.type === 'send'), { type: 'send', protocol: PppProtocol.CHAP, payload: succ });
});
