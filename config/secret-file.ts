// `secretFile`: a RADIUS server's shared secret kept out of the configuration, in a
// radiusclient `servers` file (`host[:port] secret` per line, as pppd's radius.so read it).
// Read when the configuration is loaded (serve, reload, check-config, test-auth), so a
// missing file or host is a configuration error before anything listens. The secret
// goes into the in-memory configuration only; messages never quote it.
import { readFileSync } from 'node:fs';
import type { Config } from './schema.js';
import type { ParseIssue } from './issues.js';
import { formatKeyPath } from './issues.js';
import { authEntries, type AuthChainEntry } from './schema-auth.js';
import { findServerSecret, parseServersFile, type ServerSecret } from './radiusclient.js';

interface ServerRef {
  readonly host: string;
  readonly port: number;
  readonly secret?: string | undefined;
  readonly secretFile?: string | undefined;
}

/**
 * The configuration with every `secretFile` replaced by the secret it names. `root` maps
 * absolute paths as check-config's --root does. Issues name the file and the key.
 */
export function resolveSecretFiles(config: Config, root?: string): { config: Config; issues: ParseIssue[] } {
  const issues: ParseIssue[] = [];
  const files = new Map<string, { entries: ServerSecret[] } | undefined>();
  const onDisk = (p: string): string => (root !== undefined && p.startsWith('/') ? `${root.replace(/\/$/, '')}${p}` : p);
  const read = (file: string): ServerSecret[] | undefined => {
    if (!files.has(file)) {
      let parsed: { entries: ServerSecret[] } | undefined;
      try {
        const r = parseServersFile(readFileSync(file, 'utf8'), file);
        issues.push(...r.issues);
        parsed = r;
      } catch (e) {
        issues.push({ file, line: 0, severity: 'error', message: `cannot read the RADIUS servers file (${(e as NodeJS.ErrnoException).code ?? 'EIO'})` });
      }
      files.set(file, parsed);
    }
    return files.get(file)?.entries;
  };
  const resolve = <S extends ServerRef>(servers: readonly S[], path: readonly (string | number)[]): S[] =>
    servers.map((s, i) => {
      if (s.secretFile === undefined) return s;
      const file = onDisk(s.secretFile);
      const entries = read(file);
      if (entries === undefined) return s;
      const found = findServerSecret(entries, s.host, s.port);
      if (found === undefined) {
        const key = formatKeyPath([...path, 'servers', i, 'secretFile']);
        issues.push({ file, line: 0, severity: 'error', message: `${key}: no line for ${s.host} (or ${s.host}:${s.port}); add "${s.host} SECRET"` });
        return s;
      }
      const { secretFile: _dropped, ...rest } = s;
      return { ...rest, secret: found.secret } as S;
    });

  let out = config;
  const located = authEntries(config.auth);
  if (located.some(({ entry }) => needsSecret(entry))) {
    const fix = (entry: AuthChainEntry, path: readonly (string | number)[]): AuthChainEntry =>
      needsSecret(entry) ? { ...entry, servers: resolve(entry['servers'] as ServerRef[], path) } : entry;
    out = {
      ...out,
      auth: {
        ...out.auth,
        chain: out.auth.chain.map((e, i) => fix(e, ['auth', 'chain', i])),
        branches: Object.fromEntries(Object.entries(out.auth.branches).map(([b, list]) => [b, list.map((e, i) => fix(e, ['auth', 'branches', b, i]))])),
      },
    };
  }
  const acct = out.accounting.radius;
  if (acct !== undefined && acct.servers.some((s) => s.secretFile !== undefined)) {
    out = { ...out, accounting: { ...out.accounting, radius: { ...acct, servers: resolve(acct.servers, ['accounting', 'radius']) } } };
  }
  return { config: out, issues };
}

function needsSecret(entry: AuthChainEntry): boolean {
  const servers = entry['servers'];
  return entry.plugin === 'radius' && Array.isArray(servers) && servers.some((s: ServerRef) => s.secretFile !== undefined);
}
