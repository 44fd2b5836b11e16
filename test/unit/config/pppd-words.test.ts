import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitPppdWords, groupLines, MAX_WORD_LENGTH } from '../../../config/pppd-words.js';

const texts = (s: string): string[] => splitPppdWords(s).words.map((w) => w.text);

test('words split on white space; # starts a comment outside quotes', () => {
  assert.deepEqual(texts('a  b\tc # comment d\ne#f'), ['a', 'b', 'c', 'e']);
});

test('quotes group white space and #; both quote kinds; adjacent parts join', () => {
  assert.deepEqual(texts(`"two words" 'a # b' pre"mid"post 'it''s'`), ['two words', 'a # b', 'premidpost', 'its']);
});

test('escapes as pppd: \\\\ \\" \\s \\t octal hex, and a bare letter stands for itself', () => {
  assert.deepEqual(texts('workgroup\\\\user'), ['workgroup\\user']);
  assert.deepEqual(texts('"workgroup\\\\user"'), ['workgroup\\user']);
  assert.deepEqual(texts('a\\sb'), ['a b']);
  assert.deepEqual(texts('\\101\\x42\\t'), ['AB\t']);
  assert.deepEqual(texts('"q\\"uote"'), ['q"uote']);
  const w = splitPppdWords('workgroup\\user').words[0];
  assert.equal(w?.text, 'workgroupuser');
  assert.deepEqual(w?.bareEscapes, ['\\u']);
});

test('backslash-newline continues a line; line numbers follow the source', () => {
  const { words } = splitPppdWords('a b \\\n  c\nd\n"x\ny" z');
  assert.deepEqual(words.map((w) => [w.text, w.line, w.startsLine]), [
    ['a', 1, true],
    ['b', 1, false],
    ['c', 2, false],
    ['d', 3, true],
    ['x\ny', 4, true],
    ['z', 5, false],
  ]);
  assert.deepEqual(groupLines(words).map((l) => l.map((w) => w.text)), [['a', 'b', 'c'], ['d'], ['x\ny', 'z']]);
});

test('literal marks quoted or escaped words', () => {
  const { words } = splitPppdWords('* "*" \\*');
  assert.deepEqual(words.map((w) => [w.text, w.literal]), [['*', false], ['*', true], ['*', true]]);
});

test('an unterminated quote and an over-long word are reported without quoting the word', () => {
  const long = 'x'.repeat(MAX_WORD_LENGTH + 10);
  const { words, issues } = splitPppdWords(`${long}\n"never closed s3cret`);
  assert.equal(words[0]?.text.length, MAX_WORD_LENGTH - 1);
  assert.deepEqual(issues.map((i) => i.line), [1, 2]);
  for (const i of issues) assert.ok(!i.message.includes('s3cret') && !i.message.includes('xxxx'));
});

test('CRLF files and empty input', () => {
  assert.deepEqual(texts('a b\r\nc\r\n'), ['a', 'b', 'c']);
  assert.deepEqual(splitPppdWords('').words, []);
  assert.deepEqual(splitPppdWords('# only a comment\n\n').words, []);
});
