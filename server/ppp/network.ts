// The Network-Layer Protocol phase of one link (RFC 1661 §3.6): CCP with MPPE first, then
// IPCP, then the IP data path. IPCP starts only once CCP has settled (Opened, or given up
// when MPPE is optional) and, for the server, once the caller gave the addresses — so no
// IP packet can pass before encryption is known (RFC 3078 §9: "Peers MUST NOT transmit
// user data until the MPPE negotiation is complete"). CCP/IPCP packets that arrive before
// their layer runs are kept (the latest one each) and replayed, instead of pppd's
// Terminate-Ack that costs Windows a retransmission.
import type { MppeKeys } from '../../auth-plugins/types.js';
import { Ccp, type CcpHooks, type CcpResult } from './ccp/ccp.js';
import type { MppeCcpPolicy } from './ccp/mppe-option.js';
import { type Decapsulated, DataPath } from './datapath.js';
import type { FrameCompression } from './frame.js';
import type { RestartConfig } from './fsm/restart.js';
import { Ipcp, type IpcpHooks, type IpcpResult } from './ipcp/ipcp.js';
import { parseIPv4 } from './ipcp/options.js';
import { Protocol } from './protocols.js';
import type { DownCause, NetworkConfig, NetworkUp, PppEvent, PppSessionOptions } from './session-types.js';
import { requirementName } from './session-util.js';

export interface NetworkHost {
  transmit(protocol: number, payload: Buffer): void;
  emit(event: PppEvent): void;
  close(cause: DownCause, now: number, message: string): void;
  /** Largest packet the peer accepts (its LCP MRU). */
  peerMru(): number;
}

export class NetworkPhase {
  ccp: Ccp | null = null;
  ipcp: Ipcp | null = null;
  readonly data = new DataPath();
  /** IPCP Opened (and MPPE running if required): IP may flow. */
  up = false;
  /** @internal read by the hooks below: false while the phase is being torn down. */
  active = false;
  private ccpSettled = false;
  /** MPPE has carried data on this link: from now on it may never stop or restart. */
  private mppeWasUp = false;
  private keys: MppeKeys | null = null;
  private network: NetworkConfig | null = null;
  /** CCP/IPCP packets that came before their layer ran (made on first use: most links never need it). */
  private early: Map<number, Buffer> | null = null;

  constructor(
    private readonly opts: PppSessionOptions,
    private readonly restart: RestartConfig,
    /** @internal read by the hooks below. */
    readonly host: NetworkHost,
    public policy: MppeCcpPolicy,
  ) {}

  get mppeEnabled(): boolean {
    return this.policy.bits.length > 0;
  }

  get deadline(): number | null {
    const a = this.ccp?.fsm.deadline ?? null;
    const b = this.ipcp?.fsm.deadline ?? null;
    return a === null ? b : b === null ? a : Math.min(a, b);
  }

  /** Authentication is done: enter the phase. */
  begin(keys: MppeKeys | null, now: number): void {
    this.active = true;
    this.keys = keys;
    if (this.mppeEnabled && keys) {
      const hooks = new NetworkCcpHooks(this);
      const ccp = new Ccp(this.policy, this.restart, hooks);
      hooks.ccp = ccp;
      this.ccp = ccp;
      this.ccp.fsm.open(now);
      this.ccp.fsm.up(now);
      this.replayEarly(Protocol.CCP, now);
    } else if (this.policy.required) {
      return this.host.close('mppe-refused', now, `MPPE is required (${requirementName(this.policy)}) but authentication gave no MPPE keys`);
    } else {
      this.ccpSettled = true;
    }
    this.maybeStartIpcp(now);
  }

  /** LCP left Opened: every NCP goes Down (RFC 1661 §3.7, tld → Down). */
  reset(now: number): void {
    this.up = false;
    this.active = false;
    this.data.clear();
    this.ccp?.fsm.down(now);
    this.ipcp?.fsm.down(now);
    this.ccp = null;
    this.ipcp = null;
    this.ccpSettled = false;
  }

  setNetwork(net: NetworkConfig, now: number): void {
    this.network = net;
    this.maybeStartIpcp(now);
  }

  handleTimeout(now: number): void {
    this.ccp?.fsm.handleTimeout(now);
    this.ipcp?.fsm.handleTimeout(now);
  }

  /** A CCP or IPCP packet. Returns false when nobody takes it (the session Protocol-Rejects). */
  input(protocol: number, info: Buffer, now: number, canWait: boolean): { handled: boolean; error: boolean } {
    if (protocol === Protocol.CCP) {
      const ccp = this.ccp;
      if (ccp) {
        // Input may end the link (and drop this.ccp): read the verdict from the same CCP.
        const err = ccp.input(info, now);
        const why = ccp.mppe.refused;
        if (why && this.policy.required && this.ccp === ccp) {
          this.host.close('mppe-refused', now, `peer refused MPPE but ${requirementName(this.policy)} is set: ${why}`);
        }
        return { handled: true, error: err !== null };
      }
      if (!this.mppeEnabled || this.ccpSettled) return { handled: false, error: false };
    } else if (this.ipcp) {
      return { handled: true, error: this.ipcp.input(info, now) !== null };
    }
    if (!canWait) return { handled: false, error: false };
    (this.early ??= new Map()).set(protocol, Buffer.from(info));
    return { handled: true, error: false };
  }

  /** The peer Protocol-Rejected `protocol`; true if it was one of ours. */
  protocolRejected(protocol: number, now: number): boolean {
    if (protocol === Protocol.CCP && this.ccp) {
      // RFC 1661 §5.7: stop sending it; without CCP there is no MPPE.
      const ccp = this.ccp;
      this.ccp = null;
      ccp.fsm.down(now);
      ccp.fsm.close(now);
      this.ccpFinished(now, 'peer rejected CCP');
      return true;
    }
    if (protocol === Protocol.IPCP && this.ipcp) {
      this.host.close('ncp-failed', now, 'peer rejected IPCP');
      return true;
    }
    return false;
  }

  /** An IP packet to send, or null when it must not go out. */
  encapsulate(packet: Buffer, comp: FrameCompression): Buffer | null {
    if (!this.up || (this.policy.required && !this.data.encrypting)) return null;
    return this.data.encapsulate(packet, comp);
  }

  /** Octets of the frame for an IP packet of `packetLength`, or -1 when it must not go out. */
  ipFrameLength(packetLength: number, comp: FrameCompression): number {
    if (!this.up || (this.policy.required && !this.data.encrypting)) return -1;
    return this.data.frameLength(packetLength, comp);
  }

  /** A plain IP frame's packet, if plain IP is acceptable now. */
  acceptPlainIp(): boolean {
    return this.up && !this.data.decrypting && !this.policy.required;
  }

  receiveMppe(info: Buffer, now: number): Decapsulated {
    if (!this.up) return { kind: 'drop', reason: 'network not up', resetRequired: false };
    const r = this.data.decryptMppe(info);
    // RFC 3078 §8.2: a stateful receiver out of sync asks for a flush.
    if (r.kind === 'drop' && r.resetRequired) this.ccp?.requestReset(now);
    return r;
  }

  /** @internal CCP tlu (NetworkCcpHooks). */
  ccpUp(r: CcpResult, now: number): void {
    if (this.mppeWasUp) return this.mppeLost(now, 'CCP was renegotiated');
    if (this.policy.required && (!r.send || !r.recv)) {
      return this.host.close('mppe-refused', now, `peer refused MPPE but ${requirementName(this.policy)} is set`);
    }
    if (this.keys && (r.send || r.recv)) {
      this.data.configure(this.keys, r, this.opts.mppeFlushRekeys ?? true);
      this.mppeWasUp = true;
    }
    this.ccpSettled = true;
    this.maybeStartIpcp(now);
  }

  /** @internal CCP tld: CCP left Opened (Terminate-Request, a new Configure-Request). */
  ccpDown(now: number): void {
    this.data.clear();
    if (this.active && this.mppeWasUp) this.mppeLost(now, 'CCP went down');
  }

  // Once MPPE has been up, CCP going down or renegotiating ends the link, as pppd does:
  // new coders from the same master keys would restart the coherency count under the same
  // keystream (two packets' XOR = their plaintexts' XOR), and going on without MPPE would
  // send in clear what the peer believes is encrypted.
  private mppeLost(now: number, what: string): void {
    this.host.close('mppe-lost', now, `${what} after MPPE was up: the link ends (keys are never reused, traffic never falls back to clear)`);
  }

  /** @internal CCP tlf, or CCP Protocol-Rejected. */
  ccpFinished(now: number, message: string): void {
    this.data.clear();
    if (this.mppeWasUp) return this.mppeLost(now, message);
    if (this.policy.required) return this.host.close('mppe-refused', now, `${message} but ${requirementName(this.policy)} is set`);
    this.ccpSettled = true;
    this.maybeStartIpcp(now);
  }

  private maybeStartIpcp(now: number): void {
    if (this.ipcp || !this.active || !this.ccpSettled) return;
    const server = this.opts.role === 'server';
    const n = this.network;
    if (server && !n) return; // waiting for setNetwork()
    const ip = (s: string | undefined): number => (s ? (parseIPv4(s) ?? 0) : 0);
    this.ipcp = new Ipcp(
      {
        role: this.opts.role,
        local: server ? ip(n?.local) : 0,
        remote: server ? ip(n?.remote) : 0,
        dns: [ip(n?.dns?.[0]), ip(n?.dns?.[1])],
        wins: [ip(n?.wins?.[0]), ip(n?.wins?.[1])],
        requestDns: this.opts.requestDns ?? true,
        requestWins: this.opts.requestWins ?? false,
      },
      this.restart,
      new NetworkIpcpHooks(this),
    );
    this.ipcp.fsm.open(now);
    this.ipcp.fsm.up(now);
    this.replayEarly(Protocol.IPCP, now);
  }

  /** @internal IPCP tlu (NetworkIpcpHooks). */
  ipcpUp(r: IpcpResult, now: number): void {
    if (this.policy.required && !this.data.encrypting) {
      return this.host.close('mppe-refused', now, `IPCP opened without MPPE but ${requirementName(this.policy)} is set`);
    }
    this.up = true;
    const m = this.ccp?.mppe;
    const mppe = m && (this.data.encrypting || this.data.decrypting) ? { send: m.send, recv: m.recv } : null;
    const mtu = Math.min(this.opts.mtu ?? 1500, this.host.peerMru());
    const info: NetworkUp = { local: r.local, remote: r.remote, dns: r.dns, wins: r.wins, mppe, mtu };
    this.host.emit({ type: 'network-up', ...info });
  }

  private replayEarly(protocol: number, now: number): void {
    const early = this.early;
    const pkt = early?.get(protocol);
    if (!early || !pkt) return;
    early.delete(protocol);
    if (early.size === 0) this.early = null;
    this.input(protocol, pkt, now, false);
  }
}

// The CCP and IPCP hooks as objects with prototype methods: a link holds one small object
// each instead of five or six closures and their context.
class NetworkCcpHooks implements CcpHooks {
  /** The Ccp these hooks belong to (set right after it is made). */
  ccp: Ccp | null = null;
  constructor(private readonly net: NetworkPhase) {}
  send(p: Buffer): void {
    this.net.host.transmit(Protocol.CCP, p);
  }
  up(r: CcpResult, now: number): void {
    this.net.ccpUp(r, now);
  }
  down(now: number): void {
    this.net.ccpDown(now);
  }
  finished(now: number): void {
    // Only while this CCP is the current one (not after a Protocol-Reject detached it).
    if (this.net.ccp === this.ccp) this.net.ccpFinished(now, 'CCP negotiation failed');
  }
  resetRequested(): void {
    this.net.data.resetRequest();
  }
  notice(message: string): void {
    this.net.host.emit({ type: 'notice', message });
  }
}

class NetworkIpcpHooks implements IpcpHooks {
  constructor(private readonly net: NetworkPhase) {}
  send(p: Buffer): void {
    this.net.host.transmit(Protocol.IPCP, p);
  }
  up(r: IpcpResult, now: number): void {
    this.net.ipcpUp(r, now);
  }
  down(): void {
    this.net.up = false;
  }
  finished(now: number): void {
    this.net.host.close('ncp-failed', now, 'IPCP negotiation failed');
  }
  notice(message: string): void {
    this.net.host.emit({ type: 'notice', message });
  }
}
