// `pptpd-ts test-auth USER [--method mschapv2|mschapv1|chap|pap]`: what
// radtest is for RADIUS, for our whole auth chain. It builds the chain from
// the configuration (-c YAML, --pptpd-conf, or the embedded default), reads
// the password (stdin, or a prompt without echo on a terminal), plays the
// client's side of the method (random challenges, responses from
// server/crypto), runs the chain once, and prints each plugin's verdict (read
// back from the attempt's spans) and what an accept carries. On an MS-CHAP
// accept it also checks what a client would: the MS-CHAPv2 authenticator
// response and that the MPPE keys match the client's own derivation. Keys,
// hashes and the password are never printed.
//
// Exit status: 0 accepted (and the client-side checks hold), 1 rejected,
// 2 usage or configuration error.

import { randomBytes } from 'node:crypto';
import { Option, type Command } from 'commander';
import { pino, type DestinationStream } from 'pino';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { buildAuthChain } from '../../auth-plugins/build.js';
import type { AuthChain } from '../../auth-plugins/chain.js';
import type { AuthCredentials, AuthMethod, AuthRequest, AuthResult } from '../../auth-plugins/types.js';
import { resolveConfig } from '../../config/resolve.js';
import {
  chapMd5Response,
  generateAuthenticatorResponse,
  generateNtResponse,
  mschapUserName,
  ntChallengeResponse,
  ntPasswordHash,
} from '../crypto/mschap.js';
import { mppeKeysV1, mppeKeysV2 } from '../crypto/mppe-keys.js';
import { ErrorCode, PptpdError } from '../errors.js';
import { describeRule } from '../../config/address-rule.js';

/** CLI method names (pppd's spelling) → the chain's. */
export const TEST_AUTH_METHODS = { mschapv2: 'mschap-v2', mschapv1: 'mschap-v1', chap: 'chap-md5', pap: 'pap' } as const satisfies Record<string, AuthMethod>;
export type TestAuthMethodName = keyof typeof TEST_AUTH_METHODS;

export interface TestAuthOptions {
  method?: string;
  config?: string;
  pptpdConf?: string;
  chapSecrets?: string;
  root?: string;
  peerAddress?: string;
  verbose?: boolean;
  /** Where the chain's log goes (default stderr). */
  logStream?: DestinationStream;
}

export interface TestAuthResult {
  readonly exitCode: 0 | 1 | 2;
  readonly output: string[];
}

/** The whole run as data; the command prints it. */
export async function runTestAuth(user: string, password: string, opts: TestAuthOptions = {}): Promise<TestAuthResult> {
  const methodName = (opts.method ?? 'mschapv2').toLowerCase();
  if (!(methodName in TEST_AUTH_METHODS)) {
    return usage(`test-auth: unknown method "${methodName}" (use ${Object.keys(TEST_AUTH_METHODS).join(', ')})`);
  }
  const method = TEST_AUTH_METHODS[methodName as TestAuthMethodName];
  if (user.length === 0) return usage('test-auth: the user name is empty');

  let config: ReturnType<typeof resolveConfig>['config'];
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const logger = pino({ level: opts.verbose === true ? 'debug' : 'warn', base: { cmd: 'test-auth' } }, opts.logStream ?? pino.destination(2));
  let chain: AuthChain;
  try {
    ({ config } = resolveConfig({
      ...(opts.config !== undefined ? { config: opts.config } : {}),
      ...(opts.pptpdConf !== undefined ? { pptpdConf: opts.pptpdConf } : {}),
      ...(opts.chapSecrets !== undefined ? { chapSecrets: opts.chapSecrets } : {}),
      ...(opts.root !== undefined ? { root: opts.root } : {}),
    }));
    // One attempt: no throttle, so a run never locks anybody out.
    chain = await buildAuthChain({ ...config.auth, throttle: false }, { logger, tracer: provider.getTracer('pptpd-ts test-auth'), where: 'auth' });
  } catch (err) {
    await provider.shutdown();
    if (err instanceof PptpdError) return usage(err.message);
    throw err;
  }

  const client = clientSide(method, user, password);
  const req: AuthRequest = {
    peerName: user,
    userName: user,
    credentials: client.credentials,
    peerAddress: opts.peerAddress ?? '127.0.0.1',
    localAddress: config.listen.address === '0.0.0.0' ? '127.0.0.1' : config.listen.address,
    callId: 0,
    serverName: config.ppp.name,
  };
  const output: string[] = [];
  let result: AuthResult;
  try {
    result = await chain.authenticate(req);
  } finally {
    await chain.close();
  }
  const spans = exporter.getFinishedSpans();
  await provider.shutdown();

  const plugins = chain.plugins.map((p) => p.name);
  output.push(`Sending ${method} for "${user}" (server name ${config.ppp.name}) through ${plugins.join(' → ')}`);
  output.push(...pluginLines(spans));
  const ok = client.check(result);
  output.push(...resultLines(result, ok));
  return { exitCode: result.verdict === 'accept' && ok.every((c) => c.pass) ? 0 : 1, output };
}

interface ClientCheck {
  readonly label: string;
  readonly pass: boolean;
  readonly text: string;
}

/** The client's side of each method, and the checks a real client makes on an accept. */
function clientSide(method: AuthMethod, user: string, password: string): { credentials: AuthCredentials; check(r: AuthResult): ClientCheck[] } {
  const hash = ntPasswordHash(password);
  switch (method) {
    case 'pap':
      return { credentials: { method, password }, check: () => [] };
    case 'chap-md5': {
      const identifier = randomBytes(1)[0]!;
      const challenge = randomBytes(16);
      return { credentials: { method, identifier, challenge, response: chapMd5Response(identifier, password, challenge) }, check: () => [] };
    }
    case 'mschap-v1': {
      const challenge = randomBytes(8); // RFC 2433: the authenticator's 8-octet challenge
      const credentials = { method, challenge, lmResponse: Buffer.alloc(24), ntResponse: ntChallengeResponse(challenge, hash), useNtResponse: true } as const;
      return { credentials, check: (r) => [keysCheck(r, mppeKeysV1(hash, challenge))] };
    }
    case 'mschap-v2': {
      const authenticatorChallenge = randomBytes(16);
      const peerChallenge = randomBytes(16);
      const name = mschapUserName(user); // RFC 2759 §8.2: the name without its domain
      const ntResponse = generateNtResponse(authenticatorChallenge, peerChallenge, name, hash);
      const credentials = { method, authenticatorChallenge, peerChallenge, ntResponse, flags: 0 } as const;
      return {
        credentials,
        check: (r) => {
          if (r.verdict !== 'accept') return [];
          const expected = generateAuthenticatorResponse(hash, ntResponse, peerChallenge, authenticatorChallenge, name);
          const auth: ClientCheck =
            r.authenticatorResponse === undefined
              ? { label: 'Authenticator-Response', pass: false, text: 'missing (a client drops the link)' }
              : r.authenticatorResponse.toUpperCase() === expected
                ? { label: 'Authenticator-Response', pass: true, text: 'valid (RFC 2759 §8.7)' }
                : { label: 'Authenticator-Response', pass: false, text: 'INVALID: the client would drop the link' };
          return [auth, keysCheck(r, mppeKeysV2(hash, ntResponse))];
        },
      };
    }
  }
}

function keysCheck(r: AuthResult, mine: { sendKey: Buffer; recvKey: Buffer }): ClientCheck {
  if (r.verdict !== 'accept') return { label: 'MPPE keys', pass: true, text: '-' };
  const k = r.mppeKeys;
  if (k === undefined) return { label: 'MPPE keys', pass: false, text: 'no (MPPE cannot start)' };
  const same = k.sendKey.equals(mine.sendKey) && k.recvKey.equals(mine.recvKey);
  return { label: 'MPPE keys', pass: same, text: same ? "yes (they match the client's derivation)" : "yes, but they DO NOT match the client's derivation" };
}

/** One line per plugin span, in the order they ran. */
function pluginLines(spans: readonly ReadableSpan[]): string[] {
  const steps = spans
    .filter((s) => typeof s.attributes['pptpd.auth.plugin.name'] === 'string')
    .sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1]);
  if (steps.length === 0) return ['  (no plugin was asked)'];
  return steps.map((s, i) => {
    const a = s.attributes;
    const outcome = String(a['pptpd.auth.plugin.outcome'] ?? '?');
    const details = [
      outcome === 'rewrite' && a['pptpd.auth.plugin.user_name'] !== undefined ? `user name now "${String(a['pptpd.auth.plugin.user_name'])}"` : undefined,
      a['pptpd.auth.plugin.reason'],
      a['pptpd.auth.plugin.source'] !== undefined ? `from ${String(a['pptpd.auth.plugin.source'])}` : undefined,
      s.status.message,
    ].filter((d) => d !== undefined && d !== '');
    const ms = typeof a['pptpd.auth.plugin.latency_ms'] === 'number' ? `${a['pptpd.auth.plugin.latency_ms'].toFixed(1)} ms` : '';
    return `  [${i + 1}] ${String(a['pptpd.auth.plugin.name'])} (${String(a['pptpd.auth.plugin.kind'])}): ${outcome}${details.length > 0 ? ` — ${details.join('; ')}` : ''} [${ms}]`;
  });
}

function resultLines(r: AuthResult, checks: readonly ClientCheck[]): string[] {
  if (r.verdict === 'reject') {
    return [
      `Access-Reject${r.plugin !== undefined ? ` by ${r.plugin}` : ''}: ${r.reason}`,
      ...(r.mschapError !== undefined ? [`  MS-CHAP-Error = ${r.mschapError}`] : []),
      ...(r.replyMessage !== undefined ? [`  Reply-Message = ${JSON.stringify(r.replyMessage)}`] : []),
    ];
  }
  const a = r.attributes;
  const secs = (v: number | undefined): string => (v === undefined ? '-' : `${v} s`);
  const lines = [
    `Access-Accept by ${r.plugin}`,
    `  User-Name = ${JSON.stringify(r.userName)}`,
    ...(checks.some((c) => c.label === 'MPPE keys') ? [] : [`  MPPE keys = ${r.mppeKeys !== undefined ? 'yes' : 'no'}`]),
    ...checks.map((c) => `  ${c.label} = ${c.text}`),
    `  Framed-IP-Address = ${a.framedIpAddress ?? '- (from the pool)'}`,
    ...(a.allowedAddresses !== undefined ? [`  Allowed addresses = ${describeRule(a.allowedAddresses)}`] : []),
    `  Session-Timeout = ${secs(a.sessionTimeout)}`,
    `  Idle-Timeout = ${secs(a.idleTimeout)}`,
    `  Acct-Interim-Interval = ${secs(a.acctInterimInterval)}`,
    `  Class = ${a.class?.length ?? 0} value${a.class?.length === 1 ? '' : 's'}`,
    `  Reply-Message = ${a.replyMessage !== undefined ? JSON.stringify(a.replyMessage) : '-'}`,
  ];
  if (a.mppePolicy !== undefined) lines.push(`  MPPE policy = ${a.mppePolicy.required ? 'required' : 'allowed'}${a.mppePolicy.types !== undefined ? `, types 0x${a.mppePolicy.types.toString(16)}` : ''}`);
  return lines;
}

function usage(message: string): TestAuthResult {
  return { exitCode: 2, output: [message] };
}

/** Longest password line read from a pipe; more is a usage error, not a memory problem. */
const MAX_PASSWORD_BYTES = 4096;

/**
 * The password: the first line of stdin when it is not a terminal (so
 * `echo pw | pptpd-ts test-auth alice` works), else a prompt on stderr with
 * echo off (raw mode: characters are read one by one and never written back).
 */
export async function readPassword(input: NodeJS.ReadStream = process.stdin, prompt: NodeJS.WriteStream = process.stderr): Promise<string> {
  if (input.isTTY !== true) {
    let buf = Buffer.alloc(0);
    for await (const chunk of input) {
      buf = Buffer.concat([buf, chunk as Buffer]);
      if (buf.includes(0x0a) || buf.length > MAX_PASSWORD_BYTES) break;
    }
    const nl = buf.indexOf(0x0a);
    const line = (nl < 0 ? buf : buf.subarray(0, nl)).toString('utf8').replace(/\r$/, '');
    if (line.length > MAX_PASSWORD_BYTES) throw new PptpdError(ErrorCode.AUTH, 'test-auth: the password line is too long');
    return line;
  }
  prompt.write('Password: ');
  input.setRawMode(true);
  input.resume();
  try {
    return await new Promise<string>((resolve, reject) => {
      let typed = '';
      const onData = (data: Buffer): void => {
        for (const ch of data.toString('utf8')) {
          if (ch === '\r' || ch === '\n' || ch === '\u0004') {
            input.off('data', onData);
            resolve(typed);
            return;
          }
          if (ch === '\u0003') {
            input.off('data', onData);
            reject(new PptpdError(ErrorCode.AUTH, 'test-auth: interrupted'));
            return;
          }
          if (ch === '\u007f' || ch === '\b') typed = [...typed].slice(0, -1).join('');
          else typed += ch;
        }
      };
      input.on('data', onData);
    });
  } finally {
    input.setRawMode(false);
    input.pause();
    prompt.write('\n');
  }
}

export function registerTestAuth(program: Command): void {
  program
    .command('test-auth')
    .description("run the auth chain for USER like radtest: each plugin's verdict and what an accept carries (exit 0 accept, 1 reject, 2 usage/config error)")
    .argument('<user>', 'user name as a client sends it, e.g. alice, CORP\\alice, alice@corp.example')
    .addOption(new Option('-m, --method <method>', 'authentication method').choices(Object.keys(TEST_AUTH_METHODS)).default('mschapv2'))
    .option('-c, --config <file>', 'YAML configuration file')
    .option('--pptpd-conf <file>', "PoPToP's pptpd.conf (follows its pppd options file)")
    .option('--chap-secrets <file>', 'chap-secrets file to use instead of the configured one')
    .option('--root <dir>', 'with --pptpd-conf: read absolute paths named inside the files under this directory')
    .option('--peer-address <ip>', 'client address the request claims to come from (Calling-Station-Id)', '127.0.0.1')
    .option('-v, --verbose', 'log the chain at debug level on stderr')
    .addHelpText('after', '\nThe password is read from stdin (first line) or, on a terminal, from a prompt without echo.')
    // Usage errors exit 2 (commander's default is 1, which here means "rejected").
    .exitOverride((err) => {
      process.exit(err.exitCode === 0 ? 0 : 2);
    })
    .action(async (user: string, opts: TestAuthOptions) => {
      let password: string;
      try {
        password = await readPassword();
      } catch (err) {
        process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode = 2;
        return;
      }
      const r = await runTestAuth(user, password, opts);
      (r.exitCode === 2 ? process.stderr : process.stdout).write(r.output.map((l) => `${l}\n`).join(''));
      process.exitCode = r.exitCode;
    });
}
