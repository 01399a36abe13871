/**
 * `explain` (src/explain/explain.ts): default edits, the summary line, the cache line of `fix
 * --dry-run`, the CLI, the README's examples and the package entry. The cache model it reads:
 * cache-model.test.ts.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { explain as apiExplain, optimize } from '../../src/api.js';
import { buildCacheModel } from '../../src/cache/model.js';
import { DiskContext, MemoryContext, NoContext } from '../../src/context/context.js';
import { InputError } from '../../src/engine/loop.js';
import {
  cacheSummary,
  defaultEdits,
  explain,
  explainFile,
  expensiveReason,
  filesNamedByFix,
  fixCacheLine,
  isManifest,
  type ExplainResult,
} from '../../src/explain/explain.js';
import { formatExplain } from '../../src/explain/format.js';
import { parseDockerfile } from '../../src/model/dockerfile.js';
import type { ContextEntry, WalkOptions } from '../../src/model/types.js';
import { initShellParser } from '../../src/model/shell.js';
import { removeTmpdirs, ROOT, tmpdir, writeTree } from '../helpers.js';
import { runCli } from '../support/cli.js';
import { cacheOf, changed } from './cache-helpers.js';

beforeAll(initShellParser);
afterAll(removeTmpdirs);

describe('explain()', () => {
  const flask = {
    'app.py': 'print(1)\n',
    'requirements.txt': 'flask\n',
    'templates/index.html': '<p>\n',
    '.env': 'SECRET=1\n',
    Dockerfile: 'x\n',
    'README.md': 'r\n',
  };
  const flaskDf =
    'FROM python:3.12\nWORKDIR /app\nRUN apt-get update\nRUN apt-get install -y gcc\nCOPY . .\nRUN pip install -r requirements.txt\nCMD ["python", "app.py"]\n';
  const fixedDf =
    'FROM python:3.12\nWORKDIR /app\nRUN apt-get update && apt-get install -y gcc && rm -rf /var/lib/apt/lists/*\nCOPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt\nCOPY . .\nCMD ["python", "app.py"]\n';

  test('default edits: a representative source file and each copied manifest', () => {
    const r = explain({ text: flaskDf, context: new MemoryContext(flask) });
    expect(r.edits.map((e) => [e.path, e.kind])).toEqual([
      ['app.py', 'source'],
      ['requirements.txt', 'manifest'],
    ]);
    expect(r.edits[0]!.reruns.map((s) => [s.buildkit.prefix, s.instruction, s.reason])).toEqual([
      ['[5/6]', 'COPY . .', null],
      ['[6/6]', 'RUN pip install -r requirements.txt', 'pip install'],
    ]);
    expect(r.steps.filter((s) => s.expensive).map((s) => s.reason)).toEqual([
      'apt-get update',
      'apt-get install',
      'pip install',
    ]);
    expect(r.target).toBeNull();
    expect(apiExplain).toBe(explain);
  });

  test('the source edit prefers a copied sub-folder, then code, then shallow paths', () => {
    const ctx = {
      'package.json': '{}\n',
      'package-lock.json': '{}\n',
      'index.js': '1\n',
      'src/a.css': 'a\n',
      'src/main.ts': 'm\n',
      'src/b/util.ts': 'u\n',
      'src/.hidden.ts': 'h\n',
    };
    const text =
      'FROM node:20\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY src/ ./src/\nCOPY index.js .\nRUN npm run build\n';
    const c = cacheOf(text, ctx);
    expect(defaultEdits(c, new MemoryContext(ctx))).toEqual([
      { path: 'src/main.ts', kind: 'source' },
      { path: 'package-lock.json', kind: 'manifest' },
      { path: 'package.json', kind: 'manifest' },
    ]);
    // Without a context: manifests named in COPY sources, any file of the first copied folder.
    expect(defaultEdits(cacheOf(text, null), new NoContext())).toEqual([
      { path: 'index.js', kind: 'source' },
      { path: 'package-lock.json', kind: 'manifest' },
      { path: 'package.json', kind: 'manifest' },
    ]);
    const whole = cacheOf('FROM python\nCOPY requirements.txt .\nCOPY . .\n', null);
    expect(defaultEdits(whole, new NoContext())).toEqual([
      { path: '*', kind: 'source' },
      { path: 'requirements.txt', kind: 'manifest' },
    ]);
    const r = explain({ text: 'FROM python\nCOPY requirements.txt .\nCOPY . .\n' });
    expect(r.edits[0]!.reruns.map((s) => s.buildkit.prefix)).toEqual(['[3/3]']);
  });

  test('manifests and expensive commands', () => {
    for (const m of [
      'requirements.txt',
      'requirements-dev.txt',
      'go.sum',
      'a/package.json',
      'App.csproj',
    ])
      expect(isManifest(m)).toBe(true);
    for (const m of ['app.py', 'requirements.md', 'main.go']) expect(isManifest(m)).toBe(false);
    // One list for explain and verify (src/manifest.ts): each used to miss some of these.
    for (const m of [
      'gradlew',
      'apt.txt',
      'packages.txt',
      '.yarnrc',
      'packages.lock.json',
      'constraints-dev.txt',
      'pdm.lock',
      'requirements/base.txt',
      'global.json',
      'gradle/wrapper/gradle-wrapper.properties',
    ])
      expect(isManifest(m)).toBe(true);
    for (const m of ['gradle.txt', 'src/package.json.bak', 'apt.txt.md'])
      expect(isManifest(m)).toBe(false);
    const model = parseDockerfile(
      [
        'FROM debian',
        'RUN apt-get install -y curl && curl -fsSL https://x/y.tgz | tar xz',
        'RUN /venv/bin/pip install --no-index -r requirements.txt',
        'RUN python3 -m pip install flask',
        'RUN npm ci && npm run build',
        'RUN CGO_ENABLED=0 go build -o /app . && make',
        'RUN ./mvnw -B package',
        'RUN echo done && ls',
        'ADD https://example.com/x.tar.gz /x',
        'COPY . .',
        '',
      ].join('\n'),
    );
    const c = buildCacheModel(model, new NoContext());
    expect(c.steps.slice(1).map((s) => expensiveReason(model, s))).toEqual([
      'apt-get install, curl download',
      'pip install',
      'pip install',
      'npm ci, npm run build',
      'go build, make',
      'mvn package',
      null,
      'ADD download',
      null,
    ]);
    const more = parseDockerfile(
      [
        'FROM debian',
        'RUN apk add --no-cache curl && apk info',
        'RUN dnf -y install gcc && yum in make && zypper search x',
        'RUN poetry install && pipenv sync && pdm list',
        'RUN cargo build --release && dotnet restore && composer install && cargo test',
        'RUN constructor install && toString x',
        '',
      ].join('\n'),
    );
    const m = buildCacheModel(more, new NoContext());
    expect(m.steps.slice(1).map((s) => expensiveReason(more, s))).toEqual([
      'apk add',
      'dnf install, yum in',
      'poetry install, pipenv sync',
      'cargo build, dotnet restore, composer install',
      null,
    ]);
  });

  test('cacheSummary: before vs after the fix, null when the answer is the same', () => {
    const ctx = new MemoryContext(flask);
    const before = explain({ text: flaskDf, context: ctx });
    const after = explain({ text: fixedDf, context: ctx, edits: before.edits.map((e) => e.path) });
    expect(cacheSummary(before, after)).toBe(
      'cache: a source edit re-runs 1 step (was 2, incl. pip install)',
    );
    expect(cacheSummary(before, before)).toBeNull();
    // The other way round (a change that makes it worse) says so too.
    const fixedFirst = explain({ text: fixedDf, context: ctx });
    const worse = explain({ text: flaskDf, context: ctx, edits: ['app.py', 'requirements.txt'] });
    expect(cacheSummary(fixedFirst, worse)).toBe('cache: a source edit re-runs 2 steps (was 1)');
    const noSource: ExplainResult = { ...before, edits: before.edits.slice(1) };
    expect(cacheSummary(noSource, after)).toBeNull();
  });

  test('cacheSummary counts maybe re-runs as "up to"', () => {
    const ctx = new MemoryContext({ 'hello.c': 'int main(){}\n' });
    const single = 'FROM gcc\nWORKDIR /src\nCOPY hello.c .\nRUN gcc -o /hello hello.c\n';
    const split =
      'FROM gcc AS builder\nWORKDIR /src\nCOPY hello.c .\nRUN gcc -o /hello hello.c\nFROM debian\nCOPY --from=builder /hello /hello\nRUN echo ok\n';
    const b = explain({ text: single, context: ctx });
    const a = explain({ text: split, context: ctx, edits: ['hello.c'] });
    expect(a.edits[0]!.reruns.map((s) => [s.buildkit.prefix, s.certain, s.maybeFrom])).toEqual([
      ['[builder 3/4]', true, null],
      ['[builder 4/4]', true, null],
      ['[stage-1 2/3]', false, 'builder'],
      ['[stage-1 3/3]', false, 'builder'],
    ]);
    expect(cacheSummary(b, a)).toBe('cache: a source edit re-runs up to 4 steps (was 2)');
  });

  test('fixCacheLine with a real optimize() result', async () => {
    const ctx = new MemoryContext(flask);
    const result = await optimize(flaskDf, { context: ctx, path: 'Dockerfile' });
    expect(result.output).toBe(fixedDf);
    expect(fixCacheLine(flaskDf, result, ctx)).toBe(
      'cache: a source edit re-runs 1 step (was 2, incl. pip install)',
    );
    const noCache = await optimize(
      'FROM debian\nRUN apt-get update\nRUN apt-get install -y curl\n',
    );
    expect(noCache.changed).toBe(true);
    expect(
      fixCacheLine(
        'FROM debian\nRUN apt-get update\nRUN apt-get install -y curl\n',
        noCache,
        new NoContext(),
      ),
    ).toBeNull();
  });

  test('the source edit of the cache line is never a file the fix starts copying by name', async () => {
    // requirements.txt includes base.txt: the fix copies both before the install. Editing
    // base.txt re-runs the install before and after the fix (3 steps after it): it is what the
    // install reads, not "a source edit" (the line said "re-runs 3 steps (was 2)").
    const df =
      'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\nCMD ["python", "-m", "app"]\n';
    const files = { 'requirements.txt': '-r base.txt\n', 'base.txt': 'flask\n' };
    for (const [extra, line] of [
      [
        { 'config.yaml': 'a: 1\n' },
        'cache: a source edit re-runs 1 step (was 2, incl. pip install)',
      ],
      [{}, null],
    ] as const) {
      const ctx = new MemoryContext({ ...files, ...extra });
      const result = await optimize(df, { context: ctx, path: 'Dockerfile' });
      expect(result.output).toContain('COPY requirements.txt base.txt ./\n');
      expect(fixCacheLine(df, result, ctx)).toBe(line);
    }
    // Without a fix to compare, base.txt stays the representative (explain --no-after).
    const alone = explain({ text: df, context: new MemoryContext(files) });
    expect(alone.edits.map((e) => [e.path, e.kind])).toEqual([
      ['base.txt', 'source'],
      ['requirements.txt', 'manifest'],
    ]);
    expect(
      filesNamedByFix(
        { text: df, context: new MemoryContext(files) },
        {
          text: 'FROM python\nCOPY requirements.txt base.txt ./\nCOPY app.py .\nCOPY . .\n',
          context: new MemoryContext(files),
        },
      ),
    ).toEqual(['requirements.txt', 'base.txt']);
  });

  test('a copied folder that cannot be listed: the cache line says so, no count from a guess', async () => {
    /** A context whose folder `src` cannot be listed, as DiskContext reports it (mode 000 for
     * another user; the real-file case is in test/files.test.ts). */
    class Unlistable extends MemoryContext {
      override walk(options?: WalkOptions): ContextEntry[] {
        return super
          .walk(options)
          .filter((e) => !e.path.startsWith('src/'))
          .map((e) => (e.path === 'src' ? { ...e, unreadable: true } : e));
      }
    }
    const df =
      'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\nCMD ["python", "-m", "src"]\n';
    const files = {
      'requirements.txt': 'flask\n',
      'config.yaml': 'a: 1\n',
      'src/__main__.py': 'print(1)\n',
    };
    const ctx = new Unlistable(files);
    const result = await optimize(df, { context: ctx, path: 'Dockerfile' });
    expect(result.changed).toBe(true);
    // The real source files are hidden: the representative would be config.yaml.
    expect(explain({ text: df, context: ctx }).edits[0]!.path).toBe('config.yaml');
    expect(explain({ text: df, context: ctx }).unreadable).toEqual(['src/']);
    expect(fixCacheLine(df, result, ctx)).toBe('cache: not estimated: src/ cannot be read');
    const before = explain({ text: df, context: ctx });
    expect(formatExplain('Dockerfile', before, null)).toContain(
      'src/ cannot be read: the files in it are unknown, the edits above leave them out\n',
    );
    // Excluded by .dockerignore (no `!` exception), or not copied: it does not matter.
    const ignored = new Unlistable({ ...files, '.dockerignore': 'src\n' });
    expect(explain({ text: df, context: ignored }).unreadable).toEqual([]);
    const reincluded = new Unlistable({ ...files, '.dockerignore': 'src\n!src/keep.py\n' });
    expect(explain({ text: df, context: reincluded }).unreadable).toEqual(['src/']);
    const narrow = df.replace('COPY . .', 'COPY requirements.txt config.yaml ./');
    expect(explain({ text: narrow, context: ctx }).unreadable).toEqual([]);
    const sub = df.replace('COPY . .', 'COPY src/app/ ./app/');
    expect(explain({ text: sub, context: ctx }).unreadable).toEqual(['src/']);
    // A readable context: the line is unchanged.
    const readable = new MemoryContext(files);
    expect(
      fixCacheLine(df, await optimize(df, { context: readable, path: 'Dockerfile' }), readable),
    ).toBe('cache: a source edit re-runs 1 step (was 2, incl. pip install)');
  });

  test('bad input: InputError for a syntax error and an unknown target', () => {
    expect(() => explain({ text: 'FROM x\nFOO y\n' })).toThrow(InputError);
    expect(() => explain({ text: 'FROM x\nFOO y\n' })).toThrow('line 2: unknown instruction: FOO');
    expect(() => explain({ text: 'FROM x AS a\n', target: 'b' })).toThrow(
      'target stage "b" could not be found',
    );
  });

  test('explainFile reads the file and uses its directory as the context', async () => {
    const dir = tmpdir('dfo-explain-');
    writeTree(dir, { ...flask, Dockerfile: flaskDf });
    const r = await explainFile(path.join(dir, 'Dockerfile'));
    expect(r.edits.map((e) => [e.path, e.reruns.length])).toEqual([
      ['app.py', 2],
      ['requirements.txt', 2],
    ]);
    const viaDisk = explain({
      text: flaskDf,
      context: new DiskContext(dir, path.join(dir, 'Dockerfile')),
    });
    expect(viaDisk).toEqual(r);
  });
});

describe('CLI: explain and fix --dry-run', () => {
  const cli = (argv: string[], cwd: string) => runCli(argv, cwd);
  const project = () => {
    const dir = tmpdir('dfo-explain-cli-');
    writeTree(dir, {
      'svc/Dockerfile':
        'FROM python:3.12\nWORKDIR /app\nRUN apt-get update\nRUN apt-get install -y gcc\nCOPY . .\nRUN pip install -r requirements.txt\nCMD ["python", "app.py"]\n',
      'svc/app.py': 'print(1)\n',
      'svc/requirements.txt': 'flask\n',
    });
    return dir;
  };

  test('text: per edit the steps it re-runs, then after fix', async () => {
    const dir = project();
    const r = await cli(['explain', 'svc'], dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        'svc/Dockerfile: 6 build steps',
        'editing app.py re-runs 2 of 6 steps:',
        '  [5/6] COPY . .',
        '  [6/6] RUN pip install -r requirements.txt  (expensive: pip install)',
        'after fix: re-runs 1 of 6 steps:',
        '  [6/6] COPY . .',
        '',
        'editing requirements.txt re-runs 2 of 6 steps:',
        '  [5/6] COPY . .',
        '  [6/6] RUN pip install -r requirements.txt  (expensive: pip install)',
        'after fix: re-runs 3 of 6 steps:',
        '  [4/6] COPY requirements.txt .',
        '  [5/6] RUN pip install --no-cache-dir -r requirements.txt  (expensive: pip install)',
        '  [6/6] COPY . .',
        'cache: a source edit re-runs 1 step (was 2, incl. pip install)',
        '',
      ].join('\n'),
    );
    // Nothing was written.
    expect(fs.existsSync(path.join(dir, 'svc/.dockerignore'))).toBe(false);
    expect(fs.readFileSync(path.join(dir, 'svc/Dockerfile'), 'utf8')).toContain(
      'RUN apt-get update\n',
    );
  });

  test('--no-after, --edit (from here or context-relative), --target, --build-arg', async () => {
    const dir = project();
    const a = await cli(
      ['explain', 'svc/Dockerfile', '--no-after', '--edit', 'svc/app.py', '--edit', 'README.md'],
      dir,
    );
    expect(a.stdout).toBe(
      [
        'svc/Dockerfile: 6 build steps',
        'editing app.py re-runs 2 of 6 steps:',
        '  [5/6] COPY . .',
        '  [6/6] RUN pip install -r requirements.txt  (expensive: pip install)',
        '',
        'editing README.md re-runs 2 of 6 steps:',
        '  [5/6] COPY . .',
        '  [6/6] RUN pip install -r requirements.txt  (expensive: pip install)',
        '',
      ].join('\n'),
    );
    writeTree(dir, {
      'ms/Dockerfile':
        'ARG V=1\nFROM debian:bookworm AS deps\nARG V\nCOPY a.txt /a\nRUN echo $V\nFROM debian:bookworm AS test\nCOPY t.txt /t\nFROM debian:bookworm\nCOPY --from=deps /a /a\n',
      'ms/a.txt': 'a\n',
      'ms/t.txt': 't\n',
    });
    const t = await cli(['explain', 'ms', '--target', 'test', '--no-after'], dir);
    expect(t.stdout).toBe(
      [
        'ms/Dockerfile: 2 build steps, target test (not built: deps, stage-2)',
        'editing t.txt re-runs 1 of 2 steps:',
        '  [test 2/2] COPY t.txt /t',
        '',
      ].join('\n'),
    );
    const j = await cli(
      ['explain', 'ms', '--format', 'json', '--build-arg', 'V=2', '--edit', 'a.txt'],
      dir,
    );
    const doc = JSON.parse(j.stdout);
    expect(doc.files[0].skippedStages).toEqual(['test']);
    expect(
      doc.files[0].edits[0].reruns.map((x: { buildkit: { name: string }; certain: boolean }) => [
        x.buildkit.name,
        x.certain,
      ]),
    ).toEqual([
      ['[deps 2/3] COPY a.txt /a', true],
      ['[deps 3/3] RUN echo 2', true],
      ['[stage-2 2/2] COPY --from=deps /a /a', false],
    ]);
  });

  test('json: steps, edits, after, summary', async () => {
    const dir = project();
    const r = await cli(['explain', 'svc', '--format', 'json'], dir);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.version).toBe(1);
    const f = doc.files[0];
    expect([f.path, f.context, f.target]).toEqual(['svc/Dockerfile', 'svc', null]);
    expect(f.steps.map((s: { buildkit: { prefix: string } }) => s.buildkit.prefix)).toEqual([
      '[1/6]',
      '[2/6]',
      '[3/6]',
      '[4/6]',
      '[5/6]',
      '[6/6]',
    ]);
    expect(f.steps[5]).toEqual({
      stage: 0,
      stageName: null,
      buildkit: {
        stage: '',
        index: 6,
        total: 6,
        label: '6/6',
        prefix: '[6/6]',
        name: '[6/6] RUN pip install -r requirements.txt',
      },
      instruction: 'RUN pip install -r requirements.txt',
      line: 6,
      expensive: true,
      reason: 'pip install',
    });
    expect(f.edits.map((e: { path: string; kind: string }) => [e.path, e.kind])).toEqual([
      ['app.py', 'source'],
      ['requirements.txt', 'manifest'],
    ]);
    expect(f.edits[0].reruns[0]).toEqual(
      expect.objectContaining({
        instruction: 'COPY . .',
        certain: true,
        cause: 'input',
        maybeFrom: null,
      }),
    );
    expect(f.after.fixes).toContain('dependency-cache/pip');
    expect(f.after.edits[0].reruns.map((x: { instruction: string }) => x.instruction)).toEqual([
      'COPY . .',
    ]);
    expect(f.summary).toBe('cache: a source edit re-runs 1 step (was 2, incl. pip install)');
  });

  test('bad input: one line naming the file, exit 2', async () => {
    const dir = project();
    writeTree(dir, { 'bad/Dockerfile': 'FROM x\nFOO y\n', 'ok/Dockerfile': 'FROM x AS a\n' });
    fs.writeFileSync(path.join(dir, 'bin.Dockerfile'), Buffer.from([0, 1, 2, 3]));
    const cases: [string[], string][] = [
      [
        ['explain', 'missing/Dockerfile'],
        'dockerfile-optimizer: missing/Dockerfile: no such file or directory\n',
      ],
      [
        ['explain', 'bad'],
        'dockerfile-optimizer: bad/Dockerfile: line 2: unknown instruction: FOO\n',
      ],
      [
        ['explain', 'bin.Dockerfile'],
        'dockerfile-optimizer: bin.Dockerfile: binary file, not a Dockerfile\n',
      ],
      [
        ['explain', 'ok', '--target', 'b'],
        'dockerfile-optimizer: ok/Dockerfile: target stage "b" could not be found\n',
      ],
      [
        ['explain', 'svc', '--context', 'nowhere'],
        'dockerfile-optimizer: svc/Dockerfile: build context nowhere: not a directory\n',
      ],
      [
        ['explain', 'svc', '--format', 'xml'],
        'dockerfile-optimizer: Invalid values: Argument: format, Given: "xml", Choices: "text", "json"\n',
      ],
    ];
    for (const [argv, err] of cases) {
      const r = await cli(argv, dir);
      expect([r.code, r.stderr, r.stdout]).toEqual([2, err, '']);
    }
  });

  test('fix --dry-run: one cache line per changed Dockerfile, before the summary; not with --quiet', async () => {
    const dir = project();
    writeTree(dir, {
      'apt/Dockerfile': 'FROM debian\nRUN apt-get update\nRUN apt-get install -y curl\n',
    });
    const r = await cli(['fix', '--dry-run', '.'], dir);
    expect(r.code).toBe(1);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines.filter((l) => l.includes('cache:'))).toEqual([
      'svc/Dockerfile: cache: a source edit re-runs 1 step (was 2, incl. pip install)',
    ]);
    // After svc's fix lines, right before the closing summary.
    expect(lines[lines.length - 2]).toBe(
      'svc/Dockerfile: cache: a source edit re-runs 1 step (was 2, incl. pip install)',
    );
    expect(lines[lines.length - 3]).toMatch(/^svc\/Dockerfile:\d+ /);
    expect(lines[lines.length - 1]).toMatch(/^2 files checked, 2 to change/);
    const q = await cli(['fix', '--dry-run', '--quiet', '.'], dir);
    expect(q.stderr).toBe('');
    const applied = await cli(['fix', 'svc'], dir);
    expect(applied.stderr).not.toContain('cache:');
  });
});

describe('README', () => {
  const readme = () => fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  /** The output lines after `$ <command>` in the README's explain section. */
  function example(command: string): string {
    const text = readme();
    const at = text.indexOf(`$ ${command}\n`);
    expect(at).toBeGreaterThan(0);
    const body = text.slice(at + command.length + 3);
    return body.slice(0, body.indexOf('```'));
  }

  test.each([
    'npx dockerfile-optimizer explain examples/flask',
    'npx dockerfile-optimizer explain examples/multi-stage --no-after',
  ])('the explain example is the real output: %s', async (command) => {
    const { code, stdout, stderr } = await runCli(command.split(' ').slice(2), ROOT);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(example(command)).toBe(stdout);
  });

  test("the Flask report's cache line is the real one", async () => {
    const { stderr } = await runCli(['fix', '--dry-run', 'examples/flask'], ROOT);
    const line = stderr.split('\n').find((l) => l.includes(' cache: '))!;
    expect(line).toBe(
      'examples/flask/Dockerfile: cache: a source edit re-runs 1 step (was 2, incl. pip install)',
    );
    expect(readme()).toContain(`\n${line}\n`);
  });
});

describe('package entry', () => {
  test('explain is exported from the package entry point', async () => {
    const entry = await import('../../src/index.js');
    await entry.initShellParser();
    const r = entry.explain({
      text: 'FROM debian\nWORKDIR /app\nCOPY . .\nRUN make\n',
      context: new entry.MemoryContext({ 'main.c': 'int main(){}\n', Makefile: 'all:\n' }),
      edits: ['main.c'],
    });
    expect(r.edits[0]!.reruns.map((x) => x.instruction)).toEqual(['COPY . .', 'RUN make']);
  });
});
