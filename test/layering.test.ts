/**
 * The layers of src/ and transforms/ (docs/DEVELOPING.md "Layers"), computed from the import
 * graph: lower layers never import higher ones, a transform imports only the model, the context,
 * the toolkit and its own folder, and no module imports itself through a cycle.
 */
import { describe, expect, test } from '@jest/globals';
import { ROOT } from './helpers.js';
import { importCycles, importGraph, sourceFiles, type ImportEdge } from './support/imports.js';

const files = sourceFiles(ROOT, ['src', 'transforms']);
const edges = importGraph(ROOT, files);

/** `src/<layer>/...` -> layer; `src/api.ts` -> `api`; `transforms/...` -> `transforms`. */
function layerOf(file: string): string {
  if (file.startsWith('transforms/')) return 'transforms';
  const parts = file.split('/');
  return parts.length > 2 ? parts[1]! : parts[1]!.replace(/\.ts$/, '');
}

const show = (list: ImportEdge[]) => list.map((e) => `${e.from} -> ${e.to}`);

describe('layering', () => {
  test('the graph is read (sanity)', () => {
    expect(files).toContain('src/api.ts');
    expect(files).toContain('transforms/index.ts');
    expect(edges.some((e) => e.from === 'src/api.ts' && e.to === 'transforms/index.ts')).toBe(true);
  });

  test('model, context, io, engine and toolkit never import transforms, api, cli, explain or verify', () => {
    const low = new Set(['model', 'context', 'io', 'engine', 'toolkit', 'errors']);
    const high = new Set([
      'transforms',
      'api',
      'cli',
      'lsp',
      'explain',
      'verify',
      'index',
      'cache',
    ]);
    const bad = edges.filter((e) => low.has(layerOf(e.from)) && high.has(layerOf(e.to)));
    expect(show(bad)).toEqual([]);
  });

  test('a transform imports only src/model, src/context, src/toolkit, src/errors.ts and its own folder', () => {
    const allowed = ['src/model/', 'src/context/', 'src/toolkit/', 'src/errors.ts'];
    const bad = edges.filter((e) => {
      if (!e.from.startsWith('transforms/')) return false;
      if (e.from === 'transforms/index.ts')
        return !e.to.startsWith('transforms/') && !allowed.some((a) => e.to.startsWith(a));
      const own = e.from.split('/').slice(0, 2).join('/') + '/';
      return !e.to.startsWith(own) && !allowed.some((a) => e.to.startsWith(a));
    });
    expect(show(bad)).toEqual([]);
  });

  test('cache, explain and verify never import cli', () => {
    const bad = edges.filter(
      (e) => ['cache', 'explain', 'verify'].includes(layerOf(e.from)) && layerOf(e.to) === 'cli',
    );
    expect(show(bad)).toEqual([]);
  });

  test('the language server (src/lsp, an entry point like the CLI) is imported by the CLI only', () => {
    const bad = edges.filter(
      (e) => layerOf(e.to) === 'lsp' && !['lsp', 'cli'].includes(layerOf(e.from)),
    );
    expect(show(bad)).toEqual([]);
  });

  test('the cache model imports only model, context, toolkit and errors', () => {
    const bad = edges.filter(
      (e) =>
        layerOf(e.from) === 'cache' &&
        !['cache', 'model', 'context', 'toolkit', 'errors'].includes(layerOf(e.to)),
    );
    expect(show(bad)).toEqual([]);
  });

  test('the CLI entry loads no parser, transform or API until a command runs (lazy imports)', () => {
    const loaded = new Set<string>();
    const visit = (f: string) => {
      if (loaded.has(f)) return;
      loaded.add(f);
      for (const e of edges) if (e.from === f && !e.dynamic && !e.typeOnly) visit(e.to);
    };
    visit('src/cli/cli.ts');
    const heavy = [...loaded].filter(
      (f) =>
        f.startsWith('transforms/') ||
        ['src/api.ts', 'src/model/shell.ts', 'src/model/dockerfile.ts'].includes(f),
    );
    expect(heavy).toEqual([]);
    expect(loaded.has('src/cli/fix-options.ts')).toBe(true);
  });

  test('no import cycles (static, dynamic and type imports alike)', () => {
    expect(importCycles(edges)).toEqual([]);
  });

  test('the cycle finder finds a cycle', () => {
    const e = (from: string, to: string): ImportEdge => ({
      from,
      to,
      typeOnly: false,
      dynamic: false,
    });
    expect(importCycles([e('a', 'b'), e('b', 'c'), e('c', 'a'), e('c', 'd')])).toEqual([
      ['a', 'b', 'c'],
    ]);
    expect(importCycles([e('a', 'b'), e('b', 'd')])).toEqual([]);
  });
});
