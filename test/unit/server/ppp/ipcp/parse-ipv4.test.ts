import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIPv4 } from '../../../../../server/ppp/ipcp/options.js';
import { ipv4FromString } from '../../../../../server/gre/ipv4.js';

/** The straightforward reading of the rule (split, a regex per part), to check the scanner against. */
function reference(s: string): number | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return null;
    n = n * 256 + Number(p);
  }
  return n;
}

test('parseIPv4: dotted quads to numbers', () => {
  assert.equal(parseIPv4('0.0.0.0'), 0);
  assert.equal(parseIPv4('10.0.0.1'), 0x0a000001);
  assert.equal(parseIPv4('192.168.1.200'), 0xc0a801c8);
  assert.equal(parseIPv4('255.255.255.255'), 0xffffffff);
  assert.equal(parseIPv4('010.001.000.009'), 0x0a010009);
});

test('parseIPv4: anything else is null', () => {
  for (const s of ['', '1.2.3', '1.2.3.4.5', '1.2.3.256', '256.1.1.1', '1..2.3', '.1.2.3', '1.2.3.', '1.2.3.4 ',
    ' 1.2.3.4', '1.2.3.0004', '1.2.3.-4', '1.2.3.x', '::1', '1.2.3.4\n', '١.2.3.4', '1e2.1.1.1', '+1.2.3.4']) {
    assert.equal(parseIPv4(s), null, JSON.stringify(s));
  }
});

test('parseIPv4 and ipv4FromString agree with the split-and-regex reference on random strings', () => {
  const alphabet = '0123456789..........x 5-';
  let seed = 12345;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  let valid = 0;
  for (let i = 0; i < 20_000; i++) {
    let s = '';
    if (i % 2 === 0) {
      // Mostly well-formed quads with occasional out-of-range or over-long parts.
      s = Array.from({ length: 4 }, () => String(rnd(300)).padStart(rnd(4), '0')).join('.');
    } else {
      const len = rnd(18);
      for (let j = 0; j < len; j++) s += alphabet[rnd(alphabet.length)];
    }
    const want = reference(s);
    if (want !== null) valid++;
    assert.equal(parseIPv4(s), want, JSON.stringify(s));
    assert.equal(ipv4FromString(s) ?? null, want, JSON.stringify(s));
  }
  assert.ok(valid > 2_000, `only ${valid} valid samples`);
});
