// IPCP Configuration Option handlers: IP-Address (RFC 1332 §3.3) and the Microsoft DNS /
// NBNS server options (RFC 1877 §1). IP-Addresses (1, deprecated) and
// IP-Compression-Protocol (2, Van Jacobson) have no handler, so they are Rejected — Windows
// rejects VJ itself and PPTP gains nothing from it.
//
// Server role: our request carries our address only; the peer's address and name servers
// are Nak'ed to the values the caller gave (pool/RADIUS); name-server options with no
// configured value are Rejected (RFC 1877: "MUST NOT" Nak without a value to give).
// Client role: we ask 0.0.0.0 (and, if wanted, 0.0.0.0 for DNS/NBNS) and take the Naks.
import { ACK, nak, REJECT, type OptionHandler, type OptionVerdict } from '../fsm/negotiator.js';
import { OptionTypeSet } from '../fsm/option-set.js';
import { ipv4FromString } from '../../gre/ipv4.js';

export const IpcpOption = {
  IPAddresses: 1, // RFC 1172, deprecated
  IPCompressionProtocol: 2,
  IPAddress: 3,
  PrimaryDNS: 129,
  PrimaryNBNS: 130,
  SecondaryDNS: 131,
  SecondaryNBNS: 132,
} as const;
export type IpcpOption = (typeof IpcpOption)[keyof typeof IpcpOption];

/** Dotted quad → 32-bit number; null when not an IPv4 literal (gre/ipv4.ts ipv4FromString). */
export function parseIPv4(s: string): number | null {
  return ipv4FromString(s) ?? null;
}

export { ipv4ToString as formatIPv4 } from '../../gre/ipv4.js';

function addr(v: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(v >>> 0);
  return b;
}

function read(data: Buffer): number | null {
  return data.length === 4 ? data.readUInt32BE(0) : null;
}

/** The addresses the caller assigns (server) or wants (client), as numbers. */
export interface IpcpPlan {
  readonly role: 'server' | 'client';
  /** Server: our address. Client: the address we ask for (0 = "give me one"). */
  local: number;
  /** Server: the peer's assigned address. Client: unused until the server tells us. */
  remote: number;
  /** [primary, secondary]; 0 = none. Server: values to hand out. Client: ask when requestNameServers. */
  dns: [number, number];
  wins: [number, number];
  readonly requestDns: boolean;
  readonly requestWins: boolean;
}

/** Values agreed so far. */
export class IpcpOptionState {
  local = 0;
  remote = 0;
  dns: [number, number] = [0, 0];
  wins: [number, number] = [0, 0];
  readonly rejected = new OptionTypeSet();
}

// Classes rather than object literals of closures: methods on a prototype cost nothing
// per session (see the note in lcp/options.ts).
class IpAddressHandler implements OptionHandler {
  readonly type = IpcpOption.IPAddress;
  readonly name = 'IP-Address';
  private readonly server: boolean;
  constructor(
    private readonly plan: IpcpPlan,
    private readonly st: IpcpOptionState,
  ) {
    this.server = plan.role === 'server';
  }
  resetLocal(): void {
    this.st.rejected.delete(IpcpOption.IPAddress);
    this.st.local = this.plan.local;
    if (this.server) this.st.remote = this.plan.remote;
  }
  resetPeer(): void {
    if (!this.server) this.st.remote = 0;
  }
  request(): Buffer | null {
    return this.st.rejected.has(IpcpOption.IPAddress) ? null : addr(this.st.local);
  }
  check(data: Buffer): OptionVerdict {
    const v = read(data);
    if (v === null) return REJECT;
    if (this.server) {
      // RFC 1332 §3.3: Nak 0.0.0.0 (or any other address) with the one we assigned.
      if (v === this.plan.remote) return ACK;
      return nak(addr(this.plan.remote));
    }
    if (v === 0) return REJECT; // the server must know its own address
    this.st.remote = v;
    return ACK;
  }
  missing(): Buffer | null {
    return this.server ? addr(this.plan.remote) : null;
  }
  acked(data: Buffer): void {
    const v = read(data);
    if (v !== null) this.st.local = v;
  }
  naked(data: Buffer): void {
    const v = read(data);
    // Client: the server's suggestion is our address. Server: our address is not negotiable.
    if (!this.server && v !== null && v !== 0) this.st.local = v;
  }
  rejected(): void {
    this.st.rejected.add(IpcpOption.IPAddress);
  }
}

/** RFC 1877 §1.1-1.4: one handler per name-server option. */
class NameServerHandler implements OptionHandler {
  // isDns, slot and wanted are derived from type and plan on use: four of these per link.
  constructor(
    readonly type: 129 | 130 | 131 | 132,
    readonly name: string,
    private readonly plan: IpcpPlan,
    private readonly st: IpcpOptionState,
  ) {}
  private get isDns(): boolean {
    return this.type === IpcpOption.PrimaryDNS || this.type === IpcpOption.SecondaryDNS;
  }
  private get slot(): 0 | 1 {
    return this.type === IpcpOption.PrimaryDNS || this.type === IpcpOption.PrimaryNBNS ? 0 : 1;
  }
  private get wanted(): boolean {
    return this.plan.role === 'client' && (this.isDns ? this.plan.requestDns : this.plan.requestWins);
  }
  private planned(): number {
    return (this.isDns ? this.plan.dns : this.plan.wins)[this.slot];
  }
  private agreed(): [number, number] {
    return this.isDns ? this.st.dns : this.st.wins;
  }
  resetLocal(): void {
    this.st.rejected.delete(this.type);
    this.agreed()[this.slot] = this.plan.role === 'server' ? this.planned() : 0;
  }
  request(): Buffer | null {
    return this.wanted && !this.st.rejected.has(this.type) ? addr(this.agreed()[this.slot]) : null;
  }
  check(data: Buffer): OptionVerdict {
    const v = read(data);
    if (v === null || this.plan.role === 'client') return REJECT;
    const c = this.planned();
    if (c === 0) return REJECT;
    return v === c ? ACK : nak(addr(c));
  }
  acked(data: Buffer): void {
    const v = read(data);
    if (v !== null) this.agreed()[this.slot] = v;
  }
  naked(data: Buffer): void {
    const v = read(data);
    if (v !== null) this.agreed()[this.slot] = v;
  }
  rejected(): void {
    this.st.rejected.add(this.type);
    this.agreed()[this.slot] = 0;
  }
}

export function ipcpOptionHandlers(plan: IpcpPlan, st: IpcpOptionState): OptionHandler[] {
  return [
    new IpAddressHandler(plan, st),
    new NameServerHandler(IpcpOption.PrimaryDNS, 'Primary-DNS', plan, st),
    new NameServerHandler(IpcpOption.PrimaryNBNS, 'Primary-NBNS', plan, st),
    new NameServerHandler(IpcpOption.SecondaryDNS, 'Secondary-DNS', plan, st),
    new NameServerHandler(IpcpOption.SecondaryNBNS, 'Secondary-NBNS', plan, st),
  ];
}
