// The MPPE negotiation matrix of issue 11: server key lengths × the real Linux client's
// strength option × stateful allowed or not on each side. Shared by the interop test
// (real client against pptpd-ts and against PoPToP, test/interop/mppe-matrix.test.ts)
// and the unit test (our CCP against a model of pppd, test/unit/server/ppp/ccp/).
import type { MppeStrength } from '../../server/ppp/ccp/mppe-option.js';

export type ClientStrength = 'require-mppe-40' | 'require-mppe-128' | 'require-mppe';

export interface MatrixCell {
  /** pptpd-ts ppp.mppe.bits. */
  readonly serverBits: readonly MppeStrength[];
  /** pptpd-ts ppp.mppe.stateful 'allow' (else 'deny'); PoPToP: pppd `mppe-stateful`. */
  readonly serverStateful: boolean;
  readonly client: ClientStrength;
  /** The client's pppd runs with `mppe-stateful`. */
  readonly clientStateful: boolean;
}

/** Where a cell ends: the tunnel up or not, and pppd's "MPPE 128-bit stateless" when up. */
export interface MatrixOutcome {
  readonly up: boolean;
  readonly mppe: string | null;
}

export const SERVER_BITS: readonly (readonly MppeStrength[])[] = [[40], [128], [40, 128], [40, 56, 128]];
export const CLIENT_STRENGTHS: readonly ClientStrength[] = ['require-mppe-40', 'require-mppe-128', 'require-mppe'];

/**
 * The 24 cells of the issue: 4 server key-length sets × 3 client strengths × stateful
 * allowed on both sides or on neither. `crossStateful` gives all 48 (each side's stateful
 * setting on its own), which the fast unit tests use.
 */
export function matrixCells(o: { crossStateful?: boolean } = {}): MatrixCell[] {
  const out: MatrixCell[] = [];
  for (const serverBits of SERVER_BITS) {
    for (const serverStateful of [false, true]) {
      for (const client of CLIENT_STRENGTHS) {
        for (const clientStateful of o.crossStateful ? [false, true] : [serverStateful]) {
          out.push({ serverBits, serverStateful, client, clientStateful });
        }
      }
    }
  }
  return out;
}

/** The server half of a cell, as a word: "s40-128-sf" (stateful allowed) or "s128". */
export const serverKey = (c: Pick<MatrixCell, 'serverBits' | 'serverStateful'>): string =>
  `s${c.serverBits.join('-')}${c.serverStateful ? '-sf' : ''}`;
/** The client half of a cell, as a word: "c40", "c128", "cboth", with "-sf" when stateful is allowed. */
export const clientKey = (c: Pick<MatrixCell, 'client' | 'clientStateful'>): string =>
  `c${c.client === 'require-mppe' ? 'both' : c.client.slice('require-mppe-'.length)}${c.clientStateful ? '-sf' : ''}`;
export const cellKey = (c: MatrixCell): string => `${serverKey(c)}_${clientKey(c)}`;

/**
 * pppd's options for PoPToP allowing these key lengths. pppd 2.4.9 knows 40 and 128
 * only (56-bit is "unsupported" there), so {40,56,128} is `require-mppe`, as {40,128}.
 */
export function poptopMppeOpts(bits: readonly MppeStrength[], stateful: boolean): string {
  const has40 = bits.includes(40);
  const has128 = bits.includes(128);
  const strength = has40 && has128 ? 'require-mppe' : has128 ? 'require-mppe-128' : 'require-mppe-40';
  return stateful ? `${strength} mppe-stateful` : strength;
}

export function clientMppeOpts(c: Pick<MatrixCell, 'client' | 'clientStateful'>): string {
  return c.clientStateful ? `${c.client} mppe-stateful` : c.client;
}

const UP40: MatrixOutcome = { up: true, mppe: 'MPPE 40-bit stateless' };
const UP128: MatrixOutcome = { up: true, mppe: 'MPPE 128-bit stateless' };
const DOWN: MatrixOutcome = { up: false, mppe: null };

/**
 * What PoPToP (Debian 12: pptpd 1.4.0, pppd 2.4.9) did in each cell with the real Linux
 * client (pptp-linux 1.10.0, pppd 2.4.9), as seen by test/interop/mppe-matrix.test.ts
 * (which checks this table against live PoPToP on every run). Statefulness never changed
 * anything: both pppds always ask for stateless (H) and only go stateful when Nak'ed to
 * it, which neither does.
 */
export function poptopOutcome(c: MatrixCell): MatrixOutcome {
  const server40 = c.serverBits.includes(40);
  const server128 = c.serverBits.includes(128);
  switch (c.client) {
    case 'require-mppe-40':
      return server40 ? UP40 : DOWN;
    case 'require-mppe-128':
      return server128 ? UP128 : DOWN;
    case 'require-mppe':
      return server128 ? UP128 : UP40;
  }
}
