// From a checked RADIUS reply to the plugin's answer.
//
// Access-Accept:
//   MS-CHAPv2  MS-CHAP2-Success (RFC 2548 §2.3.3: Ident ‖ "S=<40 hex>") is
//              required and becomes authenticatorResponse; MS-MPPE-Send-Key and
//              -Recv-Key (§2.4.2-2.4.3, salt-encrypted) become the MPPE keys.
//   MS-CHAPv1  MS-CHAP-MPPE-Keys (§2.4.1: LM-Key(8) ‖ NT-Key(16) ‖ padding,
//              hidden like User-Password): the NT-Key is PasswordHashHash, from
//              which mppeKeysV1FromHashHash derives the keys with our challenge
//              (RFC 3079 §2.4). Send/Recv-Key are used instead when present.
//   all        Framed-IP-Address (not 255.255.255.254/255, RFC 2865 §5.8),
//              Session-Timeout, Idle-Timeout, Acct-Interim-Interval, every Class,
//              Reply-Message, MS-MPPE-Encryption-Policy/-Types → mppePolicy,
//              and User-Name, the name to account under (RFC 2865 §5.1).
//   Keys that are present but cannot be decrypted reject the attempt: a
//   session must not come up unencrypted because of a server fault.
// Access-Reject: MS-CHAP-Error (§2.1.5, "E=691 R=1 …") gives mschapError;
//   Reply-Message is passed on.
// Access-Challenge: PPP cannot relay it, so a reject.

import { all, first, ipv4, text, u32, type ReceivedAttribute } from '../../server/radius/attributes.js';
import type { RadiusReply } from '../../server/radius/client.js';
import {
  Attr,
  FRAMED_IP_NAS_CHOOSES,
  FRAMED_IP_USER_CHOOSES,
  MppeEncryptionPolicy,
  MsAttr,
  RadiusCode,
  VENDOR_MICROSOFT,
} from '../../server/radius/constants.js';
import { mppeKeysV1FromHashHash } from '../../server/crypto/mppe-keys.js';
import { isDecodeError } from '../../server/errors.js';
import type { PluginOutcome } from '../plugin.js';
import type { AuthRequest, MppeKeys, MppePolicy, SessionAttributes } from '../types.js';

const MS = VENDOR_MICROSOFT;
const MPPE_KEY_LENGTH = 16;
const AUTH_RESPONSE = /^S=([0-9A-Fa-f]{40})(?: M=[\s\S]*)?$/;

export function interpretReply(reply: RadiusReply, req: AuthRequest): PluginOutcome {
  const attrs = reply.attributes;
  const replyMessage = replyMessageOf(attrs);
  const server = reply.server.name;
  switch (reply.code) {
    case RadiusCode.ACCESS_ACCEPT:
      return accept(reply, req);
    case RadiusCode.ACCESS_REJECT: {
      const mschapError = mschapErrorOf(attrs);
      return {
        type: 'reject',
        reason: `RADIUS server ${server} rejected ${req.userName}${mschapError !== undefined ? ` (E=${mschapError})` : ''}`,
        ...(mschapError !== undefined ? { mschapError } : {}),
        ...(replyMessage !== undefined ? { replyMessage } : {}),
      };
    }
    default:
      return { type: 'reject', reason: `RADIUS server ${server} sent ${reply.codeName}, which PPP cannot relay` };
  }
}

function accept(reply: RadiusReply, req: AuthRequest): PluginOutcome {
  const attrs = reply.attributes;
  const server = reply.server.name;
  const c = req.credentials;
  let authenticatorResponse: string | undefined;
  if (c.method === 'mschap-v2') {
    const success = first(attrs, MsAttr.MS_CHAP2_SUCCESS, MS);
    if (success === undefined) return malformed(server, 'Access-Accept without MS-CHAP2-Success');
    authenticatorResponse = parseChap2Success(success);
    if (authenticatorResponse === undefined) return malformed(server, 'MS-CHAP2-Success is not "S=" and 40 hex digits');
  }
  const keys = mppeKeysOf(reply, req);
  if (typeof keys === 'string') return malformed(server, keys);
  const accountAs = text(attrs, Attr.USER_NAME);
  return {
    type: 'accept',
    ...(accountAs !== undefined && accountAs.length > 0 ? { userName: accountAs } : {}),
    ...(authenticatorResponse !== undefined ? { authenticatorResponse } : {}),
    ...(keys !== undefined ? { mppeKeys: keys } : {}),
    attributes: sessionAttributesOf(attrs),
  };
}

/** MS-CHAP2-Success: Ident octet, then "S=<40 hex>" (some servers add " M=…"). Normalised to upper case. */
export function parseChap2Success(value: Buffer): string | undefined {
  const m = AUTH_RESPONSE.exec(value.subarray(1).toString('latin1'));
  return m?.[1] !== undefined ? `S=${m[1].toUpperCase()}` : undefined;
}

/** The error code of MS-CHAP-Error (Ident octet, then "E=eeeeeeeeee R=r C=… V=v M=…", RFC 2759 §6). */
export function mschapErrorOf(attrs: readonly ReceivedAttribute[]): number | undefined {
  const v = first(attrs, MsAttr.MS_CHAP_ERROR, MS);
  if (v === undefined) return undefined;
  const m = /E=(\d{1,10})/.exec(v.toString('latin1'));
  return m?.[1] !== undefined ? Number(m[1]) : undefined;
}

/** Keys from the server's point of view, undefined when the reply has none, or a reason when they are unusable. */
function mppeKeysOf(reply: RadiusReply, req: AuthRequest): MppeKeys | undefined | string {
  const attrs = reply.attributes;
  const send = first(attrs, MsAttr.MS_MPPE_SEND_KEY, MS);
  const recv = first(attrs, MsAttr.MS_MPPE_RECV_KEY, MS);
  if (send !== undefined || recv !== undefined) {
    if (send === undefined || recv === undefined) return 'only one of MS-MPPE-Send-Key and MS-MPPE-Recv-Key';
    const sendKey = reply.decryptKey(send);
    const recvKey = reply.decryptKey(recv);
    if (isDecodeError(sendKey) || isDecodeError(recvKey)) return 'MS-MPPE keys cannot be decrypted (shared secret?)';
    if (sendKey.length < MPPE_KEY_LENGTH || recvKey.length < MPPE_KEY_LENGTH) return 'MS-MPPE keys shorter than 16 octets';
    // MS-MPPE-Send-Key is the key the NAS (we) sends with (RFC 2548 §2.4.2).
    return { sendKey: Buffer.from(sendKey.subarray(0, MPPE_KEY_LENGTH)), recvKey: Buffer.from(recvKey.subarray(0, MPPE_KEY_LENGTH)) };
  }
  const c = req.credentials;
  const v1 = first(attrs, MsAttr.MS_CHAP_MPPE_KEYS, MS);
  if (v1 === undefined || c.method !== 'mschap-v1') return undefined;
  const plain = reply.reveal(v1);
  if (isDecodeError(plain) || plain.length < 24) return 'MS-CHAP-MPPE-Keys cannot be decrypted (shared secret?)';
  // LM-Key is octets 0-7; the NT-Key (PasswordHashHash) octets 8-23.
  return mppeKeysV1FromHashHash(Buffer.from(plain.subarray(8, 24)), c.challenge);
}

export function sessionAttributesOf(attrs: readonly ReceivedAttribute[]): SessionAttributes {
  const framed = ipv4(attrs, Attr.FRAMED_IP_ADDRESS);
  const classes = all(attrs, Attr.CLASS).map((b) => Buffer.from(b));
  const replyMessage = replyMessageOf(attrs);
  const sessionTimeout = u32(attrs, Attr.SESSION_TIMEOUT);
  const idleTimeout = u32(attrs, Attr.IDLE_TIMEOUT);
  const acctInterimInterval = u32(attrs, Attr.ACCT_INTERIM_INTERVAL);
  const mppePolicy = mppePolicyOf(attrs);
  return {
    ...(framed !== undefined && framed !== FRAMED_IP_USER_CHOOSES && framed !== FRAMED_IP_NAS_CHOOSES ? { framedIpAddress: framed } : {}),
    ...(sessionTimeout !== undefined ? { sessionTimeout } : {}),
    ...(idleTimeout !== undefined ? { idleTimeout } : {}),
    ...(acctInterimInterval !== undefined ? { acctInterimInterval } : {}),
    ...(classes.length > 0 ? { class: classes } : {}),
    ...(replyMessage !== undefined ? { replyMessage } : {}),
    ...(mppePolicy !== undefined ? { mppePolicy } : {}),
  };
}

function mppePolicyOf(attrs: readonly ReceivedAttribute[]): MppePolicy | undefined {
  const policy = u32(attrs, MsAttr.MS_MPPE_ENCRYPTION_POLICY, MS);
  const types = u32(attrs, MsAttr.MS_MPPE_ENCRYPTION_TYPES, MS);
  if (policy === undefined && types === undefined) return undefined;
  return { required: policy === MppeEncryptionPolicy.REQUIRED, ...(types !== undefined ? { types } : {}) };
}

/** Several Reply-Messages are one text split by the server (RFC 2865 §5.18: shown in order). */
function replyMessageOf(attrs: readonly ReceivedAttribute[]): string | undefined {
  const parts = all(attrs, Attr.REPLY_MESSAGE);
  return parts.length > 0 ? Buffer.concat(parts).toString('utf8') : undefined;
}

function malformed(server: string, what: string): PluginOutcome {
  return { type: 'reject', reason: `RADIUS server ${server} accepted, but ${what}` };
}
