import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { parseConfigText } from '../../../../config/load.js';
import { configFromPoptop } from '../../../../config/poptop.js';
import { runCli, fixtureDir } from './run-cli.js';
import { authConfigSchema } from '../../../../auth-plugins/build.js';

test('migrate prints YAML equivalent to the PoPToP files, with comments on origins and drops', () => {
  const root = fixtureDir('howto');
  const conf = path.join(root, 'etc/pptpd.conf');
  const r = runCli(['migrate', '--pptpd-conf', conf, '--root', root]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^# pptpd-ts configuration migrated from PoPToP/);
  assert.match(r.stdout, /# note: .*pptpd\.conf:6: speed: .*dropped/);
  assert.match(r.stdout, /# from .*pptpd\.conf:24: remoteip 192\.168\.0\.234-238,192\.168\.0\.245\n\s+remote:/);
  assert.match(r.stderr, /pptpd\.conf:6: warning: speed/);
  const back = parseConfigText(r.stdout, 'migrated.yaml');
  assert.deepEqual(back.issues.filter((i) => i.severity === 'error'), []);
  assert.deepEqual(back.config, configFromPoptop({ pptpdConf: conf, root }).config);
  // The migrated auth section is what the server hands to buildAuthChain, as it is.
  assert.match(r.stdout, /\n {4}- plugin: chap-secrets\n {6}file: \/etc\/ppp\/chap-secrets\n/);
  assert.ok(authConfigSchema.safeParse(back.config?.auth).success);
});

test('migrate exits 1 and prints no YAML when the files hold errors; 2 when unreadable', () => {
  const root = fixtureDir('malformed');
  const r = runCli(['migrate', '--pptpd-conf', path.join(root, 'etc/pptpd.conf'), '--root', root]);
  assert.equal(r.status, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /pptpd\.conf:3: error/);
  assert.ok(!r.stderr.includes('hunter2hunter2'));
  assert.equal(runCli(['migrate', '--pptpd-conf', '/nonexistent/pptpd.conf']).status, 2);
});
