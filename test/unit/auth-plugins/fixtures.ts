// Test helpers for the auth chain: requests as PPP would build them, with the
// client's side of each method computed by server/crypto (the peer's view).

import { randomBytes } from 'node:crypto';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  chapMd5Response,
  generateNtResponse,
  lmChallengeResponse,
  ntChallengeResponse,
  ntPasswordHash,
} from '../../../server/crypto/mschap.js';
import type { AuthPlugin, PluginOutcome } from '../../../auth-plugins/plugin.js';
import type { AuthCredentials, AuthRequest } from '../../../auth-plugins/types.js';

/** RFC 2759 §9.2 / RFC 3079 §3.5.3 sample values. */
export const RFC2759 = {
  userName: 'User',
  password: 'clientPass',
  authenticatorChallenge: Buffer.from('5B5D7C7D7B3F2F3E3C2C602132262628', 'hex'),
  peerChallenge: Buffer.from('21402324255E262A28295F2B3A337C7E', 'hex'),
  ntResponse: Buffer.from('82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF', 'hex'),
  passwordHash: Buffer.from('44EBBA8D5312B8D611474411F56989AE', 'hex'),
  authenticatorResponse: 'S=407A5589115FD0D6209F510FE9C04566932CDA56',
  masterSendKey: Buffer.from('8B7CDC149B993A1BA118CB153F56DCCB', 'hex'),
} as const;

/** RFC 3079 §2.5.3: MS-CHAPv1 128-bit start key for "clientPass" (step 4; step 3 has a typo). */
export const RFC3079_V1 = {
  challenge: Buffer.from('102db5df085d3041', 'hex'),
  startKey: Buffer.from('a8947850cfc0acc1d1789fb62ddcddb0', 'hex'),
} as const;

export function request(credentials: AuthCredentials, over: Partial<AuthRequest> = {}): AuthRequest {
  const peerName = over.peerName ?? 'alice';
  return {
    peerName,
    userName: over.userName ?? peerName,
    credentials,
    peerAddress: over.peerAddress ?? '192.0.2.10',
    localAddress: over.localAddress ?? '198.51.100.1',
    callId: over.callId ?? 7,
    serverName: over.serverName ?? 'pptpd',
    ...(over.realm !== undefined ? { realm: over.realm } : {}),
  };
}

export function pap(password: string): AuthCredentials {
  return { method: 'pap', password };
}

export function chapMd5(password: string, identifier = 42, challenge: Buffer = randomBytes(16)): AuthCredentials {
  return { method: 'chap-md5', identifier, challenge, response: chapMd5Response(identifier, password, challenge) };
}

export function mschapV1(password: string, challenge: Buffer = randomBytes(8), useNtResponse = true): AuthCredentials {
  return {
    method: 'mschap-v1',
    challenge,
    lmResponse: useNtResponse ? Buffer.alloc(24) : lmChallengeResponse(challenge, password),
    ntResponse: useNtResponse ? ntChallengeResponse(challenge, ntPasswordHash(password)) : Buffer.alloc(24),
    useNtResponse,
  };
}

/** What a client sends for `name` (the Name field as typed, e.g. `CORP\alice`). */
export function mschapV2(
  name: string,
  password: string,
  authenticatorChallenge: Buffer = randomBytes(16),
  peerChallenge: Buffer = randomBytes(16),
): AuthCredentials & { method: 'mschap-v2' } {
  return {
    method: 'mschap-v2',
    authenticatorChallenge,
    peerChallenge,
    ntResponse: generateNtResponse(authenticatorChallenge, peerChallenge, name, ntPasswordHash(password)),
    flags: 0,
  };
}

/** A plugin that answers from a function and records what it saw. */
export function fakePlugin(
  name: string,
  answer: (req: AuthRequest, signal: AbortSignal) => Promise<PluginOutcome> | PluginOutcome,
  extra: Partial<AuthPlugin> = {},
): AuthPlugin & { seen: AuthRequest[] } {
  const seen: AuthRequest[] = [];
  return {
    name,
    kind: 'fake',
    seen,
    async handle(req, ctx) {
      seen.push(req);
      return answer(req, ctx.signal);
    },
    ...extra,
  };
}

export function secretPlugin(name: string, password: string): AuthPlugin & { seen: AuthRequest[] } {
  return fakePlugin(name, () => ({ type: 'secret', secret: { kind: 'cleartext', password } }));
}

export function memoryTracer(): { exporter: InMemorySpanExporter; provider: BasicTracerProvider } {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return { exporter, provider };
}

/** A pino-compatible destination that keeps every line, to assert on logs. */
export function memoryLog(): { lines: string[]; stream: { write(s: string): void } } {
  const lines: string[] = [];
  return { lines, stream: { write: (s: string) => void lines.push(s) } };
}
