/** YAML files (compose, skaffold, workflows) read with the `yaml` package, with line numbers. */
import * as fs from 'node:fs';
import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Node } from 'yaml';
import type { BuildWarning } from './types.js';
import { readLite, type LiteNode } from './yaml-lite.js';

/** A node of a document: the `yaml` package's, or yaml-lite's when that reader took the text
 * (only the YamlFile that gave it knows which). */
export type YamlNode = object;

export interface YamlFile {
  file: string;
  /** The documents' plain values (one for most files; skaffold may hold several). */
  docs: { value: unknown; root: YamlNode | null }[];
  /** 1-based line of a node (the line of the file when the node is missing). */
  lineOf(node: YamlNode | null): number;
  /** The node at a path of keys/indices under a document root. */
  nodeAt(root: YamlNode | null, keys: (string | number)[]): YamlNode | null;
  /** The 1-based line of a map key (better than the value's line for `build:` maps). */
  keyLine(root: YamlNode | null, keys: (string | number)[]): number;
}

/** (one options object for every read: a string option is copied into a new object by each
 * readFileSync) */
const READ_UTF8 = { encoding: 'utf8', flag: 'r' } as const;

/** The text of a file, without a leading byte-order mark (null: it cannot be read). */
export function readText(file: string): string | null {
  try {
    const text = fs.readFileSync(file, READ_UTF8);
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } catch {
    return null;
  }
}

/**
 * `fn` (a parse by the `yaml` package) with a quicker `process.env`: the package looks up
 * `process.env.LOG_TOKENS` for every token and `LOG_STREAM` for every document (its debug
 * switches), and each lookup in the real environment is a getenv (about a fifth of the parse
 * time). Meanwhile `process.env` is an object holding those two values, with the environment
 * behind it (any other name reads through to it): the same answers. `fn` is synchronous, so
 * nothing else runs before the real one is back.
 */
function withQuickEnv<T>(fn: () => T): T {
  const env = process.env;
  process.env = Object.create(env, {
    LOG_TOKENS: { value: env.LOG_TOKENS },
    LOG_STREAM: { value: env.LOG_STREAM },
  }) as NodeJS.ProcessEnv;
  try {
    return fn();
  } finally {
    process.env = env;
  }
}

/** Parse a YAML file (its text when the caller has read it already); a syntax error is a
 * warning naming its line, and no documents. */
export function loadYaml(
  file: string,
  warnings: BuildWarning[],
  text: string | null = readText(file),
): YamlFile | null {
  if (text === null) {
    warnings.push({ file, line: null, message: 'cannot be read' });
    return null;
  }
  // Most build files have the plain shape yaml-lite reads (it gives up on anything else).
  const lite = readLite(text);
  if (lite) return liteFile(file, lite.value, lite.root);
  return loadYamlWithPackage(file, warnings, text);
}

/** loadYaml by the `yaml` package alone (what yaml-lite is held to). */
export function loadYamlWithPackage(
  file: string,
  warnings: BuildWarning[],
  text: string,
): YamlFile | null {
  const lc = new LineCounter();
  let parsed;
  try {
    parsed = withQuickEnv(() => parseAllDocuments(text, { lineCounter: lc, uniqueKeys: false }));
  } catch (err) {
    warnings.push({ file, line: null, message: `not valid YAML: ${(err as Error).message}` });
    return null;
  }
  const docs = Array.isArray(parsed) ? parsed : [];
  for (const d of docs) {
    const e = d.errors[0];
    if (e) {
      warnings.push({
        file,
        line: e.linePos?.[0]?.line ?? null,
        message: `not valid YAML: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`,
      });
      return null;
    }
  }
  const lineOf = (node: YamlNode | null): number => {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    return range ? lc.linePos(range[0]).line : 1;
  };
  const nodeAt = (root: YamlNode | null, keys: (string | number)[]): Node | null => {
    let n: unknown = root;
    for (const k of keys) {
      if (isMap(n)) {
        const pair = n.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === k);
        n = pair ? (pair.value ?? pair.key) : null;
      } else if (isSeq(n) && typeof k === 'number') n = n.items[k] ?? null;
      else return null;
    }
    return (n as Node | null) ?? null;
  };
  let values: { value: unknown; root: Node | null }[];
  try {
    values = docs.map((d) => ({ value: d.toJS({ maxAliasCount: 10_000 }), root: d.contents }));
  } catch (err) {
    warnings.push({ file, line: null, message: `not valid YAML: ${(err as Error).message}` });
    return null;
  }
  const keyLine = (root: YamlNode | null, keys: (string | number)[]): number => {
    const parent = nodeAt(root, keys.slice(0, -1));
    const last = keys[keys.length - 1];
    if (isMap(parent)) {
      const pair = parent.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === last);
      if (pair) return lineOf(pair.key as Node);
    }
    return lineOf(nodeAt(root, keys));
  };
  return { file, docs: values, lineOf, nodeAt, keyLine };
}

/** A YamlFile over yaml-lite's nodes: lines and lookups as the package's nodes give them. */
function liteFile(file: string, value: unknown, root: LiteNode): YamlFile {
  const nodeAt = (from: YamlNode | null, keys: (string | number)[]): LiteNode | null => {
    let n = from as LiteNode | null;
    for (const k of keys) {
      if (n?.pairs) n = n.pairs.find((p) => p.key === k)?.value ?? null;
      else if (n?.items && typeof k === 'number') n = n.items[k] ?? null;
      else return null;
    }
    return n;
  };
  const lineOf = (node: YamlNode | null): number => (node as LiteNode | null)?.line ?? 1;
  const keyLine = (from: YamlNode | null, keys: (string | number)[]): number => {
    const parent = nodeAt(from, keys.slice(0, -1));
    const last = keys[keys.length - 1];
    const pair = parent?.pairs?.find((p) => p.key === last);
    return pair ? pair.keyLine : lineOf(nodeAt(from, keys));
  };
  return { file, docs: [{ value, root }], lineOf, nodeAt, keyLine };
}

/** The 1-based line of a map key (better than the value's line for `build:` maps). */
export function keyLine(y: YamlFile, root: YamlNode | null, keys: (string | number)[]): number {
  return y.keyLine(root, keys);
}

export function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
