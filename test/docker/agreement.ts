/**
 * Run from examples.ts (examplesSuite) after the verify cases, so the builds here start from a warm cache.
 *
 * The static cache model (`explain`) against BuildKit, for every edit `explain` proposes by
 * default (a representative source file and each copied dependency manifest) of every example,
 * on the original and on the `--unsafe` output: build once (mostly cached from the other docker
 * tests), then per edit append a unique line to the file, rebuild, and compare the steps BuildKit
 * re-ran (not CACHED) with the model's answer. Certain re-runs must all re-run; nothing may
 * re-run that the model did not predict (certain, or `maybe`: a COPY --from whose files may come
 * out the same). FROM lines are left out: BuildKit shares them between stages and builds.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { optimizeFile } from '../../src/api.js';
import { DiskContext } from '../../src/context/context.js';
import { initShellParser } from '../../src/model/shell.js';
import { explain, type ExplainRerun } from '../../src/explain/explain.js';
import { parseBuildLog, rerunSteps } from '../../src/verify/buildlog.js';
import { build, removeImages } from '../../src/verify/docker.js';
import { editSuffix } from '../../src/verify/verify.js';
import { ROOT, type Engine } from './engine.js';

const tmp: string[] = [];
const images: string[] = [];

const label = (s: string) => s.trim().replace(/\s+/g, ' ');

/**
 * Compare the model's re-runs for one edit with the steps BuildKit re-ran (`[stage i/n]` labels
 * as the build log prints them): every certain step must have re-run, and every step that re-ran
 * must have been predicted (certain or maybe). Returns the facts, for a readable failure.
 */
export function agreement(predicted: ExplainRerun[], reran: string[]) {
  const certain = predicted.filter((x) => x.certain).map((x) => label(x.buildkit.label));
  const maybe = predicted.filter((x) => !x.certain).map((x) => label(x.buildkit.label));
  const actual = reran.map(label);
  return {
    certain,
    maybe,
    actual,
    missed: certain.filter((x) => !actual.includes(x)),
    unpredicted: actual.filter((x) => !certain.includes(x) && !maybe.includes(x)),
  };
}

/** explain vs BuildKit for the named examples (both sides). */
export function agreementSuite(engine: Engine, examples: string[]): void {
  const suite = engine.skip ? describe.skip : describe;
  suite('explain agrees with BuildKit on every default edit', () => {
    beforeAll(() => initShellParser());
    afterAll(async () => {
      if (engine.client) await removeImages(engine.client, images);
      tmp.forEach((d) => fs.rmSync(d, { recursive: true, force: true }));
    });
    test.each(
      examples.flatMap((name) => [[name, 'original'] as const, [name, 'optimized'] as const]),
    )('%s (%s)', async (name, side) => {
      const client = engine.client!;
      const src = path.join(ROOT, 'examples', name);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), `dfo-explain-${name}-`));
      tmp.push(dir);
      fs.cpSync(src, dir, { recursive: true });
      const dockerfile = path.join(dir, 'Dockerfile');
      if (side === 'optimized') {
        const result = await optimizeFile(dockerfile, { unsafe: true, cwd: dir });
        for (const f of result.files) fs.writeFileSync(f.absolutePath!, f.after);
      }
      const text = fs.readFileSync(dockerfile, 'utf8');
      const tag = `dfo-explain-test:${name}-${side}-${process.pid}`;
      images.push(tag);
      const first = await build(client, {
        contextDir: dir,
        dockerfile,
        tag,
        timeoutMs: 10 * 60_000,
      });
      expect({ ok: first.ok, error: first.error }).toEqual({ ok: true, error: undefined });

      const edits = explain({ text, context: new DiskContext(dir, dockerfile) }).edits;
      expect(edits.length).toBeGreaterThan(0);
      for (const e of edits) {
        const predicted = explain({
          text,
          context: new DiskContext(dir, dockerfile),
          edits: [e.path],
        }).edits[0]!.reruns;
        fs.appendFileSync(path.join(dir, e.path), editSuffix());
        const b = await build(client, { contextDir: dir, dockerfile, tag, timeoutMs: 10 * 60_000 });
        expect({ edit: e.path, ok: b.ok, error: b.error }).toMatchObject({ ok: true });
        const facts = agreement(
          predicted,
          rerunSteps(parseBuildLog(b.log).steps).map((s) => s.step),
        );
        expect({ edit: e.path, kind: e.kind, ...facts }).toMatchObject({
          missed: [],
          unpredicted: [],
        });
        // An ignored file re-runs nothing; any other edit re-runs at least the COPY taking it.
        if (e.ignored) expect(facts.actual).toEqual([]);
        else expect(facts.certain.length).toBeGreaterThan(0);
      }
    });
  });
}
