// File access for utmp/wtmp: whole 384-byte records, one write(2) per record.
//
// Node has no fcntl() record locks, so we rely on how the writers behave instead of on
// glibc's F_SETLKW (the same reasoning holds for every writer that does not lock):
// - appends use an O_APPEND descriptor and a single write of one whole record, so a
//   concurrent appender (sshd, login) can never interleave with or overwrite it;
// - in-place updates are one positioned write (pwrite) of a whole record at a
//   384-aligned offset, only to a slot we own (see sink.ts), never a truncate;
// - inside this process every write goes through one queue (sink.ts), so our own
//   read-modify-write of utmp is never interleaved with another of ours.
// A file left with a partial record (a torn append at power loss) is padded with zeros to
// the next record boundary before we append, so `last` keeps reading whole records.
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { UTMP_SIZE } from './utmp-codec.js';

/** Files are created like util-linux/systemd create them (rw-rw-r--). */
const FILE_MODE = 0o664;

export interface FileIdentity {
  readonly dev: number;
  readonly ino: number;
  readonly size: number;
}

/** Append whole records with one write each (O_APPEND), optionally fdatasync'd. Returns the file identity after writing. */
export async function appendRecords(path: string, records: Buffer, sync: boolean): Promise<FileIdentity> {
  const fh = await open(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, FILE_MODE);
  try {
    const before = await fh.stat();
    const torn = before.size % UTMP_SIZE;
    if (torn !== 0) await writeAll(fh, Buffer.alloc(UTMP_SIZE - torn), null);
    for (let at = 0; at < records.length; at += UTMP_SIZE) {
      await writeAll(fh, records.subarray(at, at + UTMP_SIZE), null);
    }
    if (sync) await fh.datasync();
    const st = await fh.stat();
    return { dev: st.dev, ino: st.ino, size: st.size };
  } finally {
    await fh.close();
  }
}

/** Read the last `maxRecords` whole records (aligned to the record grid from the start of the file). */
export async function readTail(path: string, maxRecords: number): Promise<{ id: FileIdentity; buf: Buffer; firstIndex: number } | undefined> {
  let fh: FileHandle;
  try {
    fh = await open(path, constants.O_RDONLY);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const st = await fh.stat();
    const whole = Math.floor(st.size / UTMP_SIZE);
    const firstIndex = Math.max(0, whole - maxRecords);
    const len = (whole - firstIndex) * UTMP_SIZE;
    const buf = Buffer.alloc(len);
    let got = 0;
    while (got < len) {
      const { bytesRead } = await fh.read(buf, got, len - got, firstIndex * UTMP_SIZE + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return { id: { dev: st.dev, ino: st.ino, size: st.size }, buf: buf.subarray(0, got - (got % UTMP_SIZE)), firstIndex };
  } finally {
    await fh.close();
  }
}

/** A utmp file open for a read-modify-write of one slot. */
export class SlotFile {
  private constructor(
    private readonly fh: FileHandle,
    private readonly path: string,
  ) {}

  static async open(path: string): Promise<SlotFile> {
    return new SlotFile(await open(path, constants.O_RDWR | constants.O_CREAT, FILE_MODE), path);
  }

  /** The whole file (utmp is small: one slot per line ever logged in plus the system's own). */
  async readAll(): Promise<Buffer> {
    const st = await this.fh.stat();
    const buf = Buffer.alloc(st.size);
    let got = 0;
    while (got < buf.length) {
      const { bytesRead } = await this.fh.read(buf, got, buf.length - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return buf.subarray(0, got);
  }

  /** Overwrite slot `index` with one positioned write. */
  async writeSlot(index: number, record: Buffer, sync: boolean): Promise<void> {
    await writeAll(this.fh, record, index * UTMP_SIZE);
    if (sync) await this.fh.datasync();
  }

  /** Add a slot at the end through an O_APPEND descriptor (never overwrites a concurrent appender's record). */
  async appendSlot(record: Buffer, sync: boolean): Promise<void> {
    await appendRecords(this.path, record, sync);
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}

async function writeAll(fh: FileHandle, buf: Buffer, position: number | null): Promise<void> {
  // A regular-file write of 384 bytes is not split by Linux; the loop only guards the contract.
  let done = 0;
  for (let tries = 0; done < buf.length && tries < 8; tries++) {
    const { bytesWritten } = await fh.write(buf, done, buf.length - done, position === null ? null : position + done);
    done += bytesWritten;
  }
  if (done < buf.length) throw new Error(`short write (${done} of ${buf.length} bytes)`);
}
