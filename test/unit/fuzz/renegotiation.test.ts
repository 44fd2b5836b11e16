// Fuzz: renegotiation and re-authentication sequences against a live server session
// (issue 12). A PPP pair comes up with MS-CHAPv2 + MPPE; then random steps replay LCP
// and CCP Configure-Requests, send CCP Terminate-Requests, deliver stale or fresh
// verdicts, mutate frames and move IP both ways. Whatever happens: nothing throws, the
// server authenticates and comes up at most once per link, and after MPPE is up no IP
// leaves the server in clear.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDecodeError } from '../../../server/errors.js';
import { decodeFrame, encodeFrame } from '../../../server/ppp/frame.js';
import { encodeCp } from '../../../server/ppp/fsm/cp-codec.js';
import { Protocol } from '../../../server/ppp/protocols.js';
import { PppPair, seededRandom } from '../../helpers/ppp-pair.js';

const IP = Buffer.from('4500001c000000004011000a0a0800170a0800010035003500080000', 'hex');

function framesOf(p: PppPair, protocol: number, code: number): Buffer[] {
  return p.wire.client.filter((f) => {
    const d = decodeFrame(f);
    return !isDecodeError(d) && d.protocol === protocol && d.info[0] === code;
  });
}

test('fuzz: 300 links × 12 random renegotiation / re-authentication steps keep the invariants', () => {
  const rnd = seededRandom(4242);
  const pick = (n: number): number => rnd(2).readUInt16BE(0) % n;
  for (let link = 0; link < 300; link++) {
    const optional = pick(2) === 0;
    const mppe = { required: !optional, bits: [128, 40] as (40 | 56 | 128)[], stateful: 'deny' as const };
    const p = new PppPair({ seed: link + 1, server: { mppe }, client: { mppe: { ...mppe, required: true } } });
    p.start();
    p.drive({ until: p.now + 30_000 });
    assert.equal(p.eventsOf('server', 'network-up').length, 1, `link ${link} up`);
    const lcpReq = framesOf(p, Protocol.LCP, 1)[0]!;
    const ccpReq = framesOf(p, Protocol.CCP, 1)[0]!;
    const verify = p.eventsOf('server', 'auth-verify')[0]!;
    const mark = p.wire.server.length;
    for (let step = 0; step < 12 && !p.server.isDead; step++) {
      const inject = (f: Buffer): void => {
        p.server.handleFrame(Buffer.from(f), p.now);
        p.collect('server');
      };
      switch (pick(7)) {
        case 0: inject(lcpReq); break;
        case 1: inject(ccpReq); break;
        case 2: inject(encodeFrame(Protocol.CCP, encodeCp(5, pick(256)))); break;
        case 3: p.server.handleAuthVerdict(p.verdictFor(verify), p.now, verify.attempt); p.collect('server'); break;
        case 4: {
          const f = Buffer.from([lcpReq, ccpReq][pick(2)]!);
          f[2 + pick(f.length - 2)] = pick(256);
          inject(f);
          break;
        }
        case 5: p.sendIp('server', IP); p.sendIp('client', IP); break;
        default: p.drive({ until: p.now + pick(5_000) }); break;
      }
      p.drive({ until: p.now + 2_000 });
    }
    assert.ok(p.eventsOf('server', 'authenticated').length <= 1, `link ${link}: one identity`);
    assert.ok(p.eventsOf('server', 'network-up').length <= 1, `link ${link}: up once`);
    const clear = p.wire.server.slice(mark).filter((f) => {
      const d = decodeFrame(f);
      return !isDecodeError(d) && d.protocol === Protocol.IP;
    });
    assert.equal(clear.length, 0, `link ${link}: IP in clear after MPPE was up`);
  }
});
