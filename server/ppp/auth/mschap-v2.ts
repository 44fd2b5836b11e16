// MS-CHAPv2 (RFC 2759, CHAP Algorithm 0x81): 16-octet Authenticator Challenge; Response Value is
// Peer-Challenge 16 ‖ Reserved 8 ‖ NT-Response 24 ‖ Flags 1 (§4); Success "S=<40 hex> M=…" (§5);
// Failure "E=… R=… C=<32 hex> V=3 M=…" (§6). The chain verifies and computes S= (it holds the
// password or NT hash); the peer checks S= (§5: otherwise it MUST end the session).
import { timingSafeEqual } from 'node:crypto';
import type { AuthCredentials } from '../../../auth-plugins/types.js';
import { clientView, mppeKeysV2 } from '../../crypto/mppe-keys.js';
import { generateAuthenticatorResponse, generateNtResponse, ntPasswordHash } from '../../crypto/mschap.js';
import type { ChapClientDigest } from './chap-client.js';
import type { ChapServerDigest } from './chap-server.js';
import { AuthMessages, Sizes } from './constants.js';
import { describeMschapFailure } from './mschap-failure.js';
import {
  buildMschapV2Response,
  formatMschapFailure,
  formatMschapV2Success,
  normalizeAuthenticatorResponse,
  parseMschapV2Response,
  parseMschapV2Success,
} from './mschap-fields.js';
import { decodeText } from './text.js';

export const mschapV2Server: ChapServerDigest = {
  method: 'mschap-v2',
  challengeSize: Sizes.MSCHAPV2_CHALLENGE,
  mschapVersion: 2,
  credentials(_identifier, challenge, value): AuthCredentials | null {
    const r = parseMschapV2Response(value);
    if (!r) return null;
    return {
      method: 'mschap-v2',
      authenticatorChallenge: challenge,
      peerChallenge: r.peerChallenge,
      ntResponse: r.ntResponse,
      flags: r.flags,
    };
  },
  successMessage(result, credentials) {
    if (result.authenticatorResponse === undefined) return null;
    const text = result.attributes.replyMessage ?? AuthMessages.CHAP_SUCCESS;
    const s = formatMschapV2Success(result.authenticatorResponse, text);
    if (s === null) return null;
    // pppd chap_ms.c: Windows 98 sets Flags (0x04, against RFC 2759 §4) and rejects an M= part.
    if (credentials.method === 'mschap-v2' && credentials.flags !== 0) return s.slice(0, 42);
    return s;
  },
  failureMessage(error, retry, next, replyMessage) {
    return formatMschapFailure(2, { error, retry, challenge: next, message: replyMessage ?? 'Authentication failed' });
  },
};

interface V2Context {
  readonly authenticatorChallenge: Buffer;
  readonly peerChallenge: Buffer;
  readonly ntResponse: Buffer;
}

/**
 * `userName` is what we send in the Name field (it may carry `DOMAIN\`); the crypto strips the
 * domain for ChallengeHash (RFC 2759 §8.2). `random` makes the 16-octet Peer-Challenge.
 */
export function mschapV2Client(userName: string, password: string, random: (n: number) => Buffer): ChapClientDigest<V2Context> {
  const passwordHash = ntPasswordHash(password);
  return {
    method: 'mschap-v2',
    makeResponse(_identifier, challenge) {
      if (challenge.length !== Sizes.MSCHAPV2_CHALLENGE) return null;
      const peerChallenge = Buffer.from(random(16));
      if (peerChallenge.length !== 16) return null;
      const ntResponse = generateNtResponse(challenge, peerChallenge, userName, passwordHash);
      const value = buildMschapV2Response(peerChallenge, ntResponse, 0);
      return { value, context: { authenticatorChallenge: challenge, peerChallenge, ntResponse } };
    },
    checkSuccess(message, ctx) {
      const got = parseMschapV2Success(decodeText(message));
      if (!got) return { ok: false, reason: 'Success without an authenticator response (S=)' };
      const want = normalizeAuthenticatorResponse(
        generateAuthenticatorResponse(passwordHash, ctx.ntResponse, ctx.peerChallenge, ctx.authenticatorChallenge, userName),
      );
      // RFC 2759 §8.8 CheckAuthenticatorResponse; a mismatch means the server does not know the password.
      if (want === null || !timingSafeEqual(Buffer.from(want), Buffer.from(got.authenticatorResponse))) {
        return { ok: false, reason: 'wrong authenticator response (S=): the server does not know the password' };
      }
      return { ok: true, mppeKeys: clientView(mppeKeysV2(passwordHash, ctx.ntResponse)) };
    },
    describeFailure: describeMschapFailure,
  };
}
