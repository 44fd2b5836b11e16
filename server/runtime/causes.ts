// PPP link-down causes → RFC 2866 Acct-Terminate-Cause, for logs and accounting.
import type { TerminateCause } from '../../accounting/record.js';
import type { DownCause } from '../ppp/session-types.js';

const MAP: Readonly<Record<DownCause, TerminateCause>> = {
  'peer-terminate': 'User-Request',
  'echo-timeout': 'Lost-Carrier',
  'auth-failed': 'User-Error',
  'auth-refused': 'User-Error',
  'auth-timeout': 'User-Error',
  'mppe-refused': 'User-Error',
  'mppe-lost': 'User-Error',
  'lcp-renegotiated': 'User-Error',
  admin: 'Admin-Reset',
  loopback: 'Port-Error',
  'negotiation-timeout': 'User-Error',
  'ncp-failed': 'User-Error',
  'lower-down': 'Lost-Carrier',
  'protocol-error': 'Port-Error',
};

export function terminateCauseOf(cause: DownCause): TerminateCause {
  return MAP[cause];
}

/** The PPP core's phase-deadline message, naming the configuration key that set the deadline. */
export function explainDown(message: string): string {
  const m = /^(establish|authenticate|network) phase did not complete in time$/.exec(message);
  return m ? `${message} (limits.deadlines.${m[1]})` : message;
}
