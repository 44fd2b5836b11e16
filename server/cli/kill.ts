// `pptpd-ts kill (--user U | --ip A | --session S) [--socket PATH | -c FILE]`: ends
// sessions of the running server (LCP Terminate, CDN; accounting records Admin-Reset).
// Exit status 0 when at least one session was ended, 1 when none matched, 2 on errors.
import type { Command } from 'commander';
import { controlRequest } from '../control/client.js';
import { addControlTargetOptions, controlSocketPath, errorText, type ControlTargetOptions } from '../control/cli-support.js';
import { printResult, type CliResult } from './last.js';

export interface KillOptions extends ControlTargetOptions {
  user?: string;
  ip?: string;
  session?: string;
}

export async function runKill(opts: KillOptions): Promise<CliResult> {
  const given = (['user', 'ip', 'session'] as const).filter((k) => opts[k] !== undefined);
  if (given.length !== 1) return { exitCode: 2, output: ['pptpd-ts kill: give exactly one of --user, --ip, --session'] };
  const k = given[0]!;
  try {
    const reply = await controlRequest(controlSocketPath(opts), { cmd: 'kill', [k]: opts[k] });
    if (!reply.ok) return { exitCode: 2, output: [`pptpd-ts kill: ${reply.error}`] };
    if (!('killed' in reply)) return { exitCode: 2, output: ['pptpd-ts kill: unexpected reply from the server'] };
    if (reply.killed === 0) return { exitCode: 1, output: [`no session matches ${k} ${opts[k]}`] };
    return { exitCode: 0, output: [`terminated ${reply.killed} session${reply.killed === 1 ? '' : 's'} (${k} ${opts[k]})`] };
  } catch (e) {
    return { exitCode: 2, output: [`pptpd-ts kill: ${errorText(e)}`] };
  }
}

export function registerKill(program: Command): void {
  addControlTargetOptions(
    program
      .command('kill')
      .description('end sessions of the running server (control socket)')
      .option('--user <name>', 'every session of this user')
      .option('--ip <address>', 'the session with this tunnel address')
      .option('--session <id>', 'the session with this id (Acct-Session-Id)'),
  ).action(async (o: KillOptions) => printResult(await runKill(o)));
}
