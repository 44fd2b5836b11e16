// The RFC 1661 §4.1 option-negotiation automaton as data, and nothing else: a state and an
// event give the next state and the actions to perform, in order. The negotiator
// (negotiator.ts) performs the actions; LCP, IPCP and CCP all share this one table.
//
// The table below is transcribed cell by cell from RFC 1661 §4.1 ("action/new-state",
// '-' = illegal event). Footnotes kept in the cells:
//   r  restart option (§4.3 Open): we do NOT take it; an Open in Opened/Closing/Stopping/
//      Stopped simply stays (the session renegotiates with an explicit Down+Up if it must).
//   p  passive option (§4.2 Stopped): NOT taken; TO- in Req-Sent/Ack-Rcvd/Ack-Sent does tlf,
//      as the RFC advises for switched circuits (a PPTP call is one).
//   x  crossed connection (§4.3 RCA): logged by the caller, otherwise the cell as written.

import { ErrorCode, PptpdError } from '../../errors.js';

export const CpState = {
  Initial: 0,
  Starting: 1,
  Closed: 2,
  Stopped: 3,
  Closing: 4,
  Stopping: 5,
  ReqSent: 6,
  AckRcvd: 7,
  AckSent: 8,
  Opened: 9,
} as const;
export type CpState = (typeof CpState)[keyof typeof CpState];

export const CpStateName: readonly string[] = [
  'Initial',
  'Starting',
  'Closed',
  'Stopped',
  'Closing',
  'Stopping',
  'Req-Sent',
  'Ack-Rcvd',
  'Ack-Sent',
  'Opened',
];

/** RFC 1661 §4.3 events. */
export const CpEvent = {
  Up: 'Up',
  Down: 'Down',
  Open: 'Open',
  Close: 'Close',
  TimeoutPlus: 'TO+',
  TimeoutMinus: 'TO-',
  RcrPlus: 'RCR+',
  RcrMinus: 'RCR-',
  Rca: 'RCA',
  Rcn: 'RCN',
  Rtr: 'RTR',
  Rta: 'RTA',
  Ruc: 'RUC',
  RxjPlus: 'RXJ+',
  RxjMinus: 'RXJ-',
  Rxr: 'RXR',
} as const;
export type CpEvent = (typeof CpEvent)[keyof typeof CpEvent];

/** RFC 1661 §4.4 actions. */
export const CpAction = {
  tlu: 'tlu', // This-Layer-Up
  tld: 'tld', // This-Layer-Down
  tls: 'tls', // This-Layer-Started
  tlf: 'tlf', // This-Layer-Finished
  irc: 'irc', // Initialize-Restart-Count
  zrc: 'zrc', // Zero-Restart-Count
  scr: 'scr', // Send-Configure-Request
  sca: 'sca', // Send-Configure-Ack
  scn: 'scn', // Send-Configure-Nak/Rej
  str: 'str', // Send-Terminate-Request
  sta: 'sta', // Send-Terminate-Ack
  scj: 'scj', // Send-Code-Reject
  ser: 'ser', // Send-Echo-Reply
} as const;
export type CpAction = (typeof CpAction)[keyof typeof CpAction];

export interface Transition {
  readonly next: CpState;
  readonly actions: readonly CpAction[];
  /** RFC footnote letter, if the cell has one ('r', 'p' or 'x'). */
  readonly note?: 'r' | 'p' | 'x';
}

type Row = readonly [string, string, string, string, string, string, string, string, string, string];

/** RFC 1661 §4.1, columns = states 0..9, verbatim. */
export const RFC1661_TABLE: Readonly<Record<CpEvent, Row>> = {
  //       0 Initial   1 Starting   2 Closed   3 Stopped          4 Closing  5 Stopping  6 Req-Sent   7 Ack-Rcvd   8 Ack-Sent   9 Opened
  Up: ['2', 'irc,scr/6', '-', '-', '-', '-', '-', '-', '-', '-'],
  Down: ['-', '-', '0', 'tls/1', '0', '1', '1', '1', '1', 'tld/1'],
  Open: ['tls/1', '1', 'irc,scr/6', '3r', '5r', '5r', '6', '7', '8', '9r'],
  Close: ['0', 'tlf/0', '2', '2', '4', '4', 'irc,str/4', 'irc,str/4', 'irc,str/4', 'tld,irc,str/4'],
  'TO+': ['-', '-', '-', '-', 'str/4', 'str/5', 'scr/6', 'scr/6', 'scr/8', '-'],
  'TO-': ['-', '-', '-', '-', 'tlf/2', 'tlf/3', 'tlf/3p', 'tlf/3p', 'tlf/3p', '-'],
  'RCR+': ['-', '-', 'sta/2', 'irc,scr,sca/8', '4', '5', 'sca/8', 'sca,tlu/9', 'sca/8', 'tld,scr,sca/8'],
  'RCR-': ['-', '-', 'sta/2', 'irc,scr,scn/6', '4', '5', 'scn/6', 'scn/7', 'scn/6', 'tld,scr,scn/6'],
  RCA: ['-', '-', 'sta/2', 'sta/3', '4', '5', 'irc/7', 'scr/6x', 'irc,tlu/9', 'tld,scr/6x'],
  RCN: ['-', '-', 'sta/2', 'sta/3', '4', '5', 'irc,scr/6', 'scr/6x', 'irc,scr/8', 'tld,scr/6x'],
  RTR: ['-', '-', 'sta/2', 'sta/3', 'sta/4', 'sta/5', 'sta/6', 'sta/6', 'sta/6', 'tld,zrc,sta/5'],
  RTA: ['-', '-', '2', '3', 'tlf/2', 'tlf/3', '6', '6', '8', 'tld,scr/6'],
  RUC: ['-', '-', 'scj/2', 'scj/3', 'scj/4', 'scj/5', 'scj/6', 'scj/7', 'scj/8', 'scj/9'],
  'RXJ+': ['-', '-', '2', '3', '4', '5', '6', '6', '8', '9'],
  'RXJ-': ['-', '-', 'tlf/2', 'tlf/3', 'tlf/2', 'tlf/3', 'tlf/3', 'tlf/3', 'tlf/3', 'tld,irc,str/5'],
  RXR: ['-', '-', '2', '3', '4', '5', '6', '7', '8', 'ser/9'],
};

const ACTIONS = new Set<string>(Object.values(CpAction));

function parseCell(cell: string): Transition | null {
  if (cell === '-') return null;
  const slash = cell.lastIndexOf('/');
  const acts = slash < 0 ? [] : cell.slice(0, slash).split(',');
  const target = slash < 0 ? cell : cell.slice(slash + 1);
  const m = /^(\d)([rpx]?)$/.exec(target);
  if (!m) throw new PptpdError(ErrorCode.STATE, `bad RFC 1661 table cell ${cell}`);
  for (const a of acts) if (!ACTIONS.has(a)) throw new PptpdError(ErrorCode.STATE, `bad action ${a} in cell ${cell}`);
  const note = m[2] ? (m[2] as 'r' | 'p' | 'x') : undefined;
  return { next: Number(m[1]) as CpState, actions: acts as CpAction[], ...(note ? { note } : {}) };
}

const PARSED = new Map<CpEvent, readonly (Transition | null)[]>(
  (Object.keys(RFC1661_TABLE) as CpEvent[]).map((ev) => [ev, RFC1661_TABLE[ev].map(parseCell)]),
);

/** The cell for (state, event); null when the RFC marks it illegal ('-'). */
export function transition(state: CpState, event: CpEvent): Transition | null {
  return PARSED.get(event)?.[state] ?? null;
}

/** States where the Restart timer runs (those with TO events in the table, RFC 1661 §4.1). */
export function timerRuns(state: CpState): boolean {
  return transition(state, CpEvent.TimeoutPlus) !== null;
}
