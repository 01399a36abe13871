/**
 * Every fixture under fixtures/<transform>/<case>/ is checked here:
 *  1. the output equals expected.Dockerfile byte for byte (no file = no change), and
 *     context/.dockerignore equals expected.dockerignore when that file exists;
 *  2. the applied fixes are exactly case.json's `fixes`, pending review fixes and skips as listed;
 *  3. the output re-parses and a second run changes nothing;
 *  4. the diff applies with `git apply` (and `patch -p1 --dry-run`) to the same result;
 *  5. the same holds with CRLF line endings, a BOM, and no final newline;
 *  6. no file a COPY/ADD of the output takes from the context by name becomes excluded by the
 *     resulting .dockerignore (whole-context sources such as `COPY . .` are left out).
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { applyResult, optimize, optimizeFile } from '../src/api.js';
import { parseDockerfile } from '../src/model/dockerfile.js';
import { engineTransforms } from './support/test-transforms.js';
import {
  excludedCopySources,
  gitApply,
  loadCases,
  materialise,
  patchDryRun,
  readTree,
  removeTmpdirs,
  toCRLF,
  type FixtureCase,
} from './helpers.js';

const cases = loadCases();
afterAll(removeTmpdirs);

type Variant = 'lf' | 'crlf' | 'bom' | 'no-final-newline';
const VARIANTS: Variant[] = ['lf', 'crlf', 'bom', 'no-final-newline'];

function variantOf(text: string, v: Variant): string {
  switch (v) {
    case 'lf':
      return text;
    case 'crlf':
      return toCRLF(text);
    case 'bom':
      return '\uFEFF' + text;
    case 'no-final-newline':
      return text.replace(/\r?\n$/, '');
  }
}

function optionsFor(c: FixtureCase) {
  // fixtures/engine/* exercise the engine with the test transforms only.
  if (c.transform === 'engine') return { transforms: engineTransforms, ...(c.spec.options ?? {}) };
  return { only: c.spec.all ? undefined : [c.transform], ...(c.spec.options ?? {}) };
}

async function run(c: FixtureCase, v: Variant) {
  const input = variantOf(c.input, v);
  const mat = materialise(c, input);
  const result = await optimize(input, {
    ...optionsFor(c),
    path: mat.dockerfile,
    context: mat.context,
    cwd: mat.dir,
  });
  return { input, mat, result };
}

describe('fixture layout', () => {
  test('there are fixtures', () => {
    expect(cases.length).toBeGreaterThan(0);
  });
  test.each(cases.map((c) => [`${c.transform}/${c.name}`, c] as const))(
    '%s is well formed',
    (_n, c) => {
      if (c.name.startsWith('ok-') || c.name.startsWith('skip-')) {
        expect(c.expected).toBeNull();
        expect(c.expectedDockerignore).toBeNull();
      } else {
        expect(c.expected !== null || c.expectedDockerignore !== null).toBe(true);
        expect(c.spec.fixes?.length ?? 0).toBeGreaterThan(0);
      }
      if (c.name.startsWith('skip-')) expect(c.spec.skipped?.length ?? 0).toBeGreaterThan(0);
      if (c.expected !== null) expect(c.expected).not.toBe(c.input);
    },
  );
});

describe.each(cases.map((c) => [`${c.transform}/${c.name}`, c] as const))('%s', (_name, c) => {
  test('output matches the expected files', async () => {
    const { input, mat, result } = await run(c, 'lf');
    expect(result.output).toBe(c.expected ?? input);
    if (c.expectedDockerignore !== null) {
      const change = result.files.find(
        (f) =>
          f.absolutePath ===
          path.join(mat.context ?? '', ...(c.spec.ignoreFile ?? '.dockerignore').split('/')),
      );
      expect(change?.after).toBe(c.expectedDockerignore);
    } else if (mat.context) {
      expect(result.files.filter((f) => f.path.endsWith('.dockerignore'))).toEqual([]);
    }
    const applied = [...new Set(result.fixes.filter((f) => f.applied).map((f) => f.ruleId))].sort();
    expect(applied).toEqual([...new Set(c.spec.fixes ?? [])].sort());
    if (c.spec.pending) {
      const pending = [
        ...new Set(result.fixes.filter((f) => !f.applied).map((f) => f.ruleId)),
      ].sort();
      expect(pending).toEqual([...new Set(c.spec.pending)].sort());
    }
    for (const want of c.spec.skipped ?? []) {
      const [rule, ...rest] = want.split(': ');
      const text = rest.join(': ');
      const hit = result.skipped.some((s) => s.ruleId === rule && s.reason.includes(text));
      if (!hit)
        throw new Error(
          `expected a skipped entry "${want}", got ${JSON.stringify(result.skipped, null, 2)}`,
        );
    }
    for (const f of result.fixes) {
      expect(f.message.length).toBeGreaterThan(20);
      expect(f.line).toBeGreaterThan(0);
    }
  });

  test('no COPY/ADD source becomes excluded by the resulting .dockerignore', async () => {
    const { mat, result } = await run(c, 'lf');
    if (!mat.context) return;
    const before = excludedCopySources(mat.context, mat.dockerfile, result.output);
    applyResult(result);
    const after = excludedCopySources(mat.context, mat.dockerfile, result.output);
    expect(after.filter((f) => !before.includes(f))).toEqual([]);
  });

  test.each(VARIANTS)('%s: re-parses, second run is a no-op, diff applies', async (v) => {
    const { input, mat, result } = await run(c, v);
    if (v !== 'lf' && c.expected !== null) {
      expect(result.output).toBe(variantOf(c.expected, v));
    }
    expect(parseDockerfile(result.output.replace(/^\uFEFF/, '')).errors).toEqual([]);
    if (result.diff) {
      // The diff applies to a pristine copy and yields the same files.
      const pristine = materialise(c, input);
      patchDryRun(pristine.dir, result.diff);
      gitApply(pristine.dir, result.diff);
      const applied = readTree(pristine.dir);
      for (const f of result.files) {
        expect(applied[path.relative(mat.dir, f.absolutePath!).split(path.sep).join('/')]).toBe(
          f.after,
        );
      }
    } else {
      expect(result.files).toEqual([]);
    }
    // Second run on the written result: nothing left to do.
    applyResult(result);
    const again = await optimizeFile(mat.dockerfile, {
      ...optionsFor(c),
      context: mat.context,
      cwd: mat.dir,
    });
    expect(again.diff).toBe('');
    expect(again.fixes.filter((f) => f.applied)).toEqual([]);
    expect(fs.readFileSync(mat.dockerfile, 'utf8')).toBe(result.output);
  });
});
