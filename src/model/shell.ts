/**
 * Shell model for RUN bodies, built on tree-sitter-bash (WebAssembly). The parser is loaded once
 * (async); parsing is synchronous afterwards.
 */
import { createRequire } from 'node:module';
import { Language, Parser, type Node } from 'web-tree-sitter';
import { spanToSource } from './text.js';
import { withBaselineWasm } from './wasm.js';
import type {
  ChainItem,
  ChainOp,
  LogicalText,
  Redirect,
  ShellScript,
  SimpleCommand,
  Span,
  Statement,
  Word,
} from './types.js';

let parser: Parser | null = null;
let loading: Promise<void> | null = null;

/** The last path element of a command word: `/usr/bin/apt-get` -> `apt-get`. */
export function commandBase(word: string): string {
  return word.slice(word.lastIndexOf('/') + 1);
}

/** Load the WebAssembly shell parser once (Liftoff code only: src/model/wasm.ts). Safe to call
 * many times. */
export function initShellParser(): Promise<void> {
  if (parser) return Promise.resolve();
  if (!loading) {
    loading = withBaselineWasm(async () => {
      const require = createRequire(import.meta.url);
      await Parser.init();
      const wasm = require.resolve('@vscode/tree-sitter-wasm/wasm/tree-sitter-bash.wasm');
      const lang = await Language.load(wasm);
      const p = new Parser();
      p.setLanguage(lang);
      parser = p;
    });
  }
  return loading;
}

export function shellParserReady(): boolean {
  return parser !== null;
}

/** Literal value of a shell word node, or null when it expands at run time. */
function literalValue(node: Node, text: string): string | null {
  const raw = text.slice(node.startIndex, node.endIndex);
  switch (node.type) {
    case 'word':
    case 'command_name': {
      if (node.type === 'command_name') {
        const child = node.namedChildren[0];
        return child ? literalValue(child, text) : null;
      }
      if (/[$`]/.test(raw)) return null;
      return raw.replace(/\\(.)/gs, '$1');
    }
    case 'raw_string':
      return raw.slice(1, -1);
    case 'string': {
      for (const c of node.namedChildren) if (c && c.type !== 'string_content') return null;
      return raw.slice(1, -1).replace(/\\([$`"\\\n])/g, '$1');
    }
    case 'number':
      return raw;
    case 'concatenation': {
      let out = '';
      for (const c of node.namedChildren) {
        if (!c) continue;
        const v = literalValue(c, text);
        if (v === null) return null;
        out += v;
      }
      return out;
    }
    default:
      return null;
  }
}

interface Walk {
  text: string;
  logical: LogicalText;
  commands: SimpleCommand[];
  ok: boolean;
}

function span(w: Walk, node: Node): Span {
  return spanToSource(w.logical, node.startIndex, node.endIndex);
}

function word(w: Walk, node: Node): Word {
  return {
    raw: w.text.slice(node.startIndex, node.endIndex),
    value: literalValue(node, w.text),
    span: span(w, node),
  };
}

function makeCommand(
  w: Walk,
  node: Node,
  redirects: Redirect[],
  statement: number,
  position: number,
  nested: boolean,
): SimpleCommand {
  const cmd: SimpleCommand = {
    name: null,
    args: [],
    assignments: [],
    redirects: [...redirects],
    span: span(w, node),
    statement,
    position,
    nested,
  };
  if (node.type === 'declaration_command' || node.type === 'unset_command') {
    const kw = node.child(0);
    if (kw) cmd.name = word(w, kw);
    for (const c of node.namedChildren) if (c) cmd.args.push(word(w, c));
    return cmd;
  }
  if (node.type === 'test_command') {
    cmd.name = { raw: '[', value: '[', span: span(w, node) };
    return cmd;
  }
  if (node.type === 'variable_assignment' || node.type === 'variable_assignments') {
    cmd.assignments.push(word(w, node));
    return cmd;
  }
  // One pass over the children with their field names (looking a child's field up by scanning
  // its parent's children was quadratic in the arguments, a Node object per step).
  for (let i = 0; i < node.childCount; i++) {
    const c = node.child(i);
    if (!c || !c.isNamed) continue;
    const field = node.fieldNameForChild(i);
    if (c.type === 'variable_assignment') cmd.assignments.push(word(w, c));
    else if (c.type === 'command_name') cmd.name = word(w, c);
    else if (c.type.endsWith('redirect'))
      cmd.redirects.push({ raw: w.text.slice(c.startIndex, c.endIndex), span: span(w, c) });
    else if (field === 'argument' || cmd.name) cmd.args.push(word(w, c));
  }
  return cmd;
}

/** Collect every simple command below `node` as nested (inside compounds). */
function collectNested(w: Walk, node: Node, statement: number, position: number): void {
  for (const c of node.namedChildren) {
    if (!c) continue;
    if (c.type === 'command' || c.type === 'declaration_command' || c.type === 'unset_command') {
      w.commands.push(makeCommand(w, c, [], statement, position, true));
    }
    collectNested(w, c, statement, position);
  }
}

function flattenList(
  node: Node,
  out: { op: ChainOp | null; node: Node }[],
  op: ChainOp | null,
): void {
  if (node.type === 'list') {
    const left = node.namedChildren[0];
    const right = node.namedChildren[1];
    let operator: ChainOp | null = null;
    for (let i = 0; i < node.childCount; i++) {
      const c = node.child(i);
      if (c && !c.isNamed && (c.type === '&&' || c.type === '||')) operator = c.type;
    }
    if (left) flattenList(left, out, op);
    if (right) flattenList(right, out, operator);
    return;
  }
  out.push({ op, node });
}

function chainItem(
  w: Walk,
  entry: { op: ChainOp | null; node: Node },
  statement: number,
  position: number,
): ChainItem {
  let node = entry.node;
  const redirects: Redirect[] = [];
  if (node.type === 'redirected_statement') {
    for (const c of node.namedChildren) {
      if (c && c.type.endsWith('redirect'))
        redirects.push({ raw: w.text.slice(c.startIndex, c.endIndex), span: span(w, c) });
    }
    const body = node.childForFieldName('body');
    if (body && (body.type === 'command' || body.type === 'declaration_command')) node = body;
  }
  const item: ChainItem = {
    op: entry.op,
    span: span(w, entry.node),
    command: null,
    kind: node.type,
  };
  if (
    node.type === 'command' ||
    node.type === 'declaration_command' ||
    node.type === 'unset_command' ||
    node.type === 'test_command' ||
    node.type === 'variable_assignment' ||
    node.type === 'variable_assignments'
  ) {
    item.command = makeCommand(w, node, redirects, statement, position, false);
    w.commands.push(item.command);
    // Commands inside command substitutions of the arguments are nested.
    collectNested(w, node, statement, position);
  } else {
    collectNested(w, entry.node, statement, position);
  }
  return item;
}

/** Parse a logical shell text (see `LogicalText`) into statements and simple commands. */
export function parseShell(logical: LogicalText): ShellScript {
  if (!parser)
    throw new Error('internal error: shell parser not initialised (call initShellParser first)');
  const text = logical.text;
  const tree = parser.parse(text);
  if (!tree) throw new Error('internal error: shell parser returned no tree');
  const root = tree.rootNode;
  const w: Walk = { text, logical, commands: [], ok: !root.hasError };
  const statements: Statement[] = [];
  const children: Node[] = [];
  for (let i = 0; i < root.childCount; i++) {
    const c = root.child(i);
    if (c) children.push(c);
  }
  for (let i = 0; i < children.length; i++) {
    const node = children[i]!;
    if (!node.isNamed || node.type === 'comment') {
      if (node.type === ';' || node.type === '&') {
        const last = statements[statements.length - 1];
        if (last && last.terminator === null) last.terminator = node.type;
      }
      continue;
    }
    if (node.type === 'heredoc_body' || node.type === 'heredoc_end') continue;
    const idx = statements.length;
    const flat: { op: ChainOp | null; node: Node }[] = [];
    flattenList(node, flat, null);
    const items = flat.map((e, pos) => chainItem(w, e, idx, pos));
    statements.push({ items, span: span(w, node), terminator: null });
  }
  tree.delete();
  w.commands.sort((a, b) => a.span.start - b.span.start);
  return { logical, ok: w.ok, statements, commands: w.commands };
}
