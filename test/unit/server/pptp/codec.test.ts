import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as codec from '../../../../server/pptp/codec.js';
import { decodeControlMessage, encodeControlMessage, decodeAs, PptpDecodeReason } from '../../../../server/pptp/codec.js';
import { ControlMessageType, MessageLength, type ControlMessageName } from '../../../../server/pptp/constants.js';
import { isDecodeError } from '../../../../server/errors.js';
import { fixtures, bytes, hdr, str, u16, u32 } from './fixtures.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

// mqtt-packet style: each fixture gives a parse, a generate and a mirror test.
for (const f of fixtures) {
  describe(f.name, () => {
    test('parse', () => assert.deepEqual(decodeControlMessage(f.wire), f.message));
    test('generate', () => assert.equal(hex(encodeControlMessage(f.message)), hex(f.wire)));
    test('mirror', () => {
      const m = decodeControlMessage(f.wire);
      assert.ok(!isDecodeError(m));
      assert.equal(hex(encodeControlMessage(m)), hex(f.wire));
    });
  });
}

const pairs: Record<ControlMessageName, [(b: Uint8Array) => unknown, (m: never) => Uint8Array]> = {
  SCCRQ: [codec.decodeSccrq, codec.encodeSccrq],
  SCCRP: [codec.decodeSccrp, codec.encodeSccrp],
  StopCCRQ: [codec.decodeStopCcrq, codec.encodeStopCcrq],
  StopCCRP: [codec.decodeStopCcrp, codec.encodeStopCcrp],
  EchoRequest: [codec.decodeEchoRequest, codec.encodeEchoRequest],
  EchoReply: [codec.decodeEchoReply, codec.encodeEchoReply],
  OCRQ: [codec.decodeOcrq, codec.encodeOcrq],
  OCRP: [codec.decodeOcrp, codec.encodeOcrp],
  ICRQ: [codec.decodeIcrq, codec.encodeIcrq],
  ICRP: [codec.decodeIcrp, codec.encodeIcrp],
  ICCN: [codec.decodeIccn, codec.encodeIccn],
  CCRQ: [codec.decodeCcrq, codec.encodeCcrq],
  CDN: [codec.decodeCdn, codec.encodeCdn],
  WEN: [codec.decodeWen, codec.encodeWen],
  SLI: [codec.decodeSli, codec.encodeSli],
};

function reason(x: unknown): string | undefined {
  return isDecodeError(x) ? x.reason : undefined;
}

describe('typed encode/decode pairs', () => {
  for (const [name, [decode, encode]] of Object.entries(pairs) as Array<[ControlMessageName, (typeof pairs)[ControlMessageName]]>) {
    const f = fixtures.find((x) => x.message.type === name)!;
    test(`${name}: pair round trip and exact size ${MessageLength[name]}`, () => {
      assert.deepEqual(decode(f.wire), f.message);
      const out = encode(f.message as never);
      assert.equal(out.length, MessageLength[name]);
      assert.equal(hex(out), hex(f.wire));
    });
  }
});

describe('malformed input, for every decoder', () => {
  for (const [name, [decode]] of Object.entries(pairs) as Array<[ControlMessageName, (typeof pairs)[ControlMessageName]]>) {
    const good = fixtures.find((x) => x.message.type === name)!.wire;
    const other = fixtures.find((x) => x.message.type !== name)!.wire;
    const mutate = (fn: (b: Uint8Array) => void) => {
      const b = new Uint8Array(good);
      fn(b);
      return b;
    };
    const withLength = (b: Uint8Array, n: number) => {
      b[0] = n >> 8;
      b[1] = n & 0xff;
    };
    test(`${name}: every short prefix is truncated`, () => {
      for (let n = 0; n < good.length; n++) {
        const r = reason(decode(good.subarray(0, n)));
        // Below the header nothing can be read; above it the Length field claims more than given.
        assert.equal(r, PptpDecodeReason.Truncated, `prefix of ${n} octets`);
      }
    });
    test(`${name}: oversized (trailing octets) is a length mismatch`, () => {
      const big = new Uint8Array(good.length + 4);
      big.set(good);
      assert.equal(reason(decode(big)), PptpDecodeReason.LengthMismatch);
    });
    test(`${name}: Length field below the header size`, () => {
      assert.equal(reason(decode(mutate((b) => withLength(b, 11)))), PptpDecodeReason.BadLength);
      assert.equal(reason(decode(mutate((b) => withLength(b, 0)))), PptpDecodeReason.BadLength);
    });
    test(`${name}: a consistent Length that is not the type's size`, () => {
      const big = new Uint8Array(good.length + 4);
      big.set(good);
      withLength(big, big.length);
      assert.equal(reason(decode(big)), PptpDecodeReason.WrongLengthForType);
      const small = new Uint8Array(good.subarray(0, good.length - 2));
      withLength(small, small.length);
      assert.equal(reason(decode(small)), PptpDecodeReason.WrongLengthForType);
    });
    test(`${name}: PPTP Message Type other than Control`, () => {
      assert.equal(reason(decode(mutate((b) => (b[3] = 2)))), PptpDecodeReason.NotControlMessage);
      assert.equal(reason(decode(mutate((b) => (b[2] = 1)))), PptpDecodeReason.NotControlMessage);
    });
    test(`${name}: bad Magic Cookie`, () => {
      assert.equal(reason(decode(mutate((b) => (b[7] = 0x4c)))), PptpDecodeReason.BadMagicCookie);
      assert.equal(reason(decode(mutate((b) => b.fill(0, 4, 8)))), PptpDecodeReason.BadMagicCookie);
    });
    test(`${name}: unknown Control Message Types`, () => {
      for (const t of [0, 16, 0x100, 0xffff]) {
        assert.equal(reason(decode(mutate((b) => ((b[8] = t >> 8), (b[9] = t & 0xff))))), PptpDecodeReason.UnknownMessageType, `type ${t}`);
      }
    });
    test(`${name}: another message type`, () => {
      assert.equal(reason(decode(other)), PptpDecodeReason.UnexpectedMessageType);
    });
  }
});

describe('decodeControlMessage', () => {
  test('a message inside a larger buffer (subarray with an offset) decodes', () => {
    const f = fixtures[0]!;
    const big = new Uint8Array(f.wire.length + 10);
    big.set(f.wire, 7);
    assert.deepEqual(decodeControlMessage(big.subarray(7, 7 + f.wire.length)), f.message);
  });

  test('Reserved0 non-zero is ignored on receipt', () => {
    const w = new Uint8Array(fixtures[0]!.wire);
    w[10] = 0xff;
    assert.deepEqual(decodeControlMessage(w), fixtures[0]!.message);
  });

  test('strings decode leniently: stop at the first NUL, latin1 octets survive', () => {
    const wire = bytes(hdr(156, 1), '0100', '0000', u32(1), u32(1), u16(0), u16(1),
      '41424300' + 'ff'.repeat(60), // "ABC", NUL, then garbage
      Buffer.from('x'.repeat(64)).toString('hex')); // exactly 64 octets, no NUL at all
    const m = codec.decodeSccrq(wire);
    assert.ok(!isDecodeError(m));
    assert.equal(m.hostName, 'ABC');
    assert.equal(m.vendorString, 'x'.repeat(64));
    const hi = bytes(hdr(156, 1), '0100', '0000', u32(1), u32(1), u16(0), u16(1), str('\u00e9t\u00e9', 64), str('', 64));
    const m2 = codec.decodeSccrq(hi);
    assert.ok(!isDecodeError(m2));
    assert.equal(m2.hostName, '\u00e9t\u00e9');
    assert.equal(hex(codec.encodeSccrq(m2)), hex(hi));
  });

  test('encoding a string longer than its field cuts it to the field width', () => {
    const m = { ...(fixtures[0]!.message as codec.Sccrq), hostName: 'h'.repeat(100) };
    const d = codec.decodeSccrq(codec.encodeSccrq(m));
    assert.ok(!isDecodeError(d));
    assert.equal(d.hostName, 'h'.repeat(64));
  });

  test('every Control Message Type has a fixture and an exact size', () => {
    for (const name of Object.keys(ControlMessageType) as ControlMessageName[]) {
      assert.ok(fixtures.some((f) => f.message.type === name), name);
      assert.equal(reason(decodeAs(name, new Uint8Array(0))), PptpDecodeReason.Truncated);
    }
  });
});
