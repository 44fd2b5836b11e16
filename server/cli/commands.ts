// Subcommand registry: each subcommand lives in its own module and registers itself here.
import type { Command } from 'commander';
import { registerCheckConfig } from './check-config.js';
import { registerMigrate } from './migrate.js';
import { registerServe } from './serve.js';

export function registerCommands(program: Command): void {
  registerServe(program);
  registerCheckConfig(program);
  registerMigrate(program);
}
