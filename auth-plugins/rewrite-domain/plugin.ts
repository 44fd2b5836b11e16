// rewrite-domain: a rewriter. `CORP\alice` and `alice@corp.example` become
// userName `alice` with realm `CORP` / `corp.example` (mode strip), or keep the
// full name but still note the realm (mode keep). A realm may route the rest
// of the attempt into a named branch (corp → ldap, isp.example → radius).
// peerName is never touched: logs, accounting and the MS-CHAPv2 ChallengeHash
// use what the client sent.

import { z } from 'zod';
import { NameForm, splitName } from '../names.js';
import type { AuthPlugin, PluginOutcome } from '../plugin.js';
import type { PluginScheme } from '../registry.js';
import type { AuthRequest } from '../types.js';

export const rewriteDomainOptions = z.strictObject({
  mode: z.enum(['strip', 'keep']).default('strip').describe('strip: userName becomes the bare user; keep: userName unchanged, realm still noted'),
  forms: z
    .array(z.enum([NameForm.NETBIOS, NameForm.UPN]))
    .min(1)
    .default([NameForm.NETBIOS, NameForm.UPN])
    .describe('which forms to recognise: netbios (DOMAIN\\user), upn (user@realm)'),
  realms: z
    .record(z.string().min(1), z.string().min(1))
    .default({})
    .describe('realm → branch name (case-insensitive realm match)'),
  unknownRealm: z
    .enum(['continue', 'reject'])
    .default('continue')
    .describe('a realm not in `realms`: continue down the chain, or reject'),
  defaultBranch: z.string().min(1).optional().describe('branch for a realm not in `realms` (instead of continuing)'),
});
export type RewriteDomainOptions = z.output<typeof rewriteDomainOptions>;

export function createRewriteDomain(options: RewriteDomainOptions, name = 'rewrite-domain'): AuthPlugin {
  const branches = new Map(Object.entries(options.realms).map(([realm, branch]) => [realm.toLowerCase(), branch]));
  const targets = [...new Set([...branches.values(), ...(options.defaultBranch !== undefined ? [options.defaultBranch] : [])])];
  return {
    name,
    kind: 'rewrite-domain',
    branchTargets: targets,
    async handle(req: AuthRequest): Promise<PluginOutcome> {
      const split = splitName(req.userName, options.forms);
      if (split === null) return { type: 'pass', reason: 'no domain in the user name' };
      const request: AuthRequest = {
        ...req,
        userName: options.mode === 'strip' ? split.user : req.userName,
        realm: split.realm,
      };
      const branch = branches.get(split.realm.toLowerCase()) ?? options.defaultBranch;
      if (branch === undefined && options.unknownRealm === 'reject') {
        return { type: 'reject', reason: `realm ${split.realm} is not served here` };
      }
      return branch !== undefined ? { type: 'rewrite', request, branch } : { type: 'rewrite', request };
    },
  };
}

export const rewriteDomainScheme: PluginScheme<typeof rewriteDomainOptions> = {
  kind: 'rewrite-domain',
  description: 'strip DOMAIN\\user and user@realm to user; route realms to branches',
  options: rewriteDomainOptions,
  create: (options, deps) => createRewriteDomain(options, deps.name),
};
