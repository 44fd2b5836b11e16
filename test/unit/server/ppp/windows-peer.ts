// A scripted peer that behaves like the clients in ../shared/real-clients/windows-lcp.md:
// its first LCP/CCP/IPCP requests are the documented bytes, and it reacts the way the logs
// show (drops exactly the Rejected options, takes Nak'd values, Naks a CCP request with
// several strengths, rejects IPCP VJ, sends Identification after LCP opens and CCP, IPCP
// and IPV6CP right after CHAP Success). Authentication uses the project's real MS-CHAPv2
// client handler so the server's real handler and verifier run.
import { createAuthClient } from '../../../../server/ppp/auth/types.js';
import type { AuthProtocolHandler } from '../../../../server/ppp/auth/types.js';
import { type CpOption, type CpPacket, decodeCp, decodeOptions, encodeCp, encodeOptions } from '../../../../server/ppp/fsm/cp-codec.js';
import { decodeFrame, encodeFrame } from '../../../../server/ppp/frame.js';
import { Protocol } from '../../../../server/ppp/protocols.js';
import { seededRandom } from '../../../helpers/ppp-pair.js';

export interface ClientProfile {
  readonly name: string;
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
}

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

export class WindowsPeer {
  readonly out: Buffer[] = [];
  readonly received: { protocol: number; pkt: CpPacket | null; raw: Buffer }[] = [];
  private readonly ids = new Map<number, number>();
  private readonly reqs = new Map<number, CpOption[]>();
  private lcpAckedByServer = false;
  private lcpAckedByUs = false;
  private identsSent = false;
  private ncpSent = false;
  private readonly auth: AuthProtocolHandler;

  constructor(readonly profile: ClientProfile) {
    this.auth = createAuthClient('mschap-v2', { userName: 'alice', password: 'secret', random: seededRandom(99) });
    this.ids.set(Protocol.LCP, profile.firstId);
  }

  start(): void {
    this.auth.start(0);
    this.sendRequest(Protocol.LCP, this.parse(this.profile.lcp));
  }

  private parse(h: string): CpOption[] {
    const o = decodeOptions(hex(h), 'test');
    if (!Array.isArray(o)) throw new Error(`bad profile options ${h}`);
    return o.map((x) => ({ type: x.type, data: Buffer.from(x.data) }));
  }

  private nextId(proto: number): number {
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
        if (reply === 2 && f.protocol === Protocol.LCP) this.lcpAckedByUs = true;
        break;
      }
      case 2:
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
