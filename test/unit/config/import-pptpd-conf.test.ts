import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePptpdConf } from '../../../config/import-pptpd-conf.js';

test('reads the keywords PoPToP knows, first occurrence wins', () => {
  const text = [
    '# comment',
    'option /etc/ppp/options.pptpd',
    'localip 192.168.0.1',
    'remoteip 192.168.0.234-238,192.168.0.245',
    'listen 192.168.0.1',
    'connections 50',
    'stimeout 5',
    'debug',
    'logwtmp',
    'noipparam',
    'pidfile /var/run/pptpd.pid',
    'localip 10.0.0.1',
    '',
  ].join('\n');
  const { conf, issues } = parsePptpdConf(text, 'pptpd.conf');
  assert.equal(conf.option, '/etc/ppp/options.pptpd');
  assert.equal(conf.localip, '192.168.0.1');
  assert.equal(conf.remoteip, '192.168.0.234-238,192.168.0.245');
  assert.equal(conf.listen, '192.168.0.1');
  assert.deepEqual([conf.connections, conf.stimeout, conf.debug, conf.logwtmp, conf.noipparam], [50, 5, true, true, true]);
  assert.equal(conf.pidfile, '/var/run/pptpd.pid');
  assert.deepEqual(issues.map((i) => [i.line, i.severity]), [[12, 'warning']]);
  assert.match(issues[0]?.message ?? '', /first one, on line 3/);
  assert.equal(conf.origins.get('remoteip')?.line, 4);
});

test('unknown and dropped keywords warn with file:line; indented lines are ignored like PoPToP', () => {
  const { conf, issues } = parsePptpdConf('speed 115200\nbcrelay eth1\n debug\nfrob 1\nppp /usr/sbin/pppd\n', 'c');
  assert.equal(conf.debug, undefined);
  assert.deepEqual(issues.map((i) => [i.file, i.line, i.severity]), [
    ['c', 1, 'warning'], ['c', 2, 'warning'], ['c', 3, 'warning'], ['c', 4, 'warning'], ['c', 5, 'warning'],
  ]);
  assert.match(issues[3]?.message ?? '', /unknown pptpd.conf keyword "frob"/);
});

test('bad values: address lists and listen are errors; numbers fall back like atoi', () => {
  const { conf, issues } = parsePptpdConf('remoteip 10.0.0.9-3\nlisten vpn.example\nconnections 0\nlocalip\nlocalip 10.0.0.1 # note\n', 'c');
  assert.deepEqual(issues.map((i) => [i.line, i.severity]), [[1, 'error'], [2, 'error'], [3, 'warning'], [4, 'error'], [5, 'warning']]);
  assert.equal(conf.connections, 100);
  assert.equal(conf.remoteip, undefined);
});

test('a # after the value is part of the value, as in pptpd', () => {
  const { issues } = parsePptpdConf('localip 10.0.0.1 # ours\n', 'c');
  assert.equal(issues[0]?.severity, 'error');
  assert.match(issues[0]?.message ?? '', /space/);
});
