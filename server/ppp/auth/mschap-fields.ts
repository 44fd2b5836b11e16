// The MS-CHAP sub-formats inside CHAP packets:
//   v1 Response Value (RFC 2433 §6): LM-Response 24, NT-Response 24, Flags 1
//   v2 Response Value (RFC 2759 §4): Peer-Challenge 16, Reserved 8 (zero), NT-Response 24, Flags 1
//   v1 Failure Message (RFC 2433 §8): "E=eeee R=r C=cccccccccccccccc V=vvvv"
//   v2 Failure Message (RFC 2759 §6): "E=eeee R=r C=<32 hex> V=vvvv M=<msg>"
//   v2 Success Message (RFC 2759 §5): "S=<40 uppercase hex> M=<msg>"
// Parsers return null on malformed input and never throw.
import { MschapError, Sizes } from './constants.js';

export interface MschapV1Response {
  readonly lmResponse: Buffer;
  readonly ntResponse: Buffer;
  /** RFC 2433 §6 Flags: 1 = use the NT-Response; 0 = LAN Manager only (deprecated). */
  readonly useNtResponse: boolean;
}

export interface MschapV2Response {
  readonly peerChallenge: Buffer;
  readonly ntResponse: Buffer;
  /** RFC 2759 §4: MUST be zero, but Windows 98 sends 0x04 (pppd chap_ms.c notes it). */
  readonly flags: number;
}

/** Views into `value`; null unless it is exactly 49 octets. */
export function parseMschapV1Response(value: Buffer): MschapV1Response | null {
  if (value.length !== Sizes.MSCHAPV1_RESPONSE) return null;
  return {
    lmResponse: value.subarray(0, 24),
    ntResponse: value.subarray(24, 48),
    useNtResponse: value[48] !== 0,
  };
}

export function buildMschapV1Response(lmResponse: Buffer, ntResponse: Buffer, useNtResponse: boolean): Buffer {
  const out = Buffer.alloc(Sizes.MSCHAPV1_RESPONSE);
  lmResponse.copy(out, 0, 0, 24);
  ntResponse.copy(out, 24, 0, 24);
  out[48] = useNtResponse ? 1 : 0;
  return out;
}

/** Views into `value`; null unless it is exactly 49 octets. The Reserved octets are not checked (be liberal). */
export function parseMschapV2Response(value: Buffer): MschapV2Response | null {
  if (value.length !== Sizes.MSCHAPV2_RESPONSE) return null;
  return {
    peerChallenge: value.subarray(0, 16),
    ntResponse: value.subarray(24, 48),
    flags: value[48] as number,
  };
}

export function buildMschapV2Response(peerChallenge: Buffer, ntResponse: Buffer, flags = 0): Buffer {
  const out = Buffer.alloc(Sizes.MSCHAPV2_RESPONSE); // Reserved stays zero
  peerChallenge.copy(out, 0, 0, 16);
  ntResponse.copy(out, 24, 0, 24);
  out[48] = flags;
  return out;
}

export interface MschapFailure {
  /** E= decimal error code (RFC 2433 §8 list; unknown codes are kept as they are). */
  readonly error: number;
  /** R=1: the authenticator accepts another Response. */
  readonly retry: boolean;
  /** C= new challenge (8 octets v1, 16 octets v2), if present and well-formed. */
  readonly challenge?: Buffer;
  /** V= password-change protocol version. */
  readonly version?: number;
  /** M= text (v2 only), the rest of the message. */
  readonly message?: string;
}

/** Build a Failure Message. v1 leaves out M= (RFC 2433 §8 defines none). */
export function formatMschapFailure(
  version: 1 | 2,
  f: { error: number; retry: boolean; challenge: Buffer; message?: string },
): string {
  // V=2 for v1 (RFC 2433 §8: SHOULD be ≥ 2), V=3 for v2 (RFC 2759 §6: SHOULD be 3).
  const base = `E=${f.error} R=${f.retry ? 1 : 0} C=${f.challenge.toString('hex').toUpperCase()} V=${version === 1 ? 2 : 3}`;
  if (version === 1) return base;
  return `${base} M=${sanitizeMessage(f.message ?? 'Authentication failed')}`;
}

/** Build a v2 Success Message from the chain's authenticator response ("S=<40 hex>" or bare hex). */
export function formatMschapV2Success(authenticatorResponse: string, message: string): string | null {
  const hex = normalizeAuthenticatorResponse(authenticatorResponse);
  if (hex === null) return null;
  return `S=${hex} M=${sanitizeMessage(message)}`;
}

/** "S=…"/bare 40 hex digits → 40 uppercase hex digits, or null. */
export function normalizeAuthenticatorResponse(s: string): string | null {
  const hex = s.startsWith('S=') ? s.slice(2) : s;
  if (hex.length !== 40) return null;
  let lower = false;
  for (let i = 0; i < 40; i++) {
    const c = hex.charCodeAt(i);
    if (c >= 0x61 && c <= 0x66) lower = true; // a-f
    else if (!((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46))) return null; // 0-9, A-F
  }
  // Once per authentication: scanned by character code rather than a regex, and already
  // upper case (what the chain's crypto gives) is returned as it is.
  return lower ? hex.toUpperCase() : hex;
}

const HEX = /^[0-9A-Fa-f]*$/;

/** Parse a v1 or v2 Failure Message. Unknown fields are ignored (RFC 2433 §8). Null without a valid E=. */
export function parseMschapFailure(text: string): MschapFailure | null {
  let error: number | undefined;
  let retry = false;
  let challenge: Buffer | undefined;
  let version: number | undefined;
  let message: string | undefined;
  const mAt = text.search(/(^| )M=/);
  const head = mAt >= 0 ? text.slice(0, mAt) : text;
  if (mAt >= 0) message = text.slice(text.indexOf('M=', mAt) + 2);
  for (const field of head.split(' ')) {
    if (field.length < 2 || field[1] !== '=') continue;
    const v = field.slice(2);
    switch (field[0]) {
      case 'E':
        if (/^\d{1,10}$/.test(v)) error = Number(v);
        break;
      case 'R':
        retry = v === '1';
        break;
      case 'C':
        if ((v.length === 16 || v.length === 32) && HEX.test(v)) challenge = Buffer.from(v, 'hex');
        break;
      case 'V':
        if (/^\d{1,10}$/.test(v)) version = Number(v);
        break;
    }
  }
  if (error === undefined) return null;
  return {
    error,
    retry,
    ...(challenge ? { challenge } : {}),
    ...(version !== undefined ? { version } : {}),
    ...(message !== undefined ? { message } : {}),
  };
}

/** Parse "S=<40 hex> M=<msg>" (M= optional: Windows 98 wants none, pppd chap_ms.c). Null without S=. */
export function parseMschapV2Success(text: string): { authenticatorResponse: string; message?: string } | null {
  const m = /^S=([0-9A-Fa-f]{40})(?: M=(.*))?$/s.exec(text.trim());
  if (!m) return null;
  const hex = (m[1] as string).toUpperCase();
  return m[2] !== undefined ? { authenticatorResponse: hex, message: m[2] } : { authenticatorResponse: hex };
}

/** Errors a retry cannot fix (RFC 2433 §8): only a bad password (691) is worth another try. */
export function isRetryable(error: number): boolean {
  return error === MschapError.AUTHENTICATION_FAILURE;
}

/** Messages we emit go into a text field parsed by the peer: one line, printable. */
function sanitizeMessage(s: string): string {
  // The usual message (the configured or default text) is clean: returned without a copy.
  if (s.length <= 200 && !CONTROL_CHAR.test(s)) return s;
  return s.replace(CONTROL_CHARS, ' ').slice(0, 200);
}
const CONTROL_CHAR = /[\x00-\x1f\x7f]/;
const CONTROL_CHARS = /[\x00-\x1f\x7f]/g;
