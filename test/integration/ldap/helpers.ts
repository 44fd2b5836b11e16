// Shared by the slapd tests: a chain built the way the server builds it
// (buildAuthChain → registry → ldap scheme) against a running test slapd.
import { pino } from 'pino';
import { AuthChain } from '../../../auth-plugins/chain.js';
import { buildAuthChain, createDefaultRegistry } from '../../../auth-plugins/build.js';
import type { AuthPlugin } from '../../../auth-plugins/plugin.js';
import type { LdapPlugin } from '../../../auth-plugins/ldap/plugin.js';
import { Directory, type Slapd } from '../../helpers/slapd.js';
import { memoryLog, memoryTracer } from '../../unit/auth-plugins/fixtures.js';

export interface TestChain {
  readonly chain: AuthChain;
  readonly ldap: LdapPlugin;
  readonly log: ReturnType<typeof memoryLog>;
  readonly tracer: ReturnType<typeof memoryTracer>;
  close(): Promise<void>;
}

/** The options every test starts from: service bind, people base, vpn-users required. */
export function ldapEntry(slapd: Slapd, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    plugin: 'ldap',
    url: slapd.url,
    baseDn: Directory.people,
    bindDn: Directory.serviceDn,
    bindPassword: Directory.servicePassword,
    group: Directory.vpnUsers,
    framedIpAttribute: 'ipHostNumber',
    timeout: 2,
    ...over,
  };
}

/**
 * A chain whose first plugin is the ldap scheme with these options, built by
 * buildAuthChain as the server does — or, when `after` plugins are given
 * (fakes), from the same registry entry plus those.
 */
export async function ldapChain(slapd: Slapd, over: Record<string, unknown> = {}, after: AuthPlugin[] = []): Promise<TestChain> {
  const log = memoryLog();
  const tracer = memoryTracer();
  const logger = pino({ level: 'debug' }, log.stream);
  const t = tracer.provider.getTracer('test');
  let chain: AuthChain;
  if (after.length === 0) {
    chain = await buildAuthChain({ chain: [ldapEntry(slapd, over)], throttle: false }, { logger, tracer: t });
  } else {
    const entry = createDefaultRegistry().create(ldapEntry(slapd, over), 'auth.chain[0]', logger);
    chain = new AuthChain({ entries: [entry, ...after], throttle: false, logger, tracer: t });
    await chain.init();
  }
  const ldap = chain.plugins.find((p) => p.kind === 'ldap') as LdapPlugin;
  return {
    chain,
    ldap,
    log,
    tracer,
    close: async () => {
      await chain.close();
      await tracer.provider.shutdown();
    },
  };
}
