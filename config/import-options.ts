// pppd options files as PoPToP uses them (/etc/ppp/options, then the file pptpd.conf
// names with `option`, e.g. /etc/ppp/options.pptpd). Pure: text in, settings out.
//
// pppd reads an options file as a stream of words (not lines): each option takes a fixed
// number of arguments, and later options override earlier ones. We do the same. An
// option we do not know is reported with file:line and skipped together with the rest of
// its line (pppd itself would refuse to start). Values of options that may hold a secret
// (`password`) are never repeated in a message.
import { splitPppdWords, type Word } from './pppd-words.js';
import { isIpv4 } from './ip-spec.js';
import { PLUGIN_OPTIONS, PLUGIN_SETTING } from './import-radius-plugin.js';
import type { ParseIssue } from '../auth-plugins/chap-secrets/parse.js';
import type { AuthMethodName } from './schema.js';

export interface Origin {
  readonly file: string;
  readonly line: number;
  readonly text: string;
}

/** What the options files said, in pppd's terms (undefined: not mentioned). */
export interface PppdOptions {
  name?: string;
  auth?: boolean;
  require: Set<AuthMethodName>;
  refuse: Set<AuthMethodName>;
  /** pppd's MPPE want-mask: undefined when no MPPE option appeared, else the allowed key lengths. */
  mppe?: Set<40 | 56 | 128>;
  mppeStateful?: boolean;
  dns: string[];
  wins: string[];
  proxyArp?: boolean;
  mtu?: number;
  mru?: number;
  lcpEchoInterval?: number;
  lcpEchoFailure?: number;
  idle?: number;
  maxConnect?: number;
  debug?: boolean;
  chapSecrets?: string;
  /** chapms-strip-domain (MPPE-patched pppd): look users up without their DOMAIN\\ prefix. */
  stripDomain?: boolean;
  ipUp?: string;
  ipDown?: string;
  /** Where each setting came from (every contributing line), for migration comments. */
  origins: Map<string, Origin[]>;
}

export function emptyPppdOptions(): PppdOptions {
  return { require: new Set(), refuse: new Set(), dns: [], wins: [], origins: new Map() };
}

type Handler = (o: PppdOptions, arg: string | undefined, ctx: Ctx) => void;
interface Ctx {
  warn(message: string): void;
  error(message: string): void;
  note(setting: string): void;
}

const PPPD_METHOD: Readonly<Record<string, AuthMethodName>> = {
  pap: 'pap',
  chap: 'chap-md5',
  mschap: 'mschap-v1',
  'mschap-v2': 'mschap-v2',
};

function num(name: string, set: (o: PppdOptions, n: number) => void): [number, Handler] {
  return [
    1,
    (o, arg, ctx) => {
      if (arg === undefined || !/^\d+$/.test(arg)) return ctx.error(`${name} needs a whole number (pppd would refuse to start)`);
      set(o, Number(arg));
      ctx.note(name);
    },
  ];
}

const flag = (setting: string, f: (o: PppdOptions) => void): [number, Handler] => [
  0,
  (o, _a, ctx) => {
    f(o);
    ctx.note(setting);
  },
];

const mppeBits = (o: PppdOptions): Set<40 | 56 | 128> => (o.mppe ??= new Set());

/** Options whose effect we already have (or that only concern dial-up/client use). */
const HARMLESS = [
  'lock', 'nolock', 'nodefaultroute', '-defaultroute', 'nobsdcomp', '-bsdcomp', 'nodeflate', '-deflate', 'novj', '-vj',
  'novjccomp', '-vjccomp', 'nologfd', 'noipx', 'nopcomp', '-pc', 'noaccomp', '-ac', 'hide-password', 'noipdefault',
  'nodetach', '-detach', 'ipcp-accept-local', 'ipcp-accept-remote', 'crtscts', 'nocrtscts', 'modem', 'local',
  'refuse-eap', 'nopersist', 'persist', 'usepeerdns', 'nopredictor1', '-predictor1', 'nomultilink', 'nomp',
  'noktune', 'ktune', 'silent', 'passive', '-p', 'updetach', 'show-password', 'nomagic', 'noendpoint', 'nosendip',
  'dump', 'dryrun', 'receive-all', 'nodeflatedraft', 'noresolvconf', 'usepeerwins',
] as const;
const HARMLESS_WITH_ARG = [
  'asyncmap', 'default-asyncmap', 'kdebug', 'maxfail', 'holdoff', 'connect-delay', 'lcp-restart', 'lcp-max-terminate',
  'lcp-max-configure', 'lcp-max-failure', 'ipcp-restart', 'ipcp-max-terminate', 'ipcp-max-configure',
  'ipcp-max-failure', 'escape', 'linkname', 'logfd', 'child-timeout',
] as const;
/** pppd's noauth let any peer in; pptpd-ts always authenticates, so the option is an error. */
export const NOAUTH_REFUSED =
  'noauth is refused: pptpd-ts always makes the peer authenticate (an unauthenticated link would let anyone in); ' +
  'remove this line and list the methods with require-*/refuse-* (noauth belongs in a PPTP client\'s options, not the server\'s)';

/** Known options we cannot honour: [arguments, why]. */
const UNSUPPORTED: Readonly<Record<string, [number, string]>> = {
  defaultroute: [0, 'a server never takes its clients as default route'],
  noccp: [0, 'disabling CCP entirely is not supported; use nomppe for no encryption'],
  bsdcomp: [1, 'compression (BSD-Compress) is not supported'],
  deflate: [1, 'compression (Deflate) is not supported'],
  predictor1: [0, 'compression (Predictor-1) is not supported'],
  'vj-max-slots': [1, 'Van Jacobson header compression is not supported'],
  user: [1, 'client-side option (our own name towards a peer); ignored'],
  password: [1, 'client-side option; ignored (its value is not shown)'],
  remotename: [1, 'client-side option; ignored'],
  usehostname: [0, 'use `name` (ppp.name)'],
  'allow-ip': [1, 'addresses for unauthenticated peers are not supported'],
  netmask: [1, 'the point-to-point link needs no netmask'],
  ipparam: [1, 'set by pptpd itself (see hooks.ipparam)'],
  unit: [1, 'interface naming is managed by pptpd-ts'],
  ifname: [1, 'interface naming is managed by pptpd-ts'],
  logfile: [1, 'pppd log file: pptpd-ts logs through logging.* (set logging.file)'],
  domain: [1, 'not needed: set `name` (ppp.name) in full'],
};
/**
 * Known options that would make pppd keep someone out whom pptpd-ts, without them, would
 * let in (or whose settings it would never see): refused, an error naming the line, never
 * dropped. [arguments, why and what to do instead].
 */
const REFUSED: Readonly<Record<string, [number, string]>> = {
  'require-eap': [0, 'EAP is not supported, and without it peers would get in by another method: remove it and require MS-CHAPv2 (require-mschap-v2)'],
  login: [0, 'checking users against the system password database is not supported, and without it more users would get in: remove it and list the users in chap-secrets'],
  papcrypt: [0, 'crypt()ed PAP secrets are not supported (a hash would be taken as the password): remove it and put clear-text secrets in chap-secrets'],
  'pap-secrets': [1, 'a separate pap-secrets file is not read, so PAP would be checked against chap-secrets and other users could get in: merge its entries into chap-secrets and remove the option'],
  file: [1, 'nested options files are not read, and the options in it (e.g. require-mppe-128) would be lost: merge that file into this one'],
};

const TABLE = new Map<string, [number, Handler]>([
  ['name', [1, (o, a, ctx) => { o.name = a; ctx.note('name'); }]],
  ['auth', flag('auth', (o) => { o.auth = true; })],
  // pptpd-ts never runs a link without authentication: refused (an error), never dropped.
  ['noauth', [0, (_o, _a, ctx) => ctx.error(NOAUTH_REFUSED)]],
  ['debug', flag('debug', (o) => { o.debug = true; })],
  ['-d', flag('debug', (o) => { o.debug = true; })],
  ['proxyarp', flag('proxyarp', (o) => { o.proxyArp = true; })],
  ['noproxyarp', flag('proxyarp', (o) => { o.proxyArp = false; })],
  ['-proxyarp', flag('proxyarp', (o) => { o.proxyArp = false; })],
  ['mtu', num('mtu', (o, n) => { o.mtu = n; })],
  ['mru', num('mru', (o, n) => { o.mru = n; })],
  ['lcp-echo-interval', num('lcp-echo-interval', (o, n) => { o.lcpEchoInterval = n; })],
  ['lcp-echo-failure', num('lcp-echo-failure', (o, n) => { o.lcpEchoFailure = n; })],
  ['idle', num('idle', (o, n) => { o.idle = n; })],
  ['maxconnect', num('maxconnect', (o, n) => { o.maxConnect = n; })],
  ['chap-secrets', [1, (o, a, ctx) => { o.chapSecrets = a; ctx.note('chap-secrets'); }]],
  ['ip-up-script', [1, (o, a, ctx) => { o.ipUp = a; ctx.note('ip-up-script'); }]],
  ['ip-down-script', [1, (o, a, ctx) => { o.ipDown = a; ctx.note('ip-down-script'); }]],
  ['ms-dns', [1, (o, a, ctx) => addServer(o.dns, 'ms-dns', a, ctx)]],
  ['ms-wins', [1, (o, a, ctx) => addServer(o.wins, 'ms-wins', a, ctx)]],
  // MPPE (pppd ccp.c): require-mppe allows 40 and 128; -40/-128 variants add or remove one.
  ['require-mppe', flag('mppe', (o) => { o.mppe = new Set([40, 128]); })],
  ['+mppe', flag('mppe', (o) => { o.mppe = new Set([40, 128]); })],
  ['nomppe', flag('mppe', (o) => { o.mppe = new Set(); })],
  ['-mppe', flag('mppe', (o) => { o.mppe = new Set(); })],
  ['require-mppe-40', flag('mppe', (o) => { mppeBits(o).add(40); })],
  ['+mppe-40', flag('mppe', (o) => { mppeBits(o).add(40); })],
  ['require-mppe-128', flag('mppe', (o) => { mppeBits(o).add(128); })],
  ['+mppe-128', flag('mppe', (o) => { mppeBits(o).add(128); })],
  ['nomppe-40', flag('mppe', (o) => { mppeBits(o).delete(40); })],
  ['-mppe-40', flag('mppe', (o) => { mppeBits(o).delete(40); })],
  ['nomppe-128', flag('mppe', (o) => { mppeBits(o).delete(128); })],
  ['-mppe-128', flag('mppe', (o) => { mppeBits(o).delete(128); })],
  ['mppe-stateful', flag('mppe-stateful', (o) => { o.mppeStateful = true; })],
  ['nomppe-stateful', flag('mppe-stateful', (o) => { o.mppeStateful = false; })],
  // The MPPE patch for pppd 2.4.1 (old PoPToP HOWTOs): mppe-40, mppe-128, mppe-stateless,
  // and `mppe required,no40,no56,stateless`.
  ['mppe-40', flag('mppe', (o) => { mppeBits(o).add(40); })],
  ['mppe-128', flag('mppe', (o) => { mppeBits(o).add(128); })],
  ['mppe-stateless', flag('mppe-stateful', (o) => { o.mppeStateful = false; })],
  ['mppe', [1, (o, a, ctx) => oldMppe(o, a ?? '', ctx)]],
  // The same patch stripped DOMAIN\ from MS-CHAP user names before the chap-secrets lookup.
  ['chapms-strip-domain', flag('strip-domain', (o) => { o.stripDomain = true; })],
]);

// `plugin` lines and the options plugins add: noted in order, translated by import-radius-plugin.ts.
for (const [word, nargs] of Object.entries(PLUGIN_OPTIONS)) TABLE.set(word, [nargs, (_o, _a, ctx) => ctx.note(PLUGIN_SETTING)]);

/** The MS-CHAP spellings of the MPPE-patched pppd (2.3.x/2.4.0-2.4.1, the 2003 how-tos). */
const PATCHED_PPPD_METHOD: Readonly<Record<string, AuthMethodName>> = {
  chapms: 'mschap-v1',
  'chapms-v2': 'mschap-v2',
};

function methodHandlers(method: AuthMethodName): { require: Handler; refuse: Handler } {
  return {
    require: (o, _a, ctx) => {
      o.require.add(method);
      o.auth = true; // pppd: require-<method> implies auth
      ctx.note('auth-methods');
    },
    refuse: (o, _a, ctx) => {
      o.refuse.add(method);
      ctx.note('auth-methods');
    },
  };
}

for (const [word, method] of Object.entries(PPPD_METHOD)) {
  const { require, refuse } = methodHandlers(method);
  TABLE.set(`require-${word}`, [0, require]);
  TABLE.set(`+${word}`, [0, require]);
  TABLE.set(`refuse-${word}`, [0, refuse]);
  TABLE.set(`-${word}`, [0, refuse]);
}
for (const [word, method] of Object.entries(PATCHED_PPPD_METHOD)) {
  const { require, refuse } = methodHandlers(method);
  TABLE.set(`+${word}`, [0, require]);
  TABLE.set(`require-${word}`, [0, require]);
  TABLE.set(`-${word}`, [0, refuse]);
}

function addServer(list: string[], option: string, arg: string | undefined, ctx: Ctx): void {
  if (arg === undefined || !isIpv4(arg)) return ctx.error(`${option} needs an IPv4 address (pppd would refuse to start)`);
  if (list.length >= 2) return ctx.warn(`${option} given more than twice: only the first two are sent (RFC 1877)`);
  list.push(arg);
  ctx.note(option);
}

function oldMppe(o: PppdOptions, arg: string, ctx: Ctx): void {
  const flags = arg.split(',');
  const bits = new Set<40 | 56 | 128>([40, 56, 128]);
  for (const f of flags) {
    if (f === 'no40') bits.delete(40);
    else if (f === 'no56') bits.delete(56);
    else if (f === 'no128') bits.delete(128);
    else if (f === 'stateless') o.mppeStateful = false;
    else if (f !== 'required' && f !== 'on') ctx.warn(`mppe: flag "${f}" is not understood; ignored`);
  }
  o.mppe = flags.includes('required') || flags.includes('on') ? bits : new Set();
  ctx.note('mppe');
}

/** Apply one options file to `into` (pppd: later options override earlier ones). */
export function parsePppdOptions(text: string, file: string, into: PppdOptions = emptyPppdOptions()): { options: PppdOptions; issues: ParseIssue[] } {
  const issues: ParseIssue[] = [];
  const { words, issues: wordIssues } = splitPppdWords(text);
  for (const w of wordIssues) issues.push({ file, line: w.line, severity: 'warning', message: w.message });
  let i = 0;
  while (i < words.length) {
    const w = words[i] as Word;
    const option = w.text;
    const ctx: Ctx = {
      warn: (message) => void issues.push({ file, line: w.line, severity: 'warning', message }),
      error: (message) => void issues.push({ file, line: w.line, severity: 'error', message }),
      note: (setting) => {
        const list = into.origins.get(setting) ?? [];
        list.push({ file, line: w.line, text: nargs === 1 && arg !== undefined ? `${option} ${arg.text}` : option });
        into.origins.set(setting, list);
      },
    };
    const known = TABLE.get(option);
    const harmless = (HARMLESS as readonly string[]).includes(option);
    const harmlessWithArg = (HARMLESS_WITH_ARG as readonly string[]).includes(option);
    const nargs = known !== undefined ? known[0] : harmlessWithArg ? 1 : (UNSUPPORTED[option]?.[0] ?? REFUSED[option]?.[0] ?? 0);
    // Like pppd, an argument may sit on the next line: it is simply the next word.
    const arg = nargs === 1 ? words[i + 1] : undefined;
    if (nargs === 1 && arg === undefined) {
      ctx.error(`${option} needs an argument (pppd would refuse to start)`);
      break;
    }
    if (known !== undefined) {
      known[1](into, arg?.text, ctx);
    } else if (harmless || harmlessWithArg) {
      // Accepted: pptpd-ts behaves this way already, or it only matters to dial-up links.
    } else if (UNSUPPORTED[option] !== undefined) {
      ctx.warn(`${option}: ${(UNSUPPORTED[option] as [number, string])[1]}`);
    } else if (REFUSED[option] !== undefined) {
      ctx.error(`${option}: ${(REFUSED[option] as [number, string])[1]}`);
    } else if (/^[\d.]*:[\d.]*$/.test(option)) {
      ctx.warn(`"${option}" (local:remote addresses) is ignored: addresses come from pptpd.conf localip/remoteip`);
    } else {
      // pppd refuses to start on an option it does not know; so do we (it may have been meant
      // to keep someone out): one error, and the rest of its line is skipped.
      ctx.error(`unknown pppd option "${option}" (pppd would refuse to start): correct or remove it (docs/migration-from-poptop.md lists every option)`);
      i++;
      while (i < words.length && !(words[i] as Word).startsLine) i++;
      continue;
    }
    i += 1 + nargs;
  }
  return { options: into, issues };
}

/** Every option name this importer knows, by treatment (the documentation test uses it). */
export function knownPppdOptions(): { translated: string[]; accepted: string[]; unsupported: string[]; refused: string[] } {
  return {
    // noauth is in the table to be refused with its own message.
    translated: [...TABLE.keys()].filter((o) => o !== 'noauth'),
    accepted: [...HARMLESS, ...HARMLESS_WITH_ARG],
    unsupported: Object.keys(UNSUPPORTED),
    refused: ['noauth', ...Object.keys(REFUSED)],
  };
}
