// Options of the `ldap` scheme. Key names follow the config file's `ldap`
// entry (config/schema-auth.ts: url, bindDn, bindPassword, baseDn, filter,
// ntHashAttribute, group, groupAttribute, tls, timeout) so an entry validated
// there is valid here; the other keys are this plugin's own, all defaulted.
// zod messages never quote the value, so bindPassword never reaches an error.

import { z } from 'zod';
import { checkFilterTemplate } from './escape.js';

export const GroupCheck = {
  /** An attribute on the user lists the group's DN (memberOf: OpenLDAP memberof overlay, Active Directory). */
  MEMBER_OF: 'memberOf',
  /** The group entry lists the user's DN (groupOfNames `member`, groupOfUniqueNames `uniqueMember`). */
  MEMBER: 'member',
  /** The group entry lists the user's name (RFC 2307 posixGroup `memberUid`). */
  MEMBER_UID: 'memberUid',
} as const;
export type GroupCheck = (typeof GroupCheck)[keyof typeof GroupCheck];

export const PapMode = {
  /** Bind as the user's DN with the offered password (the only way with Active Directory). */
  BIND: 'bind',
  /** Compare NtPasswordHash(password) with the NT hash attribute. */
  NT_HASH: 'nt-hash',
  /** Do not answer PAP (pass). */
  OFF: 'off',
} as const;
export type PapMode = (typeof PapMode)[keyof typeof PapMode];

const attributeName = z.string().regex(/^[A-Za-z][A-Za-z0-9-]*(;[A-Za-z0-9-]+)*$|^\d+(\.\d+)+$/, {
  message: 'must be an LDAP attribute name or OID',
});

const seconds = z.number().nonnegative();

export const ldapTlsOptions = z.strictObject({
  startTls: z.boolean().default(false).describe('upgrade an ldap:// connection with StartTLS (RFC 4511 §4.14) before binding'),
  caFile: z.string().min(1).optional().describe('PEM file of the CA(s) that signed the server certificate (default: the system store)'),
  rejectUnauthorized: z.boolean().default(true).describe('refuse a server certificate that does not verify (turn off only to debug)'),
  serverName: z.string().min(1).optional().describe('name to check the certificate against (default: the URL host)'),
});

export const ldapOptions = z
  .strictObject({
    url: z
      .string()
      .regex(/^ldaps?:\/\/[^\s/]+\/?$/, { message: 'must be ldap://host[:port] or ldaps://host[:port]' })
      .describe('the directory: ldaps://host[:636], or ldap://host[:389] with tls.startTls'),
    bindDn: z.string().min(1).optional().describe('service account DN to search as (default: anonymous)'),
    bindPassword: z.string().min(1).optional().describe("the service account's password (never logged)"),
    baseDn: z.string().min(1).describe('where users are searched'),
    scope: z.enum(['sub', 'one']).default('sub').describe('search the whole subtree under baseDn, or one level'),
    filter: z
      .string()
      .default('(uid={user})')
      .superRefine((t, ctx) => {
        const problem = checkFilterTemplate(t);
        if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
      })
      .describe('search filter; {user} becomes the RFC 4515-escaped user name'),
    ntHashAttribute: attributeName.default('sambaNTPassword').describe('attribute holding the NT hash as 32 hex digits'),
    group: z.string().min(1).optional().describe('DN of a group the user must be in'),
    groupCheck: z
      .enum([GroupCheck.MEMBER_OF, GroupCheck.MEMBER, GroupCheck.MEMBER_UID])
      .default(GroupCheck.MEMBER_OF)
      .describe('how membership is recorded: memberOf on the user, member (DN) or memberUid (name) on the group'),
    groupAttribute: attributeName.default('memberOf').describe('with groupCheck memberOf: the user attribute listing group DNs'),
    groupMemberAttribute: attributeName.optional().describe('with groupCheck member/memberUid: the group attribute (default member / memberUid)'),
    uidAttribute: attributeName.default('uid').describe('with groupCheck memberUid: the user attribute holding the name'),
    framedIpAttribute: attributeName.optional().describe('attribute holding a static IPv4 address (Framed-IP-Address), e.g. ipHostNumber'),
    accountFlagsAttribute: z
      .union([attributeName, z.literal(false)])
      .default('sambaAcctFlags')
      .describe('Samba account flags; an account with D (disabled) is refused; false to ignore'),
    pap: z
      .enum([PapMode.BIND, PapMode.NT_HASH, PapMode.OFF])
      .default(PapMode.BIND)
      .describe('how PAP is checked: bind as the user, compare with the NT hash, or pass'),
    tls: ldapTlsOptions.prefault({}),
    timeout: seconds.min(0.05).default(5).describe('seconds for connecting and for each LDAP operation'),
    cacheTtl: seconds.default(60).describe('seconds a found user (DN, NT hash, group, address) is remembered; 0 = no cache'),
    negativeCacheTtl: seconds
      .default(10)
      .describe('seconds "not found" and "not in the group" are remembered; 0 = not cached'),
    onUnreachable: z
      .enum(['pass', 'reject'])
      .default('pass')
      .describe('when the directory cannot be reached: let the next plugin answer, or reject the attempt'),
  })
  .superRefine((o, ctx) => {
    if (o.bindPassword !== undefined && o.bindDn === undefined) {
      ctx.addIssue({ code: 'custom', path: ['bindDn'], message: 'bindPassword is set but bindDn is not' });
    }
    if (o.bindDn !== undefined && o.bindPassword === undefined) {
      ctx.addIssue({ code: 'custom', path: ['bindPassword'], message: 'bindDn is set but bindPassword is not' });
    }
    if (o.url.startsWith('ldaps:') && o.tls.startTls) {
      ctx.addIssue({ code: 'custom', path: ['tls', 'startTls'], message: 'StartTLS is for ldap:// URLs; ldaps:// is TLS already' });
    }
    if (o.groupCheck !== GroupCheck.MEMBER_OF && o.group === undefined) {
      ctx.addIssue({ code: 'custom', path: ['group'], message: `groupCheck ${o.groupCheck} needs the group's DN` });
    }
  });

export type LdapOptions = z.output<typeof ldapOptions>;
export type LdapOptionsInput = z.input<typeof ldapOptions>;

/** True when the service password and searches would cross the network in clear. */
export function isPlaintext(o: Pick<LdapOptions, 'url' | 'tls'>): boolean {
  return o.url.startsWith('ldap:') && !o.tls.startTls;
}
