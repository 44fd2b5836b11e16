// Options of the `radius` auth plugin, checked at start by the registry.
// zod's messages never quote values, so a bad secret is never echoed.

import { z } from 'zod';

export const radiusServerSchema = z.strictObject({
  host: z.string().min(1).describe('server address or name'),
  port: z.number().int().min(1).max(65535).default(1812).describe('authentication port'),
  secret: z.string().min(1).describe('shared secret (never logged)'),
  requireMessageAuthenticator: z
    .boolean()
    .default(true)
    .describe('refuse replies without a valid Message-Authenticator (CVE-2024-3596); false for FreeRADIUS < 3.2.5'),
});

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
