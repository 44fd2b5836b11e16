// Test harness: a server handler and a client handler wired back to back in memory, with a
// virtual clock, a stub verifier (the real plugin chain is another module) and hooks to drop
// or record packets. Every loop is bounded.
import type { AuthCredentials, AuthResult } from '../../../../../auth-plugins/types.js';
import { mppeKeysV1, mppeKeysV2 } from '../../../../../server/crypto/mppe-keys.js';
import {
  chapMd5Response,
  generateAuthenticatorResponse,
  generateNtResponse,
  mschapUserName,
  ntChallengeResponse,
  ntPasswordHash,
} from '../../../../../server/crypto/mschap.js';
import type { AuthAction, AuthProtocolHandler } from '../../../../../server/ppp/auth/types.js';

/** Checks what the peer sent against known passwords, as a local credential source would. */
export function stubVerify(users: Record<string, string>, peerName: string, c: AuthCredentials): AuthResult {
  const userName = mschapUserName(peerName);
  const password = users[userName];
  const reject: AuthResult = { verdict: 'reject', reason: 'bad credentials', plugin: 'stub' };
  if (password === undefined) return reject;
  const accept = { verdict: 'accept' as const, userName, attributes: {}, plugin: 'stub' };
  switch (c.method) {
    case 'pap':
      return c.password === password ? accept : reject;
    case 'chap-md5':
      return chapMd5Response(c.identifier, password, c.challenge).equals(c.response) ? accept : reject;
    case 'mschap-v1': {
      const hash = ntPasswordHash(password);
      if (!c.useNtResponse || !ntChallengeResponse(c.challenge, hash).equals(c.ntResponse)) return reject;
      return { ...accept, mppeKeys: mppeKeysV1(hash, c.challenge) };
    }
    case 'mschap-v2': {
      const hash = ntPasswordHash(password);
      const nt = generateNtResponse(c.authenticatorChallenge, c.peerChallenge, peerName, hash);
      if (!nt.equals(c.ntResponse)) return reject;
      return {
        ...accept,
        authenticatorResponse: generateAuthenticatorResponse(hash, c.ntResponse, c.peerChallenge, c.authenticatorChallenge, peerName),
        mppeKeys: mppeKeysV2(hash, c.ntResponse),
      };
    }
  }
}

export type Side = 'server' | 'client';
export type Outcome = Extract<AuthAction, { type: 'success' | 'failure' }>;

export interface WireEvent {
  readonly from: Side;
  readonly at: number;
  readonly payload: Buffer;
  readonly dropped: boolean;
}

/** Deterministic "random": a counter-based byte stream, or fixed buffers in order. */
export function fixedRandom(...chunks: Buffer[]): (n: number) => Buffer {
  let i = 0;
  let counter = 0;
  return (n: number) => {
    const next = chunks[i];
    if (next !== undefined && next.length === n) {
      i++;
      return Buffer.from(next);
    }
    const out = Buffer.alloc(n);
    for (let k = 0; k < n; k++) out[k] = (counter++ * 37 + 11) & 0xff;
    return out;
  };
}

export class Pair {
  now = 0;
  readonly wire: WireEvent[] = [];
  readonly verifies: Extract<AuthAction, { type: 'verify' }>[] = [];
  serverOutcome: Outcome | null = null;
  clientOutcome: Outcome | null = null;
  serverTimer: number | null = null;
  clientTimer: number | null = null;
  /** Return true to lose a packet on the wire. */
  drop: (e: { from: Side; payload: Buffer; index: number }) => boolean = () => false;
  /** The chain; replace to inject verdicts. */
  verify: (peerName: string, c: AuthCredentials) => AuthResult;
  /** When false, verdicts wait in `pendingVerdicts` until deliverVerdicts(). */
  autoVerdict = true;
  readonly pendingVerdicts: AuthResult[] = [];
  private readonly queue: { to: Side; payload: Buffer }[] = [];
  private sent = 0;

  constructor(
    readonly server: AuthProtocolHandler,
    readonly client: AuthProtocolHandler,
    users: Record<string, string>,
  ) {
    this.verify = (name, c) => stubVerify(users, name, c);
  }

  start(): this {
    this.apply('client', this.client.start(this.now));
    this.apply('server', this.server.start(this.now));
    return this;
  }

  /** Deliver packets and fire timers until both sides finish or maxSteps is reached. */
  run(maxSteps = 200, untilMs = 600_000): this {
    for (let step = 0; step < maxSteps; step++) {
      if (this.serverOutcome && this.clientOutcome && this.queue.length === 0) return this;
      const next = this.queue.shift();
      if (next) {
        const h = next.to === 'server' ? this.server : this.client;
        this.apply(next.to, h.input(next.payload, this.now));
        continue;
      }
      if (this.autoVerdict && this.pendingVerdicts.length > 0) {
        this.deliverVerdicts();
        continue;
      }
      const t = [this.serverTimer, this.clientTimer].filter((x): x is number => x !== null);
      if (t.length === 0) return this;
      const at = Math.min(...t);
      if (at > untilMs) return this;
      this.now = Math.max(this.now, at);
      if (this.serverTimer === at) {
        this.serverTimer = null;
        this.apply('server', this.server.handleTimeout(this.now));
      } else {
        this.clientTimer = null;
        this.apply('client', this.client.handleTimeout(this.now));
      }
    }
    return this;
  }

  deliverVerdicts(): void {
    const all = this.pendingVerdicts.splice(0);
    for (const v of all) this.apply('server', this.server.handleVerdict(v, this.now));
  }

  /** Feed one packet to a side directly (bypassing the wire). */
  inject(to: Side, payload: Buffer): AuthAction[] {
    const h = to === 'server' ? this.server : this.client;
    const actions = h.input(payload, this.now);
    this.apply(to, actions);
    return actions;
  }

  /** The side's outcome so far (a call, so assertions on it do not narrow the fields). */
  outcome(side: Side): Outcome | null {
    return side === 'server' ? this.serverOutcome : this.clientOutcome;
  }

  sentBy(side: Side): Buffer[] {
    return this.wire.filter((e) => e.from === side).map((e) => e.payload);
  }

  apply(side: Side, actions: AuthAction[]): void {
    for (const a of actions) {
      switch (a.type) {
        case 'send': {
          const dropped = this.drop({ from: side, payload: a.payload, index: this.sent++ });
          this.wire.push({ from: side, at: this.now, payload: a.payload, dropped });
          if (!dropped) this.queue.push({ to: side === 'server' ? 'client' : 'server', payload: a.payload });
          break;
        }
        case 'timer':
          if (side === 'server') this.serverTimer = a.at;
          else this.clientTimer = a.at;
          break;
        case 'verify':
          this.verifies.push(a);
          this.pendingVerdicts.push(this.verify(a.peerName, a.credentials));
          break;
        case 'success':
        case 'failure':
          if (side === 'server') this.serverOutcome = a;
          else this.clientOutcome = a;
          break;
      }
    }
  }
}
