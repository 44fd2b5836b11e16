// docs/auth.md promises that every YAML block in it is a configuration
// `pptpd-ts check-config` accepts. This reads each ```yaml block and runs it
// through the configuration loader (config/load.ts, the same parse and schema
// check, with each auth plugin's own option schema), so the examples cannot
// drift from the code; and through `check-config` itself (runCheckConfig),
// with a stand-in chap-secrets file since /etc/ppp/chap-secrets is this
// machine's business, not the example's. It also checks the page's relative links and that the
// Active Directory how-to still names what a DC needs.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConfigText } from '../../../config/load.js';
import { runCheckConfig } from '../../../server/cli/check-config.js';
import { repoRoot } from '../../helpers/paths.js';

const DOC = path.join(repoRoot, 'docs', 'auth.md');
const text = readFileSync(DOC, 'utf8');

interface Block {
  readonly line: number;
  readonly yaml: string;
}

/** Fenced ```yaml blocks (also indented ones inside list items), with the line they start on. */
function yamlBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```yaml\s*$/.exec(lines[i]!);
    if (!open) continue;
    const indent = open[1]!.length;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^\s*```\s*$/.test(lines[j]!); j++) body.push(lines[j]!.slice(indent));
    assert.ok(j < lines.length, `docs/auth.md:${i + 1}: unclosed yaml block`);
    blocks.push({ line: i + 2, yaml: `${body.join('\n')}\n` });
    i = j;
  }
  return blocks;
}

const blocks = yamlBlocks(text);
const work = mkdtempSync(path.join(os.tmpdir(), 'ptd-docs-'));
after(() => rmSync(work, { recursive: true, force: true }));
const secrets = path.join(work, 'chap-secrets');
writeFileSync(secrets, 'alice * secret *\n', { mode: 0o600 });
// check-config reads the CA files the examples name: stand-ins under --root.
const root = path.join(work, 'root');
for (const ca of new Set(blocks.flatMap((b) => [...b.yaml.matchAll(/caFile: (\S+)/g)].map((m) => m[1]!)))) {
  mkdirSync(path.dirname(path.join(root, ca)), { recursive: true });
  writeFileSync(path.join(root, ca), '-----BEGIN CERTIFICATE-----\nstand-in\n-----END CERTIFICATE-----\n');
}

test('docs/auth.md has its YAML examples (chain, NPS, ntlm_auth, LDAP+RADIUS, ISP, chap-secrets)', () => {
  assert.ok(blocks.length >= 7, `only ${blocks.length} yaml blocks`);
  const plugins = new Set(blocks.flatMap((b) => [...b.yaml.matchAll(/plugin: ([a-z-]+)/g)].map((m) => m[1])));
  assert.deepEqual([...plugins].sort(), ['chap-secrets', 'ldap', 'radius', 'rewrite-domain']);
});

for (const b of blocks) {
  test(`docs/auth.md:${b.line}: the YAML example is a valid configuration`, () => {
    const r = parseConfigText(b.yaml, `docs/auth.md:${b.line}`);
    const errors = r.issues.filter((i) => i.severity === 'error');
    assert.deepEqual(
      errors.map((e) => `line ${b.line - 1 + e.line}: ${e.key}: ${e.message}`),
      [],
      'check-config would refuse this example',
    );
    assert.ok(r.config, 'the loader returned a configuration');
    assert.ok(r.config.auth.chain.length >= 1);
    const file = path.join(work, `block-${b.line}.yaml`);
    writeFileSync(file, b.yaml);
    const cli = runCheckConfig({ config: file, chapSecrets: secrets, root });
    assert.equal(cli.exitCode, 0, cli.output.join('\n'));
  });
}

test('the loader check is real: a broken example is refused', () => {
  const broken = blocks[0]!.yaml.replace('plugin: chap-secrets', 'plugin: chap-secret');
  assert.notEqual(broken, blocks[0]!.yaml);
  const r = parseConfigText(broken, 'broken');
  assert.ok(r.issues.some((i) => i.severity === 'error'));
  const badOption = blocks[0]!.yaml.replace('group: cn=vpn-users', 'groop: cn=vpn-users');
  assert.ok(parseConfigText(badOption, 'bad-option').issues.some((i) => i.severity === 'error' && /groop/.test(i.key)));
});

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes. */
function anchors(markdown: string): Set<string> {
  const out = new Set<string>();
  for (const m of markdown.matchAll(/^#{1,6} (.+)$/gm)) {
    out.add(m[1]!.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-'));
  }
  return out;
}

test('docs/auth.md: relative links point at files and headings that exist', () => {
  const links = [...text.matchAll(/\]\(([^)#\s]*)(?:#([^)\s]+))?\)/g)].filter((m) => !/^[a-z]+:/.test(m[1]!));
  assert.ok(links.length > 5);
  for (const [, file, anchor] of links) {
    const target = file === '' ? DOC : path.join(repoRoot, 'docs', file!);
    assert.ok(existsSync(target), `broken link: ${file}`);
    if (anchor !== undefined) assert.ok(anchors(readFileSync(target, 'utf8')).has(anchor), `no heading for ${file}#${anchor}`);
  }
});

test('the Active Directory how-to names what the DC and ntlm_auth need', () => {
  assert.match(text, /ntlm auth = mschapv2-and-ntlmv2-only/);
  assert.match(text, /--allow-mschapv2/);
  assert.match(text, /--require-membership-of=CORP\\VPN-Users/);
});
