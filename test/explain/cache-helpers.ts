/** Shared by the cache-model tests: a cache model of a text over in-memory files, and what an
 * edit re-runs. */
import { buildCacheModel, type CacheModel, type CacheModelOptions } from '../../src/cache/model.js';
import { MemoryContext, NoContext, OverlayContext } from '../../src/context/context.js';
import { parseDockerfile } from '../../src/model/dockerfile.js';

export type Files = Record<string, string>;

export function cacheOf(text: string, files: Files | null = {}, options: CacheModelOptions = {}) {
  return buildCacheModel(
    parseDockerfile(text),
    files === null ? new NoContext() : new MemoryContext(files),
    options,
  );
}

/** BuildKit vertex names of the built steps, in order. */
export const names = (c: CacheModel) =>
  c.steps.filter((s) => s.buildkit && s.built).map((s) => s.buildkit!.name);

/** The prefixes an edit re-runs, certain ones and maybe ones. */
export function reruns(c: CacheModel, file: string) {
  const r = c.rerun(file);
  return {
    certain: r.filter((x) => x.certain).map((x) => x.step.buildkit!.prefix),
    maybe: r.filter((x) => !x.certain).map((x) => x.step.buildkit!.prefix),
  };
}

/** Instruction indices whose keys differ between two models (same instruction count). */
export function changed(a: CacheModel, b: CacheModel): number[] {
  expect(a.steps.length).toBe(b.steps.length);
  return a.steps.filter((s, i) => s.key !== b.steps[i]!.key).map((s) => s.instruction);
}

/** Keys that change when `file` gets new content (the model over an edited context). */
export function keyDiff(text: string, files: Files, file: string): number[] {
  const ctx = new MemoryContext(files);
  const edited = new OverlayContext(ctx);
  edited.overlay.set(file, (files[file] ?? '') + 'edited\n');
  const model = parseDockerfile(text);
  return changed(buildCacheModel(model, ctx), buildCacheModel(model, edited));
}

// Observed (labels, ARG over ENV, build args): see the tests using it.
