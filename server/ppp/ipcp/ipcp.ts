// IPCP (RFC 1332) = the shared automaton + the IPCP option handlers. Only codes 1-7 exist.
// The addresses come from the caller through an IpcpPlan (the session fills it from
// setNetwork() for the server role); this module never picks an address itself.
import type { DecodeError } from '../../errors.js';
import type { CpEvent } from '../fsm/automaton.js';
import { type CpHooks, Negotiator } from '../fsm/negotiator.js';
import type { RestartConfig } from '../fsm/restart.js';
import { formatIPv4, ipcpOptionHandlers, type IpcpPlan, IpcpOptionState } from './options.js';

export interface IpcpResult {
  readonly local: string;
  readonly remote: string;
  readonly dns: readonly string[];
  readonly wins: readonly string[];
}

export interface IpcpHooks {
  send(payload: Buffer): void;
  up(result: IpcpResult, now: number): void;
  down(now: number): void;
  finished(now: number, event: CpEvent): void;
  notice?(message: string): void;
}

export class Ipcp {
  readonly fsm: Negotiator;
  readonly state = new IpcpOptionState();

  constructor(
    readonly plan: IpcpPlan,
    restart: RestartConfig,
    hooks: IpcpHooks,
  ) {
    this.fsm = new Negotiator({
      name: 'ipcp',
      handlers: ipcpOptionHandlers(plan, this.state),
      restart,
      hooks: new IpcpCpHooks(this, hooks),
    });
  }

  input(payload: Buffer, now: number): DecodeError | null {
    return this.fsm.input(payload, now);
  }

  result(): IpcpResult {
    const list = (xs: readonly number[]): string[] => xs.filter((x) => x !== 0).map(formatIPv4);
    return {
      local: formatIPv4(this.state.local),
      remote: formatIPv4(this.state.remote),
      dns: list(this.state.dns),
      wins: list(this.state.wins),
    };
  }
}

/** The automaton's hooks as one object with prototype methods (no closures per session). */
class IpcpCpHooks implements CpHooks {
  constructor(
    private readonly ipcp: Ipcp,
    private readonly hooks: IpcpHooks,
  ) {}
  send(p: Buffer): void {
    this.hooks.send(p);
  }
  up(now: number): void {
    this.hooks.up(this.ipcp.result(), now);
  }
  down(now: number): void {
    this.hooks.down(now);
  }
  finished(now: number, ev: CpEvent): void {
    this.hooks.finished(now, ev);
  }
  notice(m: string): void {
    this.hooks.notice?.(m);
  }
}
