// The `pptpd-ts` command line: one commander program, one module per subcommand.
import { Command } from 'commander';
import { createRequire } from 'node:module';
import { registerCommands } from './commands.js';

const require = createRequire(import.meta.url);

function packageVersion(): string {
  for (const p of ['../../package.json', '../../../package.json']) {
    try {
      return (require(p) as { version: string }).version;
    } catch {
      /* try the next layout (source vs dist) */
    }
  }
  return '0.0.0';
}

export function buildProgram(): Command {
  const program = new Command('pptpd-ts')
    .description('PPTP VPN server: PoPToP (pptpd + pppd) in one Node.js process')
    .version(packageVersion(), '-V, --version')
    .showHelpAfterError();
  registerCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  await buildProgram().parseAsync(argv);
}

// Run when executed directly (node --import tsx server/cli/main.ts ...).
if (import.meta.url === `file://${process.argv[1]}`) {
  await main(process.argv);
}
