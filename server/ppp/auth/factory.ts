// createAuthServer / createAuthClient: pick the handler for the method LCP agreed on
// (Authentication-Protocol option: c023 = PAP; c223 with Algorithm 05/80/81 = CHAP-MD5,
// MS-CHAPv1, MS-CHAPv2).
import { randomBytes } from 'node:crypto';
import type { AuthMethod } from '../../../auth-plugins/types.js';
import { ErrorCode, PptpdError } from '../../errors.js';
import { ChapClient } from './chap-client.js';
import { ChapAlgorithm, PppProtocol } from './constants.js';
import { chapMd5Client, chapMd5Server } from './chap-md5.js';
import { ChapServer } from './chap-server.js';
import { mschapV1Client, mschapV1Server } from './mschap-v1.js';
import { mschapV2Client, mschapV2Server } from './mschap-v2.js';
import { PapClient } from './pap-client.js';
import { PapServer } from './pap-server.js';
import type { AuthClientOptions, AuthProtocolHandler, AuthServerOptions } from './types.js';

/** Authenticator role: we challenge, the plugin chain decides (through `verify` actions). */
export function createAuthServer(method: AuthMethod, opts: AuthServerOptions): AuthProtocolHandler {
  switch (method) {
    case 'pap':
      return new PapServer(opts);
    case 'chap-md5':
      return new ChapServer(chapMd5Server, opts);
    case 'mschap-v1':
      return new ChapServer(mschapV1Server, opts);
    case 'mschap-v2':
      return new ChapServer(mschapV2Server, opts);
    default:
      throw new PptpdError(ErrorCode.AUTH, `unknown authentication method ${String(method)}`);
  }
}

/** Peer role: we prove who we are with a user name and password. */
export function createAuthClient(method: AuthMethod, opts: AuthClientOptions): AuthProtocolHandler {
  switch (method) {
    case 'pap':
      return new PapClient(opts);
    case 'chap-md5':
      return new ChapClient(chapMd5Client(opts.password), opts);
    case 'mschap-v1':
      return new ChapClient(mschapV1Client(opts.password), opts);
    case 'mschap-v2':
      return new ChapClient(mschapV2Client(opts.userName, opts.password, opts.random ?? randomBytes), opts);
    default:
      throw new PptpdError(ErrorCode.AUTH, `unknown authentication method ${String(method)}`);
  }
}

/** The LCP Authentication-Protocol option data for a method (RFC 1334 §2.1, RFC 1994 §3). */
export function lcpAuthOption(method: AuthMethod): { protocol: number; algorithm?: number } {
  switch (method) {
    case 'pap':
      return { protocol: PppProtocol.PAP };
    case 'chap-md5':
      return { protocol: PppProtocol.CHAP, algorithm: ChapAlgorithm.MD5 };
    case 'mschap-v1':
      return { protocol: PppProtocol.CHAP, algorithm: ChapAlgorithm.MSCHAPv1 };
    case 'mschap-v2':
      return { protocol: PppProtocol.CHAP, algorithm: ChapAlgorithm.MSCHAPv2 };
  }
}

/** The method an Authentication-Protocol option asks for, or null when we do not speak it. */
export function methodFromLcp(protocol: number, algorithm?: number): AuthMethod | null {
  if (protocol === PppProtocol.PAP) return algorithm === undefined ? 'pap' : null;
  if (protocol !== PppProtocol.CHAP) return null;
  switch (algorithm) {
    case ChapAlgorithm.MD5:
      return 'chap-md5';
    case ChapAlgorithm.MSCHAPv1:
      return 'mschap-v1';
    case ChapAlgorithm.MSCHAPv2:
      return 'mschap-v2';
    default:
      return null;
  }
}
