/**
 * The import graph of src/ and transforms/ (static `import`/`export ... from` and dynamic
 * `import('...')` of relative paths), for the layering test and docs/DEVELOPING.md.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface ImportEdge {
  from: string;
  to: string;
  /** `import type` / `export type`: erased at run time, still counted for layering. */
  typeOnly: boolean;
  /** `await import(...)`: loaded lazily. */
  dynamic: boolean;
}

const STATIC = /^\s*(import|export)\s+(type\s+)?[^'"]*?\bfrom\s+['"]([^'"]+)['"]/gm;
const BARE = /^\s*import\s+['"]([^'"]+)['"]/gm;
const DYNAMIC = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Every .ts file under `dirs` (relative to `root`), `/`-separated, sorted. */
export function sourceFiles(root: string, dirs: string[]): string[] {
  return dirs
    .flatMap((d) => walk(path.join(root, d)))
    .map((f) => path.relative(root, f).split(path.sep).join('/'))
    .sort();
}

function resolve(from: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  return path.posix
    .normalize(path.posix.join(path.posix.dirname(from), spec))
    .replace(/\.js$/, '.ts');
}

/** The relative imports of each file (root-relative paths). */
export function importGraph(root: string, files: string[]): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const from of files) {
    const text = fs.readFileSync(path.join(root, from), 'utf8');
    const add = (spec: string, typeOnly: boolean, dynamic: boolean) => {
      const to = resolve(from, spec);
      if (to) edges.push({ from, to, typeOnly, dynamic });
    };
    for (const m of text.matchAll(STATIC)) add(m[3]!, Boolean(m[2]), false);
    for (const m of text.matchAll(BARE)) add(m[1]!, false, false);
    for (const m of text.matchAll(DYNAMIC)) add(m[1]!, false, true);
  }
  return edges;
}

/** Import cycles (each as the list of files on it), from Tarjan's strongly connected components. */
export function importCycles(edges: ImportEdge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let counter = 0;
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      const selfLoop = (next.get(v) ?? []).includes(v);
      if (scc.length > 1 || selfLoop) cycles.push(scc.sort());
    }
  };
  for (const v of [...next.keys()].sort()) if (!index.has(v)) visit(v);
  return cycles;
}
