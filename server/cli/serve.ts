// `pptpd-ts serve`: run the server from a YAML configuration (-c), from PoPToP's
// files (--pptpd-conf [--chap-secrets]), or from the embedded defaults. SIGTERM and
// SIGINT end every session cleanly and exit.
import type { Command } from 'commander';
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../config/schema.js';
import { formatIssue } from '../../config/issues.js';
import { resolveConfig } from '../../config/resolve.js';
import { PptpdError } from '../errors.js';
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

/** --state-dir: the spool, the journal and the control socket (with the proxy ARP ledger beside it) under one directory. */
function withStateDir(config: Config, dir: string | undefined): Config {
  if (dir === undefined) return config;
  return {
    ...config,
    accounting: { ...config.accounting, spoolDir: join(dir, 'spool'), journal: { ...config.accounting.journal, path: join(dir, 'journal.sqlite') } },
    control: { ...config.control, socket: join(dir, 'control.sock') },
  };
}

export async function runServe(opts: ServeOptions): Promise<PptpServer> {
  const resolved = resolveConfig({
    ...(opts.config !== undefined ? { config: opts.config } : {}),
    ...(opts.pptpdConf !== undefined ? { pptpdConf: opts.pptpdConf } : {}),
    ...(opts.chapSecrets !== undefined ? { chapSecrets: opts.chapSecrets } : {}),
    ...(opts.root !== undefined ? { root: opts.root } : {}),
  });
  const { issues } = resolved;
  const config = withStateDir(resolved.config, opts.stateDir);
  const log = createLogger({
    level: opts.logLevel ?? (config.ppp.debug ? 'debug' : config.logging.level),
    format: (opts.logFormat ?? config.logging.format) === 'pretty' ? 'human' : 'json',
    ...(config.logging.file !== undefined ? { destination: config.logging.file } : {}),
  });
  for (const i of issues) log.warn(formatIssue(i));
  const server = new PptpServer({ config, log, tunName: opts.tun ?? config.dataplane.tun });
  await server.start();
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
      const next = resolveConfig({
        ...(opts.config !== undefined ? { config: opts.config } : {}),
        ...(opts.pptpdConf !== undefined ? { pptpdConf: opts.pptpdConf } : {}),
        ...(opts.chapSecrets !== undefined ? { chapSecrets: opts.chapSecrets } : {}),
        ...(opts.root !== undefined ? { root: opts.root } : {}),
      });
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
        if (e instanceof PptpdError) {
          process.stderr.write(`pptpd-ts: ${e.message}\n`);
          process.exit(1);
        }
        throw e;
      }
    });
}
