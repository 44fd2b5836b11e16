// RADIUS accounting sink (RFC 2866): one Accounting-Request per event, acknowledged by an
// Accounting-Response. The shared RadiusClient does retransmission and failover between the
// configured servers; when none answers, deliver() rejects and the queue (lane or BullMQ
// worker) retries later with backoff — a record is retried until acknowledged, never dropped.
//
// The attributes are rebuilt for every transmission, so Acct-Delay-Time (RFC 2866 §5.2)
// counts from the moment the event happened — across the client's retransmissions, the
// queue's retries and even a restart of the server.
import type { RadiusClient } from '../../server/radius/client.js';
import { RadiusCode } from '../../server/radius/constants.js';
import type { AccountingEvent, AccountingSink } from '../record.js';
import { accountingAttributes, type AcctAttributeOptions } from './attributes.js';

/** What the sink needs of the client (tests pass a fake). */
export type AcctClient = Pick<RadiusClient, 'send' | 'close'>;

export interface RadiusAcctSinkOptions extends AcctAttributeOptions {
  readonly client: AcctClient;
  /** Sink name in the spool and the queue (default 'radius'). */
  readonly name?: string;
  /** Wall clock, ms since the epoch (tests). */
  readonly clock?: () => number;
}

export class RadiusAcctSink implements AccountingSink {
  readonly name: string;
  readonly #client: AcctClient;
  readonly #clock: () => number;
  readonly #attrs: AcctAttributeOptions;

  constructor(opts: RadiusAcctSinkOptions) {
    this.name = opts.name ?? 'radius';
    this.#client = opts.client;
    this.#clock = opts.clock ?? Date.now;
    this.#attrs = {
      ...(opts.nasIpAddress !== undefined ? { nasIpAddress: opts.nasIpAddress } : {}),
      ...(opts.nasIdentifier !== undefined ? { nasIdentifier: opts.nasIdentifier } : {}),
    };
  }

  async deliver(event: AccountingEvent): Promise<void> {
    const r = await this.#client.send('Accounting-Request', () => accountingAttributes(event, this.#clock(), this.#attrs), { retransmit: 'rebuild' });
    if (!r.ok) throw new Error(`RADIUS accounting ${event.id}: ${r.reason}`);
    // packet.ts only lets an Accounting-Response through for an Accounting-Request; check anyway.
    if (r.reply.code !== RadiusCode.ACCOUNTING_RESPONSE) throw new Error(`RADIUS accounting ${event.id}: unexpected reply ${r.reply.codeName}`);
  }

  async close(): Promise<void> {
    await this.#client.close();
  }
}
