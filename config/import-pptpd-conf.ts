// PoPToP's /etc/pptpd.conf (pptpd.conf(5)), read the way pptpd's configfile.c reads it:
// one `keyword value` per line; lines starting with `#` are comments (only there: a `#`
// later in a line is part of the value); a line starting with a space or tab is ignored
// with a complaint; when a keyword appears twice, the FIRST one counts. Pure: text in,
// settings out. Unknown keywords are warned about with file:line and do not stop us.
import { parseIpSpec, isIpv4 } from './ip-spec.js';
import type { ParseIssue } from '../auth-plugins/chap-secrets/parse.js';
import type { Origin } from './import-options.js';

export interface PptpdConf {
  option?: string;
  localip?: string;
  remoteip?: string;
  listen?: string;
  pidfile?: string;
  connections?: number;
  stimeout?: number;
  debug?: boolean;
  logwtmp?: boolean;
  noipparam?: boolean;
  delegate?: boolean;
  /** Where each keyword came from (first occurrence). */
  origins: Map<string, Origin>;
}

/** pptpd's built-in defaults (defaults.h) for the keys we translate. */
export const POPTOP_DEFAULTS = {
  connections: 100,
  stimeout: 10,
  localip: '192.168.0.1-100',
  remoteip: '192.168.1.1-100',
} as const;

/** Keywords pptpd knows that have no counterpart here: why they are dropped. */
const DROPPED: Readonly<Record<string, string>> = {
  speed: 'tty speed for pppd; there is no tty here',
  ppp: 'path of the pppd program; PPP is built in',
  ptimeout: 'GRE ack timeout of pptpd 1.3; the GRE window has its own timers',
  keep: 'keeping calls across restarts is not supported',
  bcrelay: 'broadcast relay (bcrelay) is not supported yet',
  ipxnets: 'IPX is not supported',
  vrf: 'VRF binding is not supported yet',
};

const FLAGS = ['debug', 'logwtmp', 'noipparam', 'delegate'] as const;
const STRINGS = ['option', 'localip', 'remoteip', 'listen', 'pidfile'] as const;
const NUMBERS = ['connections', 'stimeout'] as const;

export function parsePptpdConf(text: string, file: string): { conf: PptpdConf; issues: ParseIssue[] } {
  const conf: PptpdConf = { origins: new Map() };
  const issues: ParseIssue[] = [];
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = n + 1;
    const raw = (lines[n] as string).replace(/[ \t\r]+$/, '');
    const warn = (message: string): void => void issues.push({ file, line, severity: 'warning', message });
    const error = (message: string): void => void issues.push({ file, line, severity: 'error', message });
    if (raw === '' || raw.startsWith('#')) continue;
    if (raw.startsWith(' ') || raw.startsWith('\t')) {
      warn('line starts with a space or tab: PoPToP ignores it, and so do we');
      continue;
    }
    const m = /^(\S+)(?:[ \t]+(.*))?$/.exec(raw);
    const keyword = m?.[1] ?? raw;
    const value = m?.[2] ?? '';
    const prior = conf.origins.get(keyword);
    if (prior !== undefined) {
      warn(`"${keyword}" repeated: PoPToP uses the first one, on line ${prior.line}`);
      continue;
    }
    // Recorded even when the value is bad: pptpd would stop there, and a later repeat
    // of the keyword would not be read either.
    conf.origins.set(keyword, { file, line, text: raw });
    if ((FLAGS as readonly string[]).includes(keyword)) {
      conf[keyword as (typeof FLAGS)[number]] = true;
      if (value !== '') warn(`"${keyword}" takes no value; "${value}" is ignored`);
    } else if ((STRINGS as readonly string[]).includes(keyword)) {
      if (value === '') {
        error(`"${keyword}" needs a value`);
        continue;
      }
      if ((keyword === 'localip' || keyword === 'remoteip') && !checkSpec(value, keyword, error)) continue;
      if (keyword === 'listen' && !isIpv4(value)) {
        error(`listen: "${value}" is not an IPv4 address (host names are not resolved)`);
        continue;
      }
      conf[keyword as (typeof STRINGS)[number]] = value;
    } else if ((NUMBERS as readonly string[]).includes(keyword)) {
      const k = keyword as (typeof NUMBERS)[number];
      // pptpd uses atoi() and falls back to its default for anything <= 0.
      if (!/^\d+$/.test(value) || Number(value) <= 0) {
        warn(`${k}: "${value}" is not a positive whole number; PoPToP's default ${POPTOP_DEFAULTS[k]} is used`);
        conf[k] = POPTOP_DEFAULTS[k];
      } else conf[k] = Number(value);
    } else if (DROPPED[keyword] !== undefined) {
      warn(`${keyword}: ${DROPPED[keyword]}; dropped`);
    } else {
      warn(`unknown pptpd.conf keyword "${keyword}"; ignored`);
    }
  }
  return { conf, issues };
}

function checkSpec(value: string, keyword: string, error: (m: string) => void): boolean {
  const r = parseIpSpec(value);
  if (!r.ok) error(`${keyword}: ${r.error}`);
  return r.ok;
}

/** Every pptpd.conf keyword this importer knows: translated, or dropped with a warning (the docs test uses it). */
export function knownPptpdConfKeywords(): { translated: string[]; dropped: string[] } {
  return { translated: [...FLAGS, ...STRINGS, ...NUMBERS], dropped: Object.keys(DROPPED) };
}
