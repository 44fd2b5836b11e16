// Every cell of RFC 1661 §4.1, checked against a second, independent transcription (one
// line per STATE here, one line per EVENT in automaton.ts), so a typo in either shows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CpEvent, CpState, RFC1661_TABLE, timerRuns, transition } from '../../../../../server/ppp/fsm/automaton.js';

const EVENTS = ['Up', 'Down', 'Open', 'Close', 'TO+', 'TO-', 'RCR+', 'RCR-', 'RCA', 'RCN', 'RTR', 'RTA', 'RUC', 'RXJ+', 'RXJ-', 'RXR'] as const;

// state → cells in EVENTS order, read off the RFC columns.
const BY_STATE: Record<number, readonly string[]> = {
  0: ['2', '-', 'tls/1', '0', '-', '-', '-', '-', '-', '-', '-', '-', '-', '-', '-', '-'],
  1: ['irc,scr/6', '-', '1', 'tlf/0', '-', '-', '-', '-', '-', '-', '-', '-', '-', '-', '-', '-'],
  2: ['-', '0', 'irc,scr/6', '2', '-', '-', 'sta/2', 'sta/2', 'sta/2', 'sta/2', 'sta/2', '2', 'scj/2', '2', 'tlf/2', '2'],
  3: ['-', 'tls/1', '3', '2', '-', '-', 'irc,scr,sca/8', 'irc,scr,scn/6', 'sta/3', 'sta/3', 'sta/3', '3', 'scj/3', '3', 'tlf/3', '3'],
  4: ['-', '0', '5', '4', 'str/4', 'tlf/2', '4', '4', '4', '4', 'sta/4', 'tlf/2', 'scj/4', '4', 'tlf/2', '4'],
  5: ['-', '1', '5', '4', 'str/5', 'tlf/3', '5', '5', '5', '5', 'sta/5', 'tlf/3', 'scj/5', '5', 'tlf/3', '5'],
  6: ['-', '1', '6', 'irc,str/4', 'scr/6', 'tlf/3', 'sca/8', 'scn/6', 'irc/7', 'irc,scr/6', 'sta/6', '6', 'scj/6', '6', 'tlf/3', '6'],
  7: ['-', '1', '7', 'irc,str/4', 'scr/6', 'tlf/3', 'sca,tlu/9', 'scn/7', 'scr/6', 'scr/6', 'sta/6', '6', 'scj/7', '6', 'tlf/3', '7'],
  8: ['-', '1', '8', 'irc,str/4', 'scr/8', 'tlf/3', 'sca/8', 'scn/6', 'irc,tlu/9', 'irc,scr/8', 'sta/6', '8', 'scj/8', '8', 'tlf/3', '8'],
  9: ['-', 'tld/1', '9', 'tld,irc,str/4', '-', '-', 'tld,scr,sca/8', 'tld,scr,scn/6', 'tld,scr/6', 'tld,scr/6', 'tld,zrc,sta/5', 'tld,scr/6', 'scj/9', '9', 'tld,irc,str/5', 'ser/9'],
};

test('RFC 1661 §4.1: all 10 × 16 cells', () => {
  let cells = 0;
  for (let s = 0; s <= 9; s++) {
    EVENTS.forEach((ev, i) => {
      const want = BY_STATE[s]?.[i];
      assert.ok(want !== undefined);
      const got = transition(s as CpState, ev as CpEvent);
      const shown = got === null ? '-' : `${got.actions.length ? got.actions.join(',') + '/' : ''}${got.next}`;
      assert.equal(shown, want, `state ${s} event ${ev}`);
      cells++;
    });
  }
  assert.equal(cells, 160);
});

test('footnotes survive parsing: r, p, x', () => {
  assert.equal(transition(CpState.Opened, CpEvent.Open)?.note, 'r');
  assert.equal(transition(CpState.ReqSent, CpEvent.TimeoutMinus)?.note, 'p');
  assert.equal(transition(CpState.AckRcvd, CpEvent.Rca)?.note, 'x');
  assert.equal(transition(CpState.Opened, CpEvent.Rcn)?.note, 'x');
  assert.equal(transition(CpState.AckSent, CpEvent.Rca)?.note, undefined);
});

test('the table object has 16 events × 10 states', () => {
  assert.equal(Object.keys(RFC1661_TABLE).length, 16);
  for (const row of Object.values(RFC1661_TABLE)) assert.equal(row.length, 10);
});

test('Restart timer runs exactly in Closing, Stopping, Req-Sent, Ack-Rcvd, Ack-Sent', () => {
  const running = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].filter((s) => timerRuns(s as CpState));
  assert.deepEqual(running, [4, 5, 6, 7, 8]);
});
