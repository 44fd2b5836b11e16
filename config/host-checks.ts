// Checks of a configuration against the machine it runs on: files it names exist and
// can be used, the control socket's group exists, the directories the server will
// create can be created. They run in the shared load step (config/resolve.ts) for both
// `check-config` and `serve`, so nothing the server would trip over later is found only
// after it listens. Read-only: nothing is created or changed here.
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Config } from './schema.js';
import type { Finding } from './semantics.js';
import { authEntries } from './schema-auth.js';

/** Maps an absolute path named in the configuration to where it is read (check-config --root). */
export type OnDisk = (path: string) => string;

/** gid of a group name or number through /etc/group (local groups only), or why not. */
export function lookupGroup(group: string | number): { gid: number } | { problem: string } {
  if (typeof group === 'number') return { gid: group };
  if (/^\d+$/.test(group)) return { gid: Number(group) };
  let text: string;
  try {
    text = readFileSync('/etc/group', 'utf8');
  } catch (e) {
    return { problem: `cannot read /etc/group (${(e as NodeJS.ErrnoException).code ?? 'EIO'}): give the gid as a number` };
  }
  for (const line of text.split('\n')) {
    const [name, , gid] = line.split(':');
    if (name === group && gid !== undefined && /^\d+$/.test(gid)) return { gid: Number(gid) };
  }
  return { problem: `no group named "${group}" in /etc/group: create it (groupadd ${group}) or name another` };
}

function errno(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? 'EIO';
}

/** Why `path` cannot be created (its nearest existing ancestor is not a directory), if so. */
function cannotCreate(path: string): string | undefined {
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    try {
      return statSync(dir).isDirectory() ? undefined : `${dir} is not a directory: choose another path`;
    } catch (e) {
      if (errno(e) !== 'ENOENT') return `cannot look at ${dir} (${errno(e)})`;
    }
    if (dir === dirname(dir)) return undefined;
  }
}

/** Why a file cannot be opened in its directory (the logger does not create directories), if so. */
function noParent(path: string): string | undefined {
  const dir = dirname(path);
  try {
    return statSync(dir).isDirectory() ? undefined : `${dir} is not a directory: choose another path`;
  } catch (e) {
    return errno(e) === 'ENOENT' ? `the directory ${dir} does not exist: create it or choose another path` : `cannot look at ${dir} (${errno(e)})`;
  }
}

function checkScript(path: string, onDisk: OnDisk): string | undefined {
  const p = onDisk(path);
  try {
    if (!statSync(p).isFile()) return `${p} is not a file: name the script itself`;
    accessSync(p, constants.X_OK);
    return undefined;
  } catch (e) {
    if (errno(e) === 'ENOENT') return `${p} does not exist: create the script or remove the key`;
    if (errno(e) === 'EACCES') return `${p} is not executable: chmod +x it`;
    return `cannot use ${p} (${errno(e)})`;
  }
}

function checkCaFile(path: string, onDisk: OnDisk): string | undefined {
  const p = onDisk(path);
  let text: string;
  try {
    text = readFileSync(p, 'utf8');
  } catch (e) {
    return `cannot read ${p} (${errno(e)}): name a PEM file of the CA certificate(s)`;
  }
  return text.includes('-----BEGIN CERTIFICATE-----') ? undefined : `${p} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`;
}

export function checkHost(config: Config, onDisk: OnDisk = (p) => p): Finding[] {
  const out: Finding[] = [];
  const error = (path: readonly PropertyKey[], message: string | undefined) => {
    if (message !== undefined) out.push({ path, severity: 'error', message });
  };
  for (const key of ['ipUp', 'ipDown'] as const) {
    const script = config.hooks[key];
    if (script !== undefined) error(['hooks', key], checkScript(script, onDisk));
  }
  const control = config.control;
  if (control.enabled) {
    error(['control', 'socket'], cannotCreate(control.socket));
    if (control.group !== undefined) {
      const g = lookupGroup(control.group);
      if ('problem' in g) error(['control', 'group'], g.problem);
    }
  }
  if (config.logging.file !== undefined) error(['logging', 'file'], noParent(config.logging.file));
  for (const log of ['wtmp', 'utmp'] as const) {
    const l = config.accounting[log];
    if (l.enabled) error(['accounting', log, 'file'], noParent(l.file));
  }
  if (config.accounting.journal.enabled) error(['accounting', 'journal', 'path'], cannotCreate(config.accounting.journal.path));
  error(['accounting', 'spoolDir'], cannotCreate(`${config.accounting.spoolDir}/x`));
  for (const { entry, path } of authEntries(config.auth)) {
    if (entry.plugin !== 'ldap') continue;
    const ca = (entry as { tls?: { caFile?: string } }).tls?.caFile;
    if (ca !== undefined) error([...path, 'tls', 'caFile'], checkCaFile(ca, onDisk));
  }
  return out;
}
