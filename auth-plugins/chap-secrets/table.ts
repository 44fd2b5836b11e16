// An immutable lookup table over parsed chap-secrets entries, with pppd's
// choice of entry (auth.c scan_authfile): the client column must equal the
// name or be `*`, the server column must equal our name or be `*`; the entry
// with the fewest wildcards wins — an exact client beats an exact server —
// and the first in the file wins among equals. Case matters (pppd(8)).

import type { ChapSecret } from './parse.js';

export interface SecretsTable {
  /** Entries whose client column is a literal name, in file order. */
  readonly byClient: ReadonlyMap<string, readonly ChapSecret[]>;
  /** Entries whose client column is `*`, in file order. */
  readonly anyClient: readonly ChapSecret[];
  readonly size: number;
}

const WILD = '*';

export function buildTable(entries: readonly ChapSecret[]): SecretsTable {
  const byClient = new Map<string, ChapSecret[]>();
  const anyClient: ChapSecret[] = [];
  for (const e of entries) {
    if (e.client === WILD) {
      anyClient.push(e);
      continue;
    }
    const list = byClient.get(e.client);
    if (list === undefined) byClient.set(e.client, [e]);
    else list.push(e);
  }
  return { byClient, anyClient, size: entries.length };
}

export const EMPTY_TABLE: SecretsTable = buildTable([]);

/** The best entry for `client` authenticating to `server`, or undefined. */
export function lookupSecret(table: SecretsTable, client: string, server: string): ChapSecret | undefined {
  return bestByServer(table.byClient.get(client) ?? [], server) ?? bestByServer(table.anyClient, server);
}

/** Among entries with the same client specificity: first exact server, else first `*` server. */
function bestByServer(entries: readonly ChapSecret[], server: string): ChapSecret | undefined {
  let wildcard: ChapSecret | undefined;
  for (const e of entries) {
    if (e.server === server) return e;
    if (e.server === WILD && wildcard === undefined) wildcard = e;
  }
  return wildcard;
}
