import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  addressBytes, addressString, decodeUtmp, decodeUtmpFile, encodeUtmp, utIdForLine, utmpRecord,
  UtmpOffset, UtmpType, UTMP_SIZE, type UtmpRecord,
} from '../../../../accounting/wtmp/utmp-codec.js';
import { isDecodeError } from '../../../../server/errors.js';

const sample: UtmpRecord = utmpRecord({
  type: UtmpType.USER_PROCESS, pid: 4242, line: 'pptp7', id: 'ptp7', user: 'alice', host: '198.51.100.7',
  session: 0x1234567, tvSec: 1714744800, tvUsec: 250000, addr: '198.51.100.7',
});

test('layout: fields land at the offsets glibc uses on x86_64', () => {
  const b = encodeUtmp(sample);
  assert.equal(b.length, UTMP_SIZE);
  assert.equal(b.readInt16LE(0), 7);
  assert.equal(b.readInt32LE(4), 4242);
  assert.equal(b.subarray(8, 13).toString(), 'pptp7');
  assert.equal(b[13], 0);
  assert.equal(b.subarray(40, 44).toString(), 'ptp7');
  assert.equal(b.subarray(44, 49).toString(), 'alice');
  assert.equal(b.subarray(76, 88).toString(), '198.51.100.7');
  assert.equal(b.readInt32LE(336), 0x1234567);
  assert.equal(b.readInt32LE(340), 1714744800);
  assert.equal(b.readInt32LE(344), 250000);
  assert.deepEqual([...b.subarray(348, 352)], [198, 51, 100, 7]);
  assert.ok(b.subarray(352, 384).every((x) => x === 0));
});

test('layout matches a C program compiled against this machine\'s <utmp.h>', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'utmpc-'));
  try {
    const src = path.join(dir, 'a.c');
    writeFileSync(src, `#include <utmp.h>\n#include <stdio.h>\n#include <stddef.h>\n#define O(f) printf("%zu ", offsetof(struct utmp, f));\nint main(void){printf("%zu ", sizeof(struct utmp));O(ut_type)O(ut_pid)O(ut_line)O(ut_id)O(ut_user)O(ut_host)O(ut_exit)O(ut_session)O(ut_tv)O(ut_addr_v6)return 0;}\n`);
    try {
      execFileSync('cc', ['-o', path.join(dir, 'a'), src], { stdio: 'pipe' });
    } catch {
      t.skip('no C compiler');
      return;
    }
    const got = execFileSync(path.join(dir, 'a')).toString().trim().split(' ').map(Number);
    const o = UtmpOffset;
    assert.deepEqual(got, [UTMP_SIZE, o.type, o.pid, o.line, o.id, o.user, o.host, o.exitTermination, o.session, o.tvSec, o.addrV6]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('round trip: encode → decode → encode is byte-identical', () => {
  const recs: UtmpRecord[] = [
    sample,
    utmpRecord({ type: UtmpType.DEAD_PROCESS, line: 'pptp7', id: 'ptp7', tvSec: 1, exitTermination: -1, exitStatus: 3 }),
    utmpRecord({ type: UtmpType.USER_PROCESS, line: 'x'.repeat(32), id: 'abcd', user: 'u'.repeat(32), host: 'h'.repeat(256), addr: '2001:db8::1' }),
    utmpRecord({ type: UtmpType.BOOT_TIME, user: 'reboot', line: '~', id: '~~', host: '6.1.0', tvSec: -5 }),
    utmpRecord({ type: UtmpType.EMPTY }),
  ];
  for (const r of recs) {
    const b = encodeUtmp(r);
    const d = decodeUtmp(b);
    assert.ok(!isDecodeError(d));
    assert.deepEqual(d, r);
    assert.deepEqual(encodeUtmp(d), b);
  }
});

test('strings: full-width fields have no NUL; long values are cut on a UTF-8 boundary', () => {
  const b = encodeUtmp(utmpRecord({ type: UtmpType.USER_PROCESS, line: 'L'.repeat(40), user: `${'a'.repeat(31)}é` }));
  const d = decodeUtmp(b);
  assert.ok(!isDecodeError(d));
  assert.equal(d.line, 'L'.repeat(32));
  assert.equal(d.user, 'a'.repeat(31)); // "é" is 2 bytes and does not fit
  assert.equal(b[44 + 31], 0);
});

test('addresses: IPv4 in the first word, IPv6 in all four, canonical text back', () => {
  assert.deepEqual([...addressBytes('10.8.0.23')!], [10, 8, 0, 23, ...new Array(12).fill(0)]);
  assert.equal(addressString(addressBytes('2001:0db8:0:0:0:0:0:1')!), '2001:db8::1');
  assert.equal(addressString(addressBytes('::ffff:192.0.2.1')!), '::ffff:c000:201');
  assert.equal(addressString(addressBytes('fe80::1:2')!), 'fe80::1:2');
  assert.equal(addressString(Buffer.alloc(16)), '');
  assert.equal(addressBytes('not-an-ip'), undefined);
  assert.throws(() => encodeUtmp(utmpRecord({ type: UtmpType.USER_PROCESS, addr: 'host.example' })), /not an IP address/);
});

test('ut_id is the last four bytes of the line (login(1) convention)', () => {
  assert.equal(utIdForLine('pptp7'), 'ptp7');
  assert.equal(utIdForLine('pptp12345'), '2345');
  assert.equal(utIdForLine('p1'), 'p1');
});

test('encode rejects values that do not fit the C types', () => {
  assert.throws(() => encodeUtmp({ ...sample, tvSec: 2 ** 31 }), /tvSec/);
  assert.throws(() => encodeUtmp({ ...sample, pid: 1.5 }), /pid/);
  assert.throws(() => encodeUtmp({ ...sample, exitStatus: 40000 }), /exitStatus/);
  assert.throws(() => encodeUtmp(sample, Buffer.alloc(100)), /too small/);
});

test('malformed input: short buffers, bad type, bad usec, partial trailing record', () => {
  assert.ok(isDecodeError(decodeUtmp(Buffer.alloc(383))));
  assert.ok(isDecodeError(decodeUtmp(Buffer.alloc(384), 1)));
  assert.ok(isDecodeError(decodeUtmp(Buffer.alloc(384), -1)));
  const bad = encodeUtmp(sample);
  bad.writeInt16LE(42, 0);
  assert.match((decodeUtmp(bad) as { reason: string }).reason, /ut_type 42/);
  const usec = encodeUtmp(sample);
  usec.writeInt32LE(1_000_000, 344);
  assert.ok(isDecodeError(decodeUtmp(usec)));
  const file = Buffer.concat([encodeUtmp(sample), bad, encodeUtmp(sample), Buffer.alloc(10)]);
  const r = decodeUtmpFile(file);
  assert.deepEqual(r.records.map((x) => x.index), [0, 2]);
  assert.deepEqual(r.errors.map((x) => x.index), [1, 3]);
});

test('bounded random fuzz: decode never throws and never reads outside its record', () => {
  let seed = 12345;
  const rnd = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 16) & 0xff;
  for (let i = 0; i < 2000; i++) {
    const len = i % 3 === 0 ? UTMP_SIZE : (rnd() * 3) % 500;
    const b = Buffer.alloc(len);
    for (let j = 0; j < len; j++) b[j] = rnd();
    if (len >= 2 && i % 2 === 0) b.writeInt16LE(i % 10, 0);
    if (len >= 348 && i % 2 === 0) b.writeInt32LE(i % 1000, 344);
    const d = decodeUtmp(b);
    // Bytes after the record (and before the offset) must not change the verdict.
    const framed = Buffer.concat([Buffer.from([rnd(), rnd()]), b, Buffer.from([rnd(), rnd(), rnd()])]);
    const inFrame = decodeUtmp(framed.subarray(0, 2 + len), 2);
    assert.equal(isDecodeError(inFrame), isDecodeError(d));
    if (!isDecodeError(d)) assert.deepEqual(inFrame, d);
    if (len >= UTMP_SIZE) assert.deepEqual(decodeUtmp(framed, 2), d);
    if (!isDecodeError(d)) assert.deepEqual(encodeUtmp(d).subarray(0, 8), b.subarray(0, 8).fill(0, 2, 4));
  }
});

test('utmpdump (util-linux) reads what we encode', (t) => {
  if (!existsSync('/usr/bin/utmpdump')) return t.skip('utmpdump not installed');
  const dir = mkdtempSync(path.join(tmpdir(), 'utmpdump-'));
  try {
    const f = path.join(dir, 'wtmp');
    writeFileSync(f, encodeUtmp(sample));
    const out = execFileSync('utmpdump', [f], { env: { ...process.env, TZ: 'UTC' }, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
    assert.match(out, /^\[7\] \[04242\] \[ptp7\] \[alice\s*\] \[pptp7\s*\] \[198\.51\.100\.7\s*\] \[198\.51\.100\.7\s*\] \[2024-05-03T14:00:00,250000\+00:00\]$/m);
    // and utmpdump -r writes back the same bytes (its text → binary direction)
    const back = path.join(dir, 'back');
    execFileSync('sh', ['-c', `utmpdump ${f} 2>/dev/null | utmpdump -r -o ${back} 2>/dev/null`], { env: { ...process.env, TZ: 'UTC' } });
    const d = decodeUtmp(readFileSync(back));
    assert.ok(!isDecodeError(d));
    assert.deepEqual({ ...d, session: 0 }, { ...sample, session: 0 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
