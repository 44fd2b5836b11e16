// RFC 1994 §4 CHAP packets: Code, Identifier, Length, then
//   Challenge/Response: Value-Size, Value, Name (the rest, up to Length)
//   Success/Failure:    Message (the rest)
// MS-CHAPv1/v2 (RFC 2433, RFC 2759) keep this framing and only sub-format Value and Message.
// decodeChap never throws and never reads past the buffer or Length; octets beyond Length
// are padding. Decoded fields are views into the input: callers copy what they keep.
import { decodeError, type DecodeError } from '../../errors.js';
import { AUTH_HEADER_LEN, ChapCode } from './constants.js';

interface ValuePacket<Code> {
  readonly code: Code;
  readonly identifier: number;
  readonly value: Buffer;
  readonly name: Buffer;
}
interface StatusPacket<Code> {
  readonly code: Code;
  readonly identifier: number;
  readonly message: Buffer;
}
export type ChapPacket =
  | ValuePacket<typeof ChapCode.Challenge>
  | ValuePacket<typeof ChapCode.Response>
  | StatusPacket<typeof ChapCode.Success>
  | StatusPacket<typeof ChapCode.Failure>;

function fail(reason: string): DecodeError {
  return decodeError('chap', reason);
}

export function decodeChap(packet: Buffer): ChapPacket | DecodeError {
  if (packet.length < AUTH_HEADER_LEN) return fail(`packet of ${packet.length} octets is shorter than the header`);
  const code = packet[0] as number;
  const identifier = packet[1] as number;
  const length = packet.readUInt16BE(2);
  if (length < AUTH_HEADER_LEN) return fail(`Length ${length} is less than 4`);
  if (length > packet.length) return fail(`Length ${length} exceeds the ${packet.length} octets received`);
  const data = packet.subarray(AUTH_HEADER_LEN, length);

  if (code === ChapCode.Challenge || code === ChapCode.Response) {
    if (data.length < 1) return fail('no Value-Size');
    const valueSize = data[0] as number;
    // RFC 1994 §4.1: the Value is one or more octets.
    if (valueSize === 0) return fail('Value-Size 0');
    if (1 + valueSize > data.length) return fail(`Value-Size ${valueSize} overruns the packet`);
    return { code, identifier, value: data.subarray(1, 1 + valueSize), name: data.subarray(1 + valueSize) };
  }
  if (code === ChapCode.Success || code === ChapCode.Failure) {
    return { code, identifier, message: data };
  }
  return fail(`unknown CHAP code ${code}`);
}

/** Challenge or Response. `value` is 1..255 octets; Name is clipped so Length fits. */
export function encodeChapValue(
  code: typeof ChapCode.Challenge | typeof ChapCode.Response,
  identifier: number,
  value: Buffer,
  name: Buffer,
): Buffer {
  const length = AUTH_HEADER_LEN + 1 + value.length + name.length;
  const out = Buffer.allocUnsafe(length);
  out[0] = code;
  out[1] = identifier & 0xff;
  out.writeUInt16BE(length, 2);
  out[4] = value.length;
  value.copy(out, 5);
  name.copy(out, 5 + value.length);
  return out;
}

/** Success or Failure with a Message. */
export function encodeChapStatus(
  code: typeof ChapCode.Success | typeof ChapCode.Failure,
  identifier: number,
  message: Buffer,
): Buffer {
  const length = AUTH_HEADER_LEN + message.length;
  const out = Buffer.allocUnsafe(length);
  out[0] = code;
  out[1] = identifier & 0xff;
  out.writeUInt16BE(length, 2);
  message.copy(out, AUTH_HEADER_LEN);
  return out;
}
