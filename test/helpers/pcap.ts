// A small reader for classic pcap files, enough for the PPTP captures in
// ../shared/real-clients: link layer (Ethernet with VLAN tags, Linux cooked, raw IP,
// BSD loopback) → IPv4 (also IPv4 carried in IPv6) → TCP payloads of one port's flows,
// reassembled per direction, and GRE packets. Test helper only: it throws on files it
// cannot read, which is the right behaviour for fixtures.

const LinkType = { Null: 0, Ethernet: 1, Raw: 101, RawAlt: 12, LinuxSll: 113, Loop: 108 } as const;

export interface PcapFrame {
  readonly frame: number; // 1-based, as tcpdump/Wireshark number frames
  readonly time: number; // seconds since the epoch
  readonly data: Uint8Array;
}

export interface Ipv4Packet {
  readonly frame: number;
  readonly time: number;
  readonly src: string;
  readonly dst: string;
  readonly protocol: number;
  /** The whole IPv4 packet, header included, cut at Total Length. */
  readonly packet: Uint8Array;
  /** The IPv4 payload (after the header). */
  readonly payload: Uint8Array;
}

export function readPcap(file: Uint8Array): { linkType: number; frames: PcapFrame[] } {
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const magic = dv.getUint32(0, false);
  let little: boolean;
  let nano = false;
  if (magic === 0xa1b2c3d4) little = false;
  else if (magic === 0xd4c3b2a1) little = true;
  else if (magic === 0xa1b23c4d) (little = false), (nano = true);
  else if (magic === 0x4d3cb2a1) (little = true), (nano = true);
  else throw new Error(`not a classic pcap file (magic 0x${magic.toString(16)})`);
  const linkType = dv.getUint32(20, little) & 0x0fffffff;
  const frames: PcapFrame[] = [];
  let off = 24;
  while (off + 16 <= file.length) {
    const sec = dv.getUint32(off, little);
    const frac = dv.getUint32(off + 4, little);
    const caplen = dv.getUint32(off + 8, little);
    off += 16;
    if (off + caplen > file.length) throw new Error(`truncated record at frame ${frames.length + 1}`);
    frames.push({ frame: frames.length + 1, time: sec + frac / (nano ? 1e9 : 1e6), data: file.subarray(off, off + caplen) });
    off += caplen;
  }
  return { linkType, frames };
}

/** The network-layer packet and its EtherType-style protocol, or undefined. */
function linkPayload(linkType: number, d: Uint8Array): { etherType: number; data: Uint8Array } | undefined {
  switch (linkType) {
    case LinkType.Ethernet: {
      let off = 12;
      let type = (d[off]! << 8) | d[off + 1]!;
      while ((type === 0x8100 || type === 0x88a8) && off + 6 <= d.length) {
        off += 4; // 802.1Q / 802.1ad tag
        type = (d[off]! << 8) | d[off + 1]!;
      }
      return { etherType: type, data: d.subarray(off + 2) };
    }
    case LinkType.LinuxSll:
      return { etherType: (d[14]! << 8) | d[15]!, data: d.subarray(16) };
    case LinkType.Raw:
    case LinkType.RawAlt:
      return { etherType: d[0]! >> 4 === 6 ? 0x86dd : 0x0800, data: d };
    case LinkType.Null:
    case LinkType.Loop: {
      const fam = d[0] === 0 ? (d[3]! | (d[2]! << 8)) : (d[0]! | (d[1]! << 8)); // host byte order
      return { etherType: fam === 2 ? 0x0800 : 0x86dd, data: d.subarray(4) };
    }
    default:
      return undefined;
  }
}

function dotted(b: Uint8Array, o: number): string {
  return `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
}

/** The IPv4 packet inside an IPv6 packet carrying IPv4 (Next Header 4), skipping extension headers. */
function ipv4InIpv6(d: Uint8Array): Uint8Array | undefined {
  let next = d[6]!;
  let off = 40;
  // Hop-by-hop, Routing, Destination Options: length in 8-octet units after the first 8.
  while ((next === 0 || next === 43 || next === 60) && off + 8 <= d.length) {
    const len = (d[off + 1]! + 1) * 8;
    next = d[off]!;
    off += len;
  }
  return next === 4 ? d.subarray(off) : undefined;
}

function parseIpv4(frame: PcapFrame, d: Uint8Array): Ipv4Packet | undefined {
  if (d.length < 20 || d[0]! >> 4 !== 4) return undefined;
  const ihl = (d[0]! & 0x0f) * 4;
  const total = Math.min((d[2]! << 8) | d[3]!, d.length);
  if (ihl < 20 || total < ihl) return undefined;
  const packet = d.subarray(0, total);
  return { frame: frame.frame, time: frame.time, src: dotted(d, 12), dst: dotted(d, 16), protocol: d[9]!, packet, payload: packet.subarray(ihl) };
}

/** Every IPv4 packet in the capture (including IPv4 tunnelled in IPv6), in frame order. */
export function ipv4Packets(file: Uint8Array): Ipv4Packet[] {
  const { linkType, frames } = readPcap(file);
  const out: Ipv4Packet[] = [];
  for (const f of frames) {
    const l = linkPayload(linkType, f.data);
    if (!l) continue;
    const inner = l.etherType === 0x0800 ? l.data : l.etherType === 0x86dd && l.data.length >= 40 ? ipv4InIpv6(l.data) : undefined;
    const p = inner && parseIpv4(f, inner);
    if (p) out.push(p);
  }
  return out;
}

export interface GreCapture {
  readonly frame: number;
  readonly src: string;
  readonly dst: string;
  readonly ip: Uint8Array; // the whole IPv4 packet
  readonly gre: Uint8Array; // the GRE header onwards
}

/** Every GRE (IP protocol 47) packet. */
export function grePackets(file: Uint8Array): GreCapture[] {
  return ipv4Packets(file)
    .filter((p) => p.protocol === 47)
    .map((p) => ({ frame: p.frame, src: p.src, dst: p.dst, ip: p.packet, gre: p.payload }));
}

export interface TcpStream {
  readonly src: string; // "a.b.c.d:port" of the sender of this direction
  readonly dst: string;
  /** The payload bytes in sequence order, retransmissions and duplicates removed. */
  readonly data: Uint8Array;
  /** Which frame delivered each range of `data` (for matching messages to frame numbers). */
  readonly segments: ReadonlyArray<{ readonly frame: number; readonly offset: number; readonly length: number }>;
}

/** The frame whose segment carries stream offset `offset`. */
export function frameAt(s: TcpStream, offset: number): number | undefined {
  return s.segments.find((g) => offset >= g.offset && offset < g.offset + g.length)?.frame;
}

/**
 * TCP payloads of flows with `port` at either end, one stream per direction, in the
 * order each direction first appears. Segments are placed by sequence number relative
 * to the SYN (or the first segment), so duplicated and overlapping segments count once.
 */
export function tcpStreams(file: Uint8Array, port: number): TcpStream[] {
  const dirs = new Map<string, { src: string; dst: string; isn?: number; segs: Array<{ frame: number; rel: number; data: Uint8Array }> }>();
  for (const p of ipv4Packets(file)) {
    if (p.protocol !== 6 || p.payload.length < 20) continue;
    const t = p.payload;
    const sport = (t[0]! << 8) | t[1]!;
    const dport = (t[2]! << 8) | t[3]!;
    if (sport !== port && dport !== port) continue;
    const seq = ((t[4]! << 24) | (t[5]! << 16) | (t[6]! << 8) | t[7]!) >>> 0;
    const doff = (t[12]! >> 4) * 4;
    const syn = (t[13]! & 0x02) !== 0;
    const key = `${p.src}:${sport}>${p.dst}:${dport}`;
    let d = dirs.get(key);
    if (!d) dirs.set(key, (d = { src: `${p.src}:${sport}`, dst: `${p.dst}:${dport}`, segs: [] }));
    if (syn) d.isn = (seq + 1) >>> 0;
    const data = t.subarray(doff);
    if (data.length === 0) continue;
    if (d.isn === undefined) d.isn = seq;
    d.segs.push({ frame: p.frame, rel: (seq - d.isn) | 0, data });
  }
  const out: TcpStream[] = [];
  for (const d of dirs.values()) {
    if (d.segs.length === 0) continue;
    const segs = [...d.segs].sort((a, b) => a.rel - b.rel || a.frame - b.frame);
    const chunks: Uint8Array[] = [];
    const segments: Array<{ frame: number; offset: number; length: number }> = [];
    let end = 0;
    for (const s of segs) {
      if (s.rel + s.data.length <= end) continue; // duplicate
      if (s.rel > end) throw new Error(`gap in TCP stream ${d.src} → ${d.dst} before frame ${s.frame}`);
      const fresh = s.data.subarray(end - s.rel);
      segments.push({ frame: s.frame, offset: end, length: fresh.length });
      chunks.push(fresh);
      end += fresh.length;
    }
    const data = new Uint8Array(end);
    let o = 0;
    for (const c of chunks) data.set(c, (o += c.length) - c.length);
    out.push({ src: d.src, dst: d.dst, data, segments });
  }
  return out;
}
