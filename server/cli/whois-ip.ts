// `pptpd-ts whois-ip A.B.C.D --at T`: who held that tunnel address at that moment (the
// abuse desk's question), with the session's start, end and client address. Several rows
// only when sessions overlap (one left open by a crash). Exit status: 0 found, 1 nobody
// held it, 2 bad arguments or journal.
import type { Command } from 'commander';
import { isIPv4 } from 'node:net';
import { formatTable, formatTime, parseAuditTime, rowToJson } from '../../accounting/journal/audit-format.js';
import { addJournalOptions, fail, printResult, withJournal, type AuditOptions, type CliResult } from './last.js';

export interface WhoisIpOptions extends AuditOptions {
  at?: string;
}

export async function runWhoisIp(ip: string, opts: WhoisIpOptions, now = Date.now()): Promise<CliResult> {
  if (!isIPv4(ip)) return fail(`whois-ip: "${ip}" is not an IPv4 address`);
  if (opts.at === undefined) return fail('whois-ip: --at TIME is required');
  const at = parseAuditTime(opts.at, now);
  if (!at.ok) return fail(`whois-ip: ${at.reason}`);
  return withJournal(opts, async (j) => {
    const rows = await j.whoisIp(ip, at.ms);
    const exitCode = rows.length === 0 ? 1 : 0;
    if (opts.json === true) return { exitCode, output: [JSON.stringify(rows.map(rowToJson), null, 2)] };
    if (rows.length === 0) return { exitCode, output: [`nobody held ${ip} at ${formatTime(at.ms)}`] };
    return {
      exitCode,
      output: formatTable(
        ['USER', 'START', 'END', 'CLIENT', 'PEER NAME', 'NAS', 'SESSION'],
        rows.map((r) => [
          r.userName, formatTime(r.startTime), r.stopTime === null ? 'still logged in' : formatTime(r.stopTime),
          r.clientAddress, r.peerName, r.nasIdentifier, r.sessionId,
        ]),
      ),
    };
  });
}

export function registerWhoisIp(program: Command): void {
  addJournalOptions(
    program
      .command('whois-ip')
      .argument('<address>', 'tunnel address (Framed-IP-Address), e.g. 10.8.0.23')
      .description('who held this address at a moment: user, start, end, client address')
      .requiredOption('--at <time>', 'the moment (ISO 8601 or "YYYY-MM-DD HH:MM[:SS]")'),
  ).action(async (ip: string, opts: WhoisIpOptions) => printResult(await runWhoisIp(ip, opts)));
}
