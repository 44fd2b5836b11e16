// `pptpd-ts sessions [--json] [--socket PATH | -c FILE]`: the running server's live
// sessions over its control socket — user, tunnel address, client, uptime, bytes in
// (from the client) and out, auth method, MPPE mode, state.
// Exit status 0, or 2 when the server cannot be reached.
import type { Command } from 'commander';
import { controlRequest } from '../control/client.js';
import { addControlTargetOptions, controlSocketPath, errorText, formatSessions, uptimeSeconds, type ControlTargetOptions } from '../control/cli-support.js';
import { printResult, type CliResult } from './last.js';

export interface SessionsOptions extends ControlTargetOptions {
  json?: boolean;
}

export async function runSessions(opts: SessionsOptions, now: number = Date.now()): Promise<CliResult> {
  try {
    const reply = await controlRequest(controlSocketPath(opts), { cmd: 'sessions' });
    if (!reply.ok) return { exitCode: 2, output: [`pptpd-ts: ${reply.error}`] };
    if (!('sessions' in reply)) return { exitCode: 2, output: ['pptpd-ts: unexpected reply from the server'] };
    if (opts.json === true) {
      return { exitCode: 0, output: [JSON.stringify(reply.sessions.map((s) => ({ ...s, uptimeSeconds: uptimeSeconds(s, now) })), null, 2)] };
    }
    return { exitCode: 0, output: formatSessions(reply.sessions, now) };
  } catch (e) {
    return { exitCode: 2, output: [`pptpd-ts: ${errorText(e)}`] };
  }
}

export function registerSessions(program: Command): void {
  addControlTargetOptions(
    program.command('sessions').description('live sessions of the running server (control socket)').option('--json', 'JSON output'),
  ).action(async (o: SessionsOptions) => printResult(await runSessions(o)));
}
