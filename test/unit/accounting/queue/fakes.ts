// Test doubles for accounting delivery: an in-memory sink that can be switched down, and
// event builders with realistic sessions.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AccountingEvent, AccountingSink, SessionInfo } from '../../../../accounting/record.js';
import { interimEvent, startEvent, stopEvent } from '../../../../accounting/dispatcher.js';
import { WAIT_MS, waitFor } from '../../../helpers/wait.js';

export class MemorySink implements AccountingSink {
  readonly name: string;
  /** Every deliver() call, in call order (ids), successful or not. */
  readonly attempts: { id: string; at: number }[] = [];
  /** Acknowledged deliveries in order. */
  readonly delivered: AccountingEvent[] = [];
  /** While true, deliver() rejects. */
  down = false;
  /** Extra latency per delivery, ms. */
  latencyMs = 0;
  closed = false;

  constructor(name: string) {
    this.name = name;
  }

  async deliver(event: AccountingEvent): Promise<void> {
    this.attempts.push({ id: event.id, at: Date.now() });
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    if (this.down) throw new Error(`${this.name} is down`);
    this.delivered.push(event);
  }

  ids(): string[] {
    return this.delivered.map((e) => e.id);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

export function session(n: number, over: Partial<SessionInfo> = {}): SessionInfo {
  return {
    sessionId: `S${String(n).padStart(4, '0')}`,
    userName: `user${n}`,
    peerName: `CORP\\user${n}`,
    nasIdentifier: 'pptpd-test',
    nasIpAddress: '127.0.0.1',
    callId: 100 + n,
    line: `pptp${n}`,
    clientAddress: `198.51.100.${n % 250}`,
    serverAddress: '192.0.2.1',
    framedIpAddress: `10.8.0.${(n % 250) + 2}`,
    localIpAddress: '10.8.0.1',
    startTime: 1_700_000_000_000 + n * 1000,
    authMethod: 'mschap-v2',
    encryption: 'MPPE-128 stateless',
    pid: 4242,
    ...over,
  };
}

/** Start, `interims` Interim-Updates and a Stop for session n. */
export function lifecycle(n: number, interims = 1): AccountingEvent[] {
  const s = session(n);
  const out: AccountingEvent[] = [startEvent(s)];
  for (let i = 1; i <= interims; i++) {
    out.push(interimEvent(s, { inputOctets: i * 1000, outputOctets: i * 2000, inputPackets: i * 10, outputPackets: i * 20 }, i, s.startTime + i * 60_000));
  }
  out.push(stopEvent(s, { inputOctets: 5000, outputOctets: 9000, inputPackets: 50, outputPackets: 90 }, 'User-Request', s.startTime + (interims + 1) * 60_000));
  return out;
}

/** The shared bounded wait (test/helpers/wait.ts), polling every `stepMs`. */
export async function until(cond: () => boolean, timeoutMs = WAIT_MS, stepMs = 5): Promise<void> {
  await waitFor('condition', cond, timeoutMs, { stepMs });
}

const made: string[] = [];
let hooked = false;

/** A temp dir removed when the test process exits. */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `pptpd-${prefix}-`));
  made.push(dir);
  if (!hooked) {
    hooked = true;
    process.once('exit', () => {
      for (const d of made) fs.rmSync(d, { recursive: true, force: true });
    });
  }
  return dir;
}
