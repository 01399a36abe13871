/**
 * BuildKit's word processing (frontend/dockerfile/shell/lex.go) and word splitting (ENV/ARG).
 *
 * Not the parse model's `expand`/`varsAt`/`workdirAt`/`splitWords`, on purpose: a cache key needs
 * BuildKit's exact values, and the parse model answers a different question (is a value known
 * statically, for a safe rewrite). It gives null for any unknown variable where BuildKit
 * substitutes '' (or keeps `$X` in a RUN's name), has no `--build-arg` values, and follows the
 * documented scoping where BuildKit 0.8 differs (docs/cache-model.md). So the cache model keeps
 * its own per-stage state (env, user, shell, workdir) built with these functions.
 */

export interface WordOptions {
  /** Keep quotes (RUN's step name). */
  rawQuotes?: boolean;
  /** Leave unknown variables as written (`$X`) instead of the empty string. */
  skipUnset?: boolean;
  escape?: string;
}

/** BuildKit's ProcessWord: quotes, escapes and `$VAR`/`${VAR}`/`${VAR:-x}`/`${VAR:+x}`.
 * `unresolved` says a variable had no known value; null on a syntax error. */
export function processWord(
  word: string,
  env: ReadonlyMap<string, string>,
  options: WordOptions = {},
): { value: string; unresolved: boolean } | null {
  const esc = options.escape ?? '\\';
  let i = 0;
  let unresolved = false;
  const name = (): string => {
    let out = '';
    if (i < word.length && /[0-9]/.test(word[i]!)) {
      while (i < word.length && /[0-9]/.test(word[i]!)) out += word[i++];
      return out;
    }
    if (i < word.length && '@*#?-$!0'.includes(word[i]!)) return word[i++]!;
    while (i < word.length && /[\p{L}\p{N}_]/u.test(word[i]!)) out += word[i++];
    return out;
  };
  const lookup = (n: string): string | undefined => {
    const v = env.get(n);
    if (v === undefined) unresolved = true;
    return v;
  };
  const dollar = (): string | null => {
    i++; // $
    if (word[i] !== '{') {
      const n = name();
      if (n === '') return '$';
      const v = lookup(n);
      if (v === undefined) return options.skipUnset ? '$' + n : '';
      return v;
    }
    i++; // {
    if (i >= word.length || '{}:'.includes(word[i]!)) return null;
    const n = name();
    const ch = word[i++];
    if (ch === '}') {
      const v = lookup(n);
      if (v === undefined) return options.skipUnset ? `\${${n}}` : '';
      return v;
    }
    if (ch === ':' || ch === '?') {
      const modifier = ch === ':' ? word[i++] : '?';
      const inner = stopOn('}');
      if (inner === null) return null;
      const v = env.get(n);
      if (v === undefined) unresolved = true;
      if (v === undefined && options.skipUnset)
        return `\${${n}${ch === ':' ? ':' : ''}${modifier}${inner}}`;
      if (modifier === '+') return v !== undefined && v !== '' ? inner : (v ?? '');
      if (modifier === '-') return v === undefined || v === '' ? inner : v;
      if (modifier === '?') return v ?? '';
      return null;
    }
    return null;
  };
  const single = (): string | null => {
    let out = options.rawQuotes ? "'" : '';
    i++;
    while (i < word.length && word[i] !== "'") out += word[i++];
    if (i >= word.length) return null;
    i++;
    return out + (options.rawQuotes ? "'" : '');
  };
  const double = (): string | null => {
    let out = options.rawQuotes ? '"' : '';
    i++;
    for (;;) {
      if (i >= word.length) return null;
      const c = word[i]!;
      if (c === '"') {
        i++;
        return out + (options.rawQuotes ? '"' : '');
      }
      if (c === '$') {
        const v = dollar();
        if (v === null) return null;
        out += v;
        continue;
      }
      i++;
      if (c === esc) {
        if (i >= word.length) continue;
        if (word[i] === '"' || word[i] === '$' || word[i] === esc) {
          out += word[i++];
          continue;
        }
      }
      out += c;
    }
  };
  function stopOn(stop: string | null): string | null {
    let out = '';
    while (i < word.length) {
      const c = word[i]!;
      if (stop !== null && c === stop) {
        i++;
        return out;
      }
      let part: string | null;
      if (c === "'") part = single();
      else if (c === '"') part = double();
      else if (c === '$') part = dollar();
      else {
        i++;
        if (c === esc) {
          if (i >= word.length) break;
          part = word[i++]!;
        } else part = c;
      }
      if (part === null) return null;
      out += part;
    }
    return stop === null ? out : null;
  }
  const value = stopOn(null);
  return value === null ? null : { value, unresolved };
}

/** BuildKit's parseWords (ENV/ARG arguments): split on blanks outside quotes, keeping quotes and
 * escapes in the words. */
export function parseWords(rest: string, esc = '\\'): string[] {
  const words: string[] = [];
  let word = '';
  let phase: 'spaces' | 'word' | 'quote' = 'spaces';
  let quote = '';
  let blankOK = false;
  for (let pos = 0; pos <= rest.length; pos++) {
    let ch = rest[pos] ?? '';
    if (phase === 'spaces') {
      if (pos === rest.length) break;
      if (/\s/.test(ch)) continue;
      phase = 'word';
    }
    if (pos === rest.length) {
      if (blankOK || word.length > 0) words.push(word);
      break;
    }
    if (phase === 'word') {
      if (/\s/.test(ch)) {
        phase = 'spaces';
        if (blankOK || word.length > 0) words.push(word);
        word = '';
        blankOK = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOK = true;
        phase = 'quote';
      }
      if (ch === esc) {
        if (pos + 1 === rest.length) continue;
        word += ch;
        ch = rest[++pos]!;
      }
      word += ch;
      continue;
    }
    // in quote
    if (ch === quote) phase = 'word';
    if (ch === esc && quote !== "'") {
      if (pos + 1 === rest.length) {
        phase = 'word';
        continue;
      }
      word += ch;
      ch = rest[++pos]!;
    }
    word += ch;
  }
  return words;
}

/** `ENV a=b c=d` / legacy `ENV a b c` -> [name, raw value]. */
export function envPairs(text: string, esc: string): [string, string][] {
  const words = parseWords(text, esc);
  if (words.length === 0) return [];
  if (!words[0]!.includes('=')) {
    const m = /^(\S+)\s*([\s\S]*)$/.exec(text.trim());
    return m ? [[m[1]!, m[2]!]] : [];
  }
  return words
    .filter((w) => w.includes('='))
    .map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]);
}

/** `ARG a=b c` -> [name, raw default or null]. */
export function argPairs(text: string, esc: string): [string, string | null][] {
  return parseWords(text, esc).map((w) => {
    const eq = w.indexOf('=');
    return eq < 0 ? [w, null] : [w.slice(0, eq), w.slice(eq + 1)];
  });
}
