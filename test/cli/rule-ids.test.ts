/**
 * The rule catalogue (model/rules.ts): every place that takes a rule id from the user rejects an
 * unknown one with exit 2 and a did-you-mean (`--only`, `--skip`, the config's `rules`,
 * `# dockerfile-optimizer ignore=`); a transform without a catalogue still accepts `<id>/<kind>`;
 * `rules` and SARIF list each catalogued rule.
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { optimize } from '../../src/api.js';
import { didYouMean, ruleIdProblem, ruleMeta, transformIdOf } from '../../src/model/rules.js';
import { removeTmpdirs, tmpdir, writeTree } from '../helpers.js';
import { runCli } from '../support/cli.js';
import { aptYes, catalogued } from '../support/test-transforms.js';

afterAll(removeTmpdirs);

const transforms = [catalogued, aptYes];
const cli = (argv: string[], cwd: string) => runCli(argv, cwd, { transforms });

function project(files: Record<string, string>): string {
  const dir = tmpdir('dfo-rules-');
  writeTree(dir, files);
  return dir;
}

const SRC = 'from debian:latest\nRUN apt-get install a\n';

describe('model/rules', () => {
  test('transformIdOf', () => {
    expect(transformIdOf('package-hygiene/apt-list-cleanup')).toBe('package-hygiene');
    expect(transformIdOf('dockerignore')).toBe('dockerignore');
  });

  test('ruleIdProblem: catalogued, transform ids, uncatalogued transforms, typos', () => {
    expect(ruleIdProblem(transforms, 'test-cat')).toBeNull();
    expect(ruleIdProblem(transforms, 'test-cat/no-latest')).toBeNull();
    // No catalogue yet: any kind of that transform is accepted, as before.
    expect(ruleIdProblem(transforms, 'test-apt-yes/whatever')).toBeNull();
    expect(ruleIdProblem(transforms, 'test-cat/no-lates')).toBe(
      'unknown rule "test-cat/no-lates" (did you mean "test-cat/no-latest"?)',
    );
    expect(ruleIdProblem(transforms, 'no-latest')).toBe(
      'unknown rule "no-latest" (did you mean "test-cat/no-latest"?)',
    );
    expect(ruleIdProblem(transforms, 'test-cat/zzzzzzzzzzzzzzzzz')).toBe(
      'unknown rule "test-cat/zzzzzzzzzzzzzzzzz" (test-cat has: test-cat/upper-from, test-cat/no-latest)',
    );
    expect(ruleIdProblem(transforms, 'nope')).toBe(
      'unknown rule "nope" (known: test-cat, test-apt-yes)',
    );
  });

  test('didYouMean only suggests close ids', () => {
    expect(didYouMean('dockerignor', ['dockerignore', 'multistage'])).toBe('dockerignore');
    expect(didYouMean('zzz', ['dockerignore', 'multistage'])).toBeNull();
  });

  test('ruleMeta finds the catalogue entry', () => {
    expect(ruleMeta(transforms, 'test-cat/no-latest')?.hadolint).toEqual(['DL3007']);
    expect(ruleMeta(transforms, 'test-apt-yes/add-y')).toBeNull();
  });
});

describe('unknown rule ids are errors (exit 2, one line, nothing written)', () => {
  test.each([
    [['--only', 'test-cat/no-lates']],
    [['--skip', 'test-cat/upper-frm']],
    [['--only', 'test-cat,test-cat/nope-nope-nope-nope']],
  ])('fix %j', async (flags) => {
    const dir = project({ Dockerfile: SRC });
    const r = await cli(['fix', ...flags], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^dockerfile-optimizer: unknown rule "[^"]+" \(.*\)\n$/);
    expect(r.stdout).toBe('');
    expect(fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf8')).toBe(SRC);
  });

  test('the did-you-mean names the catalogued rule', async () => {
    const r = await cli(
      ['fix', '--dry-run', '--only', 'test-cat/no-lates'],
      project({ Dockerfile: SRC }),
    );
    expect(r.stderr).toBe(
      'dockerfile-optimizer: unknown rule "test-cat/no-lates" (did you mean "test-cat/no-latest"?)\n',
    );
  });

  test('verify and explain check --only/--skip and config the same way', async () => {
    const dir = project({ Dockerfile: SRC });
    const v = await cli(['verify', '--only', 'test-cat/no-lates'], dir);
    expect(v.code).toBe(2);
    expect(v.stderr).toContain('did you mean "test-cat/no-latest"?');
    const cfg = project({
      '.dockerfile-optimizer.json': JSON.stringify({ rules: { 'test-cat/upperfrom': false } }),
      Dockerfile: SRC,
    });
    const e = await cli(['explain'], cfg);
    expect(e.code).toBe(2);
    expect(e.stderr).toContain(
      'key "rules.test-cat/upperfrom": unknown rule (did you mean "test-cat/upper-from"?)',
    );
  });

  test('config: a misspelled rule is an error naming the file, the key and the likely rule', async () => {
    const dir = project({
      '.dockerfile-optimizer.json': JSON.stringify({ rules: { 'test-cat/no-lattest': false } }),
      Dockerfile: SRC,
    });
    const r = await cli(['fix'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `dockerfile-optimizer: ${path.join(dir, '.dockerfile-optimizer.json')}: key "rules.test-cat/no-lattest": unknown rule (did you mean "test-cat/no-latest"?)\n`,
    );
    expect(fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf8')).toBe(SRC);
  });

  test('config: a catalogued rule turned off is skipped', async () => {
    const dir = project({
      '.dockerfile-optimizer.json': JSON.stringify({ rules: { 'test-cat/upper-from': false } }),
      Dockerfile: SRC,
    });
    const r = await cli(['fix', '--dry-run', '--unsafe'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('+from debian\n');
  });

  test('ignore= pragma: a misspelled rule fails that file (exit 2), the others still run', async () => {
    const bad = 'FROM x\n# dockerfile-optimizer ignore=test-cat/upper-frm\nRUN apt-get install a\n';
    const dir = project({ 'a/Dockerfile': bad, 'b/Dockerfile': SRC });
    const r = await cli(['fix', '--dry-run', 'a', 'b'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'dockerfile-optimizer: a/Dockerfile: line 2: # dockerfile-optimizer ignore=: unknown rule "test-cat/upper-frm" (did you mean "test-cat/upper-from"?)\n',
    );
    expect(r.stdout).toContain('+++ b/b/Dockerfile');
    await expect(optimize(bad, { transforms })).rejects.toThrow(
      'unknown rule "test-cat/upper-frm"',
    );
  });

  test('ignore= pragma: known ids, `all` and kinds of a transform without catalogue pass', async () => {
    const ok =
      'FROM x\n# dockerfile-optimizer ignore=test-cat/upper-from,all,test-apt-yes/anything\nRUN apt-get install a\n';
    expect((await optimize(ok, { transforms })).output).toBe(ok);
  });

  test('a transform without a catalogue accepts <id>/<kind> as before', async () => {
    const r = await optimize(SRC, { transforms, skip: ['test-apt-yes/add-y'] });
    expect(r.output).toBe('FROM debian:latest\nRUN apt-get install a\n');
  });
});

describe('rules and SARIF read the catalogue', () => {
  test('rules lists every rule id under its transform', async () => {
    const r = await cli(['rules'], '/');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        'rule                   applicability  what it fixes',
        'test-cat               safe           test-cat',
        '                       hadolint: DL3007',
        '                       why: test',
        '                       docs: docs/rules/test-cat.md',
        '  test-cat/upper-from  safe           Upper-case FROM',
        '  test-cat/no-latest   review         Drop the :latest tag',
        '                         hadolint: DL3007',
        'test-apt-yes           safe           test-apt-yes',
        '                       why: test',
        '                       docs: docs/rules/test-apt-yes.md',
        '',
      ].join('\n'),
    );
    const json = JSON.parse((await cli(['rules', '--format', 'json'], '/')).stdout);
    expect(json[0].rules.map((x: { id: string }) => x.id)).toEqual([
      'test-cat/upper-from',
      'test-cat/no-latest',
    ]);
  });

  test('SARIF describes each catalogued rule, also those without a result', async () => {
    const dir = project({ Dockerfile: 'from debian\n' });
    const r = await cli(['fix', '--dry-run', '--format', 'sarif'], dir);
    const sarif = JSON.parse(r.stdout);
    const rules = sarif.runs[0].tool.driver.rules;
    expect(rules.map((x: { id: string }) => x.id)).toEqual([
      'test-cat/no-latest',
      'test-cat/upper-from',
    ]);
    expect(rules[0]).toMatchObject({
      shortDescription: { text: 'Drop the :latest tag' },
      properties: { applicability: 'review', hadolint: ['DL3007'] },
    });
    expect(sarif.runs[0].results).toEqual([
      expect.objectContaining({ ruleId: 'test-cat/upper-from', ruleIndex: 1 }),
    ]);
  });
});
