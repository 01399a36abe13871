/**
 * `.dockerignore` matching, compiled: the verdicts of @balena/dockerignore 1.0.2 (the reference,
 * kept as the oracle of test/context/ignore-match.test.ts) with `ignorecase: false` and POSIX
 * separators, exactly, without its per-path work. (On Windows balena takes `\` as a separator
 * and not as an escape; context paths here always use `/`, as Linux builders read them.)
 *
 * Balena's `ignores(path)`, in short: the path is tested as given; its parent directory is
 * `cleanPath(dirname(path))` split on `/`; every rule, in order (the last one that matches
 * wins), tests its regexp on the path and, when the parent is not `.`, on the parent's first
 * `dirs.length` segments (a rule with a `**` segment: on every parent prefix of at least its
 * number of other segments). Here the rules are compiled once per pattern set, the parent's
 * prefixes are computed once per path (offsets into one string, a substring only when a
 * regexp needs one), and the rules are scanned from the last one, stopping at the first match.
 * A literal rule (`node_modules`, `.git`, `app/storage`) is a string comparison and a `**\/`
 * literal one (`**\/bin`) a suffix comparison; everything else runs balena's own regexp, a glob
 * of `*` and `?` (`*.md`, `vendor/*`) only on what has its literal head, tail and slash count.
 *
 * Balena quirks kept on purpose (a verdict must not change with the implementation):
 * - the empty path is ignored;
 * - a path that names a property of `Object.prototype` (`constructor`, `toString`,
 *   `__proto__`...) is never ignored: balena's verdict cache is a plain object tested with `in`;
 * - glob characters balena does not translate keep their regexp meaning (`a+`, `(x|y)`, `a{2}`);
 * - `.` in a regexp does not match a line terminator, so `**` does not cross one;
 * - a pattern whose regexp does not compile (`[`) makes every verdict throw the same error.
 */
import { posix } from 'node:path';
import { oddSegment } from './clean-path.js';

const TRAILING_SLASH = /(?<=.)\/$/;

/** Go's filepath.Clean as balena ports it (POSIX). */
function cleanPath(p: string): string {
  return isClean(p) ? p : posix.normalize(p).replace(TRAILING_SLASH, '');
}

/** Whether cleanPath leaves `p` as it is (most patterns: `node_modules`, `*.md`, `app/logs/*`),
 * without normalize's work: not empty, and no empty, `.` or `..` segment but a leading `/`'s
 * (so no doubled or trailing `/`). */
function isClean(p: string): boolean {
  const len = p.length;
  let seg = len > 0 && p.charCodeAt(0) === 47 ? 1 : 0;
  if (len === 0 || seg === len) return len > 0;
  for (;;) {
    const i = p.indexOf('/', seg);
    const sl = (i < 0 ? len : i) - seg;
    if (oddSegment(p, seg, sl)) return false;
    if (i < 0) return true;
    seg = i + 1;
  }
}

/** Balena's `_checkPattern` and `_createRule`: the cleaned pattern and its sign, or null. */
function createRule(raw: unknown): { pattern: string; negative: boolean } | null {
  if (!raw || typeof raw !== 'string' || raw.indexOf('#') === 0 || raw.trim() === '') return null;
  let pattern = raw.trim();
  let negative = false;
  if (pattern[0] === '!') {
    negative = true;
    pattern = pattern.substring(1).trim();
  }
  if (pattern.length > 0) {
    pattern = cleanPath(pattern);
    if (pattern.length > 1 && pattern[0] === '/') pattern = pattern.slice(1);
  }
  if (negative) pattern = '!' + pattern;
  pattern = pattern.trim();
  if (pattern === '') return null;
  // Cleaned again with the `!` in front: `!../../a` becomes the positive `a`, as in balena.
  pattern = cleanPath(pattern);
  if (pattern[0] === '!') {
    if (pattern.length === 1) return null;
    return { pattern: pattern.substring(1), negative: true };
  }
  return { pattern, negative: false };
}

/** Balena's `_compile`: the regexp source of a cleaned pattern. */
export function regexpSource(p: string): string {
  let s = '^';
  for (let i = 0; i < p.length; i++) {
    const ch = p[i];
    if (ch === '*') {
      if (p[i + 1] === '*') {
        i++;
        if (p[i + 1] === '/') i++;
        s += p[i + 1] === undefined ? '.*' : '(.*/)?';
      } else s += '[^/]*';
    } else if (ch === '?') s += '[^/]';
    else if (ch === '.' || ch === '$') s += '\\' + ch;
    else if (ch === '\\') {
      if (p[i + 1] !== undefined) {
        s += '\\' + p[i + 1];
        i++;
      } else s += '\\';
    } else s += ch;
  }
  return s + '$';
}

/** Characters with a meaning in balena's regexp (`.` and `$` are escaped, so literal). */
const NOT_LITERAL = /[*?\\[\](){}|^+]/;
/** The same but `*` and `?`: a pattern of literal text, `*` and `?` only. */
const NOT_SIMPLE = /[\\[\](){}|^+]/;

const LITERAL = 0; // the regexp matches exactly `lit`
const ANY_DIRS_LITERAL = 1; // `**/lit`: `lit`, or any path ending in `/lit` (no line terminator before)
const GLOB = 2; // literal text, `*` and `?`: the regexp, on what starts with `lit` and ends with `tail`
const REGEXP = 3;

interface Rule {
  kind: number;
  negative: boolean;
  /** LITERAL, ANY_DIRS_LITERAL: the text; GLOB: the text before the first `*` or `?`. */
  lit: string;
  /** GLOB: the text after the last `*` or `?`. */
  tail: string;
  /** GLOB without `**`: what matches has exactly dirs - 1 slashes. */
  exactSlashes: boolean;
  re: RegExp | null;
  /** Segments of the pattern (balena's `rule.dirs.length`). */
  dirs: number;
  /** A `**` segment: every parent prefix of at least `minDirs` segments is tested. */
  star: boolean;
  minDirs: number;
}

function ruleOf(pattern: string, negative: boolean): Rule {
  const dirList = pattern.split('/');
  const star = dirList.includes('**');
  const rule: Rule = {
    kind: REGEXP,
    negative,
    lit: pattern,
    tail: '',
    exactSlashes: false,
    re: null,
    dirs: dirList.length,
    star,
    minDirs: star ? dirList.filter((d) => d !== '**').length : 0,
  };
  if (!NOT_LITERAL.test(pattern)) rule.kind = LITERAL;
  else if (pattern.startsWith('**/') && pattern.length > 3 && !NOT_LITERAL.test(pattern.slice(3))) {
    rule.kind = ANY_DIRS_LITERAL;
    rule.lit = pattern.slice(3);
  } else if (!NOT_SIMPLE.test(pattern)) {
    // The regexp starts with the text before the first `*` or `?` and ends with the text after
    // the last one (but a `/` after `**`, which `(.*/)?` takes). Without `**` (`*` is `[^/]*`,
    // `?` is `[^/]`) what it matches has as many slashes as the pattern.
    rule.kind = GLOB;
    rule.lit = pattern.slice(0, pattern.search(/[*?]/));
    const t = Math.max(pattern.lastIndexOf('*'), pattern.lastIndexOf('?'));
    const anyDirs = pattern.includes('**');
    rule.tail = pattern.slice(anyDirs && pattern[t + 1] === '/' ? t + 2 : t + 1);
    rule.exactSlashes = !anyDirs;
  }
  return rule;
}

// Per-path scratch, reused (the matcher never re-enters itself).
/** bounds[k]: end of the parent's first k segments in `base` (bounds[0] = 0). */
let bounds = new Int32Array(64);
/** The parent prefixes a regexp needed, by segment count (cleared per path). */
const prefixes: (string | undefined)[] = [];

/** No line terminator (which `.` does not match) in `s.slice(0, end)`. */
function singleLine(s: string, end: number): boolean {
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 10 || c === 13 || c === 0x2028 || c === 0x2029) return false;
  }
  return true;
}

/** Whether `s.slice(0, end)`, which holds `slashes` slashes, matches `r` (`k`: it is the
 * parent's prefix of k segments, -1: it is the path). */
function hit(r: Rule, s: string, end: number, slashes: number, k: number): boolean {
  const kind = r.kind;
  const lit = r.lit;
  if (kind === LITERAL) return end === lit.length && s.startsWith(lit);
  if (kind === ANY_DIRS_LITERAL) {
    const l = lit.length;
    if (end < l || !s.startsWith(lit, end - l)) return false;
    return end === l || (s.charCodeAt(end - l - 1) === 47 && singleLine(s, end - l - 1));
  }
  if (kind === GLOB) {
    const tail = r.tail;
    if (
      (r.exactSlashes && slashes !== r.dirs - 1) ||
      end < lit.length + tail.length ||
      !s.startsWith(lit) ||
      !s.startsWith(tail, end - tail.length)
    )
      return false;
  }
  if (end === s.length) return r.re!.test(s);
  let sub = k >= 0 ? prefixes[k] : undefined;
  if (sub === undefined) {
    sub = s.slice(0, end);
    if (k >= 0) prefixes[k] = sub;
  }
  return r.re!.test(sub);
}

/**
 * A compiled "is this path ignored". For a pattern set without a `!` rule, `inKeptFolder` gives
 * the same verdict for a path whose parent folder the set does not ignore (a walk that enters
 * only the folders the set does not ignore asks about nothing else), testing the rules on the
 * path alone: balena tests a rule on the path and on prefixes of its parent, and each of those
 * prefixes is the parent itself or one of the prefixes the parent's own verdict tested the rule
 * on, all without a match (no `!` rule: a folder is not ignored only when no rule matches it).
 * The exceptions take the whole verdict: a path at the top (its parent is `.`), one that is not
 * clean (balena cleans its parent), and one whose parent is a top folder named like a property
 * of `Object.prototype` (kept by balena's quirk, not because no rule matches it).
 */
export type IgnoreMatcher = ((path: string) => boolean) & {
  readonly inKeptFolder?: (path: string) => boolean;
};

/** The compiled "is this path ignored" of `patterns` (balena's `add(patterns).ignores`). */
export function compileIgnore(patterns: readonly string[]): IgnoreMatcher {
  const rules: Rule[] = [];
  let bad: string | null = null;
  for (const raw of patterns) {
    const c = createRule(raw);
    if (c === null) continue;
    const rule = ruleOf(c.pattern, c.negative);
    if (rule.kind !== LITERAL) {
      const src = regexpSource(c.pattern);
      try {
        rule.re = new RegExp(src);
      } catch {
        bad ??= src;
      }
    }
    rules.push(rule);
  }
  const last = rules.length - 1;
  const ignores = (file: string): boolean => {
    if (!file) return true;
    // The parent directory: `base.slice(0, bounds[k])` is its first k of n segments. When the
    // path has no empty, `.` or `..` segment, it is the path up to its last slash.
    const len = file.length;
    if (bounds.length <= len) bounds = new Int32Array(len * 2);
    let clean = true;
    let n = 0;
    let seg = 0;
    for (;;) {
      const i = file.indexOf('/', seg);
      const e = i < 0 ? len : i;
      const sl = e - seg;
      if (
        sl === 0 ||
        (file.charCodeAt(seg) === 46 && (sl === 1 || (sl === 2 && file.charCodeAt(seg + 1) === 46)))
      )
        clean = false;
      if (i < 0) break;
      bounds[++n] = i;
      seg = i + 1;
    }
    const fileSlashes = n;
    // (`in` costs a string-table lookup: only for the names without a slash.)
    if (n === 0 && file in PROTO) return false;
    if (bad !== null) new RegExp(bad); // throws balena's error
    let base = file;
    if (!clean) {
      // Leading, trailing or doubled `/`, `.` or `..` segments: balena's own computation.
      const parent = cleanPath(posix.dirname(file));
      n = 0;
      if (parent !== '.') {
        base = parent;
        for (let i = 0; i < parent.length; i++) if (parent.charCodeAt(i) === 47) bounds[++n] = i;
        bounds[++n] = parent.length;
      }
    }
    // n = 0: the parent is `.`, only the path itself is tested.
    for (let k = 0; k <= n; k++) prefixes[k] = undefined;
    for (let i = last; i >= 0; i--) {
      const r = rules[i];
      let m = hit(r, file, len, fileSlashes, -1);
      if (!m && n > 0) {
        if (r.star) {
          for (let k = r.minDirs; k <= n && !m; k++) m = hit(r, base, bounds[k], k - 1, k);
        } else if (r.dirs <= n) m = hit(r, base, bounds[r.dirs], r.dirs - 1, r.dirs);
      }
      if (m) return !r.negative;
    }
    return false;
  };
  if (rules.some((r) => r.negative)) return ignores;
  /** See IgnoreMatcher. */
  const inKeptFolder = (file: string): boolean => {
    const len = file.length;
    let slashes = 0;
    let seg = 0;
    for (;;) {
      const i = file.indexOf('/', seg);
      const sl = (i < 0 ? len : i) - seg;
      if (oddSegment(file, seg, sl)) return ignores(file);
      if (i < 0) break;
      slashes++;
      seg = i + 1;
    }
    if (slashes === 0 || (slashes === 1 && file.slice(0, seg - 1) in PROTO)) return ignores(file);
    if (bad !== null) new RegExp(bad); // throws balena's error
    for (let i = last; i >= 0; i--) if (hit(rules[i], file, len, slashes, -1)) return true;
    return false;
  };
  return Object.assign(ignores, { inKeptFolder });
}

/** Balena's verdict cache is `{}` tested with `in`: these names hit it before any rule. */
const PROTO: object = {};
