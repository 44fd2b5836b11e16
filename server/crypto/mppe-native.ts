// The MPPE cipher in the native addon (server/dataplane/native/mppe.cc): RC4 and the
// RFC 3078 §7.3 key change in C++, one call per packet. Stateless MPPE changes key on
// every packet (SHA-1 + two RC4 key schedules); in TypeScript that costs more than RC4
// over a 1400-byte packet (docs/performance.md, "Crypto").
//
// The state of one direction (RC4 table, i/j, StartKey, SessionKey) is a Buffer this
// object owns, so it lives and dies with the session: the addon keeps nothing.
//
// Which implementation a coder uses (MppeMode.engine, default 'auto'):
//   auto        the addon when it is built and loads, else TypeScript;
//   native      the addon, or a PptpdError NATIVE when it is missing;
//   typescript  MppeSessionKey (the reference; also the fallback of 'auto').
// The environment variable PPTPD_MPPE_ENGINE (same values) sets the default for the
// whole process, e.g. to compare the two on the same build.

import { loadDataplane, type DataplaneAddon } from '../dataplane/native.js';
import { ErrorCode, PptpdError } from '../errors.js';
import { keyLengthFor, type MppeKeyBits } from './mppe-keys.js';
import { type MppeCipher, MppeSessionKey } from './mppe-session.js';

export const MppeEngine = {
  AUTO: 'auto',
  NATIVE: 'native',
  TYPESCRIPT: 'typescript',
} as const;
export type MppeEngine = (typeof MppeEngine)[keyof typeof MppeEngine];

const ENGINES: readonly string[] = Object.values(MppeEngine);

/** The addon's MPPE functions, or undefined when it cannot be loaded (probed once). */
let probed: DataplaneAddon | null | undefined;
function addon(): DataplaneAddon | null {
  if (probed === undefined) {
    try {
      const a = loadDataplane();
      probed = typeof a.mppeCrypt === 'function' && typeof a.mppeStateSize === 'number' ? a : null;
    } catch {
      probed = null;
    }
  }
  return probed;
}

/** True when the native MPPE cipher can be used in this process. */
export function nativeMppeAvailable(): boolean {
  return addon() !== null;
}

/** The process-wide default engine: PPTPD_MPPE_ENGINE when set to a known value, else 'auto'. */
export function defaultMppeEngine(): MppeEngine {
  const v = process.env['PPTPD_MPPE_ENGINE'];
  return v !== undefined && ENGINES.includes(v) ? (v as MppeEngine) : MppeEngine.AUTO;
}

export class NativeMppeCipher implements MppeCipher {
  /** The direction's state (layout: MppeState in mppe.cc); owned here, opaque to TS. */
  readonly state: Buffer;
  readonly #crypt: DataplaneAddon['mppeCrypt'];

  /** @param masterKey this direction's master (start) key: 16 octets for 128-bit, ≥ 8 for 40/56-bit. */
  constructor(masterKey: Uint8Array, bits: MppeKeyBits) {
    const a = addon();
    if (a === null) throw new PptpdError(ErrorCode.NATIVE, 'native MPPE cipher unavailable: the dataplane addon is not built or does not load');
    const len = keyLengthFor(bits);
    if (masterKey.length < len) {
      throw new PptpdError(ErrorCode.CRYPTO, `MPPE ${bits}-bit needs a master key of at least ${len} bytes`);
    }
    this.state = Buffer.alloc(a.mppeStateSize);
    a.mppeInit(this.state, masterKey, bits);
    this.#crypt = a.mppeCrypt;
  }

  crypt(buf: Uint8Array, start: number, end: number, keyChanges: number, flushed: boolean): void {
    this.#crypt(this.state, buf, start, end, keyChanges, flushed);
  }
}

/** The cipher for one MPPE direction, native or TypeScript per `engine` (see the top of this file). */
export function createMppeCipher(masterKey: Uint8Array, bits: MppeKeyBits, engine: MppeEngine = defaultMppeEngine()): MppeCipher {
  if (engine === MppeEngine.NATIVE || (engine === MppeEngine.AUTO && nativeMppeAvailable())) {
    return new NativeMppeCipher(masterKey, bits);
  }
  return new MppeSessionKey(masterKey, bits);
}
