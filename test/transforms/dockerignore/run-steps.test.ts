/** Issue 18: the RUN steps of a Dockerfile (what the rules read of its RUN lines: installs,
 * builds, git, registry files) are listed only by the analyses that reach a rule reading them
 * (most contexts hold nothing to propose), once per text, and equal what every RUN says. */
import { beforeAll, beforeEach, expect, test } from '@jest/globals';
import { clearCaches, optimize } from '../../../src/api.js';
import { MemoryContext } from '../../../src/context/context.js';
import { parseDockerfile } from '../../../src/model/dockerfile.js';
import { initShellParser } from '../../../src/model/shell.js';
import { memoCounters } from '../../../transforms/dockerignore/memo.js';
import { runStepsOf, usageOf } from '../../../transforms/dockerignore/usage.js';

beforeAll(() => initShellParser());
beforeEach(() => clearCaches());

const TEXTS = [
  'FROM node\nCOPY . .\nRUN npm ci\n',
  'FROM x\nRUN a \\\n  && b\nCOPY src ./src\nRUN --mount=type=bind,source=app,target=/app make\n',
  'FROM a AS b\r\nRUN one\r\nFROM b\r\nRUN two\r\nRUN ["exec", "form"]\r\n',
  'FROM x\nRUN <<EOF\necho hi\nEOF\nCOPY . .\n',
  'FROM x\nCOPY . .\n',
];

test('runStepsOf lists every RUN (its offset, line and logical text), once per usage', () => {
  for (const text of TEXTS) {
    const model = parseDockerfile(text);
    const usage = usageOf(model);
    const runs = model.instructions
      .filter((i) => i.keyword === 'RUN')
      .map((i) => ({
        at: i.span.start,
        line: model.lineOf(i.span.start) + 1,
        text: i.logical.text,
      }));
    const before = memoCounters.steps;
    const steps = runStepsOf(model, usage);
    expect(steps).toEqual({ runText: runs.map((r) => r.text + '\n').join(''), runs });
    expect(runStepsOf(model, usage)).toBe(steps);
    expect(memoCounters.steps - before).toBe(1);
  }
});

async function stepsListed(df: string, files: Record<string, string>, git?: string[]) {
  clearCaches();
  const before = memoCounters.steps;
  const context = new MemoryContext(
    { Dockerfile: df, ...files },
    'Dockerfile',
    git ? { git: { tracked: git } } : {},
  );
  await optimize(df, { only: ['dockerignore'], context });
  return memoCounters.steps - before;
}

test('the RUN steps are listed only when a rule reads them', async () => {
  const df = 'FROM node\nCOPY . .\nRUN npm ci\n';
  // Nothing that looks like a secret, nothing a clutter group looks for: no rule reads them.
  expect(await stepsListed(df, { 'index.js': '\n', 'src/a.js': '\n' })).toBe(0);
  // A copy of named files only, and nothing secret: neither.
  expect(await stepsListed('FROM x\nCOPY a.js .\nRUN run\n', { 'a.js': '\n' })).toBe(0);
  // A secret (its decision reads the registry installs), an installed node_modules (the clutter
  // rules read what the RUN steps install), a `.git` (does a RUN read it?): listed, once.
  expect(await stepsListed(df, { '.env': 'TOKEN=abc\n' })).toBe(1);
  expect(await stepsListed(df, { 'node_modules/x/index.js': '\n' })).toBe(1);
  expect(await stepsListed('FROM x\nCOPY a.js .\n', { 'a.js': '\n', '.git/HEAD': 'x\n' })).toBe(1);
});
