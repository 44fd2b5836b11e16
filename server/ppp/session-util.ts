// Small helpers of the PPP session.
import type { AuthMethod } from '../../auth-plugins/types.js';
import type { MppeCcpPolicy } from './ccp/mppe-option.js';
import { pooledRandomBytes } from '../random-pool.js';

/** CHAP challenges and the like: from the process-wide pool (one OpenSSL call per 4 KiB). */
export const randomSource = (n: number): Buffer => pooledRandomBytes(n);

/** Allowed methods in our fixed order of preference, without duplicates. */
export function sortAuth(methods: readonly AuthMethod[], preference: readonly AuthMethod[]): AuthMethod[] {
  return preference.filter((m) => methods.includes(m));
}

/** The pppd option an administrator would recognise, e.g. "require-mppe-128". */
export function requirementName(p: MppeCcpPolicy): string {
  const bits = [...p.bits].sort((a, b) => b - a);
  return bits.length === 1 ? `require-mppe-${bits[0]}` : `require-mppe (${bits.join('/')}-bit)`;
}
