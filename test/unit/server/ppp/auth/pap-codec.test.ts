import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDecodeError } from '../../../../../server/errors.js';
import { PapCode } from '../../../../../server/ppp/auth/constants.js';
import { decodePap, encodePapReply, encodePapRequest } from '../../../../../server/ppp/auth/pap-codec.js';

test('Authenticate-Request: generate, parse, mirror (Cisco PPPoE capture: cisco/cisco)', () => {
  const bytes = encodePapRequest(1, Buffer.from('cisco'), Buffer.from('cisco'));
  assert.equal(bytes.toString('hex'), '01010010' + '05' + '636973636f' + '05' + '636973636f');
  const p = decodePap(bytes);
  assert.ok(!isDecodeError(p) && p.code === PapCode.AuthenticateRequest);
  assert.equal(p.peerId.toString(), 'cisco');
  assert.equal(p.password.toString(), 'cisco');
  assert.deepEqual(encodePapRequest(p.identifier, p.peerId, p.password), bytes);
});

test('empty Peer-ID and Password are legal', () => {
  const p = decodePap(Buffer.from('0107000600' + '00', 'hex'));
  assert.ok(!isDecodeError(p) && p.code === PapCode.AuthenticateRequest);
  assert.equal(p.peerId.length + p.password.length, 0);
});

test('Authenticate-Ack/Nak: generate, parse, mirror; a reply without Msg-Length reads as empty', () => {
  const bytes = encodePapReply(PapCode.AuthenticateNak, 9, Buffer.from('Login incorrect'));
  const p = decodePap(bytes);
  assert.ok(!isDecodeError(p) && p.code === PapCode.AuthenticateNak);
  assert.equal(p.identifier, 9);
  assert.equal(p.message.toString(), 'Login incorrect');
  assert.deepEqual(encodePapReply(p.code, p.identifier, p.message), bytes);
  const bare = decodePap(Buffer.from('02090004', 'hex'));
  assert.ok(!isDecodeError(bare) && bare.code === PapCode.AuthenticateAck && bare.message.length === 0);
});

test('a reply message longer than 255 octets is clipped, not an overflow', () => {
  const p = decodePap(encodePapReply(PapCode.AuthenticateAck, 1, Buffer.alloc(300, 0x41)));
  assert.ok(!isDecodeError(p) && p.code === PapCode.AuthenticateAck);
  assert.equal(p.message.length, 255);
});

test('malformed packets are DecodeError values', () => {
  const cases: [string, RegExp][] = [
    ['010100', /shorter than the header/],
    ['01010002', /less than 4/],
    ['01010008050102', /exceeds/],
    ['01010004', /without Peer-ID-Length/],
    ['0101000603ff', /Peer-ID-Length 3 overruns/],
    ['01010007016105', /Passwd-Length 5 overruns/],
    ['0201000605ff', /Msg-Length 5 overruns/],
    ['04010004', /unknown PAP code 4/],
  ];
  for (const [hex, reason] of cases) {
    const r = decodePap(Buffer.from(hex, 'hex'));
    assert.ok(isDecodeError(r), hex);
    assert.equal(r.format, 'pap');
    assert.match(r.reason, reason, hex);
  }
});

test('bounded random fuzz: decode never throws and fields stay inside Length', () => {
  let seed = 99;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) >>> 8) & 0xff;
  for (let i = 0; i < 20_000; i++) {
    const len = rnd() % 40;
    const b = Buffer.alloc(len);
    for (let k = 0; k < len; k++) b[k] = rnd() % (k < 1 ? 4 : k === 4 || k === 5 ? 12 : 256);
    if (len >= 4) b.writeUInt16BE(4 + (rnd() % (len - 3)), 2);
    const p = decodePap(b);
    if (isDecodeError(p)) continue;
    const end = b.byteOffset + b.readUInt16BE(2);
    const inside = (x: Buffer) => x.byteOffset + x.length <= end;
    if (p.code === PapCode.AuthenticateRequest) assert.ok(inside(p.peerId) && inside(p.password));
    else assert.ok(inside(p.message));
  }
});
