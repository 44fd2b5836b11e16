// A client asking IPCP for an address its chap-secrets line does not allow is Nak'ed to the
// one the session chose inside the rule (server/runtime/session-address.ts), however often
// it asks: the server's IP-Address handler Acks nothing else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRule } from '../../../../../auth-plugins/chap-secrets/parse.js';
import { ruleAllows } from '../../../../../config/address-rule.js';
import { IpPool } from '../../../../../server/ippool.js';
import { CpState } from '../../../../../server/ppp/fsm/automaton.js';
import { type CpPacket, decodeCp, decodeOptions, encodeCp } from '../../../../../server/ppp/fsm/cp-codec.js';
import { RFC1661_DEFAULTS } from '../../../../../server/ppp/fsm/restart.js';
import { Ipcp, type IpcpResult } from '../../../../../server/ppp/ipcp/ipcp.js';
import { parseIPv4 } from '../../../../../server/ppp/ipcp/options.js';
import { chooseAddress } from '../../../../../server/runtime/session-address.js';

const CONFIGURE_REQUEST = 1;
const CONFIGURE_ACK = 2;
const CONFIGURE_NAK = 3;
const addrOption = (a: string): Buffer => Buffer.concat([Buffer.from([3, 6]), Buffer.from(parseIPv4(a)!.toString(16).padStart(8, '0'), 'hex')]);
const ipOf = (p: CpPacket): string => {
  const o = (decodeOptions(p.data, 'ipcp') as { type: number; data: Buffer }[]).find((x) => x.type === 3)!;
  return [...o.data].join('.');
};

test('IPCP: a requested address outside the rule is Nak-ed to the allowed one, never Ack-ed', () => {
  const rule = compileRule({ addresses: ['10.8.0.64/28'], file: 'chap-secrets', line: 4 });
  const pool = new IpPool({ name: 'default', local: '10.8.0.1', remote: '10.8.0.2-200' });
  const reserved = pool.lease('s1');
  assert.ok(reserved.ok);
  const chosen = chooseAddress(pool, { owner: 's1', user: 'net', reserved: reserved.lease, rule });
  assert.ok(chosen.ok);
  assert.equal(chosen.lease.remote, '10.8.0.64');

  const sent: CpPacket[] = [];
  const ups: IpcpResult[] = [];
  const ipcp = new Ipcp(
    { role: 'server', local: parseIPv4(chosen.lease.local)!, remote: parseIPv4(chosen.lease.remote)!, dns: [0, 0], wins: [0, 0], requestDns: false, requestWins: false },
    RFC1661_DEFAULTS,
    { send: (p) => void sent.push(decodeCp(p, 'ipcp') as CpPacket), up: (r) => void ups.push(r), down: () => undefined, finished: () => undefined },
  );
  ipcp.fsm.open(0);
  ipcp.fsm.up(0);
  // Disallowed asks: the reserved pool address, another pool address, one far outside.
  let id = 1;
  for (const asked of ['10.8.0.2', '10.8.0.150', '192.0.2.7', '10.8.0.2']) {
    assert.equal(ruleAllows(rule, parseIPv4(asked)!), false);
    ipcp.input(encodeCp(CONFIGURE_REQUEST, id++, addrOption(asked)), 0);
    const answer = sent.at(-1)!;
    assert.equal(answer.code, CONFIGURE_NAK, `asked ${asked}`);
    assert.equal(ipOf(answer), '10.8.0.64');
  }
  ipcp.input(encodeCp(CONFIGURE_REQUEST, id++, addrOption('10.8.0.64')), 0);
  assert.equal(sent.at(-1)!.code, CONFIGURE_ACK);
  const ours = sent.find((p) => p.code === CONFIGURE_REQUEST)!;
  ipcp.input(encodeCp(CONFIGURE_ACK, ours.identifier, ours.data), 0);
  assert.equal(ipcp.fsm.state, CpState.Opened);
  assert.equal(ups[0]?.remote, '10.8.0.64');
});
