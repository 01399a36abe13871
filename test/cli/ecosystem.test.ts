/** Inline control comments, config files, output formats (JSON, SARIF, GitHub), quiet, rules. */
import { afterAll, describe, expect, test } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { Ajv } from 'ajv';
import AjvDraft04 from 'ajv-draft-04';
import type { CliIO } from '../../src/cli/cli.js';
import { optimize } from '../../src/api.js';
import type { Transform } from '../../src/model/types.js';
import { addToCopy, aptYes, keywordCase } from '../support/test-transforms.js';
import { removeTmpdirs, tmpdir } from '../helpers.js';
import { runCli } from '../support/cli.js';

afterAll(removeTmpdirs);

/** A transform citing a hadolint id in its message, to test `# hadolint ignore=`. */
const recommends: Transform = {
  meta: {
    id: 'test-recommends',
    title: 'recommends',
    hadolint: ['DL3015'],
    applicability: 'safe',
    docs: { why: 'w', fixSafety: 'f' },
  },
  check(model) {
    return model.instructions.flatMap((i) =>
      (i.shell?.commands ?? [])
        .filter(
          (c) =>
            c.name?.value === 'apt-get' &&
            c.args[0]?.value === 'install' &&
            !c.args.some((a) => a.value === '--no-install-recommends'),
        )
        .map((c) => ({
          ruleId: 'test-recommends/add',
          message: 'install without --no-install-recommends pulls extra packages (DL3015)',
          applicability: 'safe' as const,
          at: i.span.start,
          edits: [
            {
              start: c.args[0]!.span.end,
              end: c.args[0]!.span.end,
              text: ' --no-install-recommends',
            },
          ],
        })),
    );
  },
};
const transforms = [keywordCase, aptYes, addToCopy, recommends];

function project(files: Record<string, string>): string {
  const dir = tmpdir('dfo-eco-');
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), content);
  }
  return dir;
}

const cli = (argv: string[], cwd: string, extra: Partial<CliIO> = {}) =>
  runCli(argv, cwd, { io: extra, transforms });

describe('inline control comments', () => {
  test('# dockerfile-optimizer ignore=rule silences that rule on the next instruction only', async () => {
    const src =
      'FROM x\n# dockerfile-optimizer ignore=test-apt-yes\nRUN apt-get install --no-install-recommends a\nRUN apt-get install --no-install-recommends b\n';
    const r = await optimize(src, { transforms });
    expect(r.output).toBe(
      'FROM x\n# dockerfile-optimizer ignore=test-apt-yes\nRUN apt-get install --no-install-recommends a\nRUN apt-get install -y --no-install-recommends b\n',
    );
    expect(r.suppressed).toEqual([
      expect.objectContaining({
        ruleId: 'test-apt-yes/add-y',
        line: 3,
        by: '# dockerfile-optimizer ignore=test-apt-yes above line 3',
      }),
    ]);
  });

  test('full rule ids and several ids; comment blocks above the instruction count', async () => {
    const src =
      'FROM x\n# dockerfile-optimizer ignore=test-apt-yes/add-y,test-recommends\n# why: pinned by the vendor\nRUN apt-get install a\n';
    const r = await optimize(src, { transforms });
    expect(r.output).toBe(src);
    expect(r.suppressed.map((s) => s.ruleId).sort()).toEqual([
      'test-apt-yes/add-y',
      'test-recommends/add',
    ]);
  });

  test('# hadolint ignore=DL3015 silences the fix that maps to DL3015, not the others', async () => {
    const src = 'FROM x\n# hadolint ignore=DL3008,DL3015\nRUN apt-get install a\n';
    const r = await optimize(src, { transforms });
    expect(r.output).toBe('FROM x\n# hadolint ignore=DL3008,DL3015\nRUN apt-get install -y a\n');
    expect(r.suppressed).toEqual([
      expect.objectContaining({
        ruleId: 'test-recommends/add',
        by: '# hadolint ignore=DL3015 above line 3',
      }),
    ]);
  });

  test('# hadolint global ignore and # dockerfile-optimizer disable-file', async () => {
    const g = await optimize(
      '# hadolint global ignore=DL3015\nFROM x\nRUN apt-get install -y a\n',
      { transforms },
    );
    expect(g.changed).toBe(false);
    expect(g.suppressed).toHaveLength(1);
    const d = await optimize(
      '# dockerfile-optimizer disable-file\nfrom x\nRUN apt-get install a\n',
      { transforms },
    );
    expect(d.changed).toBe(false);
    expect(d.suppressed.length).toBe(3);
  });

  test('suppressed fixes are listed by --format json', async () => {
    const dir = project({
      Dockerfile: 'FROM x\n# hadolint ignore=DL3015\nRUN apt-get install -y a\n',
    });
    const r = await cli(['fix', '--dry-run', '--format', 'json'], dir);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).files[0].suppressed).toEqual([
      {
        rule: 'test-recommends/add',
        transform: 'test-recommends',
        line: 3,
        message: expect.stringContaining('DL3015'),
        by: '# hadolint ignore=DL3015 above line 3',
      },
    ]);
  });
});

describe('config file', () => {
  const BAD = 'from x\nRUN apt-get install a\n';

  test('.dockerfile-optimizer.json found upward turns rules off; CLI flags override', async () => {
    const dir = project({
      '.dockerfile-optimizer.json': JSON.stringify({
        rules: { 'test-keyword-case': false, 'test-recommends/add': false },
      }),
      'svc/api/Dockerfile': BAD,
    });
    const r = await cli(['fix', '--dry-run', 'svc'], dir);
    expect(r.stdout).toContain('-RUN apt-get install a\n+RUN apt-get install -y a\n');
    expect(r.stdout).not.toContain('+FROM x');
  });

  test('package.json "dockerfileOptimizer" key, and unsafe from config', async () => {
    const dir = project({
      'package.json': JSON.stringify({ name: 'app', dockerfileOptimizer: { unsafe: true } }),
      Dockerfile: 'FROM x\nADD a.txt /a\n',
    });
    expect((await cli(['fix', '--dry-run'], dir)).stdout).toContain('+COPY a.txt /a');
    expect((await cli(['fix', '--dry-run', '--no-unsafe'], dir)).stdout).toBe('');
  });

  test('--config PATH chooses the file', async () => {
    const dir = project({
      'conf/strict.json': JSON.stringify({ rules: { 'test-apt-yes': false } }),
      Dockerfile: 'FROM x\nRUN apt-get install --no-install-recommends a\n',
    });
    expect((await cli(['fix', '--dry-run'], dir)).code).toBe(1);
    expect((await cli(['fix', '--dry-run', '--config', 'conf/strict.json'], dir)).code).toBe(0);
  });

  test.each([
    [{ rules: { 'test-apt-yes': 'off' } }, 'key "rules.test-apt-yes": must be true or false'],
    [{ rules: { nope: false } }, 'key "rules.nope": unknown rule'],
    [{ unsafe: 'yes' }, 'key "unsafe": must be true or false'],
    [{ colour: true }, 'key "colour": unknown key'],
    [{ dockerignore: { add: 'x' } }, 'key "dockerignore.add": must be an array of patterns'],
  ])('invalid config %j: one line naming the file and key, exit 2', async (config, message) => {
    const dir = project({ '.dockerfile-optimizer.json': JSON.stringify(config), Dockerfile: BAD });
    const r = await cli(['fix'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `dockerfile-optimizer: ${path.join(dir, '.dockerfile-optimizer.json')}: ${message}${message.endsWith('unknown key') ? ' (expected rules, unsafe, cacheMounts, dockerignore)' : ''}\n`,
    );
    expect(fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf8')).toBe(BAD);
  });

  test('invalid JSON is reported with the file', async () => {
    const dir = project({ '.dockerfile-optimizer.json': '{ nope', Dockerfile: BAD });
    const r = await cli(['fix'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^dockerfile-optimizer: .*\.dockerfile-optimizer\.json: invalid JSON/);
  });
});

describe('output formats', () => {
  const SRC = 'from x\nADD a /a\nRUN apt-get install --no-install-recommends b\n';

  test('SARIF 2.1.0 validates against the published schema', async () => {
    const dir = project({ 'app/Dockerfile': SRC, 'bad/Dockerfile': 'nonsense\n' });
    const r = await cli(['fix', '--dry-run', '--format', 'sarif'], dir);
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout) as {
      runs: {
        tool: { driver: { name: string } };
        invocations: {
          executionSuccessful: boolean;
          toolExecutionNotifications: { message: { text: string } }[];
        }[];
        results: never[];
      }[];
    };
    const require = createRequire(import.meta.url);
    const schema = require('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
    // The published SARIF 2.1.0 schema is JSON Schema draft-04.
    const ajv = new (AjvDraft04 as unknown as typeof Ajv)({
      allErrors: true,
      strict: false,
      validateFormats: false,
      unicodeRegExp: false,
    });
    const validate = ajv.compile(schema);
    const ok = validate(doc);
    if (!ok) throw new Error(JSON.stringify(validate.errors, null, 2));
    const run = doc.runs[0];
    expect(run.tool.driver.name).toBe('dockerfile-optimizer');
    expect(
      run.results.map(
        (x: {
          ruleId: string;
          level: string;
          locations: {
            physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } };
          }[];
        }) => [
          x.ruleId,
          x.level,
          x.locations[0]!.physicalLocation.artifactLocation.uri,
          x.locations[0]!.physicalLocation.region.startLine,
        ],
      ),
    ).toEqual([
      ['test-keyword-case/upper', 'warning', 'app/Dockerfile', 1],
      ['test-add-copy/add', 'note', 'app/Dockerfile', 2],
      ['test-apt-yes/add-y', 'warning', 'app/Dockerfile', 3],
    ]);
    expect(run.invocations[0].executionSuccessful).toBe(false);
    expect(run.invocations[0].toolExecutionNotifications[0].message.text).toContain(
      'bad/Dockerfile',
    );
  });

  test('github: workflow annotations, escaped', async () => {
    const dir = project({ Dockerfile: SRC });
    const r = await cli(['fix', '--dry-run', '--format', 'github'], dir);
    expect(r.stdout.split('\n').filter(Boolean)).toEqual([
      '::warning file=Dockerfile,line=1,title=test-keyword-case/upper::keyword written in lower case (test transform)',
      '::notice file=Dockerfile,line=2,title=test-add-copy/add::ADD of a local path behaves like COPY (test transform)',
      '::warning file=Dockerfile,line=3,title=test-apt-yes/add-y::apt-get install without -y waits for input (test transform)',
    ]);
  });

  test('--quiet prints only the diff; the summary counts files, changes, fixes by applicability', async () => {
    const dir = project({ Dockerfile: SRC });
    const q = await cli(['fix', '--dry-run', '--quiet'], dir);
    expect(q.stderr).toBe('');
    expect(q.stdout).toContain('+FROM x');
    const v = await cli(['fix', '--dry-run', '--unsafe'], dir);
    expect(v.stderr.trim().split('\n').pop()).toBe(
      '1 file checked, 1 to change: would apply 3 fixes (2 safe, 1 review)',
    );
  });

  test('a progress line on a TTY stderr when more than 50 files are processed', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 51; i++) files[`s${String(i).padStart(2, '0')}/Dockerfile`] = 'FROM x\n';
    const dir = project(files);
    const tty = await cli(['fix', '--dry-run'], dir, { stderrIsTTY: true });
    expect(tty.stderr).toContain('\r\u001b[K[51/51] s50/Dockerfile');
    const pipe = await cli(['fix', '--dry-run'], dir, { stderrIsTTY: false });
    expect(pipe.stderr).not.toContain('[51/51]');
  });
});

describe('rules command', () => {
  test('lists every rule with applicability and hadolint ids', async () => {
    const r = await cli(['rules'], '/');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^rule\s+applicability\s+what it fixes$/);
    expect(r.stdout).toMatch(
      /\ntest-recommends\s+safe\s+recommends\n\s+hadolint: DL3015\n\s+why: w\n\s+docs: docs\/rules\/test-recommends.md\n/,
    );
    const json = JSON.parse((await cli(['rules', '--format', 'json'], '/')).stdout);
    expect(json.map((m: { id: string }) => m.id)).toEqual([
      'test-keyword-case',
      'test-apt-yes',
      'test-add-copy',
      'test-recommends',
    ]);
  });
});

describe('skip reports', () => {
  /** Skips every RUN: an info note on `RUN true`, a real skip elsewhere; fixes `RUN fixme`
   * and also remarks on that line (the remark must not survive next to the fix). */
  const notes: Transform = {
    meta: {
      id: 'test-notes',
      title: 'test-notes',
      hadolint: [],
      applicability: 'safe',
      docs: { why: 'test', fixSafety: 'test' },
    },
    check(model) {
      const out: ReturnType<Transform['check']> = [];
      for (const i of model.instructions) {
        if (i.keyword !== 'RUN') continue;
        const body = i.logical.text.replace(/^RUN\s+/, '');
        if (body === 'true')
          out.push({
            ruleId: 'test-notes/run',
            reason: 'already right',
            at: i.span.start,
            info: true,
          });
        else if (body === 'fixme') {
          out.push({
            ruleId: 'test-notes/run',
            message: 'fixed (test transform)',
            applicability: 'safe',
            at: i.span.start,
            edits: [{ start: i.span.end - 5, end: i.span.end, text: 'fixed' }],
          });
          out.push({ ruleId: 'test-notes/run', reason: 'contradicts the fix', at: i.span.start });
        } else if (body === 'fixed')
          out.push({ ruleId: 'test-notes/run', reason: 'nothing left to fix', at: i.span.start });
        else out.push({ ruleId: 'test-notes/run', reason: 'cannot prove it', at: i.span.start });
      }
      return out;
    },
  };

  test('info notes are JSON-only; a rule does not report a skip on a line it fixed', async () => {
    const dir = project({ Dockerfile: 'FROM x\nRUN true\nRUN other\nRUN fixme\n' });
    const run = (argv: string[]) => runCli(argv, dir, { transforms: [notes] });
    const text = await run(['fix', '--dry-run', 'Dockerfile']);
    expect(text.stderr).toContain('Dockerfile:3 test-notes/run: skipped: cannot prove it\n');
    expect(text.stderr).toContain('Dockerfile:4 test-notes/run: fixed (test transform)\n');
    expect(text.stderr).not.toContain('already right');
    expect(text.stderr).not.toContain('contradicts the fix');
    expect(text.stderr).not.toContain('nothing left to fix');
    const json = JSON.parse(
      (await run(['fix', '--dry-run', '--format', 'json', 'Dockerfile'])).stdout,
    );
    expect(json.files[0].skipped).toEqual([
      {
        rule: 'test-notes/run',
        transform: 'test-notes',
        line: 2,
        reason: 'already right',
        info: true,
      },
      { rule: 'test-notes/run', transform: 'test-notes', line: 3, reason: 'cannot prove it' },
    ]);
  });
});
