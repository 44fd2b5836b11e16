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
//   host.name     its IPv4 address, looked up each time the file is loaded (compileRule);
//                 a name that does not resolve is dropped (permit) or refuses all (`!`).
//   a.b.c.d/n+    (pppd: the host part is the ppp unit number + 1) not supported:
//                 dropped with a warning; as `!a.b.c.d/n+` an error (dropping would widen).
// Loopback, multicast and class E addresses are never allowed (pppd's bad_ip_adrs).
// The compiled rule (config/address-rule.ts) is what the session enforces.
//
// No message ever contains a secret: issues name the file, the line and the column.

import { splitPppdWords, groupLines, type Word } from '../../config/pppd-words.js';
import { parseIpv4, parseCidr, formatIpv4, type Ipv4 } from '../../config/ip-spec.js';
import { ruleAllows, type AddressMatch, type AddressRule } from '../../config/address-rule.js';

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

const HOST_NAME = /^(?=.*[A-Za-z])[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

/** A word of the address column that names a host (resolved when the file is loaded). */
export function isHostNameWord(word: string): boolean {
  const body = word.startsWith('!') ? word.slice(1) : word;
  return parseIpv4(body) === undefined && parseCidr(body) === undefined && HOST_NAME.test(body);
}

function normaliseAddresses(words: readonly Word[], file: string, issues: ParseIssue[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as Word;
    const warn = (message: string): void => void issues.push({ file, line: w.line, severity: 'warning', message });
    // Dropping a permit only narrows what is allowed; dropping an exclusion would widen it.
    const drop = (message: string): void =>
      void issues.push(
        w.text.startsWith('!')
          ? { file, line: w.line, severity: 'error', message: `${message}: an exclusion that cannot be honoured would allow more addresses; write !a.b.c.d, !a.b.c.d/n or !host.name` }
          : { file, line: w.line, severity: 'warning', message: `${message}; ignored` },
      );
    if (w.text === '-' || w.text === '*') {
      out.push(w.text);
      if (i + 1 < words.length) warn(`addresses after "${w.text}" are ignored, as pppd does`);
      break;
    }
    const body = w.text.startsWith('!') ? w.text.slice(1) : w.text;
    if (body.endsWith('+') && body.includes('/')) {
      drop(`"${w.text}": a subnet with "+" (address from the ppp unit number) is not supported`);
      continue;
    }
    if (parseIpv4(body) === undefined && parseCidr(body) === undefined && !HOST_NAME.test(body)) {
      drop(`"${w.text}" is not an IPv4 address, an a.b.c.d/n subnet or a host name`);
      continue;
    }
    out.push(w.text);
  }
  return out;
}

/** Host name → its IPv4 address, as resolved when the file was loaded (absent: did not resolve). */
export type ResolvedHosts = ReadonlyMap<string, Ipv4>;

/** Every host name the entries' address columns use (to resolve before compileRule). */
export function hostNamesOf(entries: readonly ChapSecret[]): string[] {
  const names = new Set<string>();
  for (const e of entries) {
    for (const w of e.addresses) if (isHostNameWord(w)) names.add(w.startsWith('!') ? w.slice(1) : w);
  }
  return [...names];
}

/**
 * Compile an entry's address column to its rule. A host name that did not resolve is
 * left out when it permits (which narrows) and refuses everything when it excludes
 * (the only safe reading of an exclusion we cannot know); `unresolved` gets the names.
 */
export function compileRule(entry: Pick<ChapSecret, 'addresses' | 'file' | 'line'>, hosts: ResolvedHosts = new Map(), unresolved?: string[]): AddressRule {
  const matches: AddressMatch[] = [];
  for (const word of entry.addresses) {
    if (word === '-') break;
    if (word === '*') {
      matches.push({ permit: true, base: 0, mask: 0 });
      break;
    }
    const permit = !word.startsWith('!');
    const body = permit ? word : word.slice(1);
    const net = parseCidr(body);
    const host = parseIpv4(body) ?? (net === undefined ? hosts.get(body) : undefined);
    if (host !== undefined) matches.push({ permit, base: host, mask: 0xffffffff });
    else if (net !== undefined) matches.push({ permit, base: net.base, mask: net.mask });
    else {
      unresolved?.push(body);
      if (!permit) {
        matches.length = 0; // refuse all
        break;
      }
    }
  }
  return { matches, text: entry.addresses.join(' '), source: `${entry.file}:${entry.line}` };
}

/** The static address a rule gives its client: the first single address it permits and allows. */
export function staticAddress(rule: AddressRule): string | undefined {
  for (const m of rule.matches) {
    if (m.permit && m.mask === 0xffffffff && ruleAllows(rule, m.base)) return formatIpv4(m.base);
  }
  return undefined;
}
