// pptpd-ts test-auth with an ldap entry in the YAML configuration, against slapd.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { runTestAuth } from '../../../server/cli/test-auth.js';
import { canRunSlapd, Directory, startSlapd, Users, type Slapd } from '../../helpers/slapd.js';
import { memoryLog } from '../../unit/auth-plugins/fixtures.js';

const skip = canRunSlapd();

describe('test-auth with the ldap plugin', { skip }, () => {
  let slapd: Slapd;
  let config = '';
  before(async () => {
    slapd = await startSlapd();
    config = path.join(slapd.dir, 'pptpd.yaml');
    writeFileSync(
      config,
      [
        'auth:',
        '  chain:',
        '    - plugin: rewrite-domain',
        '    - plugin: ldap',
        '      name: corp-ldap',
        `      url: ${slapd.url}`,
        `      baseDn: ${Directory.people}`,
        `      bindDn: ${Directory.serviceDn}`,
        `      bindPassword: ${Directory.servicePassword}`,
        `      group: ${Directory.vpnUsers}`,
        '      framedIpAttribute: ipHostNumber',
        '',
      ].join('\n'),
    );
  });
  after(async () => {
    await slapd?.stop();
  });

  test('CORP\\carol over MS-CHAPv2: accepted by corp-ldap with keys, authenticator response and her static address', async () => {
    const log = memoryLog();
    const r = await runTestAuth('CORP\\carol', Users.carol.password, { config, logStream: log.stream });
    const text = r.output.join('\n');
    assert.equal(r.exitCode, 0, text);
    assert.match(text, /\[2\] corp-ldap \(ldap\): accept — from ldap uid=carol,ou=people,dc=example,dc=org/);
    assert.match(text, /Authenticator-Response = valid/);
    assert.match(text, /MPPE keys = yes \(they match the client's derivation\)/);
    assert.match(text, /Framed-IP-Address = 10\.99\.0\.7/);
    assert.ok(!text.includes(Directory.servicePassword) && !log.lines.join('').includes(Directory.servicePassword));
  });

  test('bob: refused as not in the group (exit 1); PAP for alice by user bind (exit 0)', async () => {
    const bob = await runTestAuth('bob', Users.bob.password, { config, method: 'mschapv1', logStream: memoryLog().stream });
    assert.equal(bob.exitCode, 1);
    assert.match(bob.output.join('\n'), new RegExp(`^Access-Reject by corp-ldap: bob is not in group ${Directory.vpnUsers}$`, 'm'));
    assert.match(bob.output.join('\n'), /MS-CHAP-Error = 649/);
    const alice = await runTestAuth('alice', Users.alice.password, { config, method: 'pap', logStream: memoryLog().stream });
    assert.equal(alice.exitCode, 0, alice.output.join('\n'));
    assert.match(alice.output.join('\n'), /corp-ldap \(ldap\): accept/);
  });
});
