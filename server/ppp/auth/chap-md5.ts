// CHAP with MD5 (RFC 1994, Algorithm 5): Response Value = MD5(Identifier ‖ secret ‖ Challenge).
// The authenticator hands identifier, challenge and response to the chain; it never sees the secret.
import type { AuthCredentials } from '../../../auth-plugins/types.js';
import { chapMd5Response } from '../../crypto/mschap.js';
import type { ChapClientDigest } from './chap-client.js';
import type { ChapServerDigest } from './chap-server.js';
import { AuthMessages, Sizes } from './constants.js';
import { printable } from './text.js';

export const chapMd5Server: ChapServerDigest = {
  method: 'chap-md5',
  challengeSize: Sizes.MD5_CHALLENGE,
  mschapVersion: 0,
  credentials(identifier, challenge, value): AuthCredentials | null {
    if (value.length !== Sizes.MD5_RESPONSE) return null; // not an MD5 digest
    return { method: 'chap-md5', identifier, challenge, response: value };
  },
  successMessage(result) {
    return result.attributes.replyMessage ?? AuthMessages.CHAP_SUCCESS;
  },
  failureMessage(_error, _retry, _next, replyMessage) {
    // RFC 1994 §4.2: the Message is for humans and does not affect the protocol.
    return replyMessage ?? AuthMessages.CHAP_FAILURE;
  },
};

export function chapMd5Client(password: string): ChapClientDigest<null> {
  const secret = Buffer.from(password, 'utf8');
  return {
    method: 'chap-md5',
    makeResponse(identifier, challenge) {
      return { value: chapMd5Response(identifier, secret, challenge), context: null };
    },
    checkSuccess() {
      return { ok: true };
    },
    describeFailure(message) {
      return { reason: `server sent Failure "${printable(message)}"` };
    },
  };
}
