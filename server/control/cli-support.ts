// Shared by `pptpd-ts sessions` and `pptpd-ts kill`: where the control socket is
// (--socket, else control.socket of -c FILE, else the default) and the table format.

import type { Command } from 'commander';
import { formatBytes, formatDuration, formatTable } from '../../accounting/journal/audit-format.js';
import { loadConfigFile } from '../../config/load.js';
import { ControlSection } from '../../config/schema-operations.js';
import { PptpdError } from '../errors.js';
import type { SessionView } from './host.js';

/** The schema's default, so it is written once. */
const DEFAULT_CONTROL_SOCKET = ControlSection.parse({}).socket;

export interface ControlTargetOptions {
  socket?: string;
  config?: string;
}

export function addControlTargetOptions(cmd: Command): Command {
  return cmd
    .option('--socket <path>', `control socket of the running server (default ${DEFAULT_CONTROL_SOCKET})`)
    .option('-c, --config <file>', 'read control.socket from this configuration');
}

/** The socket path to use; throws PptpdError when -c names a bad configuration. */
export function controlSocketPath(o: ControlTargetOptions): string {
  if (o.socket !== undefined) return o.socket;
  if (o.config !== undefined) return loadConfigFile(o.config).control.socket;
  return DEFAULT_CONTROL_SOCKET;
}

export function errorText(e: unknown): string {
  return e instanceof PptpdError || e instanceof Error ? e.message : String(e);
}

/** Seconds the session has been up (or since the call arrived, while starting). */
export function uptimeSeconds(s: SessionView, now: number): number {
  return Math.max(0, Math.floor((now - (s.upAt ?? s.createdAt)) / 1000));
}

/** accel-cmd `show sessions` style: one line per session. */
export function formatSessions(list: readonly SessionView[], now: number): string[] {
  if (list.length === 0) return ['no sessions'];
  const rows = [...list]
    .sort((a, b) => (a.upAt ?? a.createdAt) - (b.upAt ?? b.createdAt))
    .map((s) => [
      s.sessionId,
      s.userName ?? s.peerName ?? '-',
      s.address ?? '-',
      s.clientAddress,
      formatDuration(uptimeSeconds(s, now)),
      formatBytes(s.inputOctets),
      formatBytes(s.outputOctets),
      s.authMethod ?? '-',
      s.encryption,
      s.state,
    ]);
  return formatTable(['SESSION', 'USER', 'ADDRESS', 'CLIENT', 'UPTIME', 'IN', 'OUT', 'AUTH', 'MPPE', 'STATE'], rows);
}
