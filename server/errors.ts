// Typed errors with stable codes (undici/fastify style). A peer's bad input is a
// DecodeError *value* returned by codecs; PptpdError is thrown for our own faults
// and for configuration problems that stop start-up.

export const ErrorCode = {
  CONFIG_INVALID: 'PPTPD_ERR_CONFIG_INVALID',
  CONFIG_IO: 'PPTPD_ERR_CONFIG_IO',
  CRYPTO: 'PPTPD_ERR_CRYPTO',
  DECODE: 'PPTPD_ERR_DECODE',
  STATE: 'PPTPD_ERR_STATE',
  AUTH: 'PPTPD_ERR_AUTH',
  POOL_EXHAUSTED: 'PPTPD_ERR_POOL_EXHAUSTED',
  NATIVE: 'PPTPD_ERR_NATIVE',
  /** A socket the configuration asks for cannot be opened (a port in use, an address not on this host). */
  LISTEN: 'PPTPD_ERR_LISTEN',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const kBrand = Symbol.for('pptpd-ts.error');

export class PptpdError extends Error {
  readonly code: ErrorCode;
  readonly [kBrand] = true;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'PptpdError';
  }
  static override [Symbol.hasInstance](x: unknown): boolean {
    return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[kBrand] === true;
  }
}

/** A decoder's verdict on bytes from the network: never thrown, always returned. */
export interface DecodeError {
  readonly kind: 'decode-error';
  /** Which wire format, e.g. 'pptp', 'gre', 'lcp'. */
  readonly format: string;
  readonly reason: string;
}

export function decodeError(format: string, reason: string): DecodeError {
  return { kind: 'decode-error', format, reason };
}

export function isDecodeError(x: unknown): x is DecodeError {
  return typeof x === 'object' && x !== null && (x as { kind?: unknown }).kind === 'decode-error';
}
