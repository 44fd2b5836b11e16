// Peer side: turn an MS-CHAP Failure Message (RFC 2433 §8, RFC 2759 §6) into a reason and code.
import { MschapError } from './constants.js';
import { parseMschapFailure } from './mschap-fields.js';
import { decodeText, printable } from './text.js';

const NAMES: Readonly<Record<number, string>> = {
  [MschapError.RESTRICTED_LOGON_HOURS]: 'restricted logon hours',
  [MschapError.ACCT_DISABLED]: 'account disabled',
  [MschapError.PASSWD_EXPIRED]: 'password expired',
  [MschapError.NO_DIALIN_PERMISSION]: 'no dial-in permission',
  [MschapError.AUTHENTICATION_FAILURE]: 'authentication failure',
  [MschapError.CHANGING_PASSWORD]: 'error changing password',
};

export function describeMschapFailure(message: Buffer): { reason: string; mschapError?: number } {
  const f = parseMschapFailure(decodeText(message));
  if (!f) return { reason: `server sent Failure "${printable(message)}"` };
  const name = NAMES[f.error] ?? 'unknown error';
  const text = f.message ? `: ${printable(Buffer.from(f.message, 'utf8'))}` : '';
  return { reason: `server sent Failure E=${f.error} (${name})${text}`, mschapError: f.error };
}
