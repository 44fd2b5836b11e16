// Subcommand registry: each subcommand lives in its own module and adds itself here.
import type { Command } from 'commander';

export function registerCommands(_program: Command): void {
  // serve, check-config and migrate are registered by their modules (see below).
}
