import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { AuthChain } from '../../../../auth-plugins/chain.js';
import { ChapSecretsPlugin, chapSecretsOptions, type ChapSecretsOptions } from '../../../../auth-plugins/chap-secrets/plugin.js';
import { createRewriteDomain } from '../../../../auth-plugins/rewrite-domain/plugin.js';
import { PptpdError } from '../../../../server/errors.js';
import { chapMd5, memoryLog, mschapV1, mschapV2, pap, request } from '../fixtures.js';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pptpd-chap-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function options(file: string, extra: Partial<ChapSecretsOptions> = {}): ChapSecretsOptions {
  return chapSecretsOptions.parse({ file, watch: false, ...extra });
}

/** Waits for a promise, failing the test after `ms` instead of hanging. */
async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
  }
}

const FILE = [
  '# client        server  secret          addresses',
  'alice           pptpd   alice-pw        10.8.0.20',
  'bob             *       "bob pw"        *',
  'carol           pptpd   carol-pw        -',
  'dave            pptpd   dave-pw',
  'erin            pptpd   @login          *',
  'frank           pptpd   ""              *',
  'CORP\\\\alice   pptpd   corp-alice-pw   10.8.0.0/24',
  '*               pptpd   guest-pw        *',
  '',
].join('\n');

test('answers with the entry secret; Framed-IP-Address from a single address; pppd address rules', async () => {
  await withDir(async (dir) => {
    const file = path.join(dir, 'chap-secrets');
    await writeFile(file, FILE);
    const p = new ChapSecretsPlugin(options(file, { sessionTimeout: 3600, class: ['gold'] }));
    await p.init();
    const ctx = { signal: new AbortController().signal, logger: pino({ level: 'silent' }) };
    const a = await p.handle(request(pap('x'), { peerName: 'alice' }), ctx);
    assert.equal(a.type, 'secret');
    if (a.type === 'secret') {
      assert.deepEqual(a.secret, { kind: 'cleartext', password: 'alice-pw' });
      assert.equal(a.attributes?.framedIpAddress, '10.8.0.20');
      assert.equal(a.attributes?.sessionTimeout, 3600);
      assert.deepEqual(a.attributes?.class, [Buffer.from('gold')]);
      assert.equal(a.source, `${file}:2`);
    }
    const b = await p.handle(request(pap('x'), { peerName: 'bob', serverName: 'elsewhere' }), ctx);
    assert.equal(b.type === 'secret' && b.secret.kind === 'cleartext' && b.secret.password, 'bob pw');
    assert.equal(b.type === 'secret' && b.attributes?.framedIpAddress, undefined);
    const c = await p.handle(request(pap('x'), { peerName: 'carol' }), ctx);
    assert.equal(c.type, 'reject', '- allows no address');
    const d = await p.handle(request(pap('x'), { peerName: 'dave' }), ctx);
    assert.equal(d.type, 'reject', 'no address column allows no address (pppd)');
    const e = await p.handle(request(pap('x'), { peerName: 'erin' }), ctx);
    assert.equal(e.type, 'pass', '@login is not supported');
    const f = await p.handle(request(pap('anything'), { peerName: 'frank' }), ctx);
    assert.equal(f.type, 'pass', 'an empty secret never accepts any PAP password');
    const f2 = await p.handle(request(chapMd5(''), { peerName: 'frank' }), ctx);
    assert.equal(f2.type, 'secret', 'CHAP with an empty secret is just a short secret');
    const g = await p.handle(request(pap('x'), { peerName: 'zed' }), ctx);
    assert.equal(g.type === 'secret' && g.secret.kind === 'cleartext' && g.secret.password, 'guest-pw', 'the * line');
    const h = await p.handle(request(pap('x'), { peerName: 'zed', serverName: 'other' }), ctx);
    assert.deepEqual(h, { type: 'pass', reason: 'no secret for zed on other' });

    const lenient = new ChapSecretsPlugin(options(file, { emptyAddressList: 'any', serverName: 'pptpd' }));
    await lenient.init();
    const d2 = await lenient.handle(request(pap('x'), { peerName: 'dave', serverName: 'ignored' }), ctx);
    assert.equal(d2.type, 'secret');
  });
});

test('through the chain: PAP, CHAP-MD5, MS-CHAPv1 and v2 against the file', async () => {
  await withDir(async (dir) => {
    const file = path.join(dir, 'chap-secrets');
    await writeFile(file, FILE);
    const chain = new AuthChain({ entries: [new ChapSecretsPlugin(options(file))], throttle: false });
    await chain.init();
    for (const creds of [pap('alice-pw'), chapMd5('alice-pw'), mschapV1('alice-pw'), mschapV2('alice', 'alice-pw')]) {
      const r = await chain.authenticate(request(creds, { peerName: 'alice' }));
      assert.equal(r.verdict, 'accept', creds.method);
      assert.equal(r.verdict === 'accept' && r.attributes.framedIpAddress, '10.8.0.20');
    }
    for (const creds of [pap('alice-pw '), chapMd5('Alice-pw'), mschapV1('x'), mschapV2('alice', 'bob pw')]) {
      const r = await chain.authenticate(request(creds, { peerName: 'alice' }));
      assert.equal(r.verdict, 'reject', creds.method);
    }
    await chain.close();
  });
});

test('CORP\\alice: against a `CORP\\\\alice` line as sent, and against `alice` with the rewriter', async () => {
  await withDir(async (dir) => {
    const file = path.join(dir, 'chap-secrets');
    await writeFile(file, FILE);
    const creds = mschapV2('CORP\\alice', 'corp-alice-pw');
    // No rewriter: the lookup name is the name as sent; the hash still uses `alice`.
    const plain = new AuthChain({ entries: [new ChapSecretsPlugin(options(file))], throttle: false });
    await plain.init();
    const r1 = await plain.authenticate(request(creds, { peerName: 'CORP\\alice' }));
    assert.equal(r1.verdict, 'accept');
    assert.equal(r1.verdict === 'accept' && r1.userName, 'CORP\\alice');
    assert.equal(r1.verdict === 'accept' && r1.attributes.framedIpAddress, undefined, 'a subnet is not a static address');

    // With the rewriter the lookup is `alice` (line 2): same hash input, alice's secret.
    const strip = createRewriteDomain({ mode: 'strip', forms: ['netbios', 'upn'], realms: {}, unknownRealm: 'continue' });
    const rewritten = new AuthChain({ entries: [strip, new ChapSecretsPlugin(options(file))], throttle: false });
    await rewritten.init();
    const creds2 = mschapV2('CORP\\alice', 'alice-pw');
    const r2 = await rewritten.authenticate(request(creds2, { peerName: 'CORP\\alice' }));
    assert.equal(r2.verdict, 'accept');
    assert.equal(r2.verdict === 'accept' && r2.userName, 'alice');
    assert.equal(r2.verdict === 'accept' && r2.attributes.framedIpAddress, '10.8.0.20');
    // The CORP\\alice line's password is not alice's.
    const r3 = await rewritten.authenticate(request(creds, { peerName: 'CORP\\alice' }));
    assert.equal(r3.verdict, 'reject');
    await plain.close();
    await rewritten.close();
  });
});

test('reload(): a broken file keeps the previous table and logs file:line, never the secret', async () => {
  await withDir(async (dir) => {
    const file = path.join(dir, 'chap-secrets');
    await writeFile(file, 'alice pptpd first-pw *\n');
    const log = memoryLog();
    const p = new ChapSecretsPlugin(options(file), 'chap-secrets', pino({ level: 'debug' }, log.stream));
    const chain = new AuthChain({ entries: [p], throttle: false });
    await chain.init();
    assert.equal(p.generation, 1);

    await writeFile(file, 'alice pptpd second-pw *\nbob pptpd\n'); // line 2: no secret column
    const bad = await p.reload();
    assert.equal(bad.ok, false);
    assert.equal(bad.errors[0]?.line, 2);
    assert.equal(p.generation, 1);
    const still = await chain.authenticate(request(pap('first-pw'), { peerName: 'alice' }));
    assert.equal(still.verdict, 'accept', 'the old table still answers');
    const all = log.lines.join('');
    assert.match(all, /"line":2/);
    assert.match(all, new RegExp(`"file":"${file.replace(/[/\\.]/g, '\\$&')}"`));
    assert.doesNotMatch(all, /second-pw|first-pw/);

    await writeFile(file, 'alice pptpd second-pw *\n');
    const good = await p.reload();
    assert.equal(good.ok, true);
    assert.equal(p.generation, 2);
    assert.equal((await chain.authenticate(request(pap('second-pw'), { peerName: 'alice' }))).verdict, 'accept');
    assert.equal((await chain.authenticate(request(pap('first-pw'), { peerName: 'alice' }))).verdict, 'reject');

    await rm(file);
    const gone = await p.reload();
    assert.equal(gone.ok, false);
    assert.equal(gone.ioError, 'ENOENT');
    assert.equal((await chain.authenticate(request(pap('second-pw'), { peerName: 'alice' }))).verdict, 'accept');
    await chain.close();
  });
});

test('the file is reloaded when it changes on disk (write and rename-over), debounced', async () => {
  await withDir(async (dir) => {
    const file = path.join(dir, 'chap-secrets');
    await writeFile(file, 'alice pptpd one *\n');
    const p = new ChapSecretsPlugin(chapSecretsOptions.parse({ file, watch: true, debounceMs: 30 }));
    await p.init();
    try {
      const ctx = { signal: new AbortController().signal, logger: pino({ level: 'silent' }) };
      let next = p.nextReload();
      await writeFile(file, 'alice pptpd two *\n');
      assert.equal((await within(next, 3_000, 'reload after write')).ok, true);
      const two = await p.handle(request(pap('x'), { peerName: 'alice' }), ctx);
      assert.equal(two.type === 'secret' && two.secret.kind === 'cleartext' && two.secret.password, 'two');

      next = p.nextReload();
      await writeFile(path.join(dir, 'chap-secrets.new'), 'alice pptpd three *\n');
      await rename(path.join(dir, 'chap-secrets.new'), file);
      assert.equal((await within(next, 3_000, 'reload after rename')).ok, true);
      const three = await p.handle(request(pap('x'), { peerName: 'alice' }), ctx);
      assert.equal(three.type === 'secret' && three.secret.kind === 'cleartext' && three.secret.password, 'three');
      const gen = p.generation;

      // A broken write on disk keeps "three".
      next = p.nextReload();
      await writeFile(file, 'alice\n');
      assert.equal((await within(next, 3_000, 'reload after broken write')).ok, false);
      assert.equal(p.generation, gen);
      const kept = await p.handle(request(pap('x'), { peerName: 'alice' }), ctx);
      assert.equal(kept.type === 'secret' && kept.secret.kind === 'cleartext' && kept.secret.password, 'three');
    } finally {
      p.close();
    }
  });
});

test('init(): a missing or broken file stops start-up with a clear error', async () => {
  await withDir(async (dir) => {
    const missing = new ChapSecretsPlugin(options(path.join(dir, 'nope')));
    await assert.rejects(missing.init(), (e: unknown) => e instanceof PptpdError && e.code === 'PPTPD_ERR_CONFIG_IO' && /ENOENT/.test(e.message));
    const file = path.join(dir, 'chap-secrets');
    await writeFile(file, 'alice pptpd s3cr3t-value *\nbob\n');
    const broken = new ChapSecretsPlugin(options(file));
    await assert.rejects(
      broken.init(),
      (e: unknown) => e instanceof PptpdError && e.message.startsWith(`${file}:2:`) && !e.message.includes('s3cr3t-value'),
    );
  });
});

test('the address column goes with the accept as allowedAddresses (absent for *); a line allowing nothing rejects', async () => {
  await withDir(async (dir) => {
    const file = path.join(dir, 'chap-secrets');
    await writeFile(
      file,
      ['net  pptpd  pw  10.8.0.0/28 !10.8.0.5', 'any  pptpd  pw  *', 'only-excl  pptpd  pw  !10.8.0.5', 'multi pptpd pw 10.8.0.9 10.8.0.10', ''].join('\n'),
    );
    const p = new ChapSecretsPlugin(options(file));
    await p.init();
    const ctx = { signal: new AbortController().signal, logger: pino({ level: 'silent' }) };
    const net = await p.handle(request(pap('pw'), { peerName: 'net' }), ctx);
    assert.ok(net.type === 'secret');
    const rule = net.attributes?.allowedAddresses;
    assert.equal(rule?.text, '10.8.0.0/28 !10.8.0.5');
    assert.equal(rule?.source, `${file}:1`);
    assert.equal(net.attributes?.framedIpAddress, undefined, 'a subnet is not a static address');
    const any = await p.handle(request(pap('pw'), { peerName: 'any' }), ctx);
    assert.ok(any.type === 'secret');
    assert.equal(any.attributes?.allowedAddresses, undefined, '* restricts nothing');
    const excl = await p.handle(request(pap('pw'), { peerName: 'only-excl' }), ctx);
    assert.equal(excl.type, 'reject', 'exclusions alone allow no address');
    const multi = await p.handle(request(pap('pw'), { peerName: 'multi' }), ctx);
    assert.ok(multi.type === 'secret');
    assert.equal(multi.attributes?.framedIpAddress, '10.8.0.9');
    assert.equal(multi.attributes?.allowedAddresses?.matches.length, 2);
  });
});

test('host names in the address column are resolved when the file is loaded; one that does not resolve is logged', async () => {
  await withDir(async (dir) => {
    const file = path.join(dir, 'chap-secrets');
    // localhost resolves through /etc/hosts; *.invalid never resolves (RFC 6761).
    await writeFile(file, 'h  pptpd  pw  localhost 10.8.0.0/24\nx  pptpd  pw  10.8.0.0/24 !gone.invalid\n');
    const log = memoryLog();
    const p = new ChapSecretsPlugin(options(file), 'chap-secrets', pino({ level: 'info' }, log.stream));
    await within(p.init(), 15_000, 'init with host names');
    const ctx = { signal: new AbortController().signal, logger: pino({ level: 'silent' }) };
    const h = await p.handle(request(pap('pw'), { peerName: 'h' }), ctx);
    assert.ok(h.type === 'secret');
    assert.deepEqual(h.attributes?.allowedAddresses?.matches[0], { permit: true, base: 0x7f000001, mask: 0xffffffff });
    const x = await p.handle(request(pap('pw'), { peerName: 'x' }), ctx);
    assert.equal(x.type, 'reject', 'an exclusion that does not resolve allows nothing');
    assert.ok(log.lines.some((l) => /host name .{0,2}gone\.invalid.{0,2} does not resolve.*allow no address/.test(l)), log.lines.join(''));
  });
});
