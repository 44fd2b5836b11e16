import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findServerSecret, parseRadiusclientConf, parseServersFile } from '../../../config/radiusclient.js';

const F = '/etc/radiusclient/radiusclient.conf';

test('radiusclient.conf: servers (repeated, comma lists, service names), timers, nas_identifier, bindaddr; login keys accepted', () => {
  const text = [
    '# comment',
    'auth_order\tradius,local',
    'login_tries 4',
    'authserver 10.0.0.5',
    'authserver 10.0.0.6:1645, radius.example:radius',
    'acctserver\t10.0.0.5:radacct',
    'servers /etc/radiusclient/servers-vpn',
    'dictionary /etc/radiusclient/dictionary',
    'seqfile /var/run/radius.seq',
    'default_realm',
    'radius_timeout 5',
    'radius_retries 1',
    'radius_deadtime 30',
    'nas_identifier vpn1',
    'bindaddr 192.0.2.1',
  ].join('\n');
  const { conf, issues } = parseRadiusclientConf(text, F);
  assert.deepEqual(issues, []);
  assert.deepEqual(conf.authservers.map((s) => [s.host, s.port, s.origin.line]), [
    ['10.0.0.5', undefined, 4],
    ['10.0.0.6', 1645, 5],
    ['radius.example', 1812, 5],
  ]);
  assert.deepEqual(conf.acctservers.map((s) => [s.host, s.port]), [['10.0.0.5', 1813]]);
  assert.equal(conf.servers, '/etc/radiusclient/servers-vpn');
  assert.deepEqual([conf.timeout, conf.retries, conf.deadtime, conf.nasIdentifier, conf.bindaddr], [5, 1, 30, 'vpn1', '192.0.2.1']);
  assert.equal(parseRadiusclientConf('bindaddr *', F).conf.bindaddr, undefined, '"*": any address');
});

test('radiusclient.conf: errors name the line; a secret after host:port is refused and never quoted', () => {
  const text = [
    'authserver 10.0.0.5:1812:TopSecret99',
    'radius_timeout soon',
    'default_realm corp.example',
    'bindaddr radius-host',
    'acctserver 10.0.0.5:notaport',
    'frobnicate 1',
  ].join('\n');
  const { conf, issues } = parseRadiusclientConf(text, F);
  assert.deepEqual(issues.map((i) => [i.line, i.severity]), [[1, 'error'], [2, 'error'], [3, 'error'], [4, 'error'], [5, 'error'], [6, 'warning']]);
  assert.ok(issues.every((i) => i.file === F));
  assert.ok(!JSON.stringify(issues).includes('TopSecret99'), 'the inline secret is never repeated');
  assert.ok(!JSON.stringify(conf).includes('TopSecret99'), 'nor kept');
  assert.match(issues[0]!.message, /move it to the servers file/);
  assert.match(issues[2]!.message, /default_realm/);
});

test('servers file: host and host:port lines; host:port wins; errors never quote a secret', () => {
  const text = ['# server  key', '10.0.0.5\tsecret-a', '10.0.0.5:1813  secret-b', 'RADIUS.example secret-c extra', 'lonely-s3cret', '10.0.0.9:x secret-d'].join('\n');
  const { entries, issues } = parseServersFile(text, '/etc/radiusclient/servers');
  assert.equal(findServerSecret(entries, '10.0.0.5', 1812)?.secret, 'secret-a');
  assert.equal(findServerSecret(entries, '10.0.0.5', 1813)?.secret, 'secret-b');
  assert.equal(findServerSecret(entries, 'radius.EXAMPLE', 1812)?.secret, 'secret-c', 'host names compare without case');
  assert.equal(findServerSecret(entries, '10.0.0.6', 1812), undefined);
  assert.deepEqual(issues.map((i) => [i.line, i.severity]), [[4, 'warning'], [5, 'error'], [6, 'error']]);
  for (const s of ['secret-a', 'secret-b', 'secret-c', 'secret-d', 'lonely-s3cret']) assert.ok(!JSON.stringify(issues).includes(s));
});
