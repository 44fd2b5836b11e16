// What a PPP session derives from its options alone (restart/deadline settings, the LCP
// configuration): computed once per options object and shared by every session made with it.
import { RFC1661_DEFAULTS, type RestartConfig } from './fsm/restart.js';
import type { LcpConfig } from './lcp/lcp.js';
import { AUTH_PREFERENCE } from './lcp/options.js';
import { type PhaseDeadlines, type PppSessionOptions, SESSION_DEFAULTS } from './session-types.js';
import { pooledRandomUint32 } from '../random-pool.js';
import { randomSource, sortAuth } from './session-util.js';

/** What a session derives from its options alone: made once per options object and shared
 *  by every session created with it (the server passes the same one to all its links). */
export interface Derived {
  readonly restart: RestartConfig;
  readonly deadlines: PhaseDeadlines;
  readonly random: (n: number) => Buffer;
  readonly lcp: LcpConfig;
}

const derivedCache = new WeakMap<PppSessionOptions, Derived>();
const defaultNewMagic = (): number => pooledRandomUint32();

export function derivedOf(opts: PppSessionOptions): Derived {
  const cached = derivedCache.get(opts);
  if (cached) return cached;
  const restart: RestartConfig = { ...RFC1661_DEFAULTS, ...opts.restart };
  const random = opts.random ?? randomSource;
  const d: Derived = {
    restart,
    deadlines: { ...SESSION_DEFAULTS.deadlines, ...opts.deadlines },
    random,
    lcp: {
      role: opts.role,
      authMethods: sortAuth(opts.authMethods, AUTH_PREFERENCE),
      mru: opts.mru ?? SESSION_DEFAULTS.mru,
      accm: 0,
      requestPfc: true,
      requestAcfc: true,
      newMagic: opts.random ? () => random(4).readUInt32BE(0) : defaultNewMagic,
      loopbackLimit: opts.loopbackLimit ?? SESSION_DEFAULTS.loopbackLimit,
      restart,
      echoIntervalMs: opts.echoIntervalMs ?? SESSION_DEFAULTS.echoIntervalMs,
      echoFailure: opts.echoFailure ?? SESSION_DEFAULTS.echoFailure,
    },
  };
  derivedCache.set(opts, d);
  return d;
}
