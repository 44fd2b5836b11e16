// The local control socket: a unix stream socket, mode 0660 (owner root, group of the
// configured admin group), speaking protocol.ts. Only local users with the file
// permission can connect: the kernel checks them at connect(2), nothing else does.
//
// A socket file left by a crashed server is replaced; one held by a live server is not
// (start-up fails with a clear message instead of stealing it).

import { chmodSync, chownSync, mkdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Logger } from 'pino';
import { lookupGroup } from '../../config/host-checks.js';
import { ErrorCode, PptpdError } from '../errors.js';
import type { OperationsHost } from './host.js';
import { execute, MAX_LINE, parseRequest, type ControlReply } from './protocol.js';

export interface ControlSocketDeps {
  readonly path: string;
  readonly mode: number;
  readonly group: string | number | undefined;
  readonly host: Pick<OperationsHost, 'sessions' | 'kill'>;
  readonly log: Logger;
  /** Each request (metrics): its command and whether it succeeded. */
  readonly onRequest?: (cmd: string, ok: boolean) => void;
}

/** Most connections open at once; more are refused (a local client cannot hog the server). */
const MAX_CONNECTIONS = 32;
/** A connection idle this long is closed. */
const IDLE_MS = 30_000;

/** Resolves a group name (config/host-checks.ts checked it at load; this is the late re-check). */
export function groupId(group: string | number): number {
  const g = lookupGroup(group);
  if ('problem' in g) throw new PptpdError(ErrorCode.CONFIG_INVALID, `control.group: ${g.problem}`);
  return g.gid;
}

function isLive(p: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(p);
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

export class ControlSocketServer {
  readonly #server: net.Server;
  readonly #deps: ControlSocketDeps;
  readonly #conns = new Set<net.Socket>();

  private constructor(server: net.Server, deps: ControlSocketDeps) {
    this.#server = server;
    this.#deps = deps;
  }

  static async listen(deps: ControlSocketDeps): Promise<ControlSocketServer> {
    const p = deps.path;
    mkdirSync(path.dirname(p), { recursive: true, mode: 0o755 });
    if (await isLive(p)) {
      throw new PptpdError(ErrorCode.CONFIG_INVALID, `control socket ${p} is in use: is another pptpd-ts running? (control.socket)`);
    }
    rmSync(p, { force: true });
    const gid = deps.group === undefined ? undefined : groupId(deps.group);
    const server = net.createServer();
    const self = new ControlSocketServer(server, deps);
    server.on('connection', (s) => self.#accept(s));
    server.maxConnections = MAX_CONNECTIONS;
    await listenOwnerOnly(server, p);
    server.on('error', (err) => deps.log.error({ err: err.message }, `control socket error: ${err.message}`));
    // Born owner-only; now widen to the configured mode (and group) if asked.
    chmodSync(p, deps.mode);
    if (gid !== undefined) chownSync(p, process.getuid?.() ?? 0, gid);
    deps.log.info({ control: p, mode: deps.mode.toString(8) }, `control socket ${p}`);
    return self;
  }

  get path(): string {
    return this.#deps.path;
  }

  async close(): Promise<void> {
    for (const c of this.#conns) c.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    rmSync(this.#deps.path, { force: true });
  }

  #accept(s: net.Socket): void {
    this.#conns.add(s);
    s.setEncoding('utf8');
    s.setTimeout(IDLE_MS, () => s.destroy());
    let buf = '';
    s.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line !== '') this.#reply(s, line);
      }
      if (buf.length > MAX_LINE) {
        s.end(`${JSON.stringify({ ok: false, error: `request longer than ${MAX_LINE} octets` })}\n`);
        s.destroy();
      }
    });
    s.on('error', () => s.destroy());
    s.on('close', () => this.#conns.delete(s));
  }

  #reply(s: net.Socket, line: string): void {
    const req = parseRequest(line);
    let reply: ControlReply;
    let cmd = 'invalid';
    if ('error' in req) {
      reply = { ok: false, error: req.error, ...(req.id !== undefined ? { id: req.id } : {}) };
    } else {
      cmd = req.cmd;
      try {
        reply = execute(req, this.#deps.host);
        if (req.cmd === 'kill') this.#deps.log.info({ selector: req.selector, killed: (reply as { killed: number }).killed }, `control: kill ${JSON.stringify(req.selector)}`);
      } catch (e) {
        reply = { ok: false, error: `internal error: ${(e as Error).message}` };
        this.#deps.log.error({ err: (e as Error).message, cmd }, 'control request failed');
      }
    }
    this.#deps.onRequest?.(cmd, reply.ok);
    if (!s.destroyed) s.write(`${JSON.stringify(reply)}\n`);
  }
}

/**
 * Listens on a Unix socket that is created owner-only (0600) whatever the process umask:
 * a chmod after listen would leave a moment in which anyone the umask lets in could connect.
 * The bind happens synchronously inside listen(), so the umask is restored at once.
 */
export function listenOwnerOnly(server: net.Server, p: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const umask = process.umask(0o177);
    try {
      server.listen(p, () => {
        server.off('error', reject);
        resolve();
      });
    } finally {
      process.umask(umask);
    }
  });
}
