// The spool's lock: one process per spool directory, a lock file holding its pid.
import fs from 'node:fs';
import path from 'node:path';
import { ErrorCode, PptpdError } from '../../server/errors.js';
import type { Logger } from '../../server/log.js';

export const LOCK_FILE = 'accounting.lock';

/** True if `pid` is a live process other than this one. */
function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One process per spool: a lock file holding our pid. A lock left by a dead process (kill -9)
 * is taken over; so is one holding our own pid (a container restarted with the same pid).
 */
export function takeLock(dir: string, log: Logger): void {
  const file = path.join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx', 0o640);
      fs.writeSync(fd, `${process.pid}\n`);
      fs.closeSync(fd);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let holder = NaN;
    try {
      holder = Number.parseInt(fs.readFileSync(file, 'utf8'), 10);
    } catch {
      /* vanished between open and read: try again */
    }
    if (alive(holder)) {
      throw new PptpdError(ErrorCode.STATE, `accounting spool ${dir} is in use by process ${holder}`);
    }
    log.warn({ dir, pid: Number.isNaN(holder) ? undefined : holder }, 'accounting spool: taking over a stale lock');
    fs.rmSync(file, { force: true });
  }
  throw new PptpdError(ErrorCode.STATE, `cannot lock accounting spool ${dir}`);
}

export function releaseLock(dir: string): void {
  const file = path.join(dir, LOCK_FILE);
  try {
    if (Number.parseInt(fs.readFileSync(file, 'utf8'), 10) === process.pid) fs.rmSync(file, { force: true });
  } catch {
    /* already gone */
  }
}
