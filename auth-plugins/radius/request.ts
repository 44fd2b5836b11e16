// The Access-Request for one PPP authentication (RFC 2865 §5, RFC 2548 §2).
//
//   User-Name            the rewritten name (default) or the name as sent
//   NAS-IP-Address       option nasIpAddress, else our address if IPv4
//   NAS-Identifier       option nasIdentifier, else the server name (pppd `name`)
//   NAS-Port             the PPTP call id
//   NAS-Port-Type        Virtual (5)        Service-Type  Framed-User (2)
//   Framed-Protocol      PPP (1)
//   Calling-Station-Id   the client's address; Called-Station-Id: ours
// and, per method:
//   PAP        User-Password (hidden, RFC 2865 §5.2)
//   CHAP-MD5   CHAP-Password = CHAP Identifier ‖ Response, CHAP-Challenge (RFC 2865 §5.3, §5.40)
//   MS-CHAPv1  MS-CHAP-Challenge (8) + MS-CHAP-Response = Ident ‖ Flags ‖ LM-Response ‖ NT-Response (RFC 2548 §2.1.3)
//   MS-CHAPv2  MS-CHAP-Challenge (16) + MS-CHAP2-Response = Ident ‖ Flags ‖ Peer-Challenge ‖ Reserved(8) ‖ Response (§2.3.2)
// The Ident octet of the MS-CHAP attributes is the PPP CHAP Identifier, which
// only labels the exchange; AuthCredentials does not carry it for MS-CHAP, so
// it is 0 (servers echo it and do not hash it).

import { isIPv4 } from 'node:net';
import { fitString, MAX_STRING_OCTETS, msAttr, type RadiusAttribute } from '../../server/radius/attributes.js';
import type { AttemptInfo, BuildAttributes } from '../../server/radius/client.js';
import { FramedProtocol, MAX_USER_PASSWORD_LENGTH, NasPortType, ServiceType } from '../../server/radius/constants.js';
import type { AuthRequest } from '../types.js';

const MAX_STRING = MAX_STRING_OCTETS; // RFC 2865 §5

export interface RequestSettings {
  readonly userName: string;
  readonly nasIdentifier?: string;
  readonly nasIpAddress?: string;
}

/** The attribute builder for client.send, or a reason why this request cannot be sent. */
export function accessRequest(req: AuthRequest, s: RequestSettings): { build: BuildAttributes } | { error: string } {
  if (Buffer.byteLength(s.userName, 'utf8') > MAX_STRING) return { error: 'user name longer than 253 octets' };
  const nasIp = s.nasIpAddress ?? (isIPv4(req.localAddress) ? req.localAddress : undefined);
  const common: RadiusAttribute[] = [
    ['User-Name', s.userName],
    ...(nasIp !== undefined ? [['NAS-IP-Address', nasIp] as const] : []),
    ['NAS-Identifier', clip(s.nasIdentifier ?? req.serverName)],
    ['NAS-Port', req.callId],
    ['NAS-Port-Type', NasPortType.VIRTUAL],
    ['Service-Type', ServiceType.FRAMED_USER],
    ['Framed-Protocol', FramedProtocol.PPP],
    ['Calling-Station-Id', clip(req.peerAddress)],
    ['Called-Station-Id', clip(req.localAddress)],
  ];
  const c = req.credentials;
  switch (c.method) {
    case 'pap': {
      const password = Buffer.from(c.password, 'utf8');
      if (password.length > MAX_USER_PASSWORD_LENGTH) return { error: 'PAP password longer than 128 octets (RFC 2865 §5.2)' };
      return { build: (a: AttemptInfo) => [...common, ['User-Password', a.hide(password)]] };
    }
    case 'chap-md5': {
      if (c.response.length !== 16) return { error: 'CHAP-MD5 Response must be 16 bytes' };
      if (c.challenge.length === 0 || c.challenge.length > MAX_STRING) return { error: 'CHAP challenge length out of range' };
      const chapPassword = Buffer.concat([Buffer.of(c.identifier & 0xff), c.response]);
      const attrs: RadiusAttribute[] = [...common, ['CHAP-Password', chapPassword], ['CHAP-Challenge', c.challenge]];
      return { build: () => attrs };
    }
    case 'mschap-v1': {
      if (c.challenge.length !== 8) return { error: 'MS-CHAPv1 challenge must be 8 bytes' };
      if (c.lmResponse.length !== 24 || c.ntResponse.length !== 24) return { error: 'MS-CHAPv1 responses must be 24 bytes' };
      const response = Buffer.concat([Buffer.of(0, c.useNtResponse ? 1 : 0), c.lmResponse, c.ntResponse]);
      const attrs: RadiusAttribute[] = [...common, msAttr('MS-CHAP-Challenge', c.challenge), msAttr('MS-CHAP-Response', response)];
      return { build: () => attrs };
    }
    case 'mschap-v2': {
      if (c.authenticatorChallenge.length !== 16 || c.peerChallenge.length !== 16) return { error: 'MS-CHAPv2 challenges must be 16 bytes' };
      if (c.ntResponse.length !== 24) return { error: 'MS-CHAPv2 NT-Response must be 24 bytes' };
      // RFC 2548 §2.3.2: Flags is 0; Reserved is 8 zero octets.
      const response = Buffer.concat([Buffer.of(0, 0), c.peerChallenge, Buffer.alloc(8), c.ntResponse]);
      const attrs: RadiusAttribute[] = [...common, msAttr('MS-CHAP-Challenge', c.authenticatorChallenge), msAttr('MS-CHAP2-Response', response)];
      return { build: () => attrs };
    }
  }
}

/** Station ids and NAS-Identifier are informational: cut rather than fail. */
const clip = (s: string): string => fitString(s);
