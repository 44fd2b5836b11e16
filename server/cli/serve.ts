// `pptpd-ts serve`: run the server from a YAML configuration (-c), from PoPToP's
// files (--pptpd-conf [--chap-secrets]), or from the embedded defaults. SIGTERM and
// SIGINT end every session cleanly and exit.
import type { Command } from 'commander';
import { writeFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../../config/schema.js';
import { formatIssue, hasErrors } from '../../config/issues.js';
import { describeZodIssue } from '../../config/load.js';
import { collectConfig, resolveConfig } from '../../config/resolve.js';
import { interfaceName } from '../../config/schema-common.js';
import { ControlSection } from '../../config/schema-operations.js';
import { invalidVerdict } from './check-config.js';
import { ErrorCode, PptpdError } from '../errors.js';
import { createLogger } from '../log.js';
import { PptpServer } from '../runtime/server.js';
import { startOperations } from '../control/index.js';

export interface ServeOptions {
  config?: string;
  pptpdConf?: string;
  chapSecrets?: string;
  /** With pptpdConf: read absolute paths named inside the files under this directory. */
  root?: string;
  tun?: string;
  logLevel?: string;
  logFormat?: 'json' | 'pretty';
  pidfile?: string | false;
  stateDir?: string;
}

/** A configuration that cannot be run: its issues, printed as check-config prints them. */
class NotStarted extends Error {
  constructor(readonly lines: readonly string[]) {
    super(lines.join('\n'));
  }
}

/** The command-line overrides, checked by the schema's own rules before anything starts. */
function checkOverrides(opts: ServeOptions): string[] {
  const out: string[] = [];
  const bad = (option: string, message: string) => out.push(`${option}: error: ${message}`);
  if (opts.tun !== undefined) {
    const r = interfaceName.safeParse(opts.tun);
    if (!r.success) bad('--tun', `"${opts.tun}" ${describeZodIssue(r.error.issues[0]!, opts.tun)}`);
  }
  if (opts.stateDir !== undefined) {
    const r = ControlSection.shape.socket.safeParse(join(resolve(opts.stateDir), 'control.sock'));
    if (!r.success) bad('--state-dir', `the control socket in it ${describeZodIssue(r.error.issues[0]!, undefined)}`);
  }
  return out;
}

/** --state-dir: the spool, the journal and the control socket (with the proxy ARP ledger beside it) under one directory. */
function withStateDir(config: Config, stateDir: string | undefined): Config {
  if (stateDir === undefined) return config;
  const dir = resolve(stateDir);
  return {
    ...config,
    accounting: { ...config.accounting, spoolDir: join(dir, 'spool'), journal: { ...config.accounting.journal, path: join(dir, 'journal.sqlite') } },
    control: { ...config.control, socket: join(dir, 'control.sock') },
  };
}

export async function runServe(opts: ServeOptions): Promise<PptpServer> {
  // Every configuration error is found here, before anything listens or touches the
  // kernel, by the same step (and with the same lines) as check-config.
  const sources = {
    ...(opts.config !== undefined ? { config: opts.config } : {}),
    ...(opts.pptpdConf !== undefined ? { pptpdConf: opts.pptpdConf } : {}),
    ...(opts.chapSecrets !== undefined ? { chapSecrets: opts.chapSecrets } : {}),
    ...(opts.root !== undefined ? { root: opts.root } : {}),
  };
  let resolved: ReturnType<typeof collectConfig>;
  try {
    resolved = collectConfig(sources);
  } catch (e) {
    // An unreadable file: the line check-config prints for it.
    if (e instanceof PptpdError && e.code === ErrorCode.CONFIG_IO) throw new NotStarted([e.message]);
    throw e;
  }
  const { issues } = resolved;
  const badOptions = checkOverrides(opts);
  if (resolved.config === undefined || hasErrors(issues) || badOptions.length > 0) {
    const counted = [...issues, ...badOptions.map((message) => ({ file: '', line: 0, severity: 'error' as const, message }))];
    throw new NotStarted([...issues.map(formatIssue), ...badOptions, invalidVerdict(opts.config ?? opts.pptpdConf ?? '(embedded defaults)', counted)]);
  }
  const config = withStateDir(resolved.config, opts.stateDir);
  const log = createLogger({
    level: opts.logLevel ?? (config.ppp.debug ? 'debug' : config.logging.level),
    format: (opts.logFormat ?? config.logging.format) === 'pretty' ? 'human' : 'json',
    ...(config.logging.file !== undefined ? { destination: config.logging.file } : {}),
  });
  for (const i of issues) log.warn(formatIssue(i));
  const server = new PptpServer({ config, log, tunName: opts.tun ?? config.dataplane.tun });
  // A runtime failure (a port in use, no TUN) undoes what start() had set up.
  await server.start().catch(async (e: unknown) => {
    await server.stop(0);
    throw e;
  });
  // Metrics, traces, the control socket and RFC 5176 DM/CoA: failures here stop the start.
  const ops = await startOperations({ server, config, log }).catch(async (e: unknown) => {
    await server.stop(0);
    throw e;
  });
  const pidfile = opts.pidfile === false ? null : (opts.pidfile ?? config.pidfile);
  if (pidfile) {
    try {
      writeFileSync(pidfile, `${process.pid}\n`);
    } catch (e) {
      log.warn(`cannot write pid file ${pidfile}: ${(e as Error).message}`);
    }
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: ending every session`);
    void ops
      .stop()
      .then(() => server.stop())
      .finally(() => {
        if (pidfile) rmSync(pidfile, { force: true });
        log.flush?.();
        setTimeout(() => process.exit(0), 50).unref();
      });
  };
  // SIGHUP (systemctl reload): re-read the configuration and rebuild the auth chain
  // (chap-secrets, RADIUS, LDAP settings) without touching live sessions.
  process.on('SIGHUP', () => {
    log.info('SIGHUP: reloading the configuration');
    try {
      const next = resolveConfig(sources);
      for (const i of next.issues) log.warn(formatIssue(i));
      void server.reload(withStateDir(next.config, opts.stateDir)).then(
        (r) => log.info({ sessions: server.registry.size, ...r }, 'configuration reloaded; sessions kept'),
        (e: unknown) => log.error({ err: (e as Error).message }, `reload failed, the previous configuration stays: ${(e as Error).message}`),
      );
    } catch (e) {
      log.error({ err: (e as Error).message }, `reload failed, the previous configuration stays: ${(e as Error).message}`);
    }
  });
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  return server;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the PPTP server (embedded defaults when no configuration is given)')
    .option('-c, --config <file>', 'YAML configuration file')
    .option('--pptpd-conf <file>', "PoPToP's pptpd.conf (its pppd options and chap-secrets are read too)")
    .option('--chap-secrets <file>', 'chap-secrets file to use instead of the configured one')
    .option('--root <dir>', 'with --pptpd-conf: read absolute paths named inside the PoPToP files (options, chap-secrets, radiusclient.conf, servers) under this directory')
    .option('--tun <name>', 'TUN device name (default: dataplane.tun, pptp0)')
    .option('--log-level <level>', 'trace | debug | info | warn | error')
    .option('--log-format <format>', 'json | pretty')
    .option('--pidfile <file>', 'write the process id here (default from the configuration)')
    .option('--no-pidfile', 'do not write a pid file')
    .option('--state-dir <dir>', 'keep the accounting spool, the journal, the control socket and the proxy ARP ledger in this directory')
    .action(async (o: ServeOptions) => {
      try {
        await runServe(o);
      } catch (e) {
        // One line per problem; the stack only for those who asked for it.
        if (e instanceof NotStarted) process.stderr.write(e.lines.map((l) => `${l}\n`).join(''));
        else if (e instanceof PptpdError) process.stderr.write(`pptpd-ts: ${e.message}\n`);
        else process.stderr.write(`pptpd-ts: cannot start: ${(e as Error).message ?? String(e)}\n`);
        if (o.logLevel === 'debug' || o.logLevel === 'trace') process.stderr.write(`${(e as Error).stack ?? ''}\n`);
        process.exit(1);
      }
    });
}
