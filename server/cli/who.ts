// `pptpd-ts who`: live sessions from the journal (no stop yet): user, tunnel address,
// client, since when, bytes each way. Exit status 0, or 2 when the journal cannot be read.
import type { Command } from 'commander';
import { formatBytes, formatTable, formatTime, rowToJson } from '../../accounting/journal/audit-format.js';
import { addJournalOptions, ok, printResult, withJournal, type AuditOptions, type CliResult } from './last.js';

export async function runWho(opts: AuditOptions): Promise<CliResult> {
  return withJournal(opts, async (j) => {
    const rows = await j.live();
    if (opts.json === true) return ok([JSON.stringify(rows.map(rowToJson), null, 2)]);
    if (rows.length === 0) return ok(['no live sessions']);
    return ok(formatTable(
      ['USER', 'ADDRESS', 'CLIENT', 'SINCE', 'IN', 'OUT', 'LINE', 'NAS'],
      rows.map((r) => [
        r.userName, r.framedIpAddress, r.clientAddress, formatTime(r.startTime),
        formatBytes(r.inputOctets), formatBytes(r.outputOctets), r.line, r.nasIdentifier,
      ]),
    ));
  });
}

export function registerWho(program: Command): void {
  addJournalOptions(program.command('who').description('live sessions: user, address, client, since, bytes'))
    .action(async (opts: AuditOptions) => printResult(await runWho(opts)));
}
