// Subcommand registry: each subcommand lives in its own module and registers itself here.
import type { Command } from 'commander';
import { registerCheckConfig } from './check-config.js';
import { registerMigrate } from './migrate.js';
import { registerLast } from './last.js';
import { registerWho } from './who.js';
import { registerWhoisIp } from './whois-ip.js';
import { registerServe } from './serve.js';
import { registerSessions } from './sessions.js';
import { registerKill } from './kill.js';
import { registerTestAuth } from './test-auth.js';
import { registerClient } from './client.js';

export function registerCommands(program: Command): void {
  registerServe(program);
  registerCheckConfig(program);
  registerMigrate(program);
  registerLast(program);
  registerWho(program);
  registerWhoisIp(program);
  registerSessions(program);
  registerKill(program);
  registerTestAuth(program);
  registerClient(program);
}
