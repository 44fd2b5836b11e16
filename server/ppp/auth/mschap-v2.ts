// MS-CHAPv2 (RFC 2759, CHAP Algorithm 0x81): 16-octet Authenticator Challenge; Response Value is
// Peer-Challenge 16 ‖ Reserved 8 ‖ NT-Response 24 ‖ Flags 1 (§4); Success "S=<40 hex> M=…" (§5);
// Failure "E=… R=… C=<32 hex> V=3 M=…" (§6). The chain verifies and computes S= (it holds the
// password or NT hash); the peer checks S= (§5: otherwise it MUST end the session).
import { timingSafeEqual } from 'node:crypto';
import type { AuthCredentials } from '../../../auth-plugins/types.js';
import { clientView, mppeKeysV2FromHashHash } from '../../crypto/mppe-keys.js';
import { authenticatorResponseFrom, challengeHash, challengeResponse, hashNtPasswordHash, ntPasswordHash } from '../../crypto/mschap.js';
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

/** NtPasswordHash (RFC 2759 §8.3) and its MD4, PasswordHashHash (§8.4), of one password. */
export interface PasswordHashes {
  readonly passwordHash: Buffer;
  readonly passwordHashHash: Buffer;
}

/** Passwords remembered at most; past that the cache starts over (a client rarely has more than one). */
const MAX_PASSWORDS = 32;
const hashCache = new Map<string, PasswordHashes>();

/**
 * The two MD4s of a password that every login would otherwise repeat, computed once per
 * password: a client process opening thousands of tunnels with one password (the load
 * benchmark) keeps them in this small bounded cache. It holds hashes of passwords the
 * process was given (and holds anyway); nothing is written anywhere.
 */
export function passwordHashes(password: string): PasswordHashes {
  const hit = hashCache.get(password);
  if (hit) return hit;
  const passwordHash = ntPasswordHash(password);
  const entry: PasswordHashes = { passwordHash, passwordHashHash: hashNtPasswordHash(passwordHash) };
  if (hashCache.size >= MAX_PASSWORDS) hashCache.clear();
  hashCache.set(password, entry);
  return entry;
}

interface V2Context {
  readonly ntResponse: Buffer;
  /** ChallengeHash(PeerChallenge, AuthenticatorChallenge, UserName), 8 octets (§8.2). */
  readonly challenge8: Buffer;
}

/**
 * The peer role. `userName` is what we send in the Name field (it may carry `DOMAIN\`); the
 * crypto strips the domain for ChallengeHash (RFC 2759 §8.2). `random` makes the 16-octet
 * Peer-Challenge. ChallengeHash is computed once per Challenge and serves both
 * GenerateNTResponse (§8.1) and the check of the server's S= (§8.7/§8.8); every login still
 * makes a fresh Peer-Challenge, a real NT-Response, checks S= and derives its own MPPE keys
 * (RFC 3079 §3.3).
 */
export function mschapV2Client(userName: string, password: string, random: (n: number) => Buffer): ChapClientDigest<V2Context> {
  const hashes = passwordHashes(password);
  return {
    method: 'mschap-v2',
    makeResponse(_identifier, challenge) {
      if (challenge.length !== Sizes.MSCHAPV2_CHALLENGE) return null;
      const peerChallenge = Buffer.from(random(16));
      if (peerChallenge.length !== 16) return null;
      const challenge8 = challengeHash(peerChallenge, challenge, userName);
      const ntResponse = challengeResponse(challenge8, hashes.passwordHash); // GenerateNTResponse, §8.1
      return { value: buildMschapV2Response(peerChallenge, ntResponse, 0), context: { ntResponse, challenge8 } };
    },
    checkSuccess(message, ctx) {
      const got = parseMschapV2Success(decodeText(message));
      if (!got) return { ok: false, reason: 'Success without an authenticator response (S=)' };
      const want = normalizeAuthenticatorResponse(authenticatorResponseFrom(hashes.passwordHashHash, ctx.ntResponse, ctx.challenge8));
      // RFC 2759 §8.8 CheckAuthenticatorResponse; a mismatch means the server does not know the password.
      if (want === null || want.length !== got.authenticatorResponse.length ||
        !timingSafeEqual(Buffer.from(want), Buffer.from(got.authenticatorResponse))) {
        return { ok: false, reason: 'wrong authenticator response (S=): the server does not know the password' };
      }
      return { ok: true, mppeKeys: clientView(mppeKeysV2FromHashHash(hashes.passwordHashHash, ctx.ntResponse)) };
    },
    describeFailure: describeMschapFailure,
  };
}
