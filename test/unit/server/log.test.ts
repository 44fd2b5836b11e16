// FieldLogger: the lines a pino child would write (same fields, same messages), without a
// child per session; nothing below the level.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { FieldLogger } from '../../../server/log.js';

function capture(level: string) {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  const base = pino({ level, base: null, timestamp: false, redact: { paths: ['password', '*.password'], censor: '[redacted]' } }, stream);
  return { base, lines };
}

const strip = (o: Record<string, unknown>) => ({ ...o });

test('FieldLogger writes what a child logger writes: fields, object fields, message, interpolation', () => {
  const a = capture('debug');
  const b = capture('debug');
  const child = a.base.child({ sid: 's1', callId: 7, peer: '10.0.0.2' });
  const fl = new FieldLogger(b.base, { sid: 's1', callId: 7, peer: '10.0.0.2' });
  for (const l of [child, fl]) {
    l.info('plain message');
    l.warn({ reason: 'x', n: 3 }, 'with fields');
    l.debug({ phase: 'network' }, 'PPP phase');
    l.error('count %d of %s', 5, 'ten');
    l.info({ password: 'hunter2' }, 'redacted');
  }
  assert.equal(a.lines.length, 5);
  assert.deepEqual(b.lines.map(strip), a.lines.map(strip));
  assert.equal(b.lines[4]?.['password'], '[redacted]');
});

test('FieldLogger.with adds fields; a line field of the same name wins; below the level nothing is written', () => {
  const c = capture('info');
  const fl = new FieldLogger(c.base, { sid: 's1' });
  const u = fl.with({ user: 'alice' });
  u.debug('not written');
  u.info('up');
  u.info({ user: 'bob' }, 'override');
  fl.info('no user');
  const e = new Error('boom');
  fl.error(e, 'failed');
  assert.equal(c.lines.length, 4);
  assert.deepEqual([c.lines[0]?.['sid'], c.lines[0]?.['user'], c.lines[0]?.['msg']], ['s1', 'alice', 'up']);
  assert.equal(c.lines[1]?.['user'], 'bob');
  assert.equal(c.lines[2]?.['user'], undefined);
  assert.equal((c.lines[3]?.['err'] as { message?: string } | undefined)?.message, 'boom');
});

test('FieldLogger.enabled follows the base logger level', () => {
  const c = capture('warn');
  const fl = new FieldLogger(c.base, { sid: 's1' }).with({ user: 'alice' });
  assert.deepEqual(
    (['debug', 'info', 'warn', 'error'] as const).map((l) => fl.enabled(l)),
    [false, false, true, true],
  );
  c.base.level = 'debug';
  assert.equal(fl.enabled('debug'), true, 'a level change on the base shows at once');
});
