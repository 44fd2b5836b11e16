// User-name forms Windows and other clients send: NetBIOS `DOMAIN\user` and
// UPN `user@realm`. Shared by the domain rewriter and the throttle key.

export const NameForm = { NETBIOS: 'netbios', UPN: 'upn' } as const;
export type NameForm = (typeof NameForm)[keyof typeof NameForm];

export interface SplitName {
  readonly user: string;
  readonly realm: string;
  readonly form: NameForm;
}

/**
 * Splits `DOMAIN\user` (at the last backslash, as MS-CHAP's user-name rule
 * does) or `user@realm` (at the last `@`). Returns null for a plain name or
 * when either part would be empty.
 */
export function splitName(name: string, forms: readonly NameForm[] = [NameForm.NETBIOS, NameForm.UPN]): SplitName | null {
  if (forms.includes(NameForm.NETBIOS)) {
    const i = name.lastIndexOf('\\');
    if (i > 0 && i < name.length - 1) {
      return { user: name.slice(i + 1), realm: name.slice(0, i), form: NameForm.NETBIOS };
    }
  }
  if (forms.includes(NameForm.UPN)) {
    const i = name.lastIndexOf('@');
    if (i > 0 && i < name.length - 1) {
      return { user: name.slice(0, i), realm: name.slice(i + 1), form: NameForm.UPN };
    }
  }
  return null;
}

/**
 * The key failed-login throttling counts under: the bare user, lower-cased, so
 * `CORP\Alice`, `alice@corp.example` and `alice` share one counter and an
 * attacker cannot dodge the limit by changing the form.
 */
export function throttleUserKey(name: string): string {
  return (splitName(name)?.user ?? name).toLowerCase();
}
