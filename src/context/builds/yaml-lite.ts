/**
 * A quick reader for the common shape of build YAML (compose files, workflows, skaffold): block
 * mappings and sequences, plain and quoted one-line scalars, literal and folded block scalars,
 * one-line flow sequences, comments, anchors and aliases (the compose `x-common: &c` habit). It
 * gives what the `yaml` package gives for such a text (the same plain values under its core
 * schema, the same line for every node), several times faster. Anything else (tags, several
 * documents, multi-line plain or quoted scalars, flow maps, explicit keys, tabs, duplicate keys,
 * an alias to an anchor still open or to a node holding aliases, whatever the package would call
 * an error...)
 * makes it give up (undefined), and the caller reads the text with the package: it never guesses.
 * test/context/yaml-lite.test.ts holds it to the package on thousands of generated texts.
 */

/** A node: its 1-based line (where the package's node range starts) and its children. */
export interface LiteNode {
  line: number;
  /** A mapping's pairs: the key as the package resolves it (`1:` is the number 1), its line. */
  pairs?: LitePair[];
  items?: LiteNode[];
}
export interface LitePair {
  key: unknown;
  keyLine: number;
  value: LiteNode;
}

export interface LiteDoc {
  value: unknown;
  root: LiteNode;
}

/** Thrown to give up; caught in readLite only. */
class Bail extends Error {}
function bail(): never {
  throw new Bail();
}

// Characters the reader does not take on: CR (line ends other than LF), controls, Unicode line
// separators and byte-order marks, document markers and directives at the start of a line.
const REFUSED =
  /[\r\x00-\x08\x0b-\x1f\x7f\u0085\u2028\u2029\ufeff]|^(?:\.\.\.|%)|^---(?=[ \t\n]|$)/m;
// Characters a plain scalar may not start with (`-`, `?`, `:` are handled apart).
const PLAIN_FIRST_REFUSED = new Set([...',[]{}#&*!|>\'"%@`?:']);
// (each regexp made once: a regexp literal makes a new RegExp object every time it is evaluated,
// and these are evaluated per line, key or scalar)
const LEAD = /^(?:(?: *#[^\n]*)?\n)*---(?: +#[^\n]*| *)(?:\n|$)/;
const BLANK_HASH = /\s#/;
const EMPTY_FLOW_MAP = /^\{ *\}/;
const SPACES = /^ *$/;
const FLOW_PLAIN_REFUSED = /[[\]{}#]|: |:$/;
const HEX_DIGITS = /^[0-9a-fA-F]+$/;
// Plain scalars: the first characters of anything but a string, and the core schema's forms.
const NULL = /^(?:~|[Nn]ull|NULL)$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const OCT = /^0o[0-7]+$/;
const INT = /^[-+]?[0-9]+$/;
const HEX = /^0x[0-9a-fA-F]+$/;
const INF_NAN = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

/** The document of `text`, or undefined when the package must read it. */
export function readLite(text: string): LiteDoc | undefined {
  // One leading `---` line is allowed (workflows and skaffold files often start with one).
  let body = text;
  let skipFirst = -1;
  const lead = LEAD.exec(text);
  if (lead) {
    skipFirst = lead[0].split('\n').length - 2;
    body = text.slice(lead[0].length);
  }
  if (REFUSED.test(body)) return undefined;
  try {
    return new Reader(text.split('\n'), skipFirst).document();
  } catch (err) {
    if (err instanceof Bail) return undefined;
    throw err;
  }
}

type Item = { node: LiteNode; value: unknown };
const ANCHOR = /^&([A-Za-z0-9_.-]+)(?: +|$)/;
const ALIAS = /^\*([A-Za-z0-9_.-]+)/;

class Reader {
  private i = 0;
  /** Anchors met so far (null: not to be aliased here), those still open, aliases met. */
  private readonly anchors = new Map<string, { value: unknown } | null>();
  private readonly open = new Set<string>();
  private aliases = 0;
  /** The indentation of the line skipBlank stopped at (the current line after it returned true). */
  private indent = 0;
  constructor(
    private readonly lines: string[],
    private readonly marker: number,
  ) {}

  document(): LiteDoc {
    if (this.marker >= 0) {
      // (the lines up to the marker are blank or comments; the marker line is skipped)
      this.i = this.marker + 1;
    }
    if (!this.skipBlank()) bail();
    if (this.indent !== 0) bail();
    const r = this.block(-1, false) ?? bail();
    if (this.skipBlank()) bail();
    return { value: r.value, root: r.node };
  }

  /** Moves to the next line holding content (its indentation: `indent`); false at the end. Tabs
   * outside block scalars: bail. */
  private skipBlank(): boolean {
    const lines = this.lines;
    for (; this.i < lines.length; this.i++) {
      const l = lines[this.i]!;
      if (l.includes('\t')) bail();
      // (content: something other than spaces before the line's end or a `#`)
      const k = indentOf(l);
      if (k < l.length && l.charCodeAt(k) !== 35 /* # */) {
        this.indent = k;
        return true;
      }
    }
    return false;
  }

  /** A block collection or a scalar on the lines below (deeper than `parent`; a sequence may
   * also sit at `parent` itself under a map key), or null when there is none. */
  private block(parent: number, seqAtParent: boolean): { node: LiteNode; value: unknown } | null {
    if (!this.skipBlank()) return null;
    const line = this.lines[this.i]!;
    const n = this.indent;
    if (n > parent) {
      if (isSeqAt(line, n)) return this.seq(n);
      const key = this.keyAt(line, n);
      if (key) return this.map(n, n, key);
      // A scalar alone on its line (`run:` then the command below); not a block scalar or flow.
      if ('|>[{'.includes(line[n]!)) bail();
      return this.inline(line, n, parent);
    }
    if (seqAtParent && n === parent && isSeqAt(line, n)) return this.seq(n);
    return null;
  }

  private seq(n: number): { node: LiteNode; value: unknown[] } {
    const node: LiteNode = { line: this.i + 1, items: [] };
    const value: unknown[] = [];
    for (;;) {
      const line = this.lines[this.i]!;
      let c = n + 1;
      while (line.charCodeAt(c) === 32) c++;
      if (isSeqAt(line, c)) bail();
      // (`-` is followed by a space or the line's end: a `#` after it starts a comment)
      const key = c < line.length && line[c] !== '#' ? this.keyAt(line, c) : null;
      const item = key ? this.map(c, c, key) : this.value(line, c, n, false);
      node.items!.push(item.node);
      value.push(item.value);
      if (!this.skipBlank()) break;
      const next = this.lines[this.i]!;
      const m = this.indent;
      if (m > n) bail();
      if (m < n || !isSeqAt(next, n)) break;
    }
    return { node, value };
  }

  /** A block map at indent `n`, its first key at column `col` of the current line (`first`:
   * that key, as keyAt read it). */
  private map(
    n: number,
    col: number,
    first: { key: unknown; end: number },
  ): { node: LiteNode; value: Record<string, unknown> } {
    const node: LiteNode = { line: this.i + 1, pairs: [] };
    const value: Record<string, unknown> = {};
    for (let c = col, k: { key: unknown; end: number } | null = first; ; c = n, k = null) {
      const at = this.i;
      const line = this.lines[at]!;
      k ??= this.keyAt(line, c) ?? bail();
      const jsKey = k.key === null ? '' : String(k.key);
      // (`<<` is a key like any other: the package merges nothing under YAML 1.2)
      // (a key seen before is one of the value's own: each key seen is set below)
      if (Object.hasOwn(value, jsKey) || jsKey === '__proto__') bail();
      // (the key's `:` is followed by a space or the line's end)
      let v = k.end;
      while (line.charCodeAt(v) === 32) v++;
      const item = this.value(line, v, n, true);
      node.pairs!.push({ key: k.key, keyLine: at + 1, value: item.node });
      value[jsKey] = item.value;
      if (!this.skipBlank()) break;
      const next = this.lines[this.i]!;
      const m = this.indent;
      if (m > n || (m === n && isSeqAt(next, n))) bail();
      if (m < n) break;
    }
    return { node, value };
  }

  /** The value of a map entry or sequence item (of a collection at indent `n`) that starts at
   * column `v` of the current line, with its anchor (`&name`) or as an alias (`*name`). */
  private value(line: string, v: number, n: number, seqAtParent: boolean): Item {
    const at = this.i;
    let anchor: string | null = null;
    if (line[v] === '&') {
      const m = ANCHOR.exec(line.slice(v)) ?? bail();
      anchor = m[1]!;
      if (this.open.has(anchor)) bail();
      this.open.add(anchor);
      v += m[0].length;
      if (line[v] === '*' || line[v] === '&' || line[v] === '!') bail();
    }
    const aliasesBefore = this.aliases;
    let item: Item;
    if (v >= line.length || line[v] === '#') {
      this.i++;
      item =
        this.block(n, seqAtParent) ?? (anchor ? bail() : { node: { line: at + 1 }, value: null });
    } else if (line[v] === '*') item = this.alias(line, v);
    else item = this.inline(line, v, n);
    if (anchor) {
      this.open.delete(anchor);
      // An anchored node holding aliases is not taken (the package's alias-count limit).
      this.anchors.set(anchor, this.aliases === aliasesBefore ? { value: item.value } : null);
    }
    return item;
  }

  /** An alias (`*name`) at column `v`: the very value of the node anchored last by that name. */
  private alias(line: string, v: number): Item {
    const m = ALIAS.exec(line.slice(v)) ?? bail();
    const name = m[1]!;
    if (!restOk(line, v + m[0].length)) bail();
    const target = this.open.has(name) ? null : this.anchors.get(name);
    if (!target || ++this.aliases > 1000) bail();
    this.i++;
    return { node: { line: this.i }, value: target.value };
  }

  /** The key of a map entry at column `c` (resolved; `end` just past its `:`), or null when the
   * line holds no implicit key there. */
  private keyAt(line: string, c: number): { key: unknown; end: number } | null {
    const ch = line[c];
    if (ch === '"' || ch === "'") {
      const q = ch === '"' ? doubleQuoted(line, c) : singleQuoted(line, c);
      if (!q) return null;
      let e = q.end;
      while (line.charCodeAt(e) === 32) e++;
      if (line[e] !== ':') return null;
      if (e + 1 < line.length && line[e + 1] !== ' ') bail();
      return { key: q.value, end: e + 1 };
    }
    const colon = keyColon(line, c);
    if (colon < 0) return null;
    const text = line.slice(c, colon).trimEnd();
    if (text === '' || text.length > 1000 || (text.includes('#') && BLANK_HASH.test(text))) bail();
    return { key: plain(text), end: colon + 1 };
  }

  /** A value that starts on this line at column `c` (in a collection at indent `n`). */
  private inline(line: string, c: number, n: number): { node: LiteNode; value: unknown } {
    const at = this.i;
    const node: LiteNode = { line: at + 1 };
    const ch = line[c]!;
    let value: unknown;
    let end: number;
    if (ch === '"' || ch === "'") {
      const q = (ch === '"' ? doubleQuoted(line, c) : singleQuoted(line, c)) ?? bail();
      value = q.value;
      end = q.end;
    } else if (ch === '[') {
      const f = flowSeq(line, c, at + 1);
      node.items = f.nodes;
      value = f.value;
      end = f.end;
    } else if (ch === '{') {
      if (!EMPTY_FLOW_MAP.test(line.slice(c))) bail();
      node.pairs = [];
      value = {};
      end = line.indexOf('}', c) + 1;
    } else if (ch === '|' || ch === '>') {
      value = this.blockScalar(line, c, n);
      return { node, value };
    } else {
      let e = line.indexOf(' #', c);
      if (e < 0) e = line.length;
      const text = line.slice(c, e).trimEnd();
      checkPlain(text);
      if (text.includes(': ') || text.endsWith(':')) bail();
      value = plain(text);
      end = e;
    }
    if (!restOk(line, end)) bail();
    this.i++;
    return { node, value };
  }

  /** A literal (`|`) or folded (`>`) block scalar whose header is at column `c`. */
  private blockScalar(line: string, c: number, n: number): string {
    const header = line.slice(c + 1);
    const chomp = header[0] === '-' ? '-' : '';
    if (!restOk(line, c + 1 + chomp.length)) bail();
    const lines = this.lines;
    let j = this.i + 1;
    // The content's indentation is that of its first non-blank line.
    let lead = 0;
    while (j < lines.length && SPACES.test(lines[j]!)) {
      lead = Math.max(lead, lines[j]!.length);
      j++;
    }
    if (j >= lines.length) bail();
    const ci = indentOf(lines[j]!);
    if (ci <= n || lead > ci) bail();
    const body: string[] = [];
    for (let k = this.i + 1; k < j; k++) body.push('');
    for (; j < lines.length; j++) {
      const l = lines[j]!;
      if (SPACES.test(l)) {
        if (l.length > ci) bail();
        body.push('');
        continue;
      }
      if (indentOf(l) < ci) break;
      body.push(l.slice(ci));
    }
    this.i = j;
    let last = body.length;
    while (last > 0 && body[last - 1] === '') last--;
    const core = body.slice(0, last);
    let text: string;
    if (line[c] === '|') text = core.join('\n');
    else {
      text = '';
      let started = false;
      let blanks = 0;
      for (const l of core) {
        if (l === '') {
          blanks++;
          continue;
        }
        if (l[0] === ' ' || l[0] === '\t') bail();
        text += started ? (blanks ? '\n'.repeat(blanks) : ' ') : '\n'.repeat(blanks);
        text += l;
        started = true;
        blanks = 0;
      }
    }
    return chomp === '-' ? text : `${text}\n`;
  }
}

function indentOf(line: string): number {
  let n = 0;
  while (line.charCodeAt(n) === 32) n++;
  return n;
}

/** Whether the rest of a line from column `from` is blank or spaces and a comment (the lines
 * read hold no line break of any kind: see REFUSED). */
function restOk(line: string, from: number): boolean {
  if (from >= line.length) return true;
  if (line.charCodeAt(from) !== 32) return false;
  let k = from + 1;
  while (line.charCodeAt(k) === 32) k++;
  return k === line.length || line.charCodeAt(k) === 35; /* # */
}

/** Whether a plain scalar starting with char code `c` may be anything but a string (null,
 * a bool, a number): `-+.0-9nNtTfF~`. */
function mayNotBeString(c: number): boolean {
  return (
    (c >= 48 && c <= 57) ||
    c === 45 ||
    c === 43 ||
    c === 46 ||
    c === 110 ||
    c === 78 ||
    c === 116 ||
    c === 84 ||
    c === 102 ||
    c === 70 ||
    c === 126
  );
}

/** A `-` entry at column `c`. */
function isSeqAt(line: string, c: number): boolean {
  return line[c] === '-' && (c + 1 === line.length || line[c + 1] === ' ');
}

/** The column of the `:` ending a plain key that starts at `c` (-1: none before a comment). */
function keyColon(line: string, c: number): number {
  for (let k = c; k < line.length; k++) {
    const ch = line[k];
    if (ch === ':' && (k + 1 === line.length || line[k + 1] === ' ')) return k;
    if (ch === '#' && k > c && line[k - 1] === ' ') return -1;
  }
  return -1;
}

function checkPlain(text: string): void {
  const ch = text[0];
  if (ch === undefined || PLAIN_FIRST_REFUSED.has(ch)) bail();
  if (ch === '-' && (text.length === 1 || text[1] === ' ')) bail();
}

/** A plain scalar's value under the core schema (as the package resolves it). */
export function plain(text: string): unknown {
  checkPlain(text);
  const ch = text[0]!;
  // Only these can start anything but a string.
  if (!mayNotBeString(ch.charCodeAt(0))) return text;
  if (NULL.test(text)) return null;
  if (BOOL.test(text)) return ch === 't' || ch === 'T';
  if (OCT.test(text)) return parseInt(text.substring(2), 8);
  if (INT.test(text)) return parseInt(text, 10);
  if (HEX.test(text)) return parseInt(text.substring(2), 16);
  if (INF_NAN.test(text))
    return text.slice(-3).toLowerCase() === 'nan'
      ? NaN
      : text[0] === '-'
        ? Number.NEGATIVE_INFINITY
        : Number.POSITIVE_INFINITY;
  if (EXP.test(text)) return parseFloat(text);
  if (FLOAT.test(text)) return parseFloat(text);
  return text;
}

const ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  t: '\t',
  n: '\n',
  v: '\v',
  f: '\f',
  r: '\r',
  e: '\x1b',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
};

/** A one-line double-quoted scalar at `c` (null: it does not close on this line). */
function doubleQuoted(line: string, c: number): { value: string; end: number } | null {
  // (most have no escape: their text is a slice of the line, not built a character at a time)
  for (let k = c + 1; k < line.length; k++) {
    const ch = line.charCodeAt(k);
    if (ch === 34 /* " */) return { value: line.slice(c + 1, k), end: k + 1 };
    if (ch === 92 /* \ */) break;
  }
  let out = '';
  for (let k = c + 1; k < line.length; k++) {
    const ch = line[k]!;
    if (ch === '"') return { value: out, end: k + 1 };
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const e = line[++k];
    if (e === undefined) return null;
    const simple = ESCAPES[e];
    if (simple !== undefined) {
      out += simple;
      continue;
    }
    const len = e === 'x' ? 2 : e === 'u' ? 4 : 0;
    const hex = line.slice(k + 1, k + 1 + len);
    if (!len || !HEX_DIGITS.test(hex) || hex.length !== len) bail();
    out += String.fromCodePoint(parseInt(hex, 16));
    k += len;
  }
  return null;
}

/** A one-line single-quoted scalar at `c` (null: it does not close on this line). */
function singleQuoted(line: string, c: number): { value: string; end: number } | null {
  // (most have no doubled quote: their text is a slice of the line)
  const close = line.indexOf("'", c + 1);
  if (close >= 0 && line.charCodeAt(close + 1) !== 39 /* ' */)
    return { value: line.slice(c + 1, close), end: close + 1 };
  let out = '';
  for (let k = c + 1; k < line.length; k++) {
    const ch = line[k]!;
    if (ch !== "'") out += ch;
    else if (line[k + 1] === "'") {
      out += "'";
      k++;
    } else return { value: out, end: k + 1 };
  }
  return null;
}

/** A one-line flow sequence of scalars at `c` (`[a, "b"]`). */
function flowSeq(
  line: string,
  c: number,
  lineNo: number,
): { nodes: LiteNode[]; value: unknown[]; end: number } {
  const nodes: LiteNode[] = [];
  const value: unknown[] = [];
  let k = c + 1;
  const space = () => {
    while (line.charCodeAt(k) === 32) k++;
  };
  space();
  if (line[k] === ']') return { nodes, value, end: k + 1 };
  for (;;) {
    space();
    const ch = line[k];
    if (ch === '"' || ch === "'") {
      const q = (ch === '"' ? doubleQuoted(line, k) : singleQuoted(line, k)) ?? bail();
      value.push(q.value);
      k = q.end;
    } else {
      let e = k;
      while (e < line.length && line[e] !== ',' && line[e] !== ']') e++;
      const text = line.slice(k, e).trimEnd();
      if (FLOW_PLAIN_REFUSED.test(text)) bail();
      value.push(plain(text));
      k = e;
    }
    nodes.push({ line: lineNo });
    space();
    if (line[k] === ']') return { nodes, value, end: k + 1 };
    if (line[k] !== ',') bail();
    k++;
  }
}
