// The word grammar pppd uses for options files and secrets files (pppd/options.c
// getword()), re-implemented from its documented behaviour:
// - words are separated by white space; `#` outside quotes starts a comment to end of line;
// - "double" or 'single' quotes group characters, white space and `#` included, and a
//   quoted word may run across lines (the newline becomes part of the word);
// - a backslash escapes, inside quotes too: \\ is a backslash, \" a quote, \s a space,
//   \a \b \f \n \r \t as in C, \ddd octal (up to 3 digits), \xHH hex (up to 2 digits),
//   any other character stands for itself (so an unquoted workgroup\user reads as
//   "workgroupuser": write workgroup\\user), and backslash-newline is a continuation;
// - a word is at most MAXWORDLEN-1 bytes; longer words are cut (pppd warns).
// Secrets files are line based on top of this: a word that follows an unescaped newline
// starts a new entry (`startsLine`).

/** pppd's MAXWORDLEN (pppd.h). */
export const MAX_WORD_LENGTH = 1024;

export interface Word {
  readonly text: string;
  /** 1-based line where the word starts. */
  readonly line: number;
  /** True for the first word after an unescaped newline (or the first word of the file). */
  readonly startsLine: boolean;
  /** True when the word used quotes or escapes (so `*` or `-` were not written bare). */
  readonly literal: boolean;
  /** Escapes such as \u that pppd reads as the bare letter: a likely mistake. */
  readonly bareEscapes: readonly string[];
}

export interface WordIssue {
  readonly line: number;
  readonly message: string;
}

const C_ESCAPES: Readonly<Record<string, string>> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  s: ' ',
  t: '\t',
};

const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\v' || c === '\f';
const isOctal = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '7';
const isHex = (c: string | undefined): boolean => c !== undefined && /^[0-9a-fA-F]$/.test(c);

/**
 * Split a file into pppd words. Never throws; problems (a quote left open at the end
 * of the file, an over-long word) come back as issues that never quote the word itself,
 * since the word may be a secret.
 */
export function splitPppdWords(text: string): { words: Word[]; issues: WordIssue[] } {
  const words: Word[] = [];
  const issues: WordIssue[] = [];
  const n = text.length;
  let i = 0;
  let line = 1;
  let sawNewline = true; // the first word of a file starts a line
  while (i < n) {
    // Skip white space and comments; note whether an unescaped newline went by.
    let c = text[i] as string;
    if (c === '\n') {
      line++;
      sawNewline = true;
      i++;
      continue;
    }
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    if (c === '\\' && text[i + 1] === '\n') {
      // Backslash-newline between words: a continuation, not a new line.
      line++;
      i += 2;
      continue;
    }
    // A word starts here.
    const startLine = line;
    let out = '';
    let quote: string | undefined;
    let literal = false;
    const bare: string[] = [];
    while (i < n) {
      c = text[i] as string;
      if (c === '\\') {
        literal = true;
        const e = text[i + 1];
        if (e === undefined) {
          i++;
          break;
        }
        if (e === '\n') {
          line++;
          i += 2;
          continue;
        }
        if (C_ESCAPES[e] !== undefined) {
          out += C_ESCAPES[e];
          i += 2;
        } else if (isOctal(e)) {
          let v = 0;
          let k = i + 1;
          for (let d = 0; d < 3 && isOctal(text[k]); d++, k++) v = v * 8 + Number(text[k]);
          out += String.fromCharCode(v & 255);
          i = k;
        } else if (e === 'x') {
          let v = 0;
          let k = i + 2;
          for (let d = 0; d < 2 && isHex(text[k]); d++, k++) v = v * 16 + parseInt(text[k] as string, 16);
          out += String.fromCharCode(v);
          i = k;
        } else {
          if (/[A-Za-z]/.test(e)) bare.push(`\\${e}`);
          out += e;
          i += 2;
        }
        continue;
      }
      if (quote !== undefined) {
        if (c === quote) quote = undefined;
        else {
          if (c === '\n') line++;
          out += c;
        }
        i++;
        continue;
      }
      if (c === '"' || c === "'") {
        quote = c;
        literal = true;
        i++;
        continue;
      }
      if (isSpace(c) || c === '#') break;
      out += c;
      i++;
    }
    if (quote !== undefined) issues.push({ line: startLine, message: 'a quoted word runs to the end of the file' });
    if (out.length >= MAX_WORD_LENGTH) {
      issues.push({ line: startLine, message: `a word is longer than ${MAX_WORD_LENGTH - 1} characters and was cut, as pppd does` });
      out = out.slice(0, MAX_WORD_LENGTH - 1);
    }
    words.push({ text: out, line: startLine, startsLine: sawNewline, literal, bareEscapes: bare });
    sawNewline = false;
  }
  return { words, issues };
}

/** Group words into logical lines (entries): each group starts with a `startsLine` word. */
export function groupLines(words: readonly Word[]): Word[][] {
  const lines: Word[][] = [];
  for (const w of words) {
    const last = lines[lines.length - 1];
    if (w.startsLine || last === undefined) lines.push([w]);
    else last.push(w);
  }
  return lines;
}
