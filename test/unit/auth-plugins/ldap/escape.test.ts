import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AndFilter, EqualityFilter, FilterParser } from 'ldapts';
import { buildFilter, checkFilterTemplate, escapeFilterValue } from '../../../../auth-plugins/ldap/escape.js';

test('RFC 4515 §3: NUL ( ) * \\ become \\XX; everything else stays', () => {
  assert.equal(escapeFilterValue('*'), '\\2a');
  assert.equal(escapeFilterValue('('), '\\28');
  assert.equal(escapeFilterValue(')'), '\\29');
  assert.equal(escapeFilterValue('\\'), '\\5c');
  assert.equal(escapeFilterValue('\0'), '\\00');
  assert.equal(escapeFilterValue('*)(uid=*'), '\\2a\\29\\28uid=\\2a');
  assert.equal(escapeFilterValue('CORP\\alice'), 'CORP\\5calice');
  assert.equal(escapeFilterValue('alice@corp.example'), 'alice@corp.example');
  assert.equal(escapeFilterValue('Zoë=ü&|!'), 'Zoë=ü&|!');
  assert.equal(escapeFilterValue(''), '');
  // An escape sequence typed by the user is itself escaped, not honoured.
  assert.equal(escapeFilterValue('\\2a'), '\\5c2a');
});

test('buildFilter replaces every {user}', () => {
  assert.equal(buildFilter('(|(uid={user})(mail={user}))', 'a*'), '(|(uid=a\\2a)(mail=a\\2a))');
});

test('known injection strings parse to one equality on exactly the input', () => {
  for (const evil of ['*', '*)(uid=*', 'alice)(|(uid=*', 'alice)(objectClass=*', '\\', '\\2a', 'a\0b', ')(', '*)(&', 'x*)(y']) {
    const f = FilterParser.parseString(buildFilter('(uid={user})', evil));
    assert.ok(f instanceof EqualityFilter, `${JSON.stringify(evil)} stayed an equality`);
    assert.equal(f.attribute, 'uid');
    assert.equal(f.value, evil);
  }
});

test('bounded fuzz: any string stays one value, in a compound template too', () => {
  const alphabet = ['*', '(', ')', '\\', '\0', '=', '&', '|', '!', '~', '>', '<', ':', 'a', 'Z', '0', ' ', 'é', '€', '\u{1F600}', '2', 'f'];
  let seed = 12345;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let i = 0; i < 3000; i++) {
    let s = '';
    const len = 1 + rnd(12);
    for (let j = 0; j < len; j++) s += alphabet[rnd(alphabet.length)];
    const f = FilterParser.parseString(buildFilter('(&(objectClass=sambaSamAccount)(uid={user}))', s));
    assert.ok(f instanceof AndFilter);
    assert.equal(f.filters.length, 2);
    const eq = f.filters[1];
    assert.ok(eq instanceof EqualityFilter, JSON.stringify(s));
    assert.equal(eq.attribute, 'uid');
    assert.equal(eq.value, s);
  }
});

test('filter templates are checked', () => {
  assert.equal(checkFilterTemplate('(uid={user})'), undefined);
  assert.equal(checkFilterTemplate('(&(objectClass=person)(|(uid={user})(mail={user})))'), undefined);
  assert.match(checkFilterTemplate('(uid=alice)') ?? '', /\{user\}/);
  assert.match(checkFilterTemplate('uid={user}') ?? '', /parenthesised/);
  assert.match(checkFilterTemplate('(&(uid={user})') ?? '', /not a valid LDAP filter/);
});
