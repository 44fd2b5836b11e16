// RFC 4515 string filters, the part that keeps a user name a value.
//
// RFC 4515 §3: in an assertion value the octets NUL, `(`, `)`, `*` and `\`
// must be written as `\` followed by two hex digits (`\00`, `\28`, `\29`,
// `\2a`, `\5c`). Escaping exactly those makes any string one literal value:
// no `*` survives to turn equality into a substring or presence match, no
// parenthesis can close the item and open another (`*)(uid=*`), and no `\` can
// start an escape of the attacker's choosing. Other characters, including
// non-ASCII, are legal as they are (UTF-8 in the BER OCTET STRING, RFC 4515 §3
// `valueencoding`), and ldapts decodes `\XX` one octet to one character, so
// escaping them as UTF-8 octets would corrupt them: we leave them alone.

import { FilterParser } from 'ldapts';

/** Placeholder replaced by the escaped user name in a filter template. */
export const USER_PLACEHOLDER = '{user}';

const SPECIAL = /[\0()*\\]/g;

/** RFC 4515 §3 escaping of an assertion value. */
export function escapeFilterValue(value: string): string {
  return value.replace(SPECIAL, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** The template with every `{user}` replaced by the escaped value. */
export function buildFilter(template: string, user: string): string {
  return template.replaceAll(USER_PLACEHOLDER, escapeFilterValue(user));
}

/**
 * Why a filter template is unusable (for the options schema), or undefined.
 * It must contain `{user}` and parse as an RFC 4515 filter once filled in.
 */
export function checkFilterTemplate(template: string): string | undefined {
  if (!template.includes(USER_PLACEHOLDER)) return `must contain ${USER_PLACEHOLDER}, replaced by the (escaped) user name`;
  if (!template.startsWith('(') || !template.endsWith(')')) return 'must be a parenthesised LDAP filter, e.g. (uid={user})';
  // ldapts's parser tolerates a missing ')' at the end; RFC 4515 does not.
  // Raw parentheses only ever delimit items (in values they must be \28 \29).
  let depth = 0;
  for (const ch of template) {
    if (ch === '(') depth++;
    else if (ch === ')' && --depth < 0) break;
  }
  if (depth !== 0) return 'is not a valid LDAP filter (unbalanced parentheses)';
  try {
    FilterParser.parseString(buildFilter(template, 'probe'));
  } catch (err) {
    return `is not a valid LDAP filter (${err instanceof Error ? err.message.split('\n')[0] : 'parse error'})`;
  }
  return undefined;
}
