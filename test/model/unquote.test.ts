import { describe, expect, test } from '@jest/globals';
import { expandWith, unquote } from '../../src/model/dockerfile.js';

// The character-at-a-time versions these replaced (the oracle): the new ones copy literal runs as
// slices so that a model keeps flat strings, not chains of one cons string per character.

/** Remove shell-style quotes from a word; null if it holds a variable reference. */
function oldUnquote(raw: string): string | null {
  // Most words hold no quote, escape or variable: the word itself (the loop below would copy it
  // one character at a time).
  if (!/[$\\'"]/.test(raw)) return raw;
  let out = '';
  let i = 0;
  while (i < raw.length) {
    const c = raw[i]!;
    if (c === '$') return null;
    if (c === '\\' && i + 1 < raw.length) {
      out += raw[i + 1];
      i += 2;
    } else if (c === "'") {
      const j = raw.indexOf("'", i + 1);
      if (j < 0) return null;
      out += raw.slice(i + 1, j);
      i = j + 1;
    } else if (c === '"') {
      let j = i + 1;
      while (j < raw.length && raw[j] !== '"') {
        if (raw[j] === '$') return null;
        if (raw[j] === '\\' && j + 1 < raw.length) {
          out += raw[j + 1];
          j += 2;
        } else out += raw[j++];
      }
      if (j >= raw.length) return null;
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Expand Dockerfile variables with a scope; null when something cannot be resolved. */
function oldExpandWith(text: string, vars: Map<string, string | null>): string | null {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\\' && text[i + 1] === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (c !== '$') {
      out += c;
      i++;
      continue;
    }
    let name: string;
    let op = '';
    let word = '';
    if (text[i + 1] === '{') {
      const close = text.indexOf('}', i + 2);
      if (close < 0) return null;
      const inner = text.slice(i + 2, close);
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])(.*))?$/s.exec(inner);
      if (!m) return null;
      name = m[1]!;
      op = m[2] ?? '';
      word = m[3] ?? '';
      i = close + 1;
    } else {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + 1));
      if (!m) {
        out += '$';
        i++;
        continue;
      }
      name = m[0];
      i += 1 + name.length;
    }
    const has = vars.has(name);
    const val = vars.get(name);
    if (op === '') {
      if (!has || val === null || val === undefined) return null;
      out += val;
    } else if (op === ':-' || op === '-') {
      if (!has) return null;
      if (val === null || val === undefined) return null;
      const w = oldExpandWith(word, vars);
      if (w === null) return null;
      out += op === ':-' && val === '' ? w : val;
    } else {
      if (!has || val === null || val === undefined) return null;
      const w = oldExpandWith(word, vars);
      if (w === null) return null;
      out += op === ':+' ? (val !== '' ? w : '') : w;
    }
  }
  return out;
}

/** Deterministic pseudo-random strings over the characters that matter to both functions. */
function* samples(n: number): Generator<string> {
  const alphabet = [
    'a',
    'B',
    '_',
    '1',
    ' ',
    '$',
    '{',
    '}',
    ':',
    '-',
    '+',
    '\\',
    "'",
    '"',
    '/',
    '=',
  ];
  let seed = 42;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let k = 0; k < n; k++) {
    const len = Math.floor(next() * 24);
    let s = '';
    for (let i = 0; i < len; i++) s += alphabet[Math.floor(next() * alphabet.length)];
    yield s;
  }
}

describe('unquote and expandWith copy literal runs', () => {
  const vars = new Map<string, string | null>([
    ['a', 'x'],
    ['B', ''],
    ['a1', 'long value with spaces'],
    ['_', null],
  ]);
  const fixed = [
    '',
    'plain',
    '"quoted word"',
    "'single $x'",
    'a\\ b',
    'trailing\\',
    '"esc \\" inside"',
    '"unterminated',
    "'unterminated",
    '"$var"',
    'pre"mid"post\'q\'end',
    '$a/${a1}/${B:-dflt}/${B-dflt}/${a:+alt}/${a+alt}/\\$a/$/$1/${',
    '${_}',
    '${nope:-x}',
    'a$',
  ];

  test('the same values as character by character', () => {
    for (const s of [...fixed, ...samples(5000)]) {
      expect([s, unquote(s)]).toEqual([s, oldUnquote(s)]);
      expect([s, expandWith(s, vars)]).toEqual([s, oldExpandWith(s, vars)]);
    }
  });
});
