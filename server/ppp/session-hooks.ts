// LCP's hooks for a PppSession: one object with prototype methods per session instead of
// eight closures and their context.
import type { CpEvent } from './fsm/automaton.js';
import type { LcpFatalCause, LcpHooks } from './lcp/lcp.js';
import { Protocol } from './protocols.js';
import type { PppSession } from './session.js';

/** LCP's hooks as one object with prototype methods (no closures per session). */
export class SessionLcpHooks implements LcpHooks {
  constructor(private readonly s: PppSession) {}
  send(p: Buffer): void {
    this.s.transmit(Protocol.LCP, p);
  }
  up(now: number): void {
    this.s.lcpUp(now);
  }
  down(now: number): void {
    this.s.lcpDown(now);
  }
  finished(now: number, ev: CpEvent): void {
    this.s.lcpFinished(now, ev);
  }
  protocolRejected(protocol: number, now: number): void {
    this.s.protocolRejected(protocol, now);
  }
  fatal(cause: LcpFatalCause, message: string, now: number): void {
    this.s.close(cause, now, message);
  }
  identification(m: Buffer): void {
    this.s.emit({ type: 'identification', message: m.toString('latin1') });
  }
  notice(message: string): void {
    this.s.emit({ type: 'notice', message });
  }
}
