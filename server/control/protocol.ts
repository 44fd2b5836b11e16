// The control socket's protocol: one JSON object per line each way (line-delimited JSON),
// one reply per request, in order. Small on purpose — `pptpd-ts sessions` / `kill` and
// scripts (`socat - UNIX-CONNECT:/run/pptpd-ts/control.sock`) speak it.
//
//   → {"cmd":"sessions"}                       ← {"ok":true,"sessions":[SessionView…]}
//   → {"cmd":"kill","user":"alice"}            ← {"ok":true,"killed":1}
//     (exactly one of user | ip | session)
//   → anything else                            ← {"ok":false,"error":"…"}
// An optional "id" in a request is echoed in its reply.

import { isIPv4 } from 'node:net';
import type { OperationsHost, SessionSelector, SessionView } from './host.js';

/** A request line longer than this closes the connection. */
export const MAX_LINE = 64 * 1024;

export type ControlRequest =
  | { readonly cmd: 'sessions'; readonly id?: unknown }
  | { readonly cmd: 'kill'; readonly id?: unknown; readonly selector: SessionSelector };

export type ControlReply =
  | { readonly ok: true; readonly id?: unknown; readonly sessions: SessionView[] }
  | { readonly ok: true; readonly id?: unknown; readonly killed: number }
  | { readonly ok: false; readonly id?: unknown; readonly error: string };

/** Parses one request line; an error string for anything malformed. */
export function parseRequest(line: string): ControlRequest | { error: string; id?: unknown } {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return { error: 'not JSON' };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { error: 'a request is a JSON object' };
  const o = v as Record<string, unknown>;
  const id = o['id'];
  const withId = id === undefined ? {} : { id };
  switch (o['cmd']) {
    case 'sessions':
      return { cmd: 'sessions', ...withId };
    case 'kill': {
      const keys = (['user', 'ip', 'session'] as const).filter((k) => o[k] !== undefined);
      if (keys.length !== 1) return { error: 'kill needs exactly one of user, ip, session', ...withId };
      const k = keys[0]!;
      const val = o[k];
      if (typeof val !== 'string' || val === '') return { error: `kill: ${k} must be a non-empty string`, ...withId };
      if (k === 'ip' && !isIPv4(val)) return { error: `kill: ${val} is not an IPv4 address`, ...withId };
      return { cmd: 'kill', selector: { [k]: val }, ...withId };
    }
    default:
      return { error: `unknown command ${JSON.stringify(o['cmd'])} (sessions | kill)`, ...withId };
  }
}

/** Runs one request against the server. */
export function execute(req: ControlRequest, host: Pick<OperationsHost, 'sessions' | 'kill'>): ControlReply {
  const withId = req.id === undefined ? {} : { id: req.id };
  if (req.cmd === 'sessions') return { ok: true, sessions: host.sessions(), ...withId };
  const killed = host.kill(req.selector, 'Admin-Reset', 'terminated by the administrator (pptpd-ts kill)');
  return { ok: true, killed, ...withId };
}
