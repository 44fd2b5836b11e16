import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ControlFramer, DEFAULT_MAX_MESSAGE_LENGTH } from '../../../../server/pptp/framer.js';
import { PptpDecodeReason } from '../../../../server/pptp/codec.js';
import { isDecodeError, type DecodeError } from '../../../../server/errors.js';
import { fixtures } from './fixtures.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const sccrq = fixtures[0]!.wire;
const echo = fixtures.find((f) => f.message.type === 'EchoRequest')!.wire;
const ocrq = fixtures.find((f) => f.message.type === 'OCRQ')!.wire;
const stream = Buffer.concat([sccrq, echo, ocrq]);

function feed(fr: ControlFramer, chunks: Uint8Array[]): Array<Uint8Array | DecodeError> {
  return chunks.flatMap((c) => fr.push(c));
}

test('whole messages in one chunk come out as subarrays of it (no copy)', () => {
  const fr = new ControlFramer();
  const out = fr.push(stream);
  assert.equal(out.length, 3);
  assert.deepEqual(out.map((m) => hex(m as Uint8Array)), [hex(sccrq), hex(echo), hex(ocrq)]);
  for (const m of out) assert.equal((m as Uint8Array).buffer, stream.buffer);
  assert.equal(fr.buffered, 0);
});

test('one octet at a time gives the same messages', () => {
  const fr = new ControlFramer();
  const out = feed(fr, [...stream].map((b) => Uint8Array.of(b)));
  assert.deepEqual(out.map((m) => hex(m as Uint8Array)), [hex(sccrq), hex(echo), hex(ocrq)]);
});

test('every split point of the stream into two chunks gives the same messages', () => {
  for (let cut = 0; cut <= stream.length; cut++) {
    const fr = new ControlFramer();
    const out = feed(fr, [stream.subarray(0, cut), stream.subarray(cut)]);
    assert.deepEqual(out.map((m) => hex(m as Uint8Array)), [hex(sccrq), hex(echo), hex(ocrq)], `cut at ${cut}`);
    assert.equal(fr.buffered, 0);
  }
});

test('a partial message is held (bounded) until the rest arrives', () => {
  const fr = new ControlFramer();
  assert.deepEqual(fr.push(sccrq.subarray(0, 100)), []);
  assert.equal(fr.buffered, 100);
  const out = fr.push(sccrq.subarray(100));
  assert.equal(hex(out[0] as Uint8Array), hex(sccrq));
  assert.equal(fr.buffered, 0);
});

function fatalOf(out: Array<Uint8Array | DecodeError>): string | undefined {
  const last = out.at(-1);
  return isDecodeError(last) ? last.reason : undefined;
}

test('a bad Magic Cookie is fatal, and stays fatal', () => {
  const bad = new Uint8Array(echo);
  bad[5] = 0;
  const fr = new ControlFramer();
  const out = fr.push(Buffer.concat([sccrq, bad, echo]));
  assert.equal(out.length, 2);
  assert.equal(hex(out[0] as Uint8Array), hex(sccrq));
  assert.equal(fatalOf(out), PptpDecodeReason.BadMagicCookie);
  assert.equal(fatalOf(fr.push(echo)), PptpDecodeReason.BadMagicCookie);
  assert.equal(fr.error?.reason, PptpDecodeReason.BadMagicCookie);
});

test('a bad Magic Cookie split across chunks is caught once 8 octets are in', () => {
  const bad = new Uint8Array(echo);
  bad[7] = 0;
  const fr = new ControlFramer();
  assert.deepEqual(fr.push(bad.subarray(0, 5)), []);
  assert.equal(fatalOf(fr.push(bad.subarray(5, 9))), PptpDecodeReason.BadMagicCookie);
});

test('an absurd Length is fatal: above the cap, or below the header size', () => {
  for (const len of [DEFAULT_MAX_MESSAGE_LENGTH + 1, 0xffff, 11, 0]) {
    const b = new Uint8Array(echo);
    b[0] = len >> 8;
    b[1] = len & 0xff;
    assert.equal(fatalOf(new ControlFramer().push(b)), PptpDecodeReason.BadLength, `Length ${len}`);
  }
});

test('the cap is configurable: the largest message (ICRQ, 220) passes a 220 cap, 221 does not', () => {
  const icrq = fixtures.find((f) => f.message.type === 'ICRQ')!.wire;
  const fr = new ControlFramer({ maxMessageLength: 220 });
  assert.equal(hex(fr.push(icrq)[0] as Uint8Array), hex(icrq));
  const big = new Uint8Array(221);
  big.set(icrq.subarray(0, 12));
  big[0] = 0;
  big[1] = 221;
  assert.equal(fatalOf(new ControlFramer({ maxMessageLength: 220 }).push(big)), PptpDecodeReason.BadLength);
});

test('framing does not judge the message type: a Management message is framed and left to the decoder', () => {
  const b = new Uint8Array(echo);
  b[3] = 2;
  const out = new ControlFramer().push(b);
  assert.equal(out.length, 1);
  assert.ok(!isDecodeError(out[0]));
});

test('an empty chunk is harmless', () => {
  const fr = new ControlFramer();
  assert.deepEqual(fr.push(new Uint8Array(0)), []);
  fr.push(sccrq.subarray(0, 3));
  assert.deepEqual(fr.push(new Uint8Array(0)), []);
  assert.equal(fr.buffered, 3);
});
