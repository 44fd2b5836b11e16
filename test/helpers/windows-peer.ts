// A scripted peer that behaves like the clients in ../shared/real-clients/windows-lcp.md:
// its first LCP/CCP/IPCP requests are the documented bytes, and it reacts the way the logs
// show (drops exactly the Rejected options, takes Nak'd values, Naks a CCP request with
// several strengths, rejects IPCP VJ, sends Identification after LCP opens and CCP, IPCP
// and IPV6CP right after CHAP Success). Authentication uses the project's real MS-CHAPv2
// client handler so the server's real handler and verifier run.
//
// Transport-free: frames in with input(), frames out in `out`. The unit test
// (test/unit/server/ppp/windows.test.ts) feeds it a PppSession in memory; the end-to-end
// test (test/integration/windows/) carries it over real PPTP control + GRE.
import type { MppeKeys } from '../../auth-plugins/types.js';
import { createAuthClient } from '../../server/ppp/auth/types.js';
import type { AuthProtocolHandler } from '../../server/ppp/auth/types.js';
import { type CpOption, type CpPacket, decodeCp, decodeOptions, encodeCp, encodeOptions } from '../../server/ppp/fsm/cp-codec.js';
import { decodeFrame, encodeFrame } from '../../server/ppp/frame.js';
import { Protocol } from '../../server/ppp/protocols.js';
import { seededRandom } from './ppp-pair.js';

export interface ClientProfile {
  readonly name: string;
  /** The user name this profile authenticates as (chap-secrets in the end-to-end test). */
  readonly user: string;
  /** First LCP Configure-Request options (hex TLVs). */
  readonly lcp: string;
  /** Identification messages after LCP opens. */
  readonly idents: readonly Buffer[];
  /** CCP MPPE Supported Bits (hex, 4 octets) of the first request; null = no CCP. */
  readonly ccp: string | null;
  /** First IPCP request options (hex TLVs). */
  readonly ipcp: string;
  /** Extra NCP packets sent after auth, e.g. IPV6CP / ACSCP: [protocol, packet hex]. */
  readonly extra: readonly (readonly [number, string])[];
  /** First LCP Identifier (Windows 0, Android 1). */
  readonly firstId: number;
  /** LCP options the server must Configure-Reject (types), or null: nothing to reject. */
  readonly lcpRejects: readonly number[] | null;
}

const IPCP_WIN = '030600000000 810600000000 820600000000 830600000000 840600000000';
/** windows-lcp.md §3, the Windows 7 IPV6CP Configure-Request, from the server's ProtRej. */
export const IPV6CP = '0105000e010a68c19d33c5f3cca4';
/** windows-lcp.md §10, Apple's ACSCP (0x8235) Configure-Request. */
export const ACSCP = '01010010010600000001020600000001';
/** Protocol number of Apple's ACSCP (windows-lcp.md §10). */
export const PROTOCOL_ACSCP = 0x8235;
/** The 16 binary octets of the third Identification of Windows 7 and later (windows-lcp.md §3). */
const BIN16 = Buffer.from('55ec0ae84d72c04bebe4756bfb81bc99', 'hex');

/** The documented clients: Windows XP/Vista-7/10, NT/2000 (multilink options), Android, macOS. */
export const PROFILES: readonly ClientProfile[] = [
  {
    name: 'Windows XP (MSRASV5.10)',
    user: 'winxp',
    lcp: '010405780506 31f907e0 0702 0802 0d0306',
    idents: [Buffer.from('MSRASV5.10'), Buffer.from('MSRAS-0-MNARZZ5')],
    ccp: '010000e1', // +H +M +S +L +C
    ipcp: IPCP_WIN,
    extra: [],
    firstId: 1,
    lcpRejects: [13],
  },
  {
    name: 'Windows Vista/7 (MSRASV5.20)',
    user: 'win7',
    lcp: '010405780506 08dd6215 0702 0802 0d0306',
    idents: [Buffer.from('MSRASV5.20'), Buffer.from('MSRAS-0-FALMER'), BIN16],
    ccp: '010000e0',
    ipcp: IPCP_WIN,
    extra: [[Protocol.IPV6CP, IPV6CP]],
    firstId: 0,
    lcpRejects: [13],
  },
  {
    name: 'Windows 10',
    user: 'win10',
    lcp: '010405780506 12b86bf0 0702 0802 0d0306',
    idents: [Buffer.from('MSRASV5.20'), Buffer.from('MSRAS-0-XXXXX'), BIN16],
    ccp: '01000000', // +H only
    ipcp: IPCP_WIN,
    extra: [[Protocol.IPV6CP, IPV6CP]],
    firstId: 0,
    lcpRejects: [13],
  },
  {
    name: 'Windows NT/2000 with multilink',
    user: 'nt2000',
    lcp: '05066f593c72 0702 0802 0d0306 1104064e 131701 48384ca38ec84afe900ba9a87a6a593300000022',
    idents: [],
    ccp: '010000e0',
    ipcp: IPCP_WIN,
    extra: [],
    firstId: 0,
    lcpRejects: [13, 17, 19],
  },
  {
    name: 'Android (pppd + mtpd)',
    user: 'android',
    lcp: '010405780206 00000000 0506 d2fbdc1d 0702 0802',
    idents: [],
    ccp: '01000060',
    ipcp: '030600000000 810600000000 830600000000',
    extra: [],
    firstId: 1,
    lcpRejects: null,
  },
  {
    name: 'macOS (Apple pppd)',
    user: 'macos',
    lcp: '0206 00000000 0506 2badcafe 0702 0802',
    idents: [],
    ccp: '01000060',
    ipcp: '030600000000 810600000000 830600000000',
    extra: [
      [Protocol.IPV6CP, IPV6CP],
      [PROTOCOL_ACSCP, ACSCP],
    ],
    firstId: 1,
    lcpRejects: null,
  },
];

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

export interface WindowsPeerOptions {
  readonly userName?: string;
  readonly password?: string;
  /** Seed of the MS-CHAPv2 Peer-Challenge generator. */
  readonly seed?: number;
}

export class WindowsPeer {
  readonly out: Buffer[] = [];
  readonly received: { protocol: number; pkt: CpPacket | null; raw: Buffer }[] = [];
  /** Client-view MPPE keys from the MS-CHAPv2 exchange (sendKey encrypts what we send). */
  mppeKeys: MppeKeys | undefined;
  authenticated = false;
  private readonly ids = new Map<number, number>();
  private readonly reqs = new Map<number, CpOption[]>();
  /** Per protocol: our request the server Configure-Acked. */
  private readonly ackedByServer = new Map<number, CpOption[]>();
  /** Per protocol: the server's request we Configure-Acked. */
  private readonly ackedByUs = new Map<number, readonly CpOption[]>();
  private lcpAckedByServer = false;
  private lcpAckedByUs = false;
  private identsSent = false;
  private ncpSent = false;
  private readonly auth: AuthProtocolHandler;

  constructor(
    readonly profile: ClientProfile,
    opts: WindowsPeerOptions = {},
  ) {
    this.auth = createAuthClient('mschap-v2', {
      userName: opts.userName ?? 'alice',
      password: opts.password ?? 'secret',
      random: seededRandom(opts.seed ?? 99),
    });
    this.ids.set(Protocol.LCP, profile.firstId);
  }

  start(): void {
    this.auth.start(0);
    this.sendRequest(Protocol.LCP, this.parse(this.profile.lcp));
  }

  /** Both IPCP requests Acked: IP may flow. */
  get ipcpOpen(): boolean {
    return this.ackedByServer.has(Protocol.IPCP) && this.ackedByUs.has(Protocol.IPCP);
  }

  /** Our IP-Address as the server Acked it (IPCP option 3), once it has. */
  get localAddress(): string | undefined {
    return ipOption(this.ackedByServer.get(Protocol.IPCP));
  }

  /** The server's IP-Address from its IPCP request we Acked. */
  get serverAddress(): string | undefined {
    return ipOption(this.ackedByUs.get(Protocol.IPCP));
  }

  /** The MPPE Supported Bits (option 18) of the CCP requests Acked each way, hex. */
  get ccpAcked(): { ours: string | undefined; theirs: string | undefined } {
    const bits = (o: readonly CpOption[] | undefined): string | undefined => o?.find((x) => x.type === 18)?.data.toString('hex');
    return { ours: bits(this.ackedByServer.get(Protocol.CCP)), theirs: bits(this.ackedByUs.get(Protocol.CCP)) };
  }

  private parse(h: string): CpOption[] {
    const o = decodeOptions(hex(h), 'test');
    if (!Array.isArray(o)) throw new Error(`bad profile options ${h}`);
    return o.map((x) => ({ type: x.type, data: Buffer.from(x.data) }));
  }

  /** The next Identifier for `proto`; LCP Identification and Terminate share LCP's counter. */
  nextId(proto: number): number {
    const id = this.ids.get(proto) ?? 1;
    this.ids.set(proto, (id + 1) & 0xff);
    return id;
  }

  private send(proto: number, payload: Buffer): void {
    this.out.push(encodeFrame(proto, payload));
  }

  private sendRequest(proto: number, opts: CpOption[]): void {
    this.reqs.set(proto, opts);
    this.send(proto, encodeCp(1, this.nextId(proto), encodeOptions(opts)));
  }

  input(frame: Buffer, now: number): void {
    const f = decodeFrame(frame);
    if ('kind' in f) throw new Error('server sent a bad frame');
    if (f.protocol === Protocol.CHAP) return this.chap(f.info, now);
    const pkt = decodeCp(f.info, 'test');
    this.received.push({ protocol: f.protocol, pkt: 'kind' in pkt ? null : pkt, raw: Buffer.from(f.info) });
    if ('kind' in pkt) return;
    const opts = decodeOptions(pkt.data, 'test');
    const list = Array.isArray(opts) ? opts : [];
    switch (pkt.code) {
      case 1: {
        let reply = 2;
        let data = pkt.data;
        const vj = list.filter((o) => f.protocol === Protocol.IPCP && o.type === 2);
        const mppe = list.find((o) => f.protocol === Protocol.CCP && o.type === 18);
        if (vj.length) {
          reply = 4;
          data = encodeOptions(vj);
        } else if (mppe && mppe.data.length === 4 && [0x80, 0x40, 0x20].filter((b) => (mppe.data[3]! & b) !== 0).length > 1) {
          // Windows 10 Naks a server request naming several strengths (windows-lcp.md §4).
          reply = 3;
          const v = Buffer.from(mppe.data);
          v[3] = v[3]! & 0x40 ? 0x40 : v[3]! & 0x80 ? 0x80 : 0x20;
          data = encodeOptions([{ type: 18, data: v }]);
        }
        this.send(f.protocol, encodeCp(reply, pkt.identifier, data));
        if (reply === 2) {
          this.ackedByUs.set(f.protocol, list.map((o) => ({ type: o.type, data: Buffer.from(o.data) })));
          if (f.protocol === Protocol.LCP) this.lcpAckedByUs = true;
        }
        break;
      }
      case 2:
        this.ackedByServer.set(f.protocol, this.reqs.get(f.protocol) ?? []);
        if (f.protocol === Protocol.LCP) this.lcpAckedByServer = true;
        break;
      case 3: {
        const cur = this.reqs.get(f.protocol) ?? [];
        const next = cur.map((o) => list.find((n) => n.type === o.type) ?? o);
        for (const n of list) if (!next.some((o) => o.type === n.type)) next.push(n);
        this.sendRequest(f.protocol, next);
        break;
      }
      case 4: {
        const cur = this.reqs.get(f.protocol) ?? [];
        this.sendRequest(f.protocol, cur.filter((o) => !list.some((r) => r.type === o.type)));
        break;
      }
      case 9: // Echo-Request → Echo-Reply (magic 0 is fine for the server)
        this.send(Protocol.LCP, encodeCp(10, pkt.identifier, Buffer.alloc(4)));
        break;
    }
    if (f.protocol === Protocol.LCP && this.lcpAckedByServer && this.lcpAckedByUs && !this.identsSent) {
      this.identsSent = true;
      for (const m of this.profile.idents) this.send(Protocol.LCP, encodeCp(12, this.nextId(Protocol.LCP), Buffer.concat([Buffer.alloc(4), m])));
    }
  }

  private chap(info: Buffer, now: number): void {
    for (const a of this.auth.input(info, now)) {
      if (a.type === 'send') this.send(a.protocol, a.payload);
      if (a.type === 'success' && !this.ncpSent) {
        this.authenticated = true;
        this.mppeKeys = a.mppeKeys;
        // windows-lcp.md §7: CCP and IPCP requests immediately after CHAP Success.
        this.ncpSent = true;
        this.ids.set(Protocol.CCP, this.ids.get(Protocol.LCP) ?? 4);
        if (this.profile.ccp) this.sendRequest(Protocol.CCP, [{ type: 18, data: hex(this.profile.ccp) }]);
        for (const [proto, pkt] of this.profile.extra) this.send(proto, hex(pkt));
        this.ids.set(Protocol.IPCP, (this.ids.get(Protocol.CCP) ?? 5) + 1);
        this.sendRequest(Protocol.IPCP, this.parse(this.profile.ipcp));
      }
    }
  }
}

function ipOption(opts: readonly CpOption[] | undefined): string | undefined {
  const o = opts?.find((x) => x.type === 3);
  return o && o.data.length === 4 ? [...o.data].join('.') : undefined;
}
