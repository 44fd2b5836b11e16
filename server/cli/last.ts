// `pptpd-ts last [USER]`: sessions from the journal, newest first, like last(1) reads wtmp.
// --since/--until keep the sessions active at some moment in that window (unlike last(1),
// which filters on login time only): the question an auditor asks is "who was on then".
// Exit status: 0 (even when nothing matched), 2 when the journal or an argument is bad.
// Also home of what the three audit commands share (journal options, printing).
import type { Command } from 'commander';
import { openJournalForQuery, type JournalLocation } from '../../accounting/journal/open.js';
import { formatBytes, formatDuration, formatTable, formatTime, parseAuditTime, rowToJson } from '../../accounting/journal/audit-format.js';
import type { SqliteJournal } from '../../accounting/journal/sqlite.js';

export interface AuditOptions extends JournalLocation {
  json?: boolean;
}

export interface LastOptions extends AuditOptions {
  since?: string;
  until?: string;
  limit?: string;
}

export interface CliResult {
  readonly exitCode: 0 | 1 | 2;
  readonly output: string[];
}

export async function runLast(user: string | undefined, opts: LastOptions, now = Date.now()): Promise<CliResult> {
  const since = opts.since === undefined ? undefined : parseAuditTime(opts.since, now);
  const until = opts.until === undefined ? undefined : parseAuditTime(opts.until, now);
  for (const t of [since, until]) if (t !== undefined && !t.ok) return fail(`last: ${t.reason}`);
  if (since?.ok === true && until?.ok === true && since.ms > until.ms) return fail('last: --since is after --until');
  const limit = opts.limit === undefined ? undefined : Number(opts.limit);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) return fail(`last: --limit must be a positive integer`);
  return withJournal(opts, async (j) => {
    const rows = await j.last({
      ...(user !== undefined ? { user } : {}),
      ...(since?.ok === true ? { since: since.ms } : {}),
      ...(until?.ok === true ? { until: until.ms } : {}),
      ...(limit !== undefined ? { limit } : {}),
    });
    if (opts.json === true) return ok([JSON.stringify(rows.map(rowToJson), null, 2)]);
    if (rows.length === 0) return ok(['no sessions']);
    return ok(formatTable(
      ['USER', 'CLIENT', 'ADDRESS', 'START', 'STOP', 'DURATION', 'IN', 'OUT', 'CAUSE'],
      rows.map((r) => [
        r.userName, r.clientAddress, r.framedIpAddress, formatTime(r.startTime),
        r.stopTime === null ? 'still logged in' : formatTime(r.stopTime),
        formatDuration(r.duration ?? Math.max(0, Math.floor((now - r.startTime) / 1000))),
        formatBytes(r.inputOctets), formatBytes(r.outputOctets),
        r.terminateCause === null ? '' : `${r.terminateCause}${r.closedByRecovery ? ' (recovered)' : ''}`,
      ]),
    ));
  });
}

/** Open the journal read-only, run `fn`, close it; a journal that cannot be opened is exit 2. */
export async function withJournal(opts: JournalLocation, fn: (j: SqliteJournal) => Promise<CliResult>): Promise<CliResult> {
  const o = openJournalForQuery(opts);
  if (!o.ok) return fail(o.message);
  try {
    return await fn(o.journal);
  } finally {
    await o.journal.close();
  }
}

export const ok = (output: string[]): CliResult => ({ exitCode: 0, output });
export const fail = (message: string): CliResult => ({ exitCode: 2, output: [message] });

/** --journal, -c and --pptpd-conf, shared by last, who and whois-ip. */
export function addJournalOptions(cmd: Command): Command {
  return cmd
    .option('--journal <path>', 'session journal file (default: accounting.journal.path of the configuration)')
    .option('-c, --config <file>', 'YAML configuration naming the journal')
    .option('--pptpd-conf <file>', "PoPToP's pptpd.conf (the journal is then at its default path)")
    .option('--json', 'print a JSON array instead of columns');
}

export function printResult(r: CliResult): void {
  const out = r.exitCode === 2 ? process.stderr : process.stdout;
  out.write(r.output.map((line) => `${line}\n`).join(''));
  process.exitCode = r.exitCode;
}

export function registerLast(program: Command): void {
  addJournalOptions(
    program
      .command('last')
      .argument('[user]', 'only this user')
      .description('sessions from the journal, newest first (active in --since/--until when given)')
      .option('--since <time>', 'sessions still active at or after this time (ISO 8601 or "YYYY-MM-DD HH:MM[:SS]")')
      .option('--until <time>', 'sessions started at or before this time')
      .option('-n, --limit <count>', 'at most this many sessions'),
  ).action(async (user: string | undefined, opts: LastOptions) => printResult(await runLast(user, opts)));
}

