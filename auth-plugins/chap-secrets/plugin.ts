// chap-secrets: a credential source over pppd's secrets file. It finds the
// entry for the user (table.ts) and hands its clear-text secret to the chain,
// which verifies PAP/CHAP-MD5/MS-CHAPv1/v2 locally.
//
// Reload: on a change of the file (fs.watch on its directory, so an editor's
// write-and-rename is seen, debounced) or on reload() (SIGHUP). The new table
// replaces the old one in a single assignment; an attempt in flight keeps the
// table it started with and established sessions never look at it again, so
// nothing is dropped. A file with errors keeps the previous table and the
// errors are logged as file:line — the parser never quotes a secret.
//
// pppd rules kept: exact client before `*`, server column vs our name;
// an empty address column or `-` allows no IP address (pppd then fails IPCP;
// we refuse at once, clearer); the first single address is the client's
// static address (Framed-IP-Address). The address column, compiled at load (host
// names resolved then), goes with the accept as `allowedAddresses`: the session
// holds every address it gives the client to it (server/runtime/session-address.ts).
// PAP: the password must equal the secret.
// Not kept: pppd accepts any PAP password for an empty secret (meant for its
// `login` option) and `@login` (the system password database) — both pass.

import { lookup } from 'node:dns/promises';
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pino, type Logger } from 'pino';
import { z } from 'zod';
import { ErrorCode, PptpdError } from '../../server/errors.js';
import type { AuthPlugin, PluginContext, PluginOutcome, Secret } from '../plugin.js';
import type { PluginScheme } from '../registry.js';
import type { AuthRequest, SessionAttributes } from '../types.js';
import { compileRule, hostNamesOf, parseChapSecrets, staticAddress, type ChapSecret, type ParseIssue } from './parse.js';
import { ruleAllowsAny, type AddressRule } from '../../config/address-rule.js';
import type { Ipv4 } from '../../config/ip-spec.js';
import { ipv4FromString } from '../../server/gre/ipv4.js';
import { buildTable, EMPTY_TABLE, lookupSecret, type SecretsTable } from './table.js';

export const chapSecretsOptions = z.strictObject({
  file: z.string().min(1).default('/etc/ppp/chap-secrets').describe('path of the secrets file'),
  serverName: z.string().min(1).optional().describe('server column to match (default: the request serverName, pppd `name`)'),
  watch: z.boolean().default(true).describe('reload when the file changes'),
  missingFile: z
    .enum(['error', 'empty'])
    .default('error')
    .describe('the file does not exist at start: stop with an error, or start with no users and read it when it appears (or on SIGHUP)'),
  debounceMs: z.number().int().nonnegative().default(200).describe('wait this long after the last change before reloading'),
  emptyAddressList: z
    .enum(['reject', 'any'])
    .default('reject')
    .describe('an entry with no address column: reject (pppd allows no address) or allow any'),
  sessionTimeout: z.number().int().positive().optional().describe('Session-Timeout for users of this file, seconds'),
  idleTimeout: z.number().int().positive().optional().describe('Idle-Timeout, seconds'),
  acctInterimInterval: z.number().int().positive().optional().describe('Acct-Interim-Interval, seconds'),
  class: z.array(z.string()).optional().describe('Class values echoed in accounting'),
  replyMessage: z.string().optional().describe('Reply-Message sent on accept'),
});
export type ChapSecretsOptions = z.output<typeof chapSecretsOptions>;

export interface ReloadReport {
  /** True when the new table is in use. */
  readonly ok: boolean;
  readonly entries: number;
  readonly errors: readonly ParseIssue[];
  readonly warnings: readonly ParseIssue[];
  /** Read failure (file missing, unreadable), if any. */
  readonly ioError?: string;
}

export class ChapSecretsPlugin implements AuthPlugin {
  readonly kind = 'chap-secrets';
  readonly name: string;
  readonly #opts: ChapSecretsOptions;
  readonly #logger: Logger;
  readonly #baseAttributes: SessionAttributes;
  #table: SecretsTable = EMPTY_TABLE;
  #generation = 0;
  #queue: Promise<void> = Promise.resolve();
  #watcher: FSWatcher | undefined;
  #debounce: NodeJS.Timeout | undefined;
  #waiters: ((r: ReloadReport) => void)[] = [];

  constructor(options: ChapSecretsOptions, name = 'chap-secrets', logger?: Logger) {
    this.#opts = options;
    this.name = name;
    this.#logger = logger ?? pino({ level: 'silent' });
    this.#baseAttributes = {
      ...(options.sessionTimeout !== undefined ? { sessionTimeout: options.sessionTimeout } : {}),
      ...(options.idleTimeout !== undefined ? { idleTimeout: options.idleTimeout } : {}),
      ...(options.acctInterimInterval !== undefined ? { acctInterimInterval: options.acctInterimInterval } : {}),
      ...(options.class !== undefined ? { class: options.class.map((c) => Buffer.from(c, 'utf8')) } : {}),
      ...(options.replyMessage !== undefined ? { replyMessage: options.replyMessage } : {}),
    };
  }

  /** How many tables have been loaded (0 before init). */
  get generation(): number {
    return this.#generation;
  }

  get entryCount(): number {
    return this.#table.size;
  }

  /** First load; a missing or broken file stops start-up with file:line messages. */
  async init(): Promise<void> {
    const report = await this.reload();
    if (!report.ok && report.ioError === 'ENOENT' && this.#opts.missingFile === 'empty') {
      this.#logger.warn(
        { file: this.#opts.file },
        `chap-secrets: ${this.#opts.file} does not exist yet: nobody can log in until it is created (it is read when it appears, or on SIGHUP)`,
      );
      if (this.#opts.watch) this.#startWatching();
      return;
    }
    if (!report.ok) {
      if (report.ioError !== undefined) throw new PptpdError(ErrorCode.CONFIG_IO, `${this.#opts.file}: ${report.ioError}`);
      throw new PptpdError(ErrorCode.CONFIG_INVALID, report.errors.map(formatIssue).join('\n'));
    }
    if (this.#opts.watch) this.#startWatching();
  }

  /**
   * Re-reads the file. Reloads run one after another, in call order, so the
   * last write to the file is the one that ends up in use.
   */
  reload(): Promise<ReloadReport> {
    const run = this.#queue.then(() => this.#loadOnce());
    this.#queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Resolves when the next reload finishes (for tests and the admin interface). */
  nextReload(): Promise<ReloadReport> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  async handle(req: AuthRequest, _ctx?: PluginContext): Promise<PluginOutcome> {
    const table = this.#table; // one snapshot for the whole answer
    const server = this.#opts.serverName ?? req.serverName;
    const entry = lookupSecret(table, req.userName, server);
    if (entry === undefined) return { type: 'pass', reason: `no secret for ${req.userName} on ${server}` };
    const where = `${entry.file}:${entry.line}`;
    const first = entry.addresses[0];
    const anyAddress = first === undefined && this.#opts.emptyAddressList === 'any';
    const rule = anyAddress ? undefined : (rules.get(entry) ?? compileRule(entry));
    if (rule !== undefined && !rule.matches.some((m) => m.permit)) {
      return { type: 'reject', reason: `${req.userName} may use no IP address (${where})` };
    }
    if (entry.secret === '@login') {
      return { type: 'pass', reason: `${where}: @login (system password database) is not supported` };
    }
    if (entry.secret === '' && req.credentials.method === 'pap') {
      // pppd would accept any PAP password here (for its `login` option); we do not.
      return { type: 'pass', reason: `${where}: empty secret, PAP password cannot be checked` };
    }
    const framed = rule && staticAddress(rule);
    const restricted = rule !== undefined && !ruleAllowsAny(rule);
    return {
      type: 'secret',
      secret: secretOf(entry),
      attributes:
        framed === undefined && !restricted
          ? this.#baseAttributes
          : {
              ...this.#baseAttributes,
              ...(framed !== undefined ? { framedIpAddress: framed } : {}),
              ...(restricted ? { allowedAddresses: rule } : {}),
            },
      source: where,
    };
  }

  close(): void {
    clearTimeout(this.#debounce);
    this.#watcher?.close();
    this.#watcher = undefined;
  }

  async #loadOnce(): Promise<ReloadReport> {
    const file = this.#opts.file;
    let report: ReloadReport;
    let text: string | undefined;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      const ioError = (err as NodeJS.ErrnoException).code ?? 'read failed';
      this.#logger.error({ file, err: ioError }, 'chap-secrets: cannot read the file; keeping the previous table');
      report = { ok: false, entries: this.#table.size, errors: [], warnings: [], ioError };
    }
    if (text !== undefined) {
      const { entries, issues } = parseChapSecrets(text, file);
      const errors = issues.filter((i) => i.severity === 'error');
      const warnings = issues.filter((i) => i.severity !== 'error');
      for (const w of warnings) this.#logger.warn({ file: w.file, line: w.line }, `chap-secrets: ${w.message}`);
      if (errors.length > 0) {
        for (const e of errors) this.#logger.error({ file: e.file, line: e.line }, `chap-secrets: ${e.message}`);
        this.#logger.error({ file, errors: errors.length }, 'chap-secrets: file has errors; keeping the previous table');
        report = { ok: false, entries: this.#table.size, errors, warnings };
      } else {
        await this.#compileRules(entries);
        this.#table = buildTable(entries); // the atomic swap
        this.#generation++;
        this.#logger.info({ file, entries: entries.length, generation: this.#generation }, 'chap-secrets loaded');
        report = { ok: true, entries: entries.length, errors, warnings };
      }
    }
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w(report!);
    return report!;
  }

  /** Each entry's address rule, host names resolved now (pppd resolves them at load too). */
  async #compileRules(entries: readonly ChapSecret[]): Promise<void> {
    const names = hostNamesOf(entries);
    const hosts = new Map<string, Ipv4>();
    await Promise.all(
      names.map(async (name) => {
        const a = await resolveHost(name, RESOLVE_TIMEOUT_MS);
        if (a !== undefined) hosts.set(name, a);
      }),
    );
    for (const e of entries) {
      const unresolved: string[] = [];
      rules.set(e, compileRule(e, hosts, unresolved));
      for (const name of unresolved) {
        const excluded = e.addresses.includes(`!${name}`);
        this.#logger.warn(
          { file: e.file, line: e.line },
          `chap-secrets: host name "${name}" does not resolve to an IPv4 address; ` +
            (excluded ? 'as an exclusion it makes the entry allow no address' : 'left out of the allowed addresses'),
        );
      }
    }
  }

  #startWatching(): void {
    const file = path.resolve(this.#opts.file);
    const base = path.basename(file);
    try {
      // The directory, not the file: editors and config tools replace the file by rename.
      this.#watcher = watch(path.dirname(file), { persistent: false }, (_event, changed) => {
        if (changed !== null && changed !== base) return;
        clearTimeout(this.#debounce);
        this.#debounce = setTimeout(() => void this.reload(), this.#opts.debounceMs);
        this.#debounce.unref();
      });
      this.#watcher.on('error', (err) => this.#logger.warn({ file, err: err.message }, 'chap-secrets: watcher failed; reload() still works'));
    } catch (err) {
      this.#logger.warn({ file, err: (err as Error).message }, 'chap-secrets: cannot watch the file; reload() still works');
    }
  }
}

const RESOLVE_TIMEOUT_MS = 5_000;

/** A host name's first IPv4 address (as pppd's gethostbyname), or undefined; bounded in time. */
async function resolveHost(name: string, timeoutMs: number): Promise<Ipv4 | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), timeoutMs);
    timer.unref();
  });
  try {
    const found = lookup(name, { family: 4 }).then(
      (r) => ipv4FromString(r.address),
      () => undefined,
    );
    return await Promise.race([found, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Each loaded entry's compiled address rule (set before its table is swapped in). */
const rules = new WeakMap<ChapSecret, AddressRule>();

function formatIssue(i: ParseIssue): string {
  return `${i.file}:${i.line}: ${i.message}`;
}

export const chapSecretsScheme: PluginScheme<typeof chapSecretsOptions> = {
  kind: 'chap-secrets',
  description: "pppd's chap-secrets file as a credential source, reloaded on change",
  options: chapSecretsOptions,
  create: (options, deps) => new ChapSecretsPlugin(options, deps.name, deps.logger),
};

/**
 * One Secret object per loaded entry, so verify-local computes the entry's NT password hash
 * once (it caches per Secret object), not per authentication. A reload loads new entries.
 */
const secrets = new WeakMap<object, Secret>();

function secretOf(entry: { readonly secret: string }): Secret {
  let s = secrets.get(entry);
  if (s === undefined) secrets.set(entry, (s = { kind: 'cleartext', password: entry.secret }));
  return s;
}
