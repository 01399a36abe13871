/**
 * Real Docker builds of examples/*: the original and the `--unsafe` output of each example must
 * both build; the optimized image must not be larger (and, for the apt and multi-stage cases,
 * smaller by the stated margin); after a source edit the install step must be a cache hit in the
 * optimized build (and, where the fix is about caching, must have re-run in the original); both
 * containers must print the same output; verify's wasted bytes must not grow, and for the
 * layer-waste examples the image shrinks by at least 90% of them and they go to (near) zero. Run
 * with `npm run test:docker`: the examples are split over three test files (examples-*.test.ts)
 * so that the two jest workers share the builds evenly.
 */
import { describe, expect, test } from '@jest/globals';
import * as path from 'node:path';
import { optimizeFile } from '../../src/api.js';
import { DiskContext } from '../../src/context/context.js';
import { contextAfter, explain } from '../../src/explain/explain.js';
import { SIZE_SLACK, verify, type VerifyReport } from '../../src/verify/verify.js';
import { agreement, agreementSuite } from './agreement.js';
import { ensureEngine, ROOT, type Engine } from './engine.js';

interface Case {
  name: string;
  /** The optimized image must be at least this fraction smaller. */
  smallerBy?: number;
  /** Every transform leaves it alone (the control). */
  unchanged?: boolean;
  /** Rule ids (or prefixes) that must be among the applied fixes. */
  fixes?: string[];
  /** The install step (must be CACHED in the optimized rebuild after the edit). */
  install?: RegExp;
  /** The fix is about caching: the install step re-ran in the original rebuild. */
  cacheFix?: boolean;
  /** What the container prints. */
  prints: RegExp;
  /** A layer-waste fix: the original wastes at least this many bytes (verify's measure), the
   * optimized image is smaller by at least 90% of them, and wastes (near) nothing. */
  wastes?: number;
}

export const CASES: Case[] = [
  {
    name: 'apt-cleanup',
    smallerBy: 0.1,
    fixes: ['package-hygiene/apt-merge-update', 'package-hygiene/apt-list-cleanup'],
    install: /apt-get install/,
    prints: /^hello from apt-cleanup [0-9a-f]{12}\n$/,
  },
  {
    name: 'python-deps',
    fixes: ['dependency-cache/pip'],
    install: /pip install/,
    cacheFix: true,
    prints: /^200 \{"app":"python-deps"/,
  },
  {
    name: 'c-multistage',
    smallerBy: 0.5,
    fixes: ['multistage/c'],
    install: /apt-get install/,
    prints: /^hello from c-multistage: 0 1 1 2 3 5 8 13 21 34\n$/,
  },
  {
    name: 'dockerignore',
    fixes: ['dockerignore/'],
    prints: /^dockerignore example:\nreport: 3 checks passed, 0 failed\n$/,
  },
  {
    name: 'multi-stage',
    smallerBy: 0.1,
    fixes: ['package-hygiene/apt-list-cleanup'],
    install: /apt-get install -y (--no-install-recommends )?python3/,
    prints: /^multi-stage: lines=1 words=9 bytes=44\n$/,
  },
  {
    name: 'layer-chown',
    fixes: ['layer-waste/copy-chown'],
    wastes: 3_000_000,
    prints: /^layer-chown: 10 files, data 3584000 bytes, owners: app:app , \/app writable\n$/,
  },
  {
    name: 'layer-download',
    fixes: ['layer-waste/delete-later'],
    wastes: 6_000_000,
    prints: /^layer-download: model 6000000 bytes; \/tmp holds 0 files\n$/,
  },
  {
    name: 'optimal',
    unchanged: true,
    install: /apt-get install/,
    prints: /^optimal: 4 checks: apt, cache, context, stages\n$/,
  },
];

/** The split over the test files (by build time: about 2.5 min each on 2 cores); every case in one. */
export const GROUPS = {
  apt: ['apt-cleanup', 'multi-stage', 'c-multistage'],
  cache: ['python-deps', 'dockerignore', 'optimal'],
  layer: ['layer-chown', 'layer-download'],
};
{
  const grouped = Object.values(GROUPS).flat().sort();
  const all = CASES.map((c) => c.name).sort();
  if (JSON.stringify(grouped) !== JSON.stringify(all))
    throw new Error(
      `test/docker/examples.ts: GROUPS must hold every case once: ${grouped} vs ${all}`,
    );
}

/** The verify cases for the named examples, then explain vs BuildKit on every default edit of them. */
export async function examplesSuite(group: keyof typeof GROUPS): Promise<void> {
  const names = GROUPS[group];
  const cases = names.map((n) => {
    const c = CASES.find((x) => x.name === n);
    if (!c) throw new Error(`no docker example case named ${n}`);
    return c;
  });
  const engine = await ensureEngine(group);
  if (engine.skip) process.stderr.write(`docker suite skipped: ${engine.skip}\n`);
  const suite = engine.skip ? describe.skip : describe;
  suite('examples built with real Docker (original vs --unsafe)', () => defineCases(engine, cases));
  // After the verify cases (same worker, warm build cache): explain vs BuildKit on every default edit.
  agreementSuite(engine, names);
}

function defineCases(engine: Engine, cases: Case[]): void {
  test.each(cases)('$name', async (c) => {
    const dockerfile = path.join(ROOT, 'examples', c.name, 'Dockerfile');
    const result = await optimizeFile(dockerfile, { unsafe: true, cwd: ROOT });
    const r: VerifyReport = await verify({
      client: engine.client!,
      dockerfile,
      contextDir: path.dirname(dockerfile),
      original: result.files[0]?.before ?? result.output,
      result,
      unsafe: true,
      run: true,
      buildTimeoutMs: 10 * 60_000,
      runTimeoutMs: 60_000,
    });
    const facts = {
      verdict: r.verdict,
      fixes: r.fixes,
      size: r.size,
      errors: [r.original.build.error, r.optimized.build.error],
      rerun: [r.original.cache?.reran, r.optimized.cache?.reran],
    };
    // Both build.
    expect({ ...facts, ok: r.original.build.ok && r.optimized.build.ok }).toMatchObject({
      ok: true,
    });
    expect(r.verdict).toBe(c.unchanged ? 'unchanged' : 'ok');
    if (c.unchanged) expect(result.changed).toBe(false);
    for (const f of c.fixes ?? []) expect(r.fixes.some((id) => id.startsWith(f))).toBe(true);

    // Not larger; smaller by the margin where stated; the control is identical in size.
    const size = r.size!;
    expect(size.after).toBeLessThanOrEqual(size.before + SIZE_SLACK);
    if (c.smallerBy) expect(size.after).toBeLessThanOrEqual(size.before * (1 - c.smallerBy));
    if (c.unchanged) expect(size.after).toBe(size.before);

    // The cache test ran on a source file; the install step is a hit in the optimized rebuild.
    expect(r.cacheTest.skipped).toBeUndefined();
    const o = r.original.cache!;
    const p = r.optimized.cache!;
    expect(o.ok && p.ok).toBe(true);
    if (c.install) {
      const hit = p.cached.some((s) => c.install!.test(s.instruction));
      const ran = p.reran.some((s) => c.install!.test(s.instruction));
      expect({ ...facts, installCachedInOptimized: hit && !ran }).toMatchObject({
        installCachedInOptimized: true,
      });
      if (c.cacheFix) {
        const ranBefore = o.reran.some((s) => c.install!.test(s.instruction));
        expect({ ...facts, installRanInOriginal: ranBefore }).toMatchObject({
          installRanInOriginal: true,
        });
      }
    }

    // The static cache model (`explain`) agrees with BuildKit on the edit the cache test made:
    // every step it is certain about re-ran, and every step that re-ran was predicted (certain,
    // or `maybe`: a COPY --from whose files may come out the same). FROM lines are left out:
    // BuildKit shares them between stages and concurrent builds.
    const context = new DiskContext(path.dirname(dockerfile), dockerfile);
    for (const [side, text, ctx] of [
      ['original', result.files[0]?.before ?? result.output, context],
      ['optimized', result.output, contextAfter(context, result)],
    ] as const) {
      const predicted = explain({ text, context: ctx, edits: [r.cacheTest.file!] }).edits[0]!
        .reruns;
      const facts = agreement(
        predicted,
        (side === 'original' ? o : p).reran.map((x) => x.step),
      );
      expect(facts.certain.length).toBeGreaterThan(0); // the edited file's COPY at least
      expect({ side, ...facts }).toMatchObject({ missed: [], unpredicted: [] });
    }

    // Wasted bytes: measured on both sides (the control and every example: none may grow); for a
    // layer-waste fix the image shrinks by at least 90% of what the original wasted, and the
    // optimized image wastes (near) nothing.
    const wasted = r.wasted!;
    expect({ ...facts, wasted, warnings: r.warnings }).toMatchObject({
      wasted: expect.objectContaining({ before: expect.any(Number) }),
    });
    expect(wasted.after).toBeLessThanOrEqual(wasted.before + SIZE_SLACK);
    if (c.wastes) {
      expect(wasted.before).toBeGreaterThanOrEqual(c.wastes);
      expect(size.before - size.after).toBeGreaterThanOrEqual(0.9 * wasted.before);
      expect(wasted.after).toBeLessThanOrEqual(0.01 * wasted.before);
    }

    // Nothing got worse (build, size, output, cache), as `verify` itself judges it.
    expect({ ...facts, regressions: r.regressions }).toMatchObject({ regressions: [] });

    // Same output.
    expect(r.original.run!.code).toBe(0);
    expect(r.original.run!.output).toMatch(c.prints);
    expect(r.optimized.run!.output).toBe(r.original.run!.output);
    expect(r.sameOutput).toBe(true);
  });
}
