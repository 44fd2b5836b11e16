import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { lazyChild } from '../../../auth-plugins/lazy-logger.js';

function capture(level: string): { log: Logger; lines: () => Record<string, unknown>[] } {
  const out: string[] = [];
  const stream = new Writable({ write(chunk, _enc, cb) { out.push(String(chunk)); cb(); } });
  return { log: pino({ level, base: undefined, timestamp: false }, stream), lines: () => out.join('').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

test('lines carry the bindings, exactly as a pino child would write them', () => {
  const { log, lines } = capture('debug');
  const lazy = lazyChild(log, { peerName: 'alice', callId: 7 });
  lazy.info({ ms: 1 }, 'auth accepted');
  lazy.child({ plugin: 'files' }).debug('plugin answered');
  log.child({ peerName: 'alice', callId: 7 }).info({ ms: 1 }, 'auth accepted');
  const [a, b, c] = lines();
  assert.deepEqual(a, { level: 30, peerName: 'alice', callId: 7, ms: 1, msg: 'auth accepted' });
  assert.deepEqual(b, { level: 20, peerName: 'alice', callId: 7, plugin: 'files', msg: 'plugin answered' });
  assert.deepEqual(a, c);
});

test('no child is made while every line is below the level', () => {
  const { log, lines } = capture('warn');
  let made = 0;
  const counting = new Proxy(log, {
    get(t, p, r) {
      if (p === 'child') return (...a: Parameters<Logger['child']>) => { made++; return t.child(...a); };
      return Reflect.get(t, p, r) as unknown;
    },
  });
  const lazy = lazyChild(counting, { peerName: 'bob' });
  lazy.debug('x');
  lazy.info({ a: 1 }, 'y');
  assert.equal(made, 0);
  assert.equal(lazy.isLevelEnabled('info'), false);
  assert.equal(lazy.level, 'warn');
  lazy.warn({ a: 2 }, 'z');
  lazy.error('e');
  assert.equal(made, 1, 'made once, at the first line written');
  assert.deepEqual(lines().map((l) => [l['peerName'], l['msg']]), [['bob', 'z'], ['bob', 'e']]);
});
