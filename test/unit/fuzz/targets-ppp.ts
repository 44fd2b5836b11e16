// Fuzz targets for PPP: the frame codec, the Control Protocol codec (LCP/IPCP/CCP options),
// PppSession in both roles fed random frames in every phase (Establish, Authenticate,
// Network), the PAP/CHAP/MS-CHAP handlers of both roles, and the MPPE decoder. The seeds
// are the frames of real negotiations between our two roles (PppPair), per method.
import assert from 'node:assert/strict';
import type { AuthMethod, AuthResult } from '../../../auth-plugins/types.js';
import { verifyLocal } from '../../../auth-plugins/verify-local.js';
import { MppeDecoder, MppeEncoder } from '../../../server/crypto/mppe.js';
import { isDecodeError } from '../../../server/errors.js';
import { createAuthClient, createAuthServer, type AuthAction, type AuthProtocolHandler } from '../../../server/ppp/auth/types.js';
import { decodeCp, decodeOptions, encodeCp, encodeOptions } from '../../../server/ppp/fsm/cp-codec.js';
import { decodeFrame, decodeInnerProtocol, encodeFrame } from '../../../server/ppp/frame.js';
import { Protocol } from '../../../server/ppp/protocols.js';
import type { PppSession } from '../../../server/ppp/session.js';
import { PppPair, seededRandom } from '../../helpers/ppp-pair.js';
import { mutate, type FuzzTarget, type Rng } from './harness.js';

const METHODS: readonly AuthMethod[] = ['mschap-v2', 'mschap-v1', 'chap-md5', 'pap'];
const IP_PACKET = Buffer.from('4500001c000100004001f7cb0a0800170a080001080077fe00010001', 'hex');

/** A pair driven to IPCP up with `method`, with a few IP packets both ways (MPPE frames). */
function upPair(method: AuthMethod, seed: number, mppe = true): PppPair {
  const policy = mppe ? { required: true, bits: [128] as 128[], stateful: 'deny' as const } : { required: false, bits: [] as 128[], stateful: 'deny' as const };
  const p = new PppPair({ seed, server: { authMethods: [method], mppe: policy }, client: { mppe: policy } });
  p.start();
  p.drive({ until: p.now + 10_000 });
  for (let i = 0; i < 3; i++) {
    p.sendIp('client', Buffer.from(IP_PACKET));
    p.sendIp('server', Buffer.from(IP_PACKET));
    p.drive({ until: p.now + 100 });
  }
  return p;
}

interface Corpus {
  /** Whole PPP frames as sent, both directions. */
  readonly frames: Buffer[];
  /** Information fields by protocol and sender. */
  readonly info: Map<string, Buffer[]>;
}

let corpus: Corpus | undefined;
/** Frames of real negotiations, every method, MPPE on and off (built once). */
function seeds(): Corpus {
  if (corpus) return corpus;
  const frames: Buffer[] = [];
  const info = new Map<string, Buffer[]>();
  METHODS.forEach((m, i) => {
    const p = upPair(m, 11 + i, m === 'mschap-v2' || m === 'mschap-v1');
    assert.equal(p.eventsOf('server', 'network-up').length, 1, `seed negotiation with ${m} came up`);
    for (const side of ['server', 'client'] as const) {
      for (const f of p.wire[side]) {
        frames.push(f);
        const d = decodeFrame(f);
        if ('kind' in d) continue;
        const key = `${side}:${d.protocol}`;
        info.set(key, [...(info.get(key) ?? []), Buffer.from(d.info)]);
      }
    }
  });
  corpus = { frames, info };
  return corpus;
}

function infoOf(from: 'server' | 'client', protocol: number): Buffer[] {
  return seeds().info.get(`${from}:${protocol}`) ?? [];
}

/** Every frame a session transmits must decode as a PPP frame. */
function checkTransmit(frame: Buffer): void {
  assert.ok(!('kind' in decodeFrame(frame)), `sent an undecodable frame ${frame.toString('hex')}`);
}

export const pppFrame: FuzzTarget = {
  name: 'ppp-frame+cp-codec',
  covers: 'decodeFrame/decodeInnerProtocol; decodeCp + decodeOptions on LCP/IPCP/CCP; re-encode decodes equal',
  setup() {
    const all = seeds().frames;
    const cps = [Protocol.LCP, Protocol.IPCP, Protocol.CCP].flatMap((p) => [...infoOf('server', p), ...infoOf('client', p)]);
    return (rng) => {
      const f = decodeFrame(mutate(rng, all, 1600));
      if (!('kind' in f)) {
        const again = decodeFrame(encodeFrame(f.protocol, Buffer.from(f.info)));
        assert.ok(!('kind' in again) && again.protocol === f.protocol && again.info.equals(f.info));
      }
      decodeInnerProtocol(mutate(rng, [IP_PACKET, Buffer.from('0021', 'hex'), Buffer.from('21', 'hex')], 200));
      const cp = decodeCp(mutate(rng, cps, 600), 'fuzz');
      if (isDecodeError(cp)) return;
      const opts = decodeOptions(cp.data, 'fuzz');
      if (isDecodeError(opts)) return;
      const data = encodeOptions(opts);
      const again = decodeCp(encodeCp(cp.code, cp.identifier, data), 'fuzz');
      assert.ok(!isDecodeError(again) && again.code === cp.code);
      assert.deepEqual(decodeOptions(again.data, 'fuzz'), opts);
    };
  },
};

type Phase = 'establish' | 'authenticate' | 'network';

/**
 * A session of `role` brought to `phase` by a real peer, then cut off from it: what the
 * fuzzer sends is all it hears from then on.
 */
function sessionIn(role: 'server' | 'client', phase: Phase, rng: Rng): { s: PppSession; pair: PppPair } {
  const method = rng.pick(METHODS);
  const pair = new PppPair({ seed: 1 + rng.int(1000), server: { authMethods: [method], echoIntervalMs: 2_000, echoFailure: 3 }, client: { echoIntervalMs: 2_000 } });
  if (phase === 'authenticate') {
    // Hold back the auth answer of the other side: stuck in Authenticate.
    pair.filter = (from, frame) => {
      const f = decodeFrame(frame);
      if ('kind' in f) return true;
      const auth = f.protocol === Protocol.CHAP || f.protocol === Protocol.PAP;
      return !(auth && from === (role === 'server' ? 'client' : 'server'));
    };
  }
  if (phase !== 'establish') {
    pair.start();
    pair.drive({ until: pair.now + 5_000 });
  } else {
    pair.session(role).start(pair.now);
  }
  pair.session(role).drain();
  return { s: pair.session(role), pair };
}

function sessionTarget(role: 'server' | 'client'): FuzzTarget {
  const peer = role === 'server' ? 'client' : 'server';
  return {
    name: `ppp-session-${role}`,
    covers: `PppSession (${role}) in Establish/Authenticate/Network fed mutated LCP/auth/CCP/IPCP/MPPE/IP frames and timeouts`,
    setup(rng0) {
      const { frames } = seeds();
      const protocols = [Protocol.LCP, Protocol.LCP, Protocol.CHAP, Protocol.PAP, Protocol.CCP, Protocol.IPCP, Protocol.MPPE, Protocol.IP, 0x8057, 0x4021];
      let cur = sessionIn(role, rng0.pick(['establish', 'authenticate', 'network'] as const), rng0);
      let fed = 0;
      let now = cur.pair.now;
      return (rng) => {
        if (cur.s.isDead || ++fed > 3000) {
          cur = sessionIn(role, rng.pick(['establish', 'authenticate', 'network'] as const), rng);
          now = cur.pair.now;
          fed = 0;
        }
        const s = cur.s;
        const r = rng.next();
        if (r < 0.08) {
          now = Math.max(now, s.nextTimeout() ?? now) + rng.int(50);
          s.handleTimeout(now);
        } else if (r < 0.12) {
          s.sendIp(rng.chance(0.5) ? Buffer.from(IP_PACKET) : rng.bytes(rng.int(100)), now);
        } else if (r < 0.45) {
          s.handleFrame(mutate(rng, frames, 1600), now);
        } else {
          // A valid frame header around a damaged information field: reaches the protocol code.
          const proto = rng.pick(protocols);
          const info = mutate(rng, infoOf(peer, proto), 1500);
          s.handleFrame(encodeFrame(proto, info, rng.chance(0.3) ? { acfc: true, pfc: true } : { acfc: false, pfc: false }), now);
        }
        for (const a of s.drain()) {
          if (a.type === 'transmit') checkTransmit(a.frame);
          if (a.type !== 'event') continue;
          const e = a.event;
          if (e.type === 'auth-verify') {
            const v = verifyLocal(
              { peerName: e.peerName, userName: e.peerName, credentials: e.credentials, peerAddress: '192.0.2.10', localAddress: '192.0.2.1', callId: 1, serverName: 'pptpd' },
              { kind: 'cleartext', password: 'secret' },
            );
            const result: AuthResult =
              v.status === 'ok'
                ? { verdict: 'accept', userName: e.peerName, attributes: {}, plugin: 'fuzz', ...(v.mppeKeys ? { mppeKeys: v.mppeKeys } : {}), ...(v.authenticatorResponse ? { authenticatorResponse: v.authenticatorResponse } : {}) }
                : { verdict: 'reject', reason: v.reason, mschapError: 691 };
            s.handleAuthVerdict(result, now);
          } else if (e.type === 'authenticated' && role === 'server') {
            s.setNetwork({ local: '10.8.0.1', remote: '10.8.0.9', dns: ['10.0.0.53'] }, now);
          }
        }
        s.drain();
      };
    },
  };
}

export const pppSessionServer = sessionTarget('server');
export const pppSessionClient = sessionTarget('client');

/** Runs auth actions: verify → a real local verdict; reports whether the handler finished. */
function runActions(h: AuthProtocolHandler, actions: AuthAction[], now: number, rng: Rng): boolean {
  let finished = false;
  for (let round = 0; round < 4 && actions.length > 0; round++) {
    const next: AuthAction[] = [];
    for (const a of actions) {
      if (a.type === 'send') assert.ok(a.payload.length >= 4 && a.payload.readUInt16BE(2) === a.payload.length, 'auth packet Length matches');
      if (a.type === 'success' || a.type === 'failure') finished = true;
      if (a.type === 'verify') {
        const v = verifyLocal(
          { peerName: a.peerName, userName: a.peerName, credentials: a.credentials, peerAddress: '192.0.2.10', localAddress: '192.0.2.1', callId: 1, serverName: 'pptpd' },
          { kind: 'cleartext', password: rng.chance(0.5) ? 'secret' : 'wrong' },
        );
        const result: AuthResult =
          v.status === 'ok'
            ? { verdict: 'accept', userName: a.peerName, attributes: {}, plugin: 'fuzz', ...(v.mppeKeys ? { mppeKeys: v.mppeKeys } : {}), ...(v.authenticatorResponse ? { authenticatorResponse: v.authenticatorResponse } : {}) }
            : { verdict: 'reject', reason: v.reason, mschapError: 691 };
        next.push(...h.handleVerdict(result, now));
      }
    }
    actions = next;
  }
  return finished;
}

function authTarget(role: 'server' | 'client'): FuzzTarget {
  const peer = role === 'server' ? 'client' : 'server';
  return {
    name: `auth-${role}`,
    covers: `PAP, CHAP-MD5, MS-CHAPv1, MS-CHAPv2 ${role} handlers fed mutated peer packets, timeouts, verdicts`,
    setup() {
      const random = seededRandom(99);
      let h: AuthProtocolHandler | undefined;
      let now = 0;
      let seedsOf: Buffer[] = [];
      return (rng) => {
        if (!h || rng.chance(0.01)) {
          const m = rng.pick(METHODS);
          h =
            role === 'server'
              ? createAuthServer(m, { serverName: 'pptpd', random, maxChallenges: 1 + rng.int(3) })
              : createAuthClient(m, { userName: 'alice', password: 'secret', random });
          seedsOf = infoOf(peer, m === 'pap' ? Protocol.PAP : Protocol.CHAP);
          if (runActions(h, h.start(now), now, rng)) h = undefined;
          return;
        }
        now += rng.int(500);
        const actions = rng.chance(0.1) ? h.handleTimeout(now) : h.input(mutate(rng, seedsOf, 400), now);
        if (runActions(h, actions, now, rng)) h = undefined;
      };
    },
  };
}

export const authServer = authTarget('server');
export const authClient = authTarget('client');

export const mppeTarget: FuzzTarget = {
  name: 'mppe-decoder',
  covers: 'MppeDecoder (stateless and stateful, 40/128-bit) fed mutated packets among valid ones',
  setup() {
    const key = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    let enc: MppeEncoder;
    let dec: MppeDecoder;
    let recent: Buffer[] = [];
    const fresh = (rng: Rng): void => {
      const mode = { bits: rng.pick([40, 128] as const), stateless: rng.chance(0.5) };
      enc = new MppeEncoder(key, mode);
      dec = new MppeDecoder(key, mode);
      recent = [];
    };
    let n = 0;
    return (rng) => {
      if (n++ % 5000 === 0) fresh(rng);
      const valid = enc.encode(Buffer.concat([Buffer.from([0x00, 0x21]), IP_PACKET]));
      if (recent.length < 32) recent.push(valid);
      else recent[rng.int(32)] = valid;
      const r = dec.decode(rng.chance(0.3) ? Buffer.from(valid) : mutate(rng, recent, 1600));
      if (!r.ok && r.resetRequired && rng.chance(0.5)) enc.resetRequest();
    };
  },
};
