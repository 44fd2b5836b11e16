// Operations for a running server, started by the composition root after server.start():
// telemetry (metrics: Prometheus / OTLP; set-up traces), the local control socket
// (`pptpd-ts sessions` / `kill`) and the RFC 5176 DM/CoA listener. Each part is optional
// and configured from the same configuration object the server runs with: the
// schema (config/schema-operations.ts) has validated and defaulted it, nothing here
// checks it again.
//
//   const ops = await startOperations({ server, config, log });
//   …
//   await ops.stop();   // before server.stop(), so no command races the shutdown

import type { Logger } from 'pino';
import { startTelemetry, type Telemetry, type TelemetryDeps } from '../telemetry/sdk.js';
import type { OperationsHost } from './host.js';
import type { Config } from '../../config/schema.js';
import { ControlSocketServer } from './socket-server.js';
import { DynAuthServer } from './dmcoa/server.js';

export interface StartOperationsArgs {
  /** The running PptpServer (or any object with the same operator surface). */
  readonly server: OperationsHost;
  /** The validated configuration (control, telemetry, dynamicAuthorization are read from it). */
  readonly config: Pick<Config, 'control' | 'telemetry' | 'dynamicAuthorization'>;
  readonly log: Logger;
  /** Test hooks passed to telemetry (in-memory readers / span processors). */
  readonly telemetry?: Pick<TelemetryDeps, 'metricReaders' | 'spanProcessors' | 'registerGlobal'>;
}

export interface Operations {
  readonly telemetry: Telemetry;
  readonly control: ControlSocketServer | undefined;
  readonly dynAuth: DynAuthServer | undefined;
  stop(): Promise<void>;
}

export async function startOperations(args: StartOperationsArgs): Promise<Operations> {
  const opts = args.config;
  const log = args.log.child({ component: 'operations' });
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const s of stops.reverse()) await s().catch((e: unknown) => log.warn({ err: (e as Error).message }, 'operations stop step failed'));
  };
  try {
    const telemetry = await startTelemetry({ options: opts.telemetry, host: args.server, log, ...args.telemetry });
    stops.push(() => telemetry.stop());
    let control: ControlSocketServer | undefined;
    if (opts.control.enabled) {
      control = await ControlSocketServer.listen({
        path: opts.control.socket,
        mode: Number.parseInt(opts.control.mode, 8),
        group: opts.control.group,
        host: args.server,
        log,
        onRequest: (cmd, ok) => telemetry.metrics.controlRequest(cmd, ok),
      });
      const c = control;
      stops.push(() => c.close());
    }
    let dynAuth: DynAuthServer | undefined;
    if (opts.dynamicAuthorization?.enabled === true) {
      dynAuth = await DynAuthServer.start({
        options: opts.dynamicAuthorization,
        host: args.server,
        log,
        onOutcome: (o) => telemetry.metrics.dynAuth(o.kind, o.result, o.reason),
      });
      const d = dynAuth;
      stops.push(() => d.close());
    }
    let stopped = false;
    return {
      telemetry,
      control,
      dynAuth,
      stop: async () => {
        if (stopped) return;
        stopped = true;
        await stopAll();
      },
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}

export type { OperationsHost };
