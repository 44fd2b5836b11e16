// radius: a verifier. It sends the whole exchange the peer made (PAP password,
// CHAP or MS-CHAP challenge and response) to RADIUS servers in an
// Access-Request (request.ts) and maps the answer (reply.ts): Access-Accept →
// accept with MPPE keys, the MS-CHAPv2 authenticator response and session
// attributes; Access-Reject → reject with the MS-CHAP error code.
//
// When no server answers, `onUnreachable` decides: reject (default) or pass
// to the next plugin. The whole attempt takes at most servers × (1 + retries)
// × replyTimeoutMs; give the chain entry a `timeoutMs` (the chain's deadline
// for this plugin, default 10 s) above that, or the chain stops waiting first
// (the plugin's signal then stops the client too, and the chain goes on as its
// `onError` says).
// Secrets live in the client only: logs, spans and reasons name servers by
// host:port.

import type { AuthPlugin, PluginContext, PluginOutcome } from '../plugin.js';
import type { PluginScheme } from '../registry.js';
import type { AuthRequest } from '../types.js';
import { RadiusClient } from '../../server/radius/client.js';
import { silentLogger } from '../../server/log.js';
import type { Logger } from 'pino';
import { radiusOptions, serversWithSecrets, type RadiusOptions } from './options.js';
import { accessRequest } from './request.js';
import { interpretReply } from './reply.js';

export interface RadiusPlugin extends AuthPlugin {
  /** The client, for tests and status (dead servers, counters). */
  readonly client: RadiusClient;
}

export function createRadiusPlugin(options: RadiusOptions, name = 'radius', logger: Logger = silentLogger()): RadiusPlugin {
  const client = new RadiusClient({
    servers: serversWithSecrets(options.servers, `auth plugin ${name}`),
    timeoutMs: options.replyTimeoutMs,
    retries: options.retries,
    deadTimeSeconds: options.deadTimeSeconds,
    bindAddress: options.bindAddress,
    logger,
  });
  return {
    name,
    kind: 'radius',
    client,
    async handle(req: AuthRequest, ctx: PluginContext): Promise<PluginOutcome> {
      const userName = options.userName === 'as-sent' ? req.peerName : req.userName;
      const built = accessRequest(req, {
        userName,
        ...(options.nasIdentifier !== undefined ? { nasIdentifier: options.nasIdentifier } : {}),
        ...(options.nasIpAddress !== undefined ? { nasIpAddress: options.nasIpAddress } : {}),
      });
      if ('error' in built) return { type: 'reject', reason: `cannot ask RADIUS: ${built.error}` };
      const result = await client.send('Access-Request', built.build, { signal: ctx.signal });
      if (!result.ok) {
        if (result.aborted) return { type: 'pass', reason: 'RADIUS request aborted' };
        ctx.logger.warn({ reason: result.reason, onUnreachable: options.onUnreachable }, 'no RADIUS server answered');
        return options.onUnreachable === 'pass' ? { type: 'pass', reason: result.reason } : { type: 'reject', reason: result.reason };
      }
      const outcome = interpretReply(result.reply, req);
      ctx.logger.debug({ server: result.reply.server.name, code: result.reply.codeName, ms: Math.round(result.reply.elapsedMs), userName }, 'RADIUS answered');
      return outcome;
    },
    close: () => client.close(),
  };
}

export const radiusScheme: PluginScheme<typeof radiusOptions> = {
  kind: 'radius',
  description: 'verify PAP/CHAP/MS-CHAPv1/MS-CHAPv2 with RADIUS servers (RFC 2865, 2548); MPPE keys and attributes from the accept',
  options: radiusOptions,
  create: (options, deps) => createRadiusPlugin(options, deps.name, deps.logger),
};
