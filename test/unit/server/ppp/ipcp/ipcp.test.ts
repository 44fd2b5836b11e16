import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CpState } from '../../../../../server/ppp/fsm/automaton.js';
import { type CpPacket, decodeCp, decodeOptions, encodeCp } from '../../../../../server/ppp/fsm/cp-codec.js';
import { RFC1661_DEFAULTS } from '../../../../../server/ppp/fsm/restart.js';
import { Ipcp, type IpcpResult } from '../../../../../server/ppp/ipcp/ipcp.js';
import { formatIPv4, parseIPv4 } from '../../../../../server/ppp/ipcp/options.js';

const ip = (s: string): number => parseIPv4(s)!;

function make(role: 'server' | 'client', dns: [string, string] = ['0.0.0.0', '0.0.0.0'], wins: [string, string] = ['0.0.0.0', '0.0.0.0']) {
  const sent: CpPacket[] = [];
  const ups: IpcpResult[] = [];
  const ipcp = new Ipcp(
    {
      role,
      local: role === 'server' ? ip('10.1.1.1') : 0,
      remote: role === 'server' ? ip('10.1.2.4') : 0,
      dns: [ip(dns[0]), ip(dns[1])],
      wins: [ip(wins[0]), ip(wins[1])],
      requestDns: true,
      requestWins: false,
    },
    RFC1661_DEFAULTS,
    {
      send: (p) => {
        const d = decodeCp(p, 'ipcp');
        assert.ok(!('kind' in d));
        sent.push(d);
      },
      up: (r) => ups.push(r),
      down: () => undefined,
      finished: () => undefined,
    },
  );
  ipcp.fsm.open(0);
  ipcp.fsm.up(0);
  return { ipcp, sent, ups };
}
const hexOpts = (p: CpPacket): string =>
  (decodeOptions(p.data, 'ipcp') as { type: number; data: Buffer }[]).map((o) => `${o.type}:${o.data.toString('hex')}`).join(' ');

// Windows: <addr 0.0.0.0> <129> <130> <131> <132>, all 0.0.0.0 (windows-lcp.md §1-§3).
const WIN_REQ = '03060000000081060000000082060000000083060000000084060000000000'.slice(0, 60);

test('server request carries only our address (no VJ)', () => {
  const t = make('server');
  assert.equal(hexOpts(t.sent[0]!), '3:0a010101');
});

test('Windows 7 + DNS configured, no WINS (§3): Reject WINS only, then Nak addr + DNS, then Ack', () => {
  const t = make('server', ['192.168.1.1', '192.168.1.1']);
  t.ipcp.input(encodeCp(1, 6, Buffer.from(WIN_REQ, 'hex')), 0);
  assert.equal(t.sent.at(-1)!.code, 4);
  assert.equal(hexOpts(t.sent.at(-1)!), '130:00000000 132:00000000');
  t.ipcp.input(encodeCp(1, 7, Buffer.from('030600000000810600000000830600000000', 'hex')), 0);
  assert.equal(t.sent.at(-1)!.code, 3);
  assert.equal(hexOpts(t.sent.at(-1)!), '3:0a010204 129:c0a80101 131:c0a80101');
  const final = Buffer.from('03060a010204' + '8106c0a80101' + '8306c0a80101', 'hex');
  t.ipcp.input(encodeCp(1, 8, final), 0);
  assert.equal(t.sent.at(-1)!.code, 2);
  const ours = t.sent[0]!;
  t.ipcp.input(encodeCp(2, ours.identifier, ours.data), 0);
  assert.equal(t.ipcp.fsm.state, CpState.Opened);
  assert.deepEqual(t.ups[0], { local: '10.1.1.1', remote: '10.1.2.4', dns: ['192.168.1.1', '192.168.1.1'], wins: [] });
});

test('Windows XP, no name servers configured (§1): Reject all four, Nak 0.0.0.0 with the assigned address', () => {
  const t = make('server');
  t.ipcp.input(encodeCp(1, 8, Buffer.from(WIN_REQ, 'hex')), 0);
  assert.equal(hexOpts(t.sent.at(-1)!), '129:00000000 130:00000000 131:00000000 132:00000000');
  t.ipcp.input(encodeCp(1, 9, Buffer.from('030600000000', 'hex')), 0);
  assert.equal(t.sent.at(-1)!.code, 3);
  assert.equal(hexOpts(t.sent.at(-1)!), '3:0a010204');
  t.ipcp.input(encodeCp(1, 10, Buffer.from('03060a010203', 'hex')), 0);
  assert.equal(t.sent.at(-1)!.code, 3, 'a wrong address is Nak-ed too');
});

test('VJ compression, IP-Addresses and unknown options are rejected; a peer without IP-Address is asked for one', () => {
  const t = make('server');
  t.ipcp.input(encodeCp(1, 1, Buffer.from('0206002d0f01' + '010a0000000000000000' + '9002', 'hex')), 0);
  assert.equal(hexOpts(t.sent.at(-1)!), '2:002d0f01 1:0000000000000000 144:');
  t.ipcp.input(encodeCp(1, 2, Buffer.alloc(0)), 0);
  assert.equal(t.sent.at(-1)!.code, 3);
  assert.equal(hexOpts(t.sent.at(-1)!), '3:0a010204');
});

test('WINS configured: Nak with it', () => {
  const t = make('server', ['0.0.0.0', '0.0.0.0'], ['10.0.0.9', '0.0.0.0']);
  t.ipcp.input(encodeCp(1, 1, Buffer.from('03060a010204' + '820600000000' + '840600000000', 'hex')), 0);
  assert.equal(t.sent.at(-1)!.code, 4, 'secondary WINS not configured: reject first');
  t.ipcp.input(encodeCp(1, 2, Buffer.from('03060a010204' + '820600000000', 'hex')), 0);
  assert.equal(hexOpts(t.sent.at(-1)!), '130:0a000009');
});

test('client role: asks 0.0.0.0 + DNS, takes the Naks, Acks the server address', () => {
  const t = make('client');
  assert.equal(hexOpts(t.sent[0]!), '3:00000000 129:00000000 131:00000000');
  t.ipcp.input(encodeCp(3, t.sent[0]!.identifier, Buffer.from('03060a010204' + '8106c0a80101', 'hex')), 0);
  assert.equal(hexOpts(t.sent.at(-1)!), '3:0a010204 129:c0a80101 131:00000000');
  t.ipcp.input(encodeCp(4, t.sent.at(-1)!.identifier, Buffer.from('830600000000', 'hex')), 0);
  const req = t.sent.at(-1)!;
  assert.equal(hexOpts(req), '3:0a010204 129:c0a80101');
  t.ipcp.input(encodeCp(1, 1, Buffer.from('0206002d0f01' + '03060a010101', 'hex')), 0);
  assert.equal(t.sent.at(-1)!.code, 4, 'client rejects VJ too');
  t.ipcp.input(encodeCp(1, 2, Buffer.from('03060a010101', 'hex')), 0);
  t.ipcp.input(encodeCp(2, req.identifier, req.data), 0);
  assert.deepEqual(t.ups[0], { local: '10.1.2.4', remote: '10.1.1.1', dns: ['192.168.1.1'], wins: [] });
});

test('IPv4 helpers', () => {
  assert.equal(parseIPv4('10.8.0.23'), 0x0a080017);
  assert.equal(formatIPv4(0xc0a80101), '192.168.1.1');
  for (const bad of ['256.0.0.1', '1.2.3', 'a.b.c.d', '1.2.3.4.5', '']) assert.equal(parseIPv4(bad), null);
});
