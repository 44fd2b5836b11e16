// pppd's secrets-file format (chap-secrets; pap-secrets is the same), as pppd(8)
// "AUTHENTICATION" and auth.c scan_authfile()/set_allowed_addrs() define it:
//
//   # client        server   secret             IP addresses
//   alice           pptpd    "s3cret pass"      *
//   workgroup\\bob  *        'x'                10.8.0.20
//   carol           pptpd    pw                 10.8.0.0/24 !10.8.0.1
//
// Words follow pppd's option-file grammar (config/pppd-words.ts): quotes, backslash
// escapes (workgroup\\bob is the name workgroup\bob), `#` comments, backslash-newline
// continuations. An entry is one logical line: client, server, secret, then the
// addresses the client may use, then optionally `--` and per-peer pppd options.
//
// `*` as client or server matches any name; pppd picks the entry with the fewest
// wildcards, the first one among equals.
//
// The address column (what `addresses` holds, in order, as written):
//   (nothing)     pppd allows NO address: IPCP fails for this client (we warn).
//   -             no address allowed either; words after it are ignored.
//   *             any address; words after it are ignored.
//   10.8.0.20     that address. The first single address is also the one the client
//                 gets (pppd's "suggested" address): a static assignment.
//   10.8.0.0/24   any address of the subnet.
//   !10.8.0.1     not this address (or subnet); the first matching word decides and
//                 an address no word matches is refused.
//   a.b.c.d/n+    (pppd: the host part is the ppp unit number + 1) not supported:
//                 warned about and dropped, as are host names pppd would resolve.
// Loopback, multicast and class E addresses are never allowed (pppd's bad_ip_adrs).
//
// No message ever contains a secret: issues name the file, the line and the column.

import { splitPppdWords, groupLines, type Word } from '../../config/pppd-words.js';
import { parseIpv4, parseCidr, formatIpv4 } from '../../config/ip-spec.js';

export interface ChapSecret {
  client: string;
  server: string;
  secret: string;
  addresses: string[];
  file: string;
  line: number;
}

export interface ParseIssue {
  file: string;
  line: number;
  severity: 'error' | 'warning';
  message: string;
}

export function parseChapSecrets(text: string, file: string): { entries: ChapSecret[]; issues: ParseIssue[] } {
  const issues: ParseIssue[] = [];
  const entries: ChapSecret[] = [];
  const { words, issues: wordIssues } = splitPppdWords(text);
  for (const w of wordIssues) issues.push({ file, line: w.line, severity: 'warning', message: w.message });
  const firstSeen = new Map<string, number>();

  for (const entry of groupLines(words)) {
    const [client, server, secret] = entry as [Word, Word | undefined, Word | undefined];
    const line = client.line;
    const err = (message: string): void => void issues.push({ file, line, severity: 'error', message });
    const warn = (message: string, at = line): void => void issues.push({ file, line: at, severity: 'warning', message });
    if (server === undefined || secret === undefined) {
      err(
        `entry has ${entry.length} field${entry.length === 1 ? '' : 's'}; client, server and secret are needed (pppd skips it)`,
      );
      continue;
    }
    if (secret.text.startsWith('@/')) {
      err('the secret names an indirect secret file (@/path), which is not supported yet; entry ignored');
      continue;
    }
    for (const [column, w] of [['client', client], ['server', server]] as const) {
      for (const e of w.bareEscapes) {
        warn(`${column} name: pppd reads "${e}" as "${e.slice(1)}"; write \\\\ for a backslash (e.g. "workgroup\\\\user")`);
      }
    }
    if (secret.bareEscapes.length > 0) warn('the secret has a backslash before a plain letter, which pppd drops');
    if (secret.text === '') warn('the secret is empty');

    const rest = entry.slice(3);
    const dashdash = rest.findIndex((w) => w.text === '--' && !w.literal);
    const addressWords = dashdash < 0 ? rest : rest.slice(0, dashdash);
    if (dashdash >= 0 && dashdash + 1 < rest.length) {
      warn('per-peer pppd options after "--" are not supported; ignored', (rest[dashdash + 1] as Word).line);
    }
    const addresses = normaliseAddresses(addressWords, file, issues);
    if (addressWords.length === 0) {
      warn(`no address column for "${client.text}": pppd allows this client no IP address, so the call fails; write * to allow any`);
    }

    const key = `${client.text}\u0000${server.text}`;
    const prior = firstSeen.get(key);
    if (prior !== undefined) {
      warn(`duplicate entry for client "${client.text}" and server "${server.text}"; the one on line ${prior} is used`);
    } else firstSeen.set(key, line);

    entries.push({ client: client.text, server: server.text, secret: secret.text, addresses, file, line });
  }
  issues.sort((a, b) => a.line - b.line); // stable: same-line issues keep their order
  return { entries, issues };
}

function normaliseAddresses(words: readonly Word[], file: string, issues: ParseIssue[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as Word;
    const warn = (message: string): void => void issues.push({ file, line: w.line, severity: 'warning', message });
    if (w.text === '-' || w.text === '*') {
      out.push(w.text);
      if (i + 1 < words.length) warn(`addresses after "${w.text}" are ignored, as pppd does`);
      break;
    }
    const body = w.text.startsWith('!') ? w.text.slice(1) : w.text;
    if (body.endsWith('+') && body.includes('/')) {
      warn(`"${w.text}": a subnet with "+" (address from the ppp unit number) is not supported; ignored`);
      continue;
    }
    if (parseIpv4(body) === undefined && parseCidr(body) === undefined) {
      warn(`"${w.text}" is not an IPv4 address or a.b.c.d/n subnet (host names are not resolved); ignored`);
      continue;
    }
    out.push(w.text);
  }
  return out;
}

/** One compiled address rule: `address & mask === base` → permit or refuse. */
export interface AddressRule {
  readonly permit: boolean;
  readonly base: number;
  readonly mask: number;
}

/** Compile an entry's `addresses` to pppd's ordered rule list (a final refuse-all is implied). */
export function addressRules(addresses: readonly string[]): AddressRule[] {
  const rules: AddressRule[] = [];
  for (const word of addresses) {
    if (word === '-') break;
    if (word === '*') {
      rules.push({ permit: true, base: 0, mask: 0 });
      break;
    }
    const permit = !word.startsWith('!');
    const body = permit ? word : word.slice(1);
    const host = parseIpv4(body);
    if (host !== undefined) {
      rules.push({ permit, base: host, mask: 0xffffffff });
      continue;
    }
    const net = parseCidr(body);
    if (net !== undefined) rules.push({ permit, base: net.base, mask: net.mask });
  }
  return rules;
}

/** pppd's bad_ip_adrs(): loopback (127/8), multicast (224/4) and class E (240/4). */
export function isReservedAddress(addr: number): boolean {
  return addr >>> 24 === 127 || addr >>> 28 === 0xe || addr >>> 28 === 0xf;
}

/** May a client whose entry lists `addresses` use `address`? (pppd auth_ip_addr) */
export function isAddressAllowed(addresses: readonly string[], address: string): boolean {
  const a = parseIpv4(address);
  if (a === undefined || isReservedAddress(a)) return false;
  for (const r of addressRules(addresses)) if (((a & r.mask) >>> 0) === r.base) return r.permit;
  return false;
}

/** The static address the entry gives its client: the first permitted single address. */
export function staticAddress(addresses: readonly string[]): string | undefined {
  for (const r of addressRules(addresses)) {
    if (r.permit && r.mask === 0xffffffff) return formatIpv4(r.base);
  }
  return undefined;
}
