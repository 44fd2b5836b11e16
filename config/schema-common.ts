// Small zod building blocks shared by the configuration sections.
import { z } from 'zod';
import { isIpv4, parseIpSpecItem } from './ip-spec.js';

export const ipv4 = z.string().refine(isIpv4, { message: 'not an IPv4 address (dotted quad such as 10.8.0.1, no leading zeros)' });

/** Whole seconds, 0 allowed (0 usually means "off"). */
export const seconds = z.number().int().nonnegative();

export const port = z.number().int().min(1).max(65535);

export const filePath = z.string().min(1);

/** A Linux interface name (the kernel's dev_valid_name: 1-15 bytes, no '/', ':' or white space, not . or ..). */
export const interfaceName = z
  .string()
  .min(1)
  .max(15, { message: 'interface names are at most 15 bytes' })
  .refine((s) => !/[/:\s]/.test(s) && s !== '.' && s !== '..', { message: "is not a valid interface name: no '/', ':' or spaces" });

/**
 * A secret (RADIUS shared secret, LDAP bind password). Never echoed: the loader redacts
 * every value found under a key listed in SECRET_KEYS from every message.
 */
export const secret = z.string().min(1);
export const SECRET_KEYS: ReadonlySet<string> = new Set(['secret', 'bindPassword', 'password']);

/**
 * One PoPToP ip-specification item: an address, a.b.c.d-e (one octet ranges), or
 * a.b.c.d-a.b.c.e. A list may be given as a YAML list or as PoPToP's comma string.
 */
const ipSpecItem = z.string().superRefine((s, ctx) => {
  const r = parseIpSpecItem(s.trim());
  if (typeof r === 'string') ctx.addIssue({ code: 'custom', message: r });
});

export function ipSpecList(min: number) {
  return z.preprocess(
    (v) => (typeof v === 'string' ? (v.trim() === '' ? [] : v.split(',').map((s) => s.trim())) : v),
    z.array(ipSpecItem).min(min, { message: min === 1 ? 'needs at least one address' : `needs at least ${min} addresses` }),
  );
}
