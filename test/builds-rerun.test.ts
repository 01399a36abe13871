/** builds.ts contextDependence: without `--unsafe`, the run without a context that tells which
 * findings depend on the context leaves out the transforms of CONTEXT_TRANSFORMS that declare
 * `reviewWithoutContext` (dependency-cache): the same annotated results as when it runs them. */
import { afterAll, expect, test } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { optimize } from '../src/api.js';
import { optimizeDeclared } from '../src/builds.js';
import { buildsFor, findBuilds } from '../src/context/builds/index.js';
import type { Transform } from '../src/model/types.js';
import { transforms as registry } from '../transforms/index.js';
import { removeTmpdirs, tmpdir, writeTree } from './helpers.js';

afterAll(removeTmpdirs);

const DOCKERFILE =
  'FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\nRUN apt-get update && apt-get install -y curl\n';

/** The registry with dependency-cache counting its checks with and without a context
 * (`declared`: its reviewWithoutContext as declared, else taken away). */
function counting(declared: boolean) {
  const calls = { with: 0, without: 0 };
  const transforms: Transform[] = registry.map((t) =>
    t.meta.id !== 'dependency-cache'
      ? t
      : {
          meta: t.meta,
          ...(declared ? { reviewWithoutContext: t.reviewWithoutContext } : {}),
          check(model, ctx) {
            calls[ctx.buildContext.available ? 'with' : 'without']++;
            return t.check(model, ctx);
          },
        },
  );
  return { calls, transforms };
}

async function project() {
  const dir = fs.realpathSync(tmpdir('dfo-rerun-'));
  fs.mkdirSync(path.join(dir, '.git'));
  writeTree(dir, {
    'compose.yaml': 'services:\n  web:\n    build: .\n',
    Dockerfile: DOCKERFILE,
    'requirements.txt': 'flask\n',
    'app.py': '\n',
  });
  const builds = buildsFor(await findBuilds(['.'], dir, {}), path.join(dir, 'Dockerfile'));
  expect(builds).toHaveLength(1);
  return { dir, builds };
}

test('the Dockerfile gets a dependency-cache fix without a context (review) and other findings', async () => {
  const r = await optimize(DOCKERFILE, { context: null });
  const dc = r.fixes.filter((f) => f.transform === 'dependency-cache');
  expect(dc.length).toBeGreaterThan(0);
  expect(dc.every((f) => f.applicability === 'review')).toBe(true);
  expect(r.fixes.some((f) => f.transform === 'package-hygiene')).toBe(true);
});

for (const unsafe of [false, true])
  test(`${unsafe ? '--unsafe: runs it' : 'safe: leaves dependency-cache out'}, with the same results`, async () => {
    const { dir, builds } = await project();
    const left = counting(true);
    const r = await optimizeDeclared('Dockerfile', builds, {
      cwd: dir,
      transforms: left.transforms,
      unsafe,
    });
    const all = counting(false);
    const ran = await optimizeDeclared('Dockerfile', builds, {
      cwd: dir,
      transforms: all.transforms,
      unsafe,
    });
    expect(all.calls.without).toBeGreaterThan(0);
    expect(left.calls.without).toBe(unsafe ? all.calls.without : 0);
    expect(r).toEqual(ran);
    // Some findings name the context, some do not.
    expect(r.fixes.some((f) => f.message.includes('compose.yaml'))).toBe(true);
    expect(r.fixes.some((f) => !f.message.includes('compose.yaml'))).toBe(true);
  });
