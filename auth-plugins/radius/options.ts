// Options of the `radius` auth plugin, checked at start by the registry.
// zod's messages never quote values, so a bad secret is never echoed.

import { z } from 'zod';
import { ErrorCode, PptpdError } from '../../server/errors.js';

export const radiusServerSchema = z.strictObject({
  host: z.string().min(1).describe('server address or name'),
  port: z.number().int().min(1).max(65535).default(1812).describe('authentication port'),
  secret: z.string().min(1).optional().describe('shared secret (never logged); or secretFile'),
  secretFile: z
    .string()
    .min(1)
    .optional()
    .describe('radiusclient `servers` file (`host[:port] secret` lines) holding the secret for this host, read at load'),
  requireMessageAuthenticator: z
    .boolean()
    .default(true)
    .describe('refuse replies without a valid Message-Authenticator (CVE-2024-3596); false for FreeRADIUS < 3.2.5'),
}).superRefine(oneSecret);

/** A server gives its secret inline or by reference (config/secret-file.ts reads it at load): one of the two. */
export function oneSecret(s: { secret?: string | undefined; secretFile?: string | undefined }, ctx: z.core.$RefinementCtx): void {
  if (s.secret === undefined && s.secretFile === undefined) {
    ctx.addIssue({ code: 'custom', path: ['secret'], message: 'is required (or secretFile: a radiusclient servers file holding it)' });
  } else if (s.secret !== undefined && s.secretFile !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['secret'], message: 'give the shared secret either as secret or as secretFile, not both' });
  }
}

export const radiusOptions = z.strictObject({
  servers: z.array(radiusServerSchema).min(1).describe('asked in order; the next one when a server does not answer'),
  // Not `timeoutMs`: that key of a chain entry is the chain's deadline for the whole plugin.
  replyTimeoutMs: z.number().int().positive().default(2000).describe('wait for a reply to one transmission'),
  retries: z.number().int().min(0).max(10).default(1).describe('retransmissions to one server after the first'),
  deadTimeSeconds: z.number().int().min(0).default(60).describe('skip a server that did not answer for this long (0: never skip)'),
  bindAddress: z.union([z.ipv4(), z.ipv6()]).default('0.0.0.0').describe('local address of the client sockets'),
  nasIdentifier: z.string().min(1).max(253).optional().describe('NAS-Identifier (default: the server name, pppd `name`)'),
  nasIpAddress: z.ipv4().optional().describe('NAS-IP-Address (default: the address the client connected to)'),
  userName: z
    .enum(['rewritten', 'as-sent'])
    .default('rewritten')
    .describe('User-Name: the name after rewriters (rewritten) or the name as the client sent it (as-sent)'),
  onUnreachable: z
    .enum(['reject', 'pass'])
    .default('reject')
    .describe('when no server answers: reject the attempt, or pass to the next plugin'),
});
export type RadiusOptions = z.output<typeof radiusOptions>;
export type RadiusOptionsInput = z.input<typeof radiusOptions>;

/**
 * The servers with their secrets. A `secretFile` is read when the configuration is loaded
 * (config/secret-file.ts); one still unread here means the loader was bypassed: refuse.
 */
export function serversWithSecrets<S extends { host: string; port: number; secret?: string | undefined }>(
  servers: readonly S[],
  where: string,
): (S & { secret: string })[] {
  return servers.map((s) => {
    if (s.secret === undefined) throw new PptpdError(ErrorCode.CONFIG_INVALID, `${where}: server ${s.host}:${s.port}: its secretFile was not read`);
    return s as S & { secret: string };
  });
}
