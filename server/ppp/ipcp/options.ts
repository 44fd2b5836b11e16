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

/** Dotted quad → 32-bit number; null when not an IPv4 literal. */
export function parseIPv4(s: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return null;
  let v = 0;
  for (let i = 1; i <= 4; i++) {
    const o = Number(m[i]);
    if (o > 255) return null;
    v = v * 256 + o;
  }
  return v;
}

export function formatIPv4(v: number): string {
  return `${(v >>> 24) & 255}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

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
  readonly rejected = new Set<number>();
}

function ipAddressHandler(plan: IpcpPlan, st: IpcpOptionState): OptionHandler {
  const server = plan.role === 'server';
  return {
    type: IpcpOption.IPAddress,
    name: 'IP-Address',
    resetLocal: () => {
      st.rejected.delete(IpcpOption.IPAddress);
      st.local = plan.local;
      if (server) st.remote = plan.remote;
    },
    resetPeer: () => {
      if (!server) st.remote = 0;
    },
    request: () => (st.rejected.has(IpcpOption.IPAddress) ? null : addr(st.local)),
    check: (data): OptionVerdict => {
      const v = read(data);
      if (v === null) return REJECT;
      if (server) {
        // RFC 1332 §3.3: Nak 0.0.0.0 (or any other address) with the one we assigned.
        if (v === plan.remote) return ACK;
        return nak(addr(plan.remote));
      }
      if (v === 0) return REJECT; // the server must know its own address
      st.remote = v;
      return ACK;
    },
    missing: () => (server ? addr(plan.remote) : null),
    acked: (data) => {
      const v = read(data);
      if (v !== null) st.local = v;
    },
    naked: (data) => {
      const v = read(data);
      // Client: the server's suggestion is our address. Server: our address is not negotiable.
      if (!server && v !== null && v !== 0) st.local = v;
    },
    rejected: () => {
      st.rejected.add(IpcpOption.IPAddress);
    },
  };
}

/** RFC 1877 §1.1-1.4: one handler per name-server option. */
function nameServerHandler(
  type: 129 | 130 | 131 | 132,
  name: string,
  plan: IpcpPlan,
  st: IpcpOptionState,
): OptionHandler {
  const isDns = type === IpcpOption.PrimaryDNS || type === IpcpOption.SecondaryDNS;
  const slot = type === IpcpOption.PrimaryDNS || type === IpcpOption.PrimaryNBNS ? 0 : 1;
  const planned = (): number => (isDns ? plan.dns : plan.wins)[slot];
  const agreed = (): [number, number] => (isDns ? st.dns : st.wins);
  const wanted = plan.role === 'client' && (isDns ? plan.requestDns : plan.requestWins);
  return {
    type,
    name,
    resetLocal: () => {
      st.rejected.delete(type);
      agreed()[slot] = plan.role === 'server' ? planned() : 0;
    },
    request: () => (wanted && !st.rejected.has(type) ? addr(agreed()[slot]) : null),
    check: (data): OptionVerdict => {
      const v = read(data);
      if (v === null || plan.role === 'client') return REJECT;
      const c = planned();
      if (c === 0) return REJECT;
      return v === c ? ACK : nak(addr(c));
    },
    acked: (data) => {
      const v = read(data);
      if (v !== null) agreed()[slot] = v;
    },
    naked: (data) => {
      const v = read(data);
      if (v !== null) agreed()[slot] = v;
    },
    rejected: () => {
      st.rejected.add(type);
      agreed()[slot] = 0;
    },
  };
}

export function ipcpOptionHandlers(plan: IpcpPlan, st: IpcpOptionState): OptionHandler[] {
  return [
    ipAddressHandler(plan, st),
    nameServerHandler(IpcpOption.PrimaryDNS, 'Primary-DNS', plan, st),
    nameServerHandler(IpcpOption.PrimaryNBNS, 'Primary-NBNS', plan, st),
    nameServerHandler(IpcpOption.SecondaryDNS, 'Secondary-DNS', plan, st),
    nameServerHandler(IpcpOption.SecondaryNBNS, 'Secondary-NBNS', plan, st),
  ];
}
