// Where the audit commands find the journal: --journal PATH, else accounting.journal.path
// of the configuration (-c FILE for YAML, --pptpd-conf FILE for PoPToP's files, which
// have no journal key and so give the default), else the default path.
import { existsSync } from 'node:fs';
import { parseConfigText, readConfigText } from '../../config/load.js';
import { configFromPoptop } from '../../config/poptop.js';
import { defaultConfig, type Config } from '../../config/schema.js';
import { PptpdError } from '../../server/errors.js';
import { SqliteJournal } from './sqlite.js';

export interface JournalLocation {
  journal?: string;
  config?: string;
  pptpdConf?: string;
  root?: string;
}

export type OpenResult = { ok: true; journal: SqliteJournal } | { ok: false; message: string };

export function journalPath(loc: JournalLocation): { ok: true; path: string } | { ok: false; message: string } {
  if (loc.journal !== undefined) return { ok: true, path: loc.journal };
  if (loc.config !== undefined && loc.pptpdConf !== undefined) {
    return { ok: false, message: 'give either -c FILE or --pptpd-conf FILE, not both' };
  }
  let config: Config | undefined;
  try {
    if (loc.config !== undefined) {
      const r = parseConfigText(readConfigText(loc.config), loc.config);
      if (r.config === undefined) {
        return { ok: false, message: `${loc.config}: invalid configuration (run pptpd-ts check-config -c ${loc.config})` };
      }
      config = r.config;
    } else if (loc.pptpdConf !== undefined) {
      config = configFromPoptop({ pptpdConf: loc.pptpdConf, ...(loc.root !== undefined ? { root: loc.root } : {}) }).config;
    } else config = defaultConfig();
  } catch (e) {
    if (e instanceof PptpdError) return { ok: false, message: e.message.split('\n')[0] ?? e.message };
    throw e;
  }
  return { ok: true, path: config.accounting.journal.path };
}

/** Open the journal read-only for a query. */
export function openJournalForQuery(loc: JournalLocation): OpenResult {
  const p = journalPath(loc);
  if (!p.ok) return p;
  if (!existsSync(p.path)) return { ok: false, message: `journal ${p.path}: no such file (is accounting.journal enabled? use --journal PATH)` };
  try {
    return { ok: true, journal: new SqliteJournal(p.path, { readonly: true }) };
  } catch (e) {
    if (e instanceof PptpdError) return { ok: false, message: e.message };
    throw e;
  }
}
