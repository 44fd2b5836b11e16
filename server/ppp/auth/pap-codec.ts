// RFC 1334 §2.2 PAP packets: Code, Identifier, Length, then
//   Authenticate-Request: Peer-ID-Length, Peer-ID, Passwd-Length, Password
//   Authenticate-Ack/Nak: Msg-Length, Message
// decodePap never throws and never reads past the buffer or the Length field; octets
// beyond Length are link padding (RFC 1334 §2.2) and ignored. Decoded fields are views
// into the input: callers copy what they keep.
import { decodeError, type DecodeError } from '../../errors.js';
import { AUTH_HEADER_LEN, PapCode } from './constants.js';

export type PapPacket =
  | {
      readonly code: typeof PapCode.AuthenticateRequest;
      readonly identifier: number;
      readonly peerId: Buffer;
      readonly password: Buffer;
    }
  | {
      readonly code: typeof PapCode.AuthenticateAck | typeof PapCode.AuthenticateNak;
      readonly identifier: number;
      readonly message: Buffer;
    };

function fail(reason: string): DecodeError {
  return decodeError('pap', reason);
}

export function decodePap(packet: Buffer): PapPacket | DecodeError {
  if (packet.length < AUTH_HEADER_LEN) return fail(`packet of ${packet.length} octets is shorter than the header`);
  const code = packet[0] as number;
  const identifier = packet[1] as number;
  const length = packet.readUInt16BE(2);
  if (length < AUTH_HEADER_LEN) return fail(`Length ${length} is less than 4`);
  if (length > packet.length) return fail(`Length ${length} exceeds the ${packet.length} octets received`);
  const data = packet.subarray(AUTH_HEADER_LEN, length);

  if (code === PapCode.AuthenticateRequest) {
    if (data.length < 1) return fail('Authenticate-Request without Peer-ID-Length');
    const idLen = data[0] as number;
    if (1 + idLen + 1 > data.length) return fail(`Peer-ID-Length ${idLen} overruns the packet`);
    const pwLen = data[1 + idLen] as number;
    if (2 + idLen + pwLen > data.length) return fail(`Passwd-Length ${pwLen} overruns the packet`);
    return {
      code,
      identifier,
      peerId: data.subarray(1, 1 + idLen),
      password: data.subarray(2 + idLen, 2 + idLen + pwLen),
    };
  }
  if (code === PapCode.AuthenticateAck || code === PapCode.AuthenticateNak) {
    // RFC 1334 §2.2.2: Msg-Length then Message. Some peers send no Msg-Length at all; read
    // that as an empty message rather than rejecting the reply that ends authentication.
    if (data.length === 0) return { code, identifier, message: data };
    const msgLen = data[0] as number;
    if (1 + msgLen > data.length) return fail(`Msg-Length ${msgLen} overruns the packet`);
    return { code, identifier, message: data.subarray(1, 1 + msgLen) };
  }
  return fail(`unknown PAP code ${code}`);
}

/** Authenticate-Request. Peer-ID and Password must each fit in 255 octets (checked by the caller). */
export function encodePapRequest(identifier: number, peerId: Buffer, password: Buffer): Buffer {
  const length = AUTH_HEADER_LEN + 1 + peerId.length + 1 + password.length;
  const out = Buffer.allocUnsafe(length);
  out[0] = PapCode.AuthenticateRequest;
  out[1] = identifier & 0xff;
  out.writeUInt16BE(length, 2);
  out[4] = peerId.length;
  peerId.copy(out, 5);
  out[5 + peerId.length] = password.length;
  password.copy(out, 6 + peerId.length);
  return out;
}

/** Authenticate-Ack or -Nak; the Identifier is copied from the request (RFC 1334 §2.2.2). */
export function encodePapReply(
  code: typeof PapCode.AuthenticateAck | typeof PapCode.AuthenticateNak,
  identifier: number,
  message: Buffer,
): Buffer {
  const msg = message.length <= 255 ? message : message.subarray(0, 255);
  const length = AUTH_HEADER_LEN + 1 + msg.length;
  const out = Buffer.allocUnsafe(length);
  out[0] = code;
  out[1] = identifier & 0xff;
  out.writeUInt16BE(length, 2);
  out[4] = msg.length;
  msg.copy(out, 5);
  return out;
}
