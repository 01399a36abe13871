/**
 * Bake files of one folder: `docker-bake.hcl` / `docker-bake.json` and their
 * `docker-bake.override.*`, merged in that order like `docker buildx bake` does. Targets (with
 * `inherits`), `context` (default `.`, relative to the bake file's folder), `dockerfile` (default
 * `Dockerfile`, relative to the context), `target`, `args`, `contexts`; variables with their
 * defaults, overridden by the environment. A target only other targets inherit from, and no group
 * names, is a base, not a build. Function calls and other computed values are unknown: a target
 * whose context or Dockerfile is unknown is reported and skipped; an unknown arg is left out.
 */
import * as path from 'node:path';
import {
  parseTree,
  type Node as JsonNode,
  type ParseError,
  printParseErrorCode,
} from 'jsonc-parser';
import { isRemote, resolveContexts, resolveFrom } from './common.js';
import { evaluate, HclSyntaxError, parseHcl, UNKNOWN, type HclValue } from './hcl.js';
import type { BuildDecl, BuildWarning } from './types.js';
import type { ComposeResult } from './compose.js';
import { readText } from './yaml.js';

interface RawTarget {
  file: string;
  line: number;
  /** Attribute name -> thunk evaluating it (variables are known only after every file is read). */
  attrs: Map<string, () => HclValue>;
}

interface Files {
  targets: Map<string, RawTarget[]>;
  groups: Map<string, () => HclValue>;
  variables: Map<string, () => HclValue>;
}

/** Bake's order: docker-bake.json, docker-bake.hcl, then the overrides. */
function order(name: string): number {
  return [
    'docker-bake.json',
    'docker-bake.hcl',
    'docker-bake.override.json',
    'docker-bake.override.hcl',
  ].indexOf(name);
}

export function parseBakeFolder(
  files: string[],
  env: Record<string, string | undefined>,
): ComposeResult {
  const warnings: BuildWarning[] = [];
  const skipped: ComposeResult['skipped'] = [];
  const all: Files = { targets: new Map(), groups: new Map(), variables: new Map() };
  const sorted = [...files].sort((a, b) => order(path.basename(a)) - order(path.basename(b)));
  let vars: (name: string) => HclValue = () => UNKNOWN;
  const resolving = new Set<string>();
  const variable = (name: string): HclValue => {
    if (env[name] !== undefined) return env[name]!;
    const thunk = all.variables.get(name);
    if (!thunk || resolving.has(name)) return UNKNOWN;
    resolving.add(name);
    try {
      return thunk();
    } finally {
      resolving.delete(name);
    }
  };
  vars = variable;
  for (const file of sorted) {
    const text = readText(file);
    if (text === null) {
      warnings.push({ file, line: null, message: 'cannot be read' });
      continue;
    }
    try {
      if (file.endsWith('.json')) readJson(file, text, all, (n) => vars(n));
      else readHcl(file, text, all, (n) => vars(n));
    } catch (err) {
      if (err instanceof HclSyntaxError || err instanceof BakeError)
        warnings.push({ file, line: err.line, message: err.message });
      else throw err;
    }
  }

  const groupMembers = new Set<string>();
  for (const g of all.groups.values()) {
    const t = g();
    if (Array.isArray(t)) for (const x of t) if (typeof x === 'string') groupMembers.add(x);
  }
  const inherited = new Set<string>();
  const attrsOf = (name: string, stack: string[] = []): Map<string, HclValue> => {
    const out = new Map<string, HclValue>();
    if (stack.includes(name)) return out;
    for (const part of all.targets.get(name) ?? []) {
      const inh = part.attrs.get('inherits')?.();
      if (Array.isArray(inh)) {
        for (const parent of inh) {
          if (typeof parent !== 'string') continue;
          inherited.add(parent);
          for (const [k, v] of attrsOf(parent, [...stack, name])) mergeAttr(out, k, v);
        }
      }
      for (const [k, thunk] of part.attrs) if (k !== 'inherits') mergeAttr(out, k, thunk());
    }
    return out;
  };
  const resolved = new Map<string, Map<string, HclValue>>();
  for (const name of all.targets.keys()) resolved.set(name, attrsOf(name));

  const builds: BuildDecl[] = [];
  for (const [name, attrs] of resolved) {
    if (inherited.has(name) && !groupMembers.has(name)) continue;
    const parts = all.targets.get(name)!;
    const { file, line } = parts[0]!;
    const dir = path.dirname(file);
    const source = { format: 'bake' as const, file, line, name: `target ${name}` };
    const skip = (reason: string) => skipped.push({ file, line, name: source.name, reason });
    if (attrs.has('dockerfile-inline')) {
      skip('dockerfile-inline: no Dockerfile on disk');
      continue;
    }
    const ctx = attrs.get('context') ?? '.';
    const df = attrs.get('dockerfile') ?? 'Dockerfile';
    if (typeof ctx !== 'string' || typeof df !== 'string') {
      skip('its context or dockerfile is computed (a function or an unknown variable)');
      continue;
    }
    if (isRemote(ctx)) {
      skip(`remote context ${ctx}`);
      continue;
    }
    const context = resolveFrom(dir, ctx);
    const target = attrs.get('target');
    builds.push({
      dockerfile: resolveFrom(context, df),
      context,
      target: typeof target === 'string' ? target : null,
      args: stringMap(attrs.get('args')),
      contexts: resolveContexts(dir, stringMap(attrs.get('contexts'))),
      source,
    });
  }
  return { builds, warnings, skipped };
}

function mergeAttr(out: Map<string, HclValue>, k: string, v: HclValue): void {
  const prior = out.get(k);
  if (isObject(prior) && isObject(v)) out.set(k, { ...prior, ...v });
  else out.set(k, v);
}

function isObject(v: HclValue | undefined): v is { [k: string]: HclValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringMap(v: HclValue | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObject(v)) return out;
  for (const [k, x] of Object.entries(v)) {
    if (x === UNKNOWN || x === null || typeof x === 'object') continue;
    out[k] = String(x);
  }
  return out;
}

class BakeError extends Error {
  constructor(
    message: string,
    readonly line: number | null,
  ) {
    super(message);
  }
}

function readHcl(file: string, text: string, all: Files, vars: (n: string) => HclValue): void {
  const blocks = parseHcl(text);
  for (const b of blocks) {
    const name = b.labels[0];
    if (b.type === 'variable' && name) {
      const d = b.attributes.get('default');
      all.variables.set(name, d ? () => evaluate(d.expr, vars) : () => '');
    } else if (b.type === 'target' && name) {
      const attrs = new Map<string, () => HclValue>();
      for (const [k, a] of b.attributes) attrs.set(k, () => evaluate(a.expr, vars));
      push(all.targets, name, { file, line: b.line, attrs });
    } else if (b.type === 'group' && name) {
      const t = b.attributes.get('targets');
      if (t) all.groups.set(`${file}#${name}`, () => evaluate(t.expr, vars));
    }
  }
  // Bare attributes at the top level also set variables in bake (`TAG = "x"`): not needed here.
}

function push<T>(m: Map<string, T[]>, k: string, v: T): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

/** `${NAME}` in JSON bake strings; anything more (functions) is unknown. */
function jsonString(s: string, vars: (n: string) => HclValue): HclValue {
  let unknown = false;
  const out = s.replace(/\$\$\{|\$\{([^}]*)\}/g, (m, inner: string | undefined) => {
    if (m === '$${') return '${';
    const name = inner!.trim();
    if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name)) {
      unknown = true;
      return '';
    }
    const v = vars(name);
    if (v === UNKNOWN || (typeof v === 'object' && v !== null)) {
      unknown = true;
      return '';
    }
    return v === null ? '' : String(v);
  });
  return unknown ? UNKNOWN : out;
}

function jsonValue(n: JsonNode, vars: (n: string) => HclValue): HclValue {
  switch (n.type) {
    case 'string':
      return jsonString(n.value as string, vars);
    case 'number':
    case 'boolean':
    case 'null':
      return n.value as HclValue;
    case 'array':
      return (n.children ?? []).map((c) => jsonValue(c, vars));
    case 'object': {
      const out: { [k: string]: HclValue } = {};
      for (const p of n.children ?? []) {
        const [k, v] = p.children ?? [];
        if (k && v) out[String(k.value)] = jsonValue(v, vars);
      }
      return out;
    }
    default:
      return UNKNOWN;
  }
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

function readJson(file: string, text: string, all: Files, vars: (n: string) => HclValue): void {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true });
  if (errors.length || !root) {
    const e = errors[0];
    throw new BakeError(
      `not valid JSON: ${e ? printParseErrorCode(e.error) : 'empty'}`,
      e ? lineAt(text, e.offset) : 1,
    );
  }
  if (root.type !== 'object')
    throw new BakeError('not a bake file (the top level is not an object)', 1);
  const section = (key: string) =>
    root.children?.find((p) => p.children?.[0]?.value === key)?.children?.[1] ?? null;
  const entries = (n: JsonNode | null) =>
    (n?.type === 'object' ? (n.children ?? []) : []).map((p) => ({
      name: String(p.children![0]!.value),
      node: p.children![1]!,
      line: lineAt(text, p.offset),
    }));
  for (const v of entries(section('variable'))) {
    const d = v.node.children?.find((p) => p.children?.[0]?.value === 'default')?.children?.[1];
    all.variables.set(v.name, d ? () => jsonValue(d, vars) : () => '');
  }
  for (const t of entries(section('target'))) {
    const attrs = new Map<string, () => HclValue>();
    for (const p of t.node.children ?? []) {
      const [k, v] = p.children ?? [];
      if (k && v) attrs.set(String(k.value), () => jsonValue(v, vars));
    }
    push(all.targets, t.name, { file, line: t.line, attrs });
  }
  for (const g of entries(section('group'))) {
    const t = g.node.children?.find((p) => p.children?.[0]?.value === 'targets')?.children?.[1];
    if (t) all.groups.set(`${file}#${g.name}`, () => jsonValue(t, vars));
  }
}
