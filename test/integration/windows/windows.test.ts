// The client sequences of ../shared/real-clients/windows-lcp.md END TO END: a real
// `pptpd-ts serve` in namespace A, and in namespace B a fixture that plays Windows XP,
// Vista/7, 10, NT/2000, Android and macOS (test/helpers/windows-peer.ts) over real TCP 1723
// and real GRE, with the PPTP control fields of the Windows capture, then pings the server's
// tunnel address through MPPE-128 keyed from the MS-CHAPv2 exchange. The same sequences
// against a PppSession in memory are test/unit/server/ppp/windows.test.ts.
//
// What is checked per profile, on the wire (what the fixture received) and in the server's
// log: session up with MPPE-128 stateless for the profile's user; Callback (and MRRU +
// Endpoint Discriminator for NT/2000) Configure-Rejected; LCP Identification taken (logged,
// never Code-Rejected); the CCP and IPCP requests sent right after CHAP Success handled
// (no IPCP Terminate-Ack); IPV6CP / ACSCP Protocol-Rejected with the packet; the first CCP
// answer a Nak to exactly +H +S (MPPC and the other strengths refused); the echo answered.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { dataplaneUnavailable } from '../../../server/dataplane/native.js';
import { Protocol } from '../../../server/ppp/protocols.js';
import { canUseNetns, Netns, nodeTs, vethPair } from '../../helpers/netns.js';
import { startServer, type LogLine, type ServerProc } from '../../helpers/server-proc.js';
import { PROFILES } from '../../helpers/windows-peer.js';
import type { CallReport, WirePacket } from './fixtures/windows-call.js';

const skip = canUseNetns() ?? dataplaneUnavailable();
const SERVER = '10.236.0.1';
const CLIENT = '10.236.0.2';
const TUNNEL = '10.8.0.1';
const DNS = '192.168.1.1';
const PASSWORD = 'w1ndows-pw';
const PINGS = 3;
/** MPPE Supported Bits +H +S: stateless 128-bit, the only thing the default config allows. */
const H_S = '01000040';

let a: Netns | undefined;
let b: Netns | undefined;
let server: ServerProc | undefined;
const reports = new Map<string, CallReport>();
let fixtureOutput = '';

const hex = (s: string): string => s.replace(/\s+/g, '');

function wire(r: CallReport, protocol: number, code?: number): WirePacket[] {
  return r.wire.filter((p) => p.protocol === protocol && (code === undefined || p.code === code));
}

/** The server's log lines for one call (its logger carries the server's Call ID). */
function callLogs(r: CallReport): LogLine[] {
  return server!.logs().filter((l) => l['callId'] === r.serverCallId);
}

/** Option types of a Configure-Reject/Nak data field (hex of TLVs). */
function optionTypes(dataHex: string): number[] {
  const d = Buffer.from(dataHex, 'hex');
  const types: number[] = [];
  for (let o = 0; o + 2 <= d.length && d[o + 1]! >= 2 && types.length < 64; o += d[o + 1]!) types.push(d[o]!);
  return types;
}

function report(name: string): CallReport {
  const r = reports.get(name);
  assert.ok(r, `no report for ${name}; fixture said:\n${fixtureOutput}`);
  assert.equal(r.error, undefined, `${name}: ${r.error}`);
  assert.equal(r.ok, true);
  return r;
}

describe('Windows, Android and macOS client sequences against a running server', { skip, concurrency: 1 }, () => {
  before(async () => {
    a = Netns.create('wins');
    b = Netns.create('winc');
    vethPair(a, `${SERVER}/24`, b, `${CLIENT}/24`);
    server = await startServer(a, {
      config: { pool: { local: [TUNNEL], remote: ['10.8.0.2-20'] }, ppp: { dns: [DNS], debug: true } },
      chapSecrets: PROFILES.map((p) => `${p.user} * ${PASSWORD} *\n`).join(''),
    });
    // Bounds for a busy machine: the fixture gives up on its calls after maxMs.
    const spec = { server: SERVER, password: PASSWORD, pings: PINGS, maxMs: 90_000 };
    const run = await b.exec(nodeTs('test/integration/windows/fixtures/windows-client.ts', JSON.stringify(spec)), { timeoutMs: 120_000 });
    fixtureOutput = `${run.stdout}\n${run.stderr.slice(-3000)}`;
    for (const line of run.stdout.split('\n')) {
      if (!line.startsWith('{')) continue;
      const r = JSON.parse(line) as CallReport;
      if (r.profile) reports.set(r.profile, r);
    }
    // Each call hung up (LCP Terminate, CCRQ, StopCCRQ): wait for the server to log every end
    // (a call that failed is reported by its own test).
    for (const p of PROFILES) if (reports.get(p.name)?.ok) await server.waitForLine(new RegExp(`^session down: ${p.user} `));
  });

  after(async () => {
    await server?.stop();
    b?.destroy();
    a?.destroy();
  });

  for (const profile of PROFILES) {
    test(`${profile.name}: up with MPPE-128 stateless, rejects and refusals as documented, echo answered`, () => {
      const r = report(profile.name);

      // The server's log: the session of this profile's user came up encrypted, and ended.
      const logs = callLogs(r);
      const up = logs.find((l) => l.msg.startsWith('session up: '));
      assert.ok(up, `no "session up" for call ${r.serverCallId}`);
      assert.match(up.msg, new RegExp(`^session up: ${profile.user} from ${CLIENT.replace(/\./g, '\\.')} got ${r.local?.replace(/\./g, '\\.')} \\(mschap-v2, MPPE-128 stateless\\)$`));
      assert.equal(up['encryption'], 'MPPE-128 stateless');
      assert.ok(logs.some((l) => l.msg.startsWith(`session down: ${profile.user} (User-Request`)), 'the LCP Terminate ended the session');

      // LCP: exactly the documented options Configure-Rejected; nothing Code-Rejected.
      const rejects = wire(r, Protocol.LCP, 4).map((p) => optionTypes(p.data));
      assert.deepEqual(rejects, profile.lcpRejects === null ? [] : [profile.lcpRejects]);
      assert.deepEqual(wire(r, Protocol.LCP, 7), [], 'no LCP Code-Reject (Identification is taken)');
      const idents = logs.filter((l) => l.msg === 'peer identification').map((l) => l['identification']);
      assert.deepEqual(idents, profile.idents.map((m) => m.toString('latin1')), 'every Identification reached the server');

      // IPV6CP / ACSCP: LCP Protocol-Reject carrying the rejected protocol and packet (RFC 1661 §5.7).
      const protRejects = wire(r, Protocol.LCP, 8).map((p) => p.data);
      assert.deepEqual(protRejects, profile.extra.map(([proto, pkt]) => proto.toString(16).padStart(4, '0') + hex(pkt)));
      for (const [proto] of profile.extra) {
        assert.ok(logs.some((l) => l.msg === `Protocol-Reject ${proto === Protocol.IPV6CP ? 'IPV6CP' : '0x8235'}`), `Protocol-Reject 0x${proto.toString(16)} logged`);
      }

      // CCP: the first answer to the client's request is a Nak to exactly +H +S: the MPPC bit
      // (XP) and the other strengths are refused; then +H +S is Acked both ways.
      const answers = wire(r, Protocol.CCP).filter((p) => p.code >= 2 && p.code <= 4);
      const first = answers.find((p) => p.code !== 2 || p.data !== `1206${H_S}`);
      assert.deepEqual(first, { protocol: Protocol.CCP, code: 3, data: `1206${H_S}` });
      if (profile.ccp && (Buffer.from(profile.ccp, 'hex')[3]! & 0x01) !== 0) {
        assert.equal(Buffer.from(first.data.slice(4), 'hex')[3]! & 0x01, 0, 'MPPC (C bit) Nak-ed away');
      }
      assert.deepEqual(r.ccpAcked, { ours: H_S, theirs: H_S });
      assert.deepEqual(r.mppe, { bits: 128, stateless: true });

      // IPCP sent before CCP opened was answered, not Terminate-Acked; DNS given, address from the pool.
      assert.deepEqual(wire(r, Protocol.IPCP, 6), [], 'no IPCP Terminate-Ack for the early request');
      assert.equal(r.remote, TUNNEL);
      assert.match(r.local ?? '', /^10\.8\.0\.(\d+)$/);
      assert.ok(wire(r, Protocol.IPCP, 3).some((p) => p.data.includes(`8106${Buffer.from(DNS.split('.').map(Number)).toString('hex')}`)), 'DNS Nak-ed in');

      // Data: ICMP Echo through MPPE-128 to the server's tunnel address, every reply decrypted intact.
      assert.equal(r.ping.sent, PINGS);
      assert.equal(r.ping.received, PINGS, `replies: ${JSON.stringify(r.ping)}; MPPE errors: ${r.mppeErrors.join(', ')}`);
      assert.equal(r.ping.badData, 0);
      assert.deepEqual(r.mppeErrors, []);
      assert.equal(r.plainIp, 0, 'no IP left the server unencrypted');
      assert.equal(r.terminateAcked, true);
    });
  }

  test('control connections: the Windows SCCRQ fields and Set-Link-Info before LCP and after auth are taken', () => {
    for (const p of PROFILES) report(p.name);
    const logs = server!.logs();
    const ups = logs.filter((l) => l.msg.startsWith(`control connection up from ${CLIENT}`));
    assert.equal(ups.length, PROFILES.length);
    for (const l of ups) {
      assert.equal(l['vendor'], 'Microsoft Windows NT');
      assert.equal(l['firmware'], 0x0870);
      assert.equal(l['host'], '');
    }
    const sli = logs.filter((l) => l.msg === 'set-link-info').map((l) => `${l['sendAccm']}/${l['receiveAccm']}`);
    // 0xffffffff before LCP and again while hanging up (windows-lcp.md §4, §8).
    assert.equal(sli.filter((s) => s === `${0xffffffff}/${0xffffffff}`).length, 2 * PROFILES.length, 'SLI with ACCMs 0xffffffff');
    assert.equal(sli.filter((s) => s === '0/0').length, PROFILES.length, 'SLI with the real ACCMs after auth');
    assert.equal(logs.filter((l) => l.level >= 50).length, 0, `no error logged: ${JSON.stringify(logs.filter((l) => l.level >= 50))}`);
  });
});
