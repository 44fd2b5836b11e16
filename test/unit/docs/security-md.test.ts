// docs/security.md names, for every invariant and attack, the test that proves it: each
// named test file and source file must exist, so the page cannot point at nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../helpers/paths.js';

const text = readFileSync(path.join(repoRoot, 'docs', 'security.md'), 'utf8');

test('docs/security.md: every test and source file it names exists', () => {
  const named = [...text.matchAll(/`((?:test|server|config|auth-plugins|accounting)\/[^`\s]+?)`/g)].map((m) => m[1]!);
  assert.ok(named.filter((n) => n.startsWith('test/')).length >= 25, `only ${named.length} references`);
  const missing = named.filter((n) => !existsSync(path.join(repoRoot, n)));
  assert.deepEqual(missing, []);
});

test('docs/security.md: every invariant and attack row names at least one test', () => {
  const rows = text.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| invariant') && !l.startsWith('| attack') && !l.startsWith('|---'));
  assert.ok(rows.length >= 15);
  for (const r of rows) assert.match(r, /`test\/[^`]+`/, r.slice(0, 80));
});
