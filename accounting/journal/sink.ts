// The journal as an accounting sink: deliver() resolves once the event is committed
// (synchronous=FULL, see schema.ts), and a replay of the same event changes nothing
// (see sqlite.ts), which is what the delivery queue's at-least-once contract needs.
import type { AccountingEvent, AccountingSink } from '../record.js';
import type { SessionJournal } from './types.js';

export class JournalSink implements AccountingSink {
  readonly name = 'journal';
  /** The journal commits what arrives together in one transaction (both SqliteJournal and ThreadedJournal). */
  readonly concurrency = 256;
  constructor(readonly journal: SessionJournal) {}

  deliver(event: AccountingEvent): Promise<void> {
    return this.journal.apply(event);
  }

  close(): Promise<void> {
    return this.journal.close();
  }
}
