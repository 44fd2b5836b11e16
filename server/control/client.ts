// The CLI's side of the control socket: send one request, read one reply line, with
// plain-language errors for the usual failures (server not running, no permission).

import net from 'node:net';
import type { ControlReply } from './protocol.js';

/** A `sessions` reply for thousands of sessions is a few MB; this bounds a runaway one. */
const MAX_REPLY = 64 * 1024 * 1024;

export class ControlClientError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ControlClientError';
  }
}

function explain(err: NodeJS.ErrnoException, socketPath: string): string {
  switch (err.code) {
    case 'ENOENT':
      return `cannot connect to ${socketPath}: no such socket — is pptpd-ts running (with control.enabled) and is this its control.socket?`;
    case 'ECONNREFUSED':
      return `cannot connect to ${socketPath}: connection refused — pptpd-ts is not running (a stale socket file is left)`;
    case 'EACCES':
    case 'EPERM':
      return `cannot connect to ${socketPath}: permission denied — run as root or as a member of the socket's group (control.group)`;
    default:
      return `cannot connect to ${socketPath}: ${err.message}`;
  }
}

/** Sends `request` (an object) and resolves with the server's reply. */
export function controlRequest(socketPath: string, request: Record<string, unknown>, timeoutMs = 5000): Promise<ControlReply> {
  return new Promise((resolve, reject) => {
    const s = net.connect(socketPath);
    let buf = '';
    let done = false;
    const finish = (f: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.destroy();
      f();
    };
    const timer = setTimeout(() => finish(() => reject(new ControlClientError(`no reply from ${socketPath} within ${timeoutMs} ms`))), timeoutMs);
    s.setEncoding('utf8');
    s.on('connect', () => s.write(`${JSON.stringify(request)}\n`));
    s.on('data', (d: string) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        const line = buf.slice(0, nl);
        finish(() => {
          try {
            resolve(JSON.parse(line) as ControlReply);
          } catch {
            reject(new ControlClientError(`unreadable reply from ${socketPath}`));
          }
        });
      } else if (buf.length > MAX_REPLY) {
        finish(() => reject(new ControlClientError(`reply from ${socketPath} is too long`)));
      }
    });
    s.on('error', (err: NodeJS.ErrnoException) => finish(() => reject(new ControlClientError(explain(err, socketPath)))));
    s.on('close', () => finish(() => reject(new ControlClientError(`${socketPath} closed the connection without a reply`))));
  });
}
