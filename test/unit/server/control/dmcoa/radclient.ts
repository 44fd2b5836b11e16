// FreeRADIUS's radclient as a real Dynamic Authorization Client, run asynchronously (the
// server under test shares this process's event loop) and bounded in time.
import { spawn, spawnSync } from 'node:child_process';

export const hasRadclient = spawnSync('sh', ['-c', 'command -v radclient'], { timeout: 5000 }).status === 0;

export interface RadclientResult {
  /** The reply code radclient printed (Disconnect-ACK, CoA-NAK, …); undefined = no reply. */
  code: string | undefined;
  out: string;
}

/** One request (1 s timeout, no retries); `attrs` is radclient's input, one attribute per line. */
export function radclient(target: string, command: 'disconnect' | 'coa', attrs: string, secret: string): Promise<RadclientResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('radclient', ['-x', '-r', '1', '-t', '1', target, command, secret], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      resolve({ code: /Received (\S+) Id/.exec(out)?.[1], out });
    });
    child.stdin.end(attrs);
  });
}
