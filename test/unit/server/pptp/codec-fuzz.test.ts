// Bounded random fuzz (mqtt-packet testRandom style, seeded so failures replay):
// random and mutated inputs must never make a decoder throw, and whatever decodes
// must re-encode to the same octets (modulo ignored fields) and decode again equal.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeControlMessage, decodeAs, encodeControlMessage } from '../../../../server/pptp/codec.js';
import { ControlMessageType, type ControlMessageName } from '../../../../server/pptp/constants.js';
import { ControlFramer } from '../../../../server/pptp/framer.js';
import { isDecodeError } from '../../../../server/errors.js';
import { fixtures } from './fixtures.js';

const ROUNDS = 20_000;

/** mulberry32: a tiny seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mutated(rand: () => number, base: Uint8Array): Uint8Array {
  const r = rand();
  if (r < 0.15) {
    // pure random, any length up to 300
    const b = new Uint8Array(Math.floor(rand() * 300));
    for (let i = 0; i < b.length; i++) b[i] = Math.floor(rand() * 256);
    return b;
  }
  let b = new Uint8Array(base);
  if (r < 0.3) b = b.subarray(0, Math.floor(rand() * b.length)); // truncate
  else if (r < 0.4) {
    const bigger = new Uint8Array(b.length + 1 + Math.floor(rand() * 40));
    bigger.set(b);
    b = bigger;
  }
  const flips = 1 + Math.floor(rand() * 4);
  for (let i = 0; i < flips && b.length > 0; i++) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
  // keep the header plausible half the time, so the field readers get exercised
  if (rand() < 0.5 && b.length >= 12) {
    b[0] = b.length >> 8;
    b[1] = b.length & 0xff;
    b.set([0, 1, 0x1a, 0x2b, 0x3c, 0x4d], 2);
  }
  return b;
}

for (const name of Object.keys(ControlMessageType) as ControlMessageName[]) {
  test(`fuzz: decodeAs('${name}') never throws on ${ROUNDS} random/mutated inputs`, () => {
    const rand = prng(0x5eed + ControlMessageType[name]);
    const base = fixtures.find((f) => f.message.type === name)!.wire;
    let decoded = 0;
    for (let i = 0; i < ROUNDS; i++) {
      const input = mutated(rand, base);
      const m = decodeAs(name, input);
      if (isDecodeError(m)) continue;
      decoded++;
      // A decoded value must survive encode → decode unchanged.
      assert.deepEqual(decodeControlMessage(encodeControlMessage(m)), m);
    }
    assert.ok(decoded > 0, 'some mutations should still decode');
  });
}

test(`fuzz: the framer never throws, never buffers more than its cap`, () => {
  const rand = prng(42);
  const wires = fixtures.map((f) => f.wire);
  let messages = 0;
  let fatals = 0;
  for (let i = 0; i < ROUNDS / 10; i++) {
    const fr = new ControlFramer();
    const stream = Buffer.concat(Array.from({ length: 1 + Math.floor(rand() * 5) }, () => mutated(rand, wires[Math.floor(rand() * wires.length)]!)));
    let off = 0;
    while (off < stream.length) {
      const n = 1 + Math.floor(rand() * 64);
      for (const item of fr.push(stream.subarray(off, off + n))) {
        if (isDecodeError(item)) fatals++;
        else {
          messages++;
          decodeControlMessage(item);
        }
      }
      assert.ok(fr.buffered <= fr.maxMessageLength);
      off += n;
    }
  }
  assert.ok(messages > 0 && fatals > 0);
});
