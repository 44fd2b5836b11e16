// pppd-compatible ip-up / ip-down scripts. Each runs as its own process with pppd's
// arguments (interface, tty, speed, local address, remote address, ipparam) and
// environment (PEERNAME, IPLOCAL, IPREMOTE, ...), never blocks the event loop, and is
// killed after the configured timeout. ip-down waits for its session's ip-up.

import { execFile } from 'node:child_process';
import type { Logger } from 'pino';
import type { CallSession } from './call-session.js';

export interface HookConfig {
  readonly ipUp?: string | undefined;
  readonly ipDown?: string | undefined;
  /** Pass the client's public address as ipparam (what PoPToP does). */
  readonly ipparam: boolean;
  /** Seconds before a script is killed. */
  readonly timeout: number;
}

/** PoPToP's default line speed (pptpd.conf `speed`). */
const SPEED = '115200';

export class PppdHooks {
  readonly #cfg: HookConfig;
  readonly #ifname: string;
  readonly #log: Logger;
  readonly #running = new WeakMap<CallSession, Promise<void>>();

  constructor(cfg: HookConfig, ifname: string, log: Logger) {
    this.#cfg = cfg;
    this.#ifname = ifname;
    this.#log = log;
  }

  up(s: CallSession): void {
    if (!this.#cfg.ipUp) return;
    this.#running.set(s, this.#run(this.#cfg.ipUp, s, {}));
  }

  down(s: CallSession): void {
    const script = this.#cfg.ipDown;
    if (!script || !s.network) return;
    const after = this.#running.get(s) ?? Promise.resolve();
    const c = s.counters();
    const extra = {
      CONNECT_TIME: String(Math.round((Date.now() - (s.upAt ?? Date.now())) / 1000)),
      BYTES_SENT: String(c.outputOctets),
      BYTES_RCVD: String(c.inputOctets),
    };
    void after.then(() => this.#run(script, s, extra));
  }

  #run(script: string, s: CallSession, extra: Record<string, string>): Promise<void> {
    const net = s.network!;
    const tty = `pptp${s.callId}`;
    const ipparam = this.#cfg.ipparam ? s.peerAddress : '';
    const env: NodeJS.ProcessEnv = {
      PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      IFNAME: this.#ifname,
      DEVICE: tty,
      SPEED,
      IPLOCAL: net.local,
      IPREMOTE: net.remote,
      // The name the session authenticated as (after any rewrite), as pppd's peer_authname;
      // never a raw control character: a NUL would make execFile throw, a newline forge lines.
      PEERNAME: envSafe(s.userName ?? s.peerName ?? ''),
      PPPLOGNAME: 'root',
      ORIG_UID: '0',
      PPPD_PID: String(process.pid),
      LINKNAME: s.sessionId,
      CALL_ID: String(s.callId),
      ...(net.dns[0] ? { DNS1: net.dns[0] } : {}),
      ...(net.dns[1] ? { DNS2: net.dns[1] } : {}),
      ...extra,
    };
    const args = [this.#ifname, tty, SPEED, net.local, net.remote, ipparam];
    return new Promise((resolve) => {
      const failed = (why: string): void => {
        s.log.warn({ script, err: why }, `${script} failed: ${why}`);
        resolve();
      };
      try {
        execFile(script, args, { env, timeout: this.#cfg.timeout * 1000, killSignal: 'SIGKILL' }, (err) => {
          if (err) failed(String(err.killed ? `killed after ${this.#cfg.timeout} s` : (err as NodeJS.ErrnoException).code ?? err.message));
          else resolve();
        });
      } catch (e) {
        // execFile throws synchronously on arguments it refuses: one session's script must
        // never take the process down.
        failed((e as Error).message);
      }
    });
  }
}

/** A value fit for a child's environment: control characters (NUL, newline, DEL) become '?'. */
export function envSafe(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\x00-\x1f\x7f]/g, '?');
}
