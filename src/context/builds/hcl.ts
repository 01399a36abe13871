/**
 * HCL (bake files) read with the tree-sitter-hcl grammar (`@tree-sitter-grammars/tree-sitter-hcl`,
 * loaded by web-tree-sitter like the shell grammar), and the small part of HCL's expression
 * language a bake file's build settings use: literals, quoted and heredoc templates with `${var}`
 * interpolation, tuples, objects and variable references. Anything else (function calls,
 * conditionals, operators, `for`) evaluates to UNKNOWN.
 */
import { createRequire } from 'node:module';
import { Language, Parser, type Node } from 'web-tree-sitter';
import { withBaselineWasm } from '../../model/wasm.js';

export const UNKNOWN: unique symbol = Symbol('unknown');
export type HclValue =
  string | number | boolean | null | typeof UNKNOWN | HclValue[] | { [key: string]: HclValue };

export interface HclAttribute {
  name: string;
  expr: Node;
  line: number;
}

export interface HclBlock {
  type: string;
  labels: string[];
  line: number;
  attributes: Map<string, HclAttribute>;
}

let parser: Parser | null = null;
let loading: Promise<void> | null = null;

/** Load the grammar once (async; every other function here is synchronous). */
export function initHclParser(): Promise<void> {
  loading ??= withBaselineWasm(async () => {
    const require = createRequire(import.meta.url);
    await Parser.init();
    const wasm = require.resolve('@tree-sitter-grammars/tree-sitter-hcl/tree-sitter-hcl.wasm');
    const lang = await Language.load(wasm);
    const p = new Parser();
    p.setLanguage(lang);
    parser = p;
  });
  return loading;
}

export class HclSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

function firstError(n: Node): Node | null {
  if (n.type === 'ERROR' || n.isMissing) return n;
  if (!n.hasError) return null;
  for (const c of n.children) {
    if (!c) continue;
    const e = firstError(c);
    if (e) return e;
  }
  return n;
}

/** The top-level blocks of an HCL file; a syntax error throws an HclSyntaxError with its line.
 * The tree is kept alive for the attributes' expression nodes (read them before the next parse). */
export function parseHcl(text: string): HclBlock[] {
  if (!parser)
    throw new Error('internal error: HCL parser not initialised (call initHclParser first)');
  const tree = parser.parse(text);
  if (!tree) throw new Error('internal error: HCL parser returned no tree');
  const root = tree.rootNode;
  if (root.hasError) {
    const e = firstError(root)!;
    const what = e.isMissing
      ? `missing ${e.type}`
      : `unexpected ${JSON.stringify(e.text.split('\n')[0]!.slice(0, 30))}`;
    throw new HclSyntaxError(`not valid HCL: ${what}`, e.startPosition.row + 1);
  }
  const body = root.namedChildren.find((c) => c?.type === 'body');
  const blocks: HclBlock[] = [];
  for (const b of body?.namedChildren ?? []) {
    if (!b || b.type !== 'block') continue;
    const named = b.namedChildren.filter((c): c is Node => c !== null);
    const type = named[0]?.text ?? '';
    const labels: string[] = [];
    for (const c of named.slice(1)) {
      if (c.type === 'string_lit') labels.push(stringLit(c));
      else if (c.type === 'identifier') labels.push(c.text);
    }
    const attributes = new Map<string, HclAttribute>();
    const inner = named.find((c) => c.type === 'body');
    for (const a of inner?.namedChildren ?? []) {
      if (!a || a.type !== 'attribute') continue;
      const name = a.namedChildren[0]!.text;
      const expr = a.namedChildren[1]!;
      attributes.set(name, { name, expr, line: a.startPosition.row + 1 });
    }
    blocks.push({ type, labels, line: b.startPosition.row + 1, attributes });
  }
  return blocks;
}

function unescape(s: string): string {
  return s.replace(/\\(["\\nrt])|\$\$\{|%%\{/g, (m, c: string | undefined) => {
    if (m === '$${') return '${';
    if (m === '%%{') return '%{';
    return c === 'n' ? '\n' : c === 'r' ? '\r' : c === 't' ? '\t' : c!;
  });
}

function stringLit(n: Node): string {
  return unescape(
    n.namedChildren
      .filter((c) => c?.type === 'template_literal')
      .map((c) => c!.text)
      .join(''),
  );
}

/** Evaluate an expression node; `variable(name)` gives a variable's value. */
export function evaluate(n: Node, variable: (name: string) => HclValue): HclValue {
  switch (n.type) {
    case 'expression':
    case 'literal_value':
    case 'collection_value':
    case 'template_expr': {
      if (n.namedChildCount !== 1) return UNKNOWN;
      return evaluate(n.namedChildren[0]!, variable);
    }
    case 'string_lit':
      return stringLit(n);
    case 'numeric_lit':
      return Number(n.text);
    case 'bool_lit':
      return n.text === 'true';
    case 'null_lit':
      return null;
    case 'variable_expr':
      return variable(n.text);
    case 'quoted_template':
    case 'heredoc_template': {
      let out = '';
      for (const c of n.namedChildren) {
        if (!c) continue;
        if (c.type === 'template_literal') out += unescape(c.text);
        else if (c.type === 'template_interpolation') {
          const e = c.namedChildren.find((x) => x?.type === 'expression');
          const v = e ? evaluate(e, variable) : UNKNOWN;
          if (v === UNKNOWN || (typeof v === 'object' && v !== null)) return UNKNOWN;
          out += v === null ? '' : String(v);
        } else if (c.type === 'template_directive') return UNKNOWN;
      }
      return out;
    }
    case 'tuple': {
      const out: HclValue[] = [];
      for (const c of n.namedChildren)
        if (c?.type === 'expression') out.push(evaluate(c, variable));
      return out;
    }
    case 'object': {
      const out: { [k: string]: HclValue } = {};
      for (const el of n.namedChildren) {
        if (el?.type !== 'object_elem') continue;
        const k = el.childForFieldName('key');
        const v = el.childForFieldName('val');
        if (!k || !v) continue;
        const inner = k.namedChildren[0];
        let key: HclValue;
        if (inner?.type === 'variable_expr') key = inner.text;
        else key = evaluate(k, variable);
        if (typeof key !== 'string') return UNKNOWN;
        out[key] = evaluate(v, variable);
      }
      return out;
    }
    default:
      return UNKNOWN;
  }
}
