/** verify without Docker: build log parsers, layer diff, edit-file choice, the text report. */
import { beforeAll, describe, expect, test } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initShellParser } from '../../src/model/shell.js';
import { parseBuildLog, rerunSteps } from '../../src/verify/buildlog.js';
import { buildError, defaultDockerBin, shortCreatedBy } from '../../src/verify/docker.js';
import { formatReport, humanSize, jsonDocument, verifyExitCode } from '../../src/verify/report.js';
import {
  chooseEditFile,
  historyOnlyIn,
  regressionsOf,
  type VerifyReport,
} from '../../src/verify/verify.js';

const BUILDKIT = `#1 [internal] load build definition from Dockerfile
#1 sha256:84feddc00b5c1e8c43cee13c114f7822d71a10183a473a198b4dcd079e88164b
#1 transferring dockerfile: 167B done
#1 DONE 0.0s

#3 [internal] load metadata for docker.io/library/debian:bookworm
#3 DONE 0.0s

#4 [builder 1/4] FROM docker.io/library/debian:bookworm
#4 DONE 0.0s

#8 [internal] load build context
#8 transferring context: 222B done
#8 DONE 0.0s

#5 [builder 2/4] RUN apt-get update && apt-get install -y gcc
#5 sha256:1568cb34f0384c12d28ee35e3583e453e96ca1e0ccf58a5d337817e554817dae
#5 CACHED

#6 [builder 3/4] COPY hello.c .
#6 DONE 0.1s

#7 [builder 4/4] RUN gcc -o /usr/local/bin/hello hello.c
#7 0.312 compiling
#6 [builder 3/4] COPY hello.c .
#7 DONE 0.9s

#9 [stage-1 2/2] COPY --from=builder /usr/local/bin/hello /usr/local/bin/
#9 DONE 12.25s

#10 exporting to image
#10 exporting layers 0.2s done
#10 DONE 0.2s
`;

const FAILED = `#5 [2/3] RUN apt-get install -y nosuchpackage
#5 0.512 E: Unable to locate package nosuchpackage
#5 ERROR: executor failed running [/bin/sh -c apt-get install -y nosuchpackage]: exit code: 100
#6 [3/3] COPY . .
#6 CANCELED
------
 > [2/3] RUN apt-get install -y nosuchpackage:
------
executor failed running [/bin/sh -c apt-get install -y nosuchpackage]: exit code: 100
`;

const LEGACY = `Sending build context to Docker daemon  4.096kB
Step 1/5 : FROM debian:bookworm
 ---> 53f029b5bc64
Step 2/5 : RUN apt-get update
 ---> Using cache
 ---> 55ef49aedbae
Step 3/5 : WORKDIR /app
 ---> Using cache
 ---> 0c1d2e3f4a5b
Step 4/5 : COPY greet.py .
 ---> 9f8e7d6c5b4a
Step 5/5 : RUN python3 -m py_compile greet.py
 ---> Running in 13bca7e458a7
Removing intermediate container 13bca7e458a7
 ---> 1a2b3c4d5e6f
Successfully built 1a2b3c4d5e6f
Successfully tagged dfo-verify-1:original
`;

describe('parseBuildLog', () => {
  test('BuildKit plain: CACHED vs DONE, stages, internal vertices and repeated titles', () => {
    const log = parseBuildLog(BUILDKIT);
    expect(log.builder).toBe('buildkit');
    expect(log.steps).toEqual([
      {
        step: 'builder 1/4',
        stage: 'builder',
        instruction: 'FROM docker.io/library/debian:bookworm',
        status: 'base',
        seconds: null,
      },
      {
        step: 'builder 2/4',
        stage: 'builder',
        instruction: 'RUN apt-get update && apt-get install -y gcc',
        status: 'CACHED',
        seconds: null,
      },
      {
        step: 'builder 3/4',
        stage: 'builder',
        instruction: 'COPY hello.c .',
        status: 'RAN',
        seconds: 0.1,
      },
      {
        step: 'builder 4/4',
        stage: 'builder',
        instruction: 'RUN gcc -o /usr/local/bin/hello hello.c',
        status: 'RAN',
        seconds: 0.9,
      },
      {
        step: 'stage-1 2/2',
        stage: 'stage-1',
        instruction: 'COPY --from=builder /usr/local/bin/hello /usr/local/bin/',
        status: 'RAN',
        seconds: 12.25,
      },
    ]);
    expect(rerunSteps(log.steps).map((s) => s.step)).toEqual([
      'builder 3/4',
      'builder 4/4',
      'stage-1 2/2',
    ]);
  });

  test('BuildKit: a single stage has no stage name; ERROR and CANCELED', () => {
    const log = parseBuildLog(FAILED);
    expect(log.steps.map((s) => [s.step, s.stage, s.status])).toEqual([
      ['2/3', null, 'ERROR'],
      ['3/3', null, 'CANCELED'],
    ]);
    expect(buildError(FAILED)).toBe(
      'executor failed running [/bin/sh -c apt-get install -y nosuchpackage]: exit code: 100',
    );
  });

  test('BuildKit: CRLF line endings', () => {
    const log = parseBuildLog(BUILDKIT.replace(/\n/g, '\r\n'));
    expect(log.steps.filter((s) => s.status === 'CACHED')).toHaveLength(1);
  });

  test('legacy builder: " ---> Using cache" is a hit, a new image id without it ran', () => {
    const log = parseBuildLog(LEGACY);
    expect(log.builder).toBe('legacy');
    expect(log.steps.map((s) => [s.step, s.instruction, s.status])).toEqual([
      ['1/5', 'FROM debian:bookworm', 'base'],
      ['2/5', 'RUN apt-get update', 'CACHED'],
      ['3/5', 'WORKDIR /app', 'CACHED'],
      ['4/5', 'COPY greet.py .', 'RAN'],
      ['5/5', 'RUN python3 -m py_compile greet.py', 'RAN'],
    ]);
  });

  test('legacy builder: a step that failed has no image id', () => {
    const log = parseBuildLog(
      "Step 1/2 : FROM debian:bookworm\n ---> 53f029b5bc64\nStep 2/2 : RUN false\n ---> Running in 0a1b2c3d4e5f\nThe command '/bin/sh -c false' returned a non-zero code: 1\n",
    );
    expect(log.steps.map((s) => s.status)).toEqual(['base', 'ERROR']);
  });

  test('text that is no build log', () => {
    expect(parseBuildLog('permission denied while trying to connect')).toEqual({
      builder: 'unknown',
      steps: [],
    });
  });
});

describe('docker helpers', () => {
  test('history CreatedBy is shortened to Dockerfile text', () => {
    expect(shortCreatedBy('RUN /bin/sh -c apt-get update # buildkit')).toBe('RUN apt-get update');
    expect(shortCreatedBy('/bin/sh -c #(nop)  CMD ["python3" "greet.py"]')).toBe(
      'CMD ["python3" "greet.py"]',
    );
    expect(shortCreatedBy('/bin/sh -c apt-get update')).toBe('RUN apt-get update');
    expect(shortCreatedBy('|1 VERSION=1 /bin/sh -c make')).toBe('RUN make');
    expect(shortCreatedBy('COPY greet.py . # buildkit')).toBe('COPY greet.py .');
  });

  test('default client: /usr/bin/docker when present, else docker on PATH', () => {
    expect(defaultDockerBin(() => true)).toBe('/usr/bin/docker');
    expect(defaultDockerBin(() => false)).toBe('docker');
  });

  test('historyOnlyIn keeps order and counts duplicates', () => {
    const a = [
      { createdBy: 'WORKDIR /app', size: 0 },
      { createdBy: 'RUN apt-get update', size: 100 },
      { createdBy: 'WORKDIR /app', size: 0 },
    ];
    const b = [{ createdBy: 'WORKDIR /app', size: 0 }];
    expect(historyOnlyIn(a, b)).toEqual([a[1], a[2]]);
    expect(historyOnlyIn(b, a)).toEqual([]);
  });
});

describe('chooseEditFile', () => {
  beforeAll(() => initShellParser());

  const ctx = (files: Record<string, string>) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dfo-verify-test-'));
    for (const [p, c] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
      fs.writeFileSync(path.join(dir, p), c);
    }
    return dir;
  };

  test('a copied source file, not a manifest, not ignored; code before docs', () => {
    const df =
      'FROM debian:bookworm\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n';
    const dir = ctx({
      Dockerfile: df,
      'requirements.txt': 'flask\n',
      'README.md': '# x\n',
      'app.py': 'print(1)\n',
      'secret.py': 'x = 1\n',
      '.dockerignore': 'secret.py\n',
    });
    expect(chooseEditFile(df, dir, path.join(dir, 'Dockerfile'), null)).toBe('app.py');
    expect(chooseEditFile(df, dir, path.join(dir, 'Dockerfile'), 'app.py\n')).toBe('README.md');
    fs.rmSync(dir, { recursive: true });
  });

  test('only files a COPY names; none when it copies only manifests', () => {
    const df =
      'FROM node:20\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY src/ ./src/\n';
    const dir = ctx({
      Dockerfile: df,
      'package.json': '{}',
      'package-lock.json': '{}',
      'src/index.js': 'x\n',
      'other.js': 'y\n',
    });
    expect(chooseEditFile(df, dir, path.join(dir, 'Dockerfile'), null)).toBe('src/index.js');
    const only = 'FROM node:20\nCOPY package.json ./\n';
    expect(chooseEditFile(only, dir, path.join(dir, 'Dockerfile'), null)).toBeNull();
    fs.rmSync(dir, { recursive: true });
  });
});

function report(over: Partial<VerifyReport> = {}): VerifyReport {
  const side = (size: number, seconds: number) => ({
    build: { ok: true, seconds, builder: 'buildkit' },
    image: { id: 'sha256:x', size, layers: 5 },
    history: [],
  });
  return {
    dockerfile: 'examples/apt-cleanup/Dockerfile',
    context: 'examples/apt-cleanup',
    unsafe: true,
    target: null,
    buildArgs: [],
    fixes: ['package-hygiene/apt-merge-update', 'package-hygiene/apt-list-cleanup'],
    changed: true,
    files: ['examples/apt-cleanup/Dockerfile'],
    verdict: 'ok',
    wasted: null,
    original: {
      ...side(185_900_000, 8),
      cache: {
        ok: true,
        seconds: 4.2,
        total: 4,
        reran: [
          { step: '3/4', instruction: 'COPY . .', seconds: 0.1 },
          { step: '4/4', instruction: 'RUN pip install -r requirements.txt', seconds: 4 },
        ],
        cached: [],
      },
    },
    optimized: {
      ...side(130_000_000, 7.45),
      image: { id: 'sha256:y', size: 130_000_000, layers: 4 },
      cache: {
        ok: true,
        seconds: 0.1,
        total: 5,
        reran: [{ step: '5/5', instruction: 'COPY . .', seconds: 0.1 }],
        cached: [],
      },
    },
    size: { before: 185_900_000, after: 130_000_000, change: -55_900_000, percent: -30.1 },
    layers: { before: 5, after: 4 },
    changedLayers: {
      original: [{ createdBy: 'RUN apt-get update', size: 19_900_000 }],
      optimized: [
        { createdBy: 'RUN apt-get update && apt-get install -y python3', size: 49_400_000 },
      ],
    },
    cacheTest: { file: 'app.py' },
    sameOutput: true,
    warnings: [],
    regressions: [],
    ...over,
  };
}

describe('report', () => {
  test('humanSize uses decimal units like docker images', () => {
    expect(humanSize(512)).toBe('512 B');
    expect(humanSize(16_000)).toBe('16.0 kB');
    expect(humanSize(166_000_000)).toBe('166.0 MB');
    expect(humanSize(-19_900_000)).toBe('-19.9 MB');
    expect(humanSize(2_500_000_000)).toBe('2.5 GB');
  });

  test('side-by-side text', () => {
    expect(formatReport(report())).toBe(
      [
        'verify examples/apt-cleanup/Dockerfile (context examples/apt-cleanup; --unsafe)',
        '  fixes: package-hygiene/apt-merge-update, package-hygiene/apt-list-cleanup',
        '  result: both builds succeed',
        '',
        '                    original          optimized         change',
        '  build             ok                ok',
        '  image size        185.9 MB          130.0 MB          -55.9 MB (-30.1%)',
        '  layers            5                 4                 -1',
        '  cold build        8.0 s             7.5 s             -0.5 s',
        '  after edit        2 of 4 re-run     1 of 5 re-run     4.2 s -> 0.1 s',
        '  run output                                            same',
        '',
        '  layers that changed (uncompressed size, history order):',
        '    -   19.9 MB  RUN apt-get update',
        '    +   49.4 MB  RUN apt-get update && apt-get install -y python3',
        '',
        '  cache test: edited app.py, rebuilt; steps that re-ran:',
        '    original:  [3/4] COPY . .',
        '               [4/4] RUN pip install -r requirements.txt',
        '    optimized: [5/5] COPY . .',
        '',
      ].join('\n'),
    );
  });

  test('a failed optimized build is loud', () => {
    const r = report({
      verdict: 'optimized-build-failed',
      size: null,
      layers: null,
      sameOutput: null,
      cacheTest: { file: 'app.py', skipped: 'a build failed' },
      changedLayers: { original: [], optimized: [] },
    });
    r.optimized = {
      build: { ok: false, seconds: 3, builder: 'buildkit', error: 'exit code: 100' },
      image: null,
      history: [],
    };
    delete r.original.cache;
    const text = formatReport(r);
    expect(text).toContain('!!! result: OPTIMIZED BUILD FAILED where the original builds');
    expect(text).toContain('  build             ok                FAILED');
    expect(text).toContain('  optimized build error: exit code: 100');
    expect(text).toContain('  cache test: skipped (a build failed)');
    expect(jsonDocument([r], []).ok).toBe(false);
    expect(jsonDocument([report()], []).ok).toBe(true);
  });
});

describe('regressions and exit codes', () => {
  test('a good optimization has no regressions and exits 0', () => {
    const r = report();
    expect(regressionsOf(r)).toEqual([]);
    expect(verifyExitCode([r], [])).toBe(0);
    expect(jsonDocument([r], []).ok).toBe(true);
  });

  test('a larger image is a regression (beyond the 4 kB slack for an extra manifest COPY)', () => {
    const size = (after: number) => ({ before: 100_000_000, after, change: 0, percent: 0 });
    expect(regressionsOf(report({ size: size(100_004_000) }))).toEqual([]);
    expect(regressionsOf(report({ size: size(100_005_000) }))).toEqual([
      'the optimized image is larger (100000000 B -> 100005000 B)',
    ]);
  });

  test('a failed optimized build, different output and a lost cache hit are regressions', () => {
    const base = report();
    const worse = report({
      verdict: 'optimized-build-failed',
      sameOutput: false,
      optimized: {
        ...base.optimized,
        cache: {
          ...base.optimized.cache!,
          reran: [...base.original.cache!.reran, base.original.cache!.reran[0]!],
        },
      },
    });
    expect(regressionsOf(worse)).toEqual([
      'the optimized Dockerfile fails to build where the original builds',
      'the containers print different output',
      'a source edit re-runs more steps after the fix (2 -> 3)',
    ]);
    const withR = { ...worse, regressions: regressionsOf(worse) };
    expect(verifyExitCode([report(), withR], [])).toBe(1);
    expect(formatReport(withR)).toContain(
      '  !!! REGRESSION: the containers print different output\n',
    );
    expect(jsonDocument([withR], []).ok).toBe(false);
  });

  test('what cannot be verified exits 2', () => {
    expect(verifyExitCode([report({ verdict: 'original-build-failed' })], [])).toBe(2);
    expect(verifyExitCode([report()], [{ path: 'Dockerfile', error: 'unreadable' }])).toBe(2);
  });
});
