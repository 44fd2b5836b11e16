// gre-socket.ts: IPv4 text <-> host-order integer (used for every destination and source).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatIPv4, parseIPv4 } from '../../../../server/dataplane/gre-socket.js';
import { PptpdError } from '../../../../server/errors.js';

describe('parseIPv4 / formatIPv4', () => {
  it('maps dotted quads to host-order integers and back', () => {
    for (const [text, n] of [['10.0.0.1', 0x0a000001], ['0.0.0.0', 0], ['255.255.255.255', 0xffffffff], ['192.168.1.200', 0xc0a801c8]] as const) {
      assert.equal(parseIPv4(text), n);
      assert.equal(formatIPv4(n), text);
    }
  });
  it('refuses anything else', () => {
    for (const bad of ['', '10.0.0', '10.0.0.1.2', '256.0.0.1', '10.0.0.-1', '1e1.0.0.1', ' 10.0.0.1', '10..0.1']) {
      assert.throws(() => parseIPv4(bad), PptpdError, bad);
    }
  });
});
