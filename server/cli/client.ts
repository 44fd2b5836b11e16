// `pptpd-ts client`: the project's own PPTP client from the command line. Connects to a
// PPTP server (ours or any other), prints what was negotiated, optionally pings through
// the tunnel, then hangs up politely. Exit 0 on success (and, with --ping, at least one
// reply), 1 on failure, 2 on bad usage. Needs root: GRE goes through a raw socket.
import type { Command } from 'commander';
import type { AuthMethod } from '../../auth-plugins/types.js';
import { PptpClient } from '../client/pptp-client.js';
import { ClientError, type ConnectResult, type PingResult } from '../client/types.js';
import type { MppeCcpPolicy, MppeDirection, MppeStrength } from '../ppp/ccp/mppe-option.js';

const METHODS: Readonly<Record<string, AuthMethod>> = {
  mschapv2: 'mschap-v2',
  mschapv1: 'mschap-v1',
  chap: 'chap-md5',
  pap: 'pap',
};

const METHOD_NAMES: Readonly<Record<AuthMethod, string>> = {
  'mschap-v2': 'MS-CHAPv2',
  'mschap-v1': 'MS-CHAPv1',
  'chap-md5': 'CHAP-MD5',
  pap: 'PAP',
};

export interface ClientCliOptions {
  server: string;
  user: string;
  password?: string;
  method?: string;
  mppe?: string;
  stateful?: boolean;
  ping?: string;
  count?: string;
  size?: string;
  timeout?: string;
  hold?: string;
  localAddress?: string;
  json?: boolean;
}

class UsageError extends Error {}

function int(name: string, v: string | undefined, def: number, min: number, max: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}`);
  return n;
}

function mppePolicy(o: ClientCliOptions): Partial<MppeCcpPolicy> {
  const stateful = o.stateful ? 'prefer' : 'allow';
  if (o.mppe === undefined) return { stateful };
  if (o.mppe === 'none') return { required: false, bits: [], stateful };
  if (!['128', '56', '40'].includes(o.mppe)) throw new UsageError('--mppe must be 128, 56, 40 or none');
  return { required: true, bits: [Number(o.mppe) as MppeStrength], stateful };
}

/** The password from stdin: its first line (bounded in size and time). */
async function readPassword(timeoutMs = 10_000): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('password: ');
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => finish(new UsageError('no password on stdin (use --password or pipe it in)')), timeoutMs);
    const finish = (err?: Error): void => {
      clearTimeout(timer);
      process.stdin.off('data', onData).off('end', onEnd);
      process.stdin.pause();
      if (err) reject(err);
      else resolve(text.split(/\r?\n/)[0] ?? '');
    };
    const onData = (d: Buffer): void => {
      text += d.toString('utf8');
      if (text.includes('\n') || text.length > 4096) finish();
    };
    const onEnd = (): void => finish();
    process.stdin.on('data', onData).on('end', onEnd);
  });
}

function direction(d: MppeDirection | null | undefined): string {
  return d ? `MPPE-${d.bits} ${d.stateless ? 'stateless' : 'stateful'}` : 'none';
}

export function describeEncryption(r: ConnectResult): string {
  if (!r.mppe) return 'none';
  const send = direction(r.mppe.send);
  const recv = direction(r.mppe.recv);
  return send === recv ? send : `${send} (send), ${recv} (receive)`;
}

function printHuman(server: string, r: ConnectResult, ping: PingResult | undefined, pingTarget: string | undefined): void {
  const out = process.stdout;
  out.write(`connected to ${server} in ${Math.round(r.setupMs)} ms (call ${r.callId}, server call ${r.peerCallId})\n`);
  out.write(`  authentication  ${r.method ? METHOD_NAMES[r.method] : 'none'}\n`);
  out.write(`  encryption      ${describeEncryption(r)}\n`);
  out.write(`  address         ${r.local} (server ${r.remote}), MTU ${r.mtu}\n`);
  if (r.dns.length > 0) out.write(`  DNS             ${r.dns.join(', ')}\n`);
  if (ping && pingTarget) {
    const rtt = ping.rttMs;
    const stats = rtt.length
      ? `, rtt min/avg/max ${Math.min(...rtt).toFixed(2)}/${(rtt.reduce((a, b) => a + b, 0) / rtt.length).toFixed(2)}/${Math.max(...rtt).toFixed(2)} ms`
      : '';
    out.write(`ping ${pingTarget}: ${ping.sent} sent, ${ping.received} received${stats}\n`);
  }
}

/** Runs the command; returns the exit code. */
export async function runClient(o: ClientCliOptions): Promise<number> {
  let client: PptpClient | undefined;
  const json = o.json === true;
  const report = (obj: Record<string, unknown>): void => {
    if (json) process.stdout.write(`${JSON.stringify(obj)}\n`);
  };
  try {
    const method = o.method === undefined ? undefined : METHODS[o.method];
    if (o.method !== undefined && !method) throw new UsageError('--method must be mschapv2, mschapv1, chap or pap');
    const count = int('count', o.count, 3, 1, 10_000);
    const size = int('size', o.size, 56, 0, 1472);
    const timeoutMs = int('timeout', o.timeout, 30, 1, 3600) * 1000;
    const holdMs = int('hold', o.hold, 0, 0, 86_400) * 1000;
    const mppe = mppePolicy(o);
    const password = o.password ?? (await readPassword());
    client = new PptpClient();
    const c = client;
    const onSignal = (): void => void c.close();
    process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
    c.on('notice', (m) => { if (!json) process.stderr.write(`pptpd-ts client: ${m}\n`); });
    const r = await c.connect({
      server: o.server,
      user: o.user,
      password,
      ...(method ? { method } : {}),
      mppe,
      timeoutMs,
      ...(o.localAddress !== undefined ? { localAddress: o.localAddress } : {}),
    });
    const ping = o.ping !== undefined ? await c.ping(o.ping, { count, size, timeoutMs: 1000, intervalMs: 200 }) : undefined;
    if (holdMs > 0) await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, holdMs);
      c.once('down', () => { clearTimeout(t); resolve(); });
    });
    const down = c.downInfo;
    await c.close();
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    const ok = ping === undefined || ping.received > 0;
    if (!json) printHuman(o.server, r, ping, o.ping);
    report({
      ok,
      server: o.server,
      method: r.method,
      encryption: describeEncryption(r),
      mppe: r.mppe,
      local: r.local,
      remote: r.remote,
      dns: r.dns,
      mtu: r.mtu,
      setupMs: Math.round(r.setupMs * 10) / 10,
      callId: r.callId,
      peerCallId: r.peerCallId,
      ...(ping ? { ping: { target: o.ping, ...ping } } : {}),
      ...(down ? { down } : {}),
      counters: c.counters(),
    });
    if (!ok && !json) process.stderr.write(`pptpd-ts client: no reply from ${o.ping}\n`);
    return ok ? 0 : 1;
  } catch (e) {
    await client?.close(2000);
    const usage = e instanceof UsageError || (e instanceof ClientError && e.reason === 'usage');
    const reason = e instanceof ClientError ? e.reason : usage ? 'usage' : 'error';
    report({ ok: false, server: o.server, reason, error: (e as Error).message });
    if (!json) process.stderr.write(`pptpd-ts client: ${(e as Error).message}\n`);
    return usage ? 2 : 1;
  }
}

export function registerClient(program: Command): void {
  program
    .command('client')
    .description('connect to a PPTP server with the built-in client (tests, load benchmark); needs root for raw GRE')
    .requiredOption('--server <ip>', 'server IPv4 address')
    .requiredOption('--user <name>', 'user name (DOMAIN\\user works too)')
    .option('--password <password>', 'password (default: the first line of stdin)')
    .option('--method <method>', 'only this method: mschapv2 | mschapv1 | chap | pap (default: any MS-CHAP or CHAP, not PAP)')
    .option('--mppe <bits>', 'require MPPE of this strength: 128 | 56 | 40, or none (default: MPPE if offered)')
    .option('--stateful', 'ask for stateful MPPE (default: stateless unless the server insists)')
    .option('--ping <ip>', 'ping this address through the tunnel (e.g. the server tunnel address)')
    .option('--count <n>', 'pings to send (default 3)')
    .option('--size <octets>', 'ping data size (default 56)')
    .option('--timeout <seconds>', 'bound on connecting (default 30)')
    .option('--hold <seconds>', 'stay connected this long before hanging up (default 0)')
    .option('--local-address <ip>', 'connect from this local address')
    .option('--json', 'print one JSON line instead of text')
    .action(async (o: ClientCliOptions) => {
      const code = await runClient(o);
      process.exitCode = code;
      // Everything is closed by now; do not let a stray handle keep the process up.
      setTimeout(() => process.exit(code), 200).unref();
    });
}
