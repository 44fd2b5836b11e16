// One authentication attempt of a call: the request handed to the plugin chain, and
// the report of its verdict (a lifecycle event, and a log line in plain words that
// names the method, the user, the source address and the MS-CHAP error code).
import type { LineLog } from '../log.js';
import type { AuthCredentials, AuthRequest, AuthResult } from '../../auth-plugins/types.js';
import { Channel, publish, subscribed } from '../events.js';
import { now } from '../timers.js';

const METHOD_NAME: Readonly<Record<string, string>> = { 'mschap-v2': 'MS-CHAPv2', 'mschap-v1': 'MS-CHAPv1', 'chap-md5': 'CHAP-MD5', pap: 'PAP' };

export interface CallEndpoints {
  readonly sessionId: string;
  readonly callId: number;
  readonly peerAddress: string;
  readonly localAddress: string;
}

export class AuthAttempt {
  readonly startedAt = now();
  readonly request: AuthRequest;

  constructor(call: CallEndpoints, serverName: string, peerName: string, credentials: AuthCredentials) {
    this.request = {
      peerName,
      userName: peerName,
      credentials,
      peerAddress: call.peerAddress,
      localAddress: call.localAddress,
      callId: call.callId,
      serverName,
    };
  }

  get method(): string {
    return this.request.credentials.method;
  }

  /** Publishes the verdict and logs a refusal. */
  report(call: CallEndpoints, result: AuthResult, log: LineLog): void {
    const peerName = this.request.peerName;
    if (subscribed(Channel.auth)) publish(Channel.auth, {
      sessionId: call.sessionId,
      peerName,
      method: this.method,
      result: result.verdict,
      plugin: result.plugin,
      reason: result.verdict === 'reject' ? result.reason : undefined,
      ms: now() - this.startedAt,
    });
    if (result.verdict !== 'reject') return;
    log.warn(
      { user: peerName, method: this.method, reason: result.reason, plugin: result.plugin },
      `${METHOD_NAME[this.method] ?? 'authentication'} failed for ${peerName} from ${call.peerAddress}` +
        `${result.mschapError ? ` (${result.mschapError})` : ''}: ${result.reason}`,
    );
  }
}
