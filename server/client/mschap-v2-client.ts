// MS-CHAPv2 in the peer role (RFC 2759) for the project's client, with the work that depends
// only on the password done once per password instead of once per login:
//   NtPasswordHash (§8.3) and HashNtPasswordHash (§8.4) are two MD4s of the password that every
//   login repeats; a client process opening thousands of tunnels with one password (the load
//   benchmark) keeps them in a small bounded cache.
//   ChallengeHash (§8.2) is computed once per Challenge and serves both GenerateNTResponse
//   (§8.1) and the check of the server's authenticator response (§8.7/§8.8).
// Every login still makes a fresh Peer-Challenge, a real NT-Response, checks the server's S=
// (a mismatch ends the login: the server does not know the password) and derives the MPPE
// keys from this login's NT-Response (RFC 3079 §3.3). Behaviour on the wire is that of
// ppp/auth/mschap-v2.ts mschapV2Client; the unit tests compare the two byte for byte.
//
// The cache holds NT hashes of passwords this process was given (it holds the passwords
// themselves anyway); it is bounded and never written anywhere.

import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { AuthMethod } from '../../auth-plugins/types.js';
import { clientView, mppeKeysV2FromHashHash } from '../crypto/mppe-keys.js';
import { authenticatorResponseFrom, challengeHash, challengeResponse, hashNtPasswordHash, ntPasswordHash } from '../crypto/mschap.js';
import { ChapClient, type ChapClientDigest } from '../ppp/auth/chap-client.js';
import { Sizes } from '../ppp/auth/constants.js';
import { createAuthClient } from '../ppp/auth/factory.js';
import { describeMschapFailure } from '../ppp/auth/mschap-failure.js';
import { buildMschapV2Response, normalizeAuthenticatorResponse, parseMschapV2Success } from '../ppp/auth/mschap-fields.js';
import { decodeText } from '../ppp/auth/text.js';
import type { AuthClientOptions, AuthProtocolHandler } from '../ppp/auth/types.js';
import type { AuthFactories } from '../ppp/session-types.js';

/** NtPasswordHash and its MD4 (PasswordHashHash) of one password. */
export interface PasswordHashes {
  readonly passwordHash: Buffer;
  readonly passwordHashHash: Buffer;
}

/** Passwords remembered at most; past that the cache starts over (a client rarely has more than one). */
const MAX_PASSWORDS = 32;
const cache = new Map<string, PasswordHashes>();

/** NtPasswordHash and HashNtPasswordHash of `password`, computed once per password (bounded cache). */
export function passwordHashes(password: string): PasswordHashes {
  const hit = cache.get(password);
  if (hit) return hit;
  const passwordHash = ntPasswordHash(password);
  const entry: PasswordHashes = { passwordHash, passwordHashHash: hashNtPasswordHash(passwordHash) };
  if (cache.size >= MAX_PASSWORDS) cache.clear();
  cache.set(password, entry);
  return entry;
}

interface V2Context {
  readonly ntResponse: Buffer;
  /** ChallengeHash(PeerChallenge, AuthenticatorChallenge, UserName), 8 octets. */
  readonly challenge8: Buffer;
}

/**
 * The MS-CHAPv2 digest for ChapClient. `userName` is the Name field as sent (it may carry
 * `DOMAIN\`; ChallengeHash strips it, §8.2); `random` makes the 16-octet Peer-Challenge.
 */
export function mschapV2ClientDigest(userName: string, password: string, random: (n: number) => Buffer): ChapClientDigest<V2Context> {
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
      // §8.8 CheckAuthenticatorResponse; a mismatch means the server does not know the password.
      if (want === null || want.length !== got.authenticatorResponse.length ||
        !timingSafeEqual(Buffer.from(want), Buffer.from(got.authenticatorResponse))) {
        return { ok: false, reason: 'wrong authenticator response (S=): the server does not know the password' };
      }
      return { ok: true, mppeKeys: clientView(mppeKeysV2FromHashHash(hashes.passwordHashHash, ctx.ntResponse)) };
    },
    describeFailure: describeMschapFailure,
  };
}

/** createClient for PppSession: MS-CHAPv2 through the cached digest above, other methods as ppp/auth builds them. */
export function createClientAuth(method: AuthMethod, opts: AuthClientOptions): AuthProtocolHandler {
  if (method !== 'mschap-v2') return createAuthClient(method, opts);
  return new ChapClient(mschapV2ClientDigest(opts.userName, opts.password, opts.random ?? randomBytes), opts);
}

/** The auth factories the client hands its PPP sessions. */
export const CLIENT_AUTH: Partial<AuthFactories> = { createClient: createClientAuth };
