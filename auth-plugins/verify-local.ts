// Local verification: a credential source handed over a secret (clear text or
// NT hash); check what the peer sent against it and, for MS-CHAP, derive the
// MPPE master keys and the MS-CHAPv2 authenticator response.
//
// Names: the MS-CHAPv2 ChallengeHash (RFC 2759 §8.2) covers the name the peer
// *sent*, minus any `DOMAIN\` prefix — i.e. mschapUserName(req.peerName) —
// whatever a rewriter did to req.userName (which is only the lookup key).
//
// What a secret cannot do is reported as 'cannot-verify' (the chain moves on):
// CHAP-MD5 needs the clear-text secret (RFC 1994 §4.1), and so does an
// LM-only MS-CHAPv1 response (RFC 2433 A.1). PAP against an NT hash is
// checkable (NtPasswordHash of the offered password), so it is checked.

import { createHash, timingSafeEqual } from 'node:crypto';
import {
  authenticatorResponseFrom,
  challengeHash,
  challengeResponse,
  chapMd5Response,
  hashNtPasswordHash,
  lmChallengeResponse,
  mschapUserName,
  ntChallengeResponse,
  ntPasswordHash,
} from '../server/crypto/mschap.js';
import { mppeKeysV1FromHashHash, mppeKeysV2FromHashHash } from '../server/crypto/mppe-keys.js';
import type { Secret } from './plugin.js';
import type { AuthRequest, MppeKeys } from './types.js';

export type LocalVerdict =
  | { readonly status: 'ok'; readonly mppeKeys?: MppeKeys; readonly authenticatorResponse?: string }
  /** The peer's proof does not match the secret (or is malformed): a definitive reject. */
  | { readonly status: 'mismatch'; readonly reason: string }
  /** This kind of secret cannot check this method; another plugin may. */
  | { readonly status: 'cannot-verify'; readonly reason: string };

const MISMATCH: LocalVerdict = { status: 'mismatch', reason: 'response does not match the secret' };

export function verifyLocal(req: AuthRequest, secret: Secret): LocalVerdict {
  const c = req.credentials;
  switch (c.method) {
    case 'pap': {
      if (secret.kind === 'cleartext') return equalText(c.password, secret.password) ? { status: 'ok' } : MISMATCH;
      return equalBytes(ntPasswordHash(c.password), secret.hash) ? { status: 'ok' } : MISMATCH;
    }
    case 'chap-md5': {
      if (secret.kind !== 'cleartext') {
        return { status: 'cannot-verify', reason: 'CHAP-MD5 needs a clear-text secret, the source has an NT hash' };
      }
      if (c.response.length !== 16) return malformed('CHAP-MD5 Response must be 16 bytes');
      // RFC 1994 §4.1: MD5(Identifier ‖ secret ‖ Challenge).
      return equalBytes(chapMd5Response(c.identifier & 0xff, secret.password, c.challenge), c.response) ? { status: 'ok' } : MISMATCH;
    }
    case 'mschap-v1': {
      if (c.challenge.length !== 8) return malformed('MS-CHAPv1 challenge must be 8 bytes');
      const hash = passwordHashOf(secret);
      if (c.useNtResponse) {
        if (c.ntResponse.length !== 24) return malformed('MS-CHAPv1 NT-Response must be 24 bytes');
        // RFC 2433 A.5 NtChallengeResponse.
        if (!equalBytes(ntChallengeResponse(c.challenge, hash), c.ntResponse)) return MISMATCH;
      } else {
        // RFC 2433 A.1: the LM response needs the password itself.
        if (secret.kind !== 'cleartext') {
          return { status: 'cannot-verify', reason: 'MS-CHAPv1 LAN Manager response needs a clear-text secret' };
        }
        if (c.lmResponse.length !== 24) return malformed('MS-CHAPv1 LM-Response must be 24 bytes');
        if (!equalBytes(lmChallengeResponse(c.challenge, secret.password), c.lmResponse)) return MISMATCH;
      }
      // RFC 3079 §2.1/§2.4: v1 keys come from the NT password hash and our challenge.
      return { status: 'ok', mppeKeys: mppeKeysV1FromHashHash(hashesOf(secret).hashHash, c.challenge) };
    }
    case 'mschap-v2': {
      if (c.authenticatorChallenge.length !== 16 || c.peerChallenge.length !== 16) {
        return malformed('MS-CHAPv2 challenges must be 16 bytes');
      }
      if (c.ntResponse.length !== 24) return malformed('MS-CHAPv2 NT-Response must be 24 bytes');
      const hashes = hashesOf(secret);
      const name = mschapUserName(req.peerName);
      // RFC 2759 §8.1 GenerateNTResponse, recomputed and compared; its ChallengeHash (§8.2)
      // is also the one §8.7 needs.
      const challenge = challengeHash(c.peerChallenge, c.authenticatorChallenge, name);
      if (!equalBytes(challengeResponse(challenge, hashes.hash), c.ntResponse)) return MISMATCH;
      return {
        status: 'ok',
        // RFC 2759 §8.7, sent back in the Success packet as "S=…".
        authenticatorResponse: authenticatorResponseFrom(hashes.hashHash, c.ntResponse, challenge),
        // RFC 3079 §3: MasterKey from the NT hash hash and the NT-Response.
        mppeKeys: mppeKeysV2FromHashHash(hashes.hashHash, c.ntResponse),
      };
    }
  }
}

function passwordHashOf(secret: Secret): Buffer {
  return hashesOf(secret).hash;
}

/**
 * NtPasswordHash and HashNtPasswordHash (RFC 2759 §8.3-8.4) of a secret, computed once per
 * Secret object: a source that hands out the same object for the same entry (chap-secrets
 * does, per loaded entry) pays the MD4s once, not per authentication. A reload makes new
 * objects, so a changed password is never served from here.
 */
const hashCache = new WeakMap<Secret, { readonly hash: Buffer; readonly hashHash: Buffer }>();

function hashesOf(secret: Secret): { readonly hash: Buffer; readonly hashHash: Buffer } {
  let h = hashCache.get(secret);
  if (h === undefined) {
    const hash = secret.kind === 'cleartext' ? ntPasswordHash(secret.password) : secret.hash;
    h = { hash, hashHash: hashNtPasswordHash(hash) };
    hashCache.set(secret, h);
  }
  return h;
}

function malformed(reason: string): LocalVerdict {
  return { status: 'mismatch', reason };
}

/** Constant-time for equal lengths; a length difference alone is not secret enough to matter for hashes. */
function equalBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Passwords differ in length too: compare fixed-size digests so timing says nothing about either. */
function equalText(a: string, b: string): boolean {
  const da = createHash('sha256').update(a, 'utf8').digest();
  const db = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(da, db);
}
