// MS-CHAPv1 (RFC 2433, CHAP Algorithm 0x80): 8-octet Challenge; Response Value is
// LM-Response 24 ‖ NT-Response 24 ‖ Flags 1 (§6); Failure "E=… R=… C=… V=…" (§8).
// The peer zero-fills LM-Response and sets Flags to 1 (§6: LAN Manager is deprecated).
import type { AuthCredentials } from '../../../auth-plugins/types.js';
import { clientView, mppeKeysV1 } from '../../crypto/mppe-keys.js';
import { ntChallengeResponse, ntPasswordHash } from '../../crypto/mschap.js';
import type { ChapClientDigest } from './chap-client.js';
import type { ChapServerDigest } from './chap-server.js';
import { AuthMessages, Sizes } from './constants.js';
import { buildMschapV1Response, formatMschapFailure, parseMschapV1Response } from './mschap-fields.js';
import { describeMschapFailure } from './mschap-failure.js';

export const mschapV1Server: ChapServerDigest = {
  method: 'mschap-v1',
  challengeSize: Sizes.MSCHAPV1_CHALLENGE,
  mschapVersion: 1,
  credentials(_identifier, challenge, value): AuthCredentials | null {
    const r = parseMschapV1Response(value);
    if (!r) return null;
    return {
      method: 'mschap-v1',
      challenge,
      lmResponse: r.lmResponse,
      ntResponse: r.ntResponse,
      useNtResponse: r.useNtResponse,
    };
  },
  successMessage(result) {
    return result.attributes.replyMessage ?? AuthMessages.CHAP_SUCCESS; // RFC 2433 §7: plain CHAP Success
  },
  failureMessage(error, retry, next) {
    // C= is optional in v1; we always send a fresh one so a retry never reuses a challenge.
    return formatMschapFailure(1, { error, retry, challenge: next });
  },
};

export function mschapV1Client(password: string): ChapClientDigest<Buffer> {
  const passwordHash = ntPasswordHash(password);
  return {
    method: 'mschap-v1',
    makeResponse(_identifier, challenge) {
      if (challenge.length !== Sizes.MSCHAPV1_CHALLENGE) return null;
      const value = buildMschapV1Response(Buffer.alloc(24), ntChallengeResponse(challenge, passwordHash), true);
      return { value, context: challenge };
    },
    checkSuccess(_message, challenge) {
      // RFC 3079 §2.3: v1 keys come from the password hash and our Challenge; both directions alike.
      return { ok: true, mppeKeys: clientView(mppeKeysV1(passwordHash, challenge)) };
    },
    describeFailure: describeMschapFailure,
  };
}
