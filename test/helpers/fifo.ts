// A FIFO opened O_RDWR | O_NONBLOCK in a temp dir: a pollable fd with no network (O_RDWR on a
// FIFO never blocks on Linux and keeps a writer, so no EOF). For the native Reader's tests.
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Fifo {
  readonly fd: number;
  close(): void;
}

export function openFifo(prefix = 'ptd-fifo-'): Fifo {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  const file = path.join(dir, 'fifo');
  execFileSync('mkfifo', [file]);
  const fd = openSync(file, constants.O_RDWR | constants.O_NONBLOCK);
  return {
    fd,
    close: () => {
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
