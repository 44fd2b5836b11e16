// Names from the wire are octets: valid UTF-8 reads as UTF-8, anything else as Latin-1
// (every byte kept), and nothing ever throws (issue 12: odd names).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeText, printable } from '../../../../../server/ppp/auth/text.js';

test('invalid UTF-8 is read as Latin-1, byte for byte; valid UTF-8 as UTF-8; NUL and newline kept as data', () => {
  const bad = Buffer.from([0x61, 0xff, 0xfe, 0xc3, 0x28, 0x00, 0x0a, 0x62]);
  const s = decodeText(bad);
  assert.equal(Buffer.from(s, 'latin1').equals(bad), true);
  assert.equal(decodeText(Buffer.from('josé', 'utf8')), 'josé');
  assert.equal(decodeText(Buffer.from('a\0b\nc')), 'a\0b\nc');
  assert.equal(printable(bad), 'a???(??b');
});

test('fuzz: 10 000 random names decode and print without throwing', () => {
  for (let i = 0; i < 10_000; i++) {
    const b = Buffer.from(Array.from({ length: i % 300 }, (_, k) => (k * 131 + i * 17) & 0xff));
    const s = decodeText(b);
    assert.equal(typeof s, 'string');
    assert.doesNotMatch(printable(b), /[\x00-\x1f\x7f]/);
  }
});
