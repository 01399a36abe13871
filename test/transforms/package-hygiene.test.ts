/** Unit-level behaviour of the package-hygiene transform (fixtures cover the rewrites). */
import { describe, expect, test } from '@jest/globals';
import { optimize } from '../../src/api.js';
import { transform } from '../../transforms/package-hygiene/index.js';
import { familyOf, TOOLS } from '../../transforms/package-hygiene/run.js';

const only = ['package-hygiene'];

async function run(text: string, options: Record<string, unknown> = {}) {
  return optimize(text, { only, ...options });
}

type Result = Awaited<ReturnType<typeof run>>;

/** No `npm ci` is proposed, and the skip gives the reason. */
function expectNoNpmCi(r: Result, why: RegExp): void {
  expect(r.fixes.filter((f) => f.ruleId === 'package-hygiene/npm-ci')).toEqual([]);
  expect(r.skipped.find((s) => s.ruleId === 'package-hygiene/npm-ci')?.reason).toMatch(why);
}

describe('package-hygiene meta', () => {
  test('meta is filled', () => {
    expect(transform.meta.id).toBe('package-hygiene');
    expect(transform.meta.title.length).toBeGreaterThan(10);
    expect(transform.meta.hadolint).toEqual(
      expect.arrayContaining([
        'DL3009',
        'DL3015',
        'DL3019',
        'DL3027',
        'DL3040',
        'DL3042',
        'DL3060',
      ]),
    );
    expect(transform.meta.docs.why).toMatch(/stale/);
    expect(transform.meta.docs.fixSafety).toMatch(/Review/);
  });
});

describe('package-hygiene messages and applicability', () => {
  test('cleanup messages cite the hadolint ids', async () => {
    const r = await run(
      [
        'FROM debian:bookworm',
        'RUN apt-get update && apt-get install -y --no-install-recommends curl',
        'RUN pip install flask',
        'RUN apk add git',
        'RUN dnf install -y jq',
        'RUN yarn install',
        '',
      ].join('\n'),
    );
    const msg = (id: string) => r.fixes.find((f) => f.ruleId === `package-hygiene/${id}`)?.message;
    expect(msg('apt-list-cleanup')).toMatch(/DL3009/);
    expect(msg('pip-no-cache-dir')).toMatch(/DL3042/);
    expect(msg('apk-no-cache')).toMatch(/DL3019/);
    expect(msg('dnf-clean')).toMatch(/DL3040/);
    expect(msg('yarn-cache-clean')).toMatch(/DL3060/);
    for (const f of r.fixes) expect(f.message.split('. ').length).toBe(1);
  });

  test('cleanup in a builder stage is review, in the final stage safe', async () => {
    const text = [
      'FROM node:20 AS build',
      'RUN apt-get update && apt-get install -y --no-install-recommends python3',
      'FROM node:20-slim',
      'RUN apt-get update && apt-get install -y --no-install-recommends tini',
      '',
    ].join('\n');
    const r = await run(text);
    const cleanups = r.fixes.filter((f) => f.ruleId === 'package-hygiene/apt-list-cleanup');
    expect(cleanups.map((f) => [f.line, f.applicability, f.applied])).toEqual([
      [2, 'review', false],
      [4, 'safe', true],
    ]);
    const unsafe = await run(text, { unsafe: true });
    expect(unsafe.output.match(/rm -rf \/var\/lib\/apt\/lists/g)).toHaveLength(2);
  });

  test('a stage the final one is built FROM counts as final', async () => {
    const r = await run(
      [
        'FROM ubuntu:24.04 AS base',
        'RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates',
        'FROM base',
        'CMD ["bash"]',
        '',
      ].join('\n'),
    );
    expect(
      r.fixes.find((f) => f.ruleId === 'package-hygiene/apt-list-cleanup')?.applicability,
    ).toBe('safe');
  });

  test('no cleanup while a later RUN still installs with the lists', async () => {
    const r = await run(
      [
        'FROM debian:bookworm',
        'RUN apt-get update && apt-get install -y --no-install-recommends curl',
        'COPY setup.sh /',
        'RUN apt-get install -y --no-install-recommends jq',
        '',
      ].join('\n'),
    );
    expect(r.changed).toBe(false);
    expect(r.skipped.map((s) => s.ruleId)).toContain('package-hygiene/apt-list-cleanup');
    expect(r.fixes.filter((f) => !f.applied).map((f) => f.ruleId)).toEqual([
      'package-hygiene/apt-merge-update',
    ]);
    // With --unsafe the install gets its own update, then both RUNs are cleaned.
    const u = await run(
      [
        'FROM debian:bookworm',
        'RUN apt-get update && apt-get install -y --no-install-recommends curl',
        'COPY setup.sh /',
        'RUN apt-get install -y --no-install-recommends jq',
        '',
      ].join('\n'),
      { unsafe: true },
    );
    expect(u.output).toBe(
      [
        'FROM debian:bookworm',
        'RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*',
        'COPY setup.sh /',
        'RUN apt-get update && apt-get install -y --no-install-recommends jq && rm -rf /var/lib/apt/lists/*',
        '',
      ].join('\n'),
    );
  });
});

describe('package-hygiene cache mounts', () => {
  test('pip after a non-root USER keeps --no-cache-dir (the mount target would be wrong)', async () => {
    const r = await run(
      ['FROM python:3.12-slim', 'USER app', 'RUN pip install --user flask', ''].join('\n'),
      { cacheMounts: true },
    );
    expect(r.output).toContain('pip install --no-cache-dir --user flask');
    expect(r.fixes.map((f) => f.ruleId)).toEqual(['package-hygiene/pip-no-cache-dir']);
  });

  test('apk and npm use their cache directories', async () => {
    const r = await run(['FROM node:20-alpine', 'RUN apk add git', 'RUN npm ci', ''].join('\n'), {
      cacheMounts: true,
    });
    expect(r.output).toBe(
      [
        'FROM node:20-alpine',
        'RUN --mount=type=cache,target=/var/cache/apk apk add git',
        'RUN --mount=type=cache,target=/root/.npm npm ci',
        '',
      ].join('\n'),
    );
  });

  test('the result is stable: a second run finds nothing', async () => {
    const first = await run(
      ['FROM debian:bookworm', 'RUN apt-get update', 'RUN apt-get install -y curl', ''].join('\n'),
      { unsafe: true },
    );
    const again = await run(first.output, { unsafe: true });
    expect(again.changed).toBe(false);
    expect(again.fixes).toEqual([]);
  });
});

describe('package-hygiene skips', () => {
  test('a RUN the shell parser rejects is reported, not rewritten', async () => {
    const r = await run(
      ['FROM debian:bookworm', 'RUN apt-get update && apt-get install -y curl && (echo x', ''].join(
        '\n',
      ),
    );
    expect(r.changed).toBe(false);
    expect(r.skipped.map((s) => s.reason).join('\n')).toMatch(/shell parser/);
  });

  test('hadolint ignore comments silence the matching fix', async () => {
    const r = await run(
      ['FROM python:3.12', '# hadolint ignore=DL3042', 'RUN pip install flask', ''].join('\n'),
    );
    expect(r.changed).toBe(false);
    expect(r.suppressed.map((s) => s.ruleId)).toEqual(['package-hygiene/pip-no-cache-dir']);
  });
});

describe("package-hygiene: Yarn 2+ (Plug'n'Play keeps packages in the cache)", () => {
  const yarnfile = [
    'FROM node:20-alpine',
    'WORKDIR /app',
    'COPY package.json yarn.lock ./',
    'RUN yarn install',
    '',
  ].join('\n');

  test('without a context the cleanup is only proposed, with the reason', async () => {
    const r = await run(yarnfile);
    expect(r.changed).toBe(false);
    const f = r.fixes.find((x) => x.ruleId === 'package-hygiene/yarn-cache-clean');
    expect([f?.applicability, f?.applied]).toEqual(['review', false]);
    expect(f?.note).toMatch(/Yarn 1 cannot be told from Yarn 2\+/);
  });

  test('a Yarn 1 context gets the cleanup; Yarn 2+ signs in the context or the Dockerfile skip it', async () => {
    const yarn1 = { 'package.json': '{"name":"a"}', 'yarn.lock': '# yarn lockfile v1\n' };
    expect((await run(yarnfile, { context: yarn1 })).output).toContain(
      'RUN yarn install && yarn cache clean',
    );
    const cases: [Record<string, string> | null, string, RegExp][] = [
      [{ ...yarn1, '.yarnrc.yml': 'nodeLinker: pnp\n' }, yarnfile, /has \.yarnrc\.yml/],
      [
        { 'package.json': '{"packageManager": "yarn@4.2.2"}', 'yarn.lock': '' },
        yarnfile,
        /names `yarn@4` as packageManager/,
      ],
      [
        { 'package.json': '{}', 'yarn.lock': '__metadata:\n  version: 8\n' },
        yarnfile,
        /Yarn 2\+ lockfile/,
      ],
      [null, yarnfile.replace('RUN yarn install', 'RUN yarn install --immutable'), /is Yarn 2\+/],
      [
        null,
        yarnfile.replace('WORKDIR /app', 'RUN yarn set version berry\nWORKDIR /app'),
        /`yarn set version`/,
      ],
    ];
    for (const [context, text, why] of cases) {
      const r = await run(text, { context });
      expect(r.changed).toBe(false);
      expect(r.fixes.filter((f) => f.ruleId.endsWith('yarn-cache-clean'))).toEqual([]);
      const skip = r.skipped.find((s) => s.ruleId === 'package-hygiene/yarn-cache-clean');
      expect(skip?.reason).toMatch(why);
      expect(skip?.reason).toMatch(/Plug'n'Play/);
    }
  });

  test('`yarn global add` is Yarn 1 only: cleaned without a context', async () => {
    const r = await run(['FROM node:20', 'RUN yarn global add serve', ''].join('\n'));
    expect(r.output).toContain('RUN yarn global add serve && yarn cache clean');
  });

  test('the cleanup follows the install, not the build after it', async () => {
    const r = await run(
      ['FROM node:20', 'COPY . .', 'RUN yarn install --frozen-lockfile && yarn build', ''].join(
        '\n',
      ),
      { context: { 'package.json': '{}', 'yarn.lock': '# yarn lockfile v1\n' } },
    );
    expect(r.output).toContain(
      'RUN yarn install --frozen-lockfile && yarn cache clean && yarn build',
    );
  });
});

describe('package-hygiene: RUNs without a POSIX shell', () => {
  const cases: [string, string[], RegExp][] = [
    [
      'SHELL powershell',
      ['FROM debian:bookworm', 'SHELL ["powershell", "-Command"]'],
      /`powershell`/,
    ],
    ['SHELL cmd', ['FROM debian:bookworm', 'SHELL ["cmd", "/S", "/C"]'], /`cmd`/],
    [
      'SHELL pwsh.exe by path',
      [
        'FROM debian:bookworm',
        'SHELL ["C:\\\\Program Files\\\\PowerShell\\\\7\\\\pwsh.exe", "-c"]',
      ],
      /pwsh\.exe/,
    ],
    [
      'SHELL of the stage built on',
      ['FROM debian:bookworm AS base', 'SHELL ["pwsh", "-c"]', 'FROM base'],
      /SHELL on line 2/,
    ],
    ['nanoserver', ['FROM mcr.microsoft.com/powershell:lts-nanoserver-ltsc2022'], /Windows image/],
    ['.NET Framework', ['FROM mcr.microsoft.com/dotnet/framework/sdk:4.8.1'], /Windows image/],
    [
      '--platform=windows',
      ['FROM --platform=windows/amd64 example.com/build-tools:2024'],
      /Windows image/,
    ],
  ];
  test.each(cases)(
    '%s: no &&-cleanup, merge or mount; option words still added',
    async (_n, head, why) => {
      const text = [
        ...head,
        'RUN apt-get update',
        'RUN apt-get install -y curl',
        'RUN dnf install -y jq',
        'RUN npm install -g pm2',
        'RUN pip install flask',
        'RUN apk update && apk add git',
        '',
      ].join('\n');
      for (const cacheMounts of [false, true]) {
        const r = await run(text, { cacheMounts });
        expect(r.output.split('\n').filter((l) => /&&|rm -rf|clean|--mount/.test(l))).toEqual([
          'RUN apk update && apk add git',
        ]);
        expect(r.output).toContain('RUN pip install --no-cache-dir flask');
        const skips = r.skipped.map((s) => `${s.ruleId}: ${s.reason}`);
        for (const id of ['apt-merge-update', 'dnf-clean', 'npm-cache-clean', 'apk-no-cache'])
          expect(skips.find((s) => s.startsWith(`package-hygiene/${id}:`))).toMatch(why);
      }
    },
  );

  test('POSIX shells (also through env) are rewritten as usual', async () => {
    for (const shell of ['["/bin/bash", "-o", "pipefail", "-c"]', '["/usr/bin/env", "sh", "-c"]']) {
      const r = await run(
        [
          'FROM debian:bookworm',
          `SHELL ${shell}`,
          'RUN apt-get update && apt-get install -y --no-install-recommends curl',
          '',
        ].join('\n'),
      );
      expect(r.output).toContain('&& rm -rf /var/lib/apt/lists/*');
    }
  });
});

describe('package-hygiene: npm ci needs the lockfile in the image', () => {
  const context = {
    'web/package.json': '{"name":"web"}',
    'web/package-lock.json': '{"lockfileVersion":3}',
  };
  test('followed through `cd` into the folder the lockfile was copied to', async () => {
    const r = await run(
      [
        'FROM node:20',
        'WORKDIR /srv',
        'COPY web/package.json web/package-lock.json ./web/',
        'RUN cd web && npm install',
        '',
      ].join('\n'),
      { context },
    );
    expect(r.fixes.find((f) => f.ruleId === 'package-hygiene/npm-ci')?.applied).toBe(false);
  });

  // (The RUNs already clean the cache: the engine drops a rule's skip on a line it fixed.)
  test('copied elsewhere, excluded by COPY --exclude, or an unknown folder: no npm ci', async () => {
    const texts = [
      [
        'FROM node:20',
        'WORKDIR /srv',
        'COPY web/package.json ./',
        'RUN npm install && npm cache clean --force',
      ],
      [
        'FROM node:20',
        'WORKDIR /srv/web',
        'COPY --exclude=package-lock.json web/ ./',
        'RUN npm install && npm cache clean --force',
      ],
      [
        'FROM node:20',
        'WORKDIR /srv/web',
        'COPY web/ ./',
        'RUN cd "$APP_DIR" && npm install && npm cache clean --force',
      ],
    ];
    const why = [
      /^`npm install` stays: web\/package-lock.json is in the build context, but no COPY before this RUN puts it into \/srv, and/,
      /puts it into \/srv\/web/,
      /not known/,
    ];
    for (const [i, t] of texts.entries()) {
      expectNoNpmCi(await run([...t, ''].join('\n'), { context }), why[i]!);
    }
  });
});

describe('package-hygiene: pip cache options', () => {
  test('abbreviations count only when unambiguous; PIP_NO_CACHE_DIR needs a value', async () => {
    const add = async (lines: string[]) =>
      (await run(['FROM python:3.12', ...lines, ''].join('\n'))).fixes.some(
        (f) => f.ruleId === 'package-hygiene/pip-no-cache-dir',
      );
    expect(await add(['RUN pip install --no-ca flask'])).toBe(false);
    expect(await add(['RUN pip install --ca=/tmp/pip flask'])).toBe(false);
    expect(await add(['RUN pip install --no-c flask'])).toBe(true); // --no-color, --no-clean, ...
    expect(await add(['RUN pip install --no flask'])).toBe(true);
    expect(await add(['ENV PIP_NO_CACHE_DIR=0', 'RUN pip install flask'])).toBe(false);
    expect(await add(['ARG PIP_NO_CACHE_DIR', 'RUN pip install flask'])).toBe(false);
    expect(await add(['ENV PIP_NO_CACHE_DIR=', 'RUN pip install flask'])).toBe(true);
  });
});

describe('package-hygiene: apk update left in place', () => {
  test('a standalone update before a script RUN is only proposed for removal', async () => {
    const r = await run(
      ['FROM alpine:3.20', 'RUN apk update', 'COPY deps.sh /', 'RUN sh /deps.sh', ''].join('\n'),
    );
    expect(r.changed).toBe(false);
    const f = r.fixes.find((x) => x.ruleId === 'package-hygiene/apk-no-cache');
    expect([f?.applicability, f?.note]).toEqual([
      'review',
      'the RUN on line 4 runs a script, which may install with this index; check that it does not',
    ]);
  });

  test('a later `apk add` without --no-cache that keeps its old form keeps the update', async () => {
    const r = await run(
      [
        'FROM alpine:3.20',
        'RUN apk update',
        '# hadolint ignore=DL3019',
        'RUN apk add curl',
        '',
      ].join('\n'),
    );
    expect(r.changed).toBe(false);
    expect(r.skipped.map((s) => s.reason)).toContain(
      '`apk update` stays: the RUN on line 4 reads the index it writes (`apk add` without `--no-cache`)',
    );
  });

  test('a script after the update keeps it; the message names the script, not its variables', async () => {
    const r = await run(
      ['FROM alpine:3.20', 'RUN apk update && apk add gcc && CFLAGS=-O2 ./build.sh', ''].join('\n'),
    );
    expect(r.fixes.find((f) => f.ruleId === 'package-hygiene/apk-no-cache')?.message).toContain(
      '(`./build.sh` runs after it and may run apk)',
    );
    expect(r.output).toContain('./build.sh && rm -rf /var/cache/apk/*');
  });
});

describe('package-hygiene: apt update RUNs whose lists nothing reads', () => {
  test('a standalone update is a review removal; a reader later keeps it, with the reason', async () => {
    const lines = [
      'FROM debian:bookworm',
      'RUN apt-get update',
      'COPY extra.list /etc/apt/sources.list.d/',
      'RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*',
    ];
    const r = await run([...lines, ''].join('\n'));
    expect(r.changed).toBe(false);
    expect(r.fixes.map((f) => [f.ruleId, f.applied])).toEqual([
      ['package-hygiene/apt-drop-update', false],
    ]);
    const kept = await run(
      [...lines.slice(0, 3), 'RUN apt-cache policy curl', lines[3], ''].join('\n'),
    );
    expect(kept.fixes).toEqual([]);
    expect(kept.skipped.map((s) => `${s.ruleId}: ${s.reason}`)).toEqual([
      'package-hygiene/apt-drop-update: the lists this update fetches stay in its layer: the RUN on line 4 may read them (it runs `apt-cache`)',
    ]);
  });

  test('an update with nothing reading its lists says so', async () => {
    const r = await run(
      ['FROM debian:bookworm', 'RUN apt-get update && ./configure.sh', ''].join('\n'),
    );
    expect(r.skipped.map((s) => s.ruleId)).toEqual(['package-hygiene/apt-list-cleanup']);
  });
});

describe('package-hygiene: notes in stages the final image does not build on', () => {
  test('the note names the --target builds that still ship the stage', async () => {
    const r = await run(
      [
        'FROM python:3.12 AS builder',
        'RUN pip install build',
        'FROM builder AS development',
        'RUN pip install debugpy',
        'FROM python:3.12',
        'RUN pip install wheel',
        'FROM python:3.12-slim',
        'CMD ["python"]',
        '',
      ].join('\n'),
    );
    expect(r.fixes.map((f) => [f.line, f.applicability, f.note])).toEqual([
      [
        2,
        'review',
        'not part of the final stage: this saves size only in images built with `--target builder` or `--target development`',
      ],
      [
        4,
        'review',
        'not part of the final stage: this saves size only in images built with `--target development`',
      ],
      [
        6,
        'review',
        'not part of the final stage, and no named stage builds on it (so no `--target` build ships it): this saves build cache only',
      ],
    ]);
  });
});

describe('package-hygiene: edge cases kept as they are', () => {
  test('`apk add --no-network` reads the cached index: no --no-cache, the update stays', async () => {
    const r = await run(
      [
        'FROM alpine:3.20',
        'COPY pkgs/ /tmp/pkgs/',
        'RUN apk update && apk add --no-network --allow-untrusted /tmp/pkgs/agent.apk',
        '',
      ].join('\n'),
    );
    expect(r.output).toContain(
      'RUN apk update && apk add --no-network --allow-untrusted /tmp/pkgs/agent.apk && rm -rf /var/cache/apk/*',
    );
  });

  test('a RUN with only `apt list` says it stays', async () => {
    const r = await run(['FROM debian:bookworm', 'RUN apt list --installed', ''].join('\n'));
    expect(r.skipped.map((s) => s.reason)).toEqual([
      '`apt list` has no apt-get command that does the same, so it stays',
    ]);
  });

  test('a lockfile from COPY --from is not followed, and the skip says so', async () => {
    const r = await run(
      [
        'FROM node:20 AS deps',
        'WORKDIR /app',
        'COPY package.json package-lock.json ./',
        'FROM node:20',
        'WORKDIR /app',
        'COPY package.json ./',
        'COPY --from=deps /app/package-lock.json ./',
        'RUN npm install && npm cache clean --force',
        '',
      ].join('\n'),
      { context: { 'package.json': '{}', 'package-lock.json': '{}' } },
    );
    expectNoNpmCi(r, /\(COPY --from is not followed\)/);
  });
});

describe('package-hygiene: npm cache cleanup follows the install', () => {
  test('in every layout, before the build that follows', async () => {
    const r = await run(
      [
        'FROM node:20',
        'WORKDIR /app',
        'COPY . .',
        'RUN npm ci \\',
        '    && npm run build',
        'RUN npm ci && \\',
        '    npm run build',
        'RUN set -eux; \\',
        '    npm ci; \\',
        '    npm run build',
        'RUN <<EOT',
        'set -e',
        'npm ci',
        'npm run build',
        'EOT',
        '',
      ].join('\n'),
    );
    expect(r.output).toBe(
      [
        'FROM node:20',
        'WORKDIR /app',
        'COPY . .',
        'RUN npm ci \\',
        '    && npm cache clean --force \\',
        '    && npm run build',
        'RUN npm ci && \\',
        '    npm cache clean --force && \\',
        '    npm run build',
        'RUN set -eux; \\',
        '    npm ci; \\',
        '    npm cache clean --force; \\',
        '    npm run build',
        'RUN <<EOT',
        'set -e',
        'npm ci',
        'npm cache clean --force',
        'npm run build',
        'EOT',
        '',
      ].join('\n'),
    );
  });

  test('a RUN that only runs scripts gets no cleanup', async () => {
    const r = await run(['FROM node:20', 'RUN npm run build && npm test', ''].join('\n'));
    expect(r.fixes).toEqual([]);
  });
});

describe('package-hygiene: the family of a command name (familyOf)', () => {
  test("each tool's family, pip by its pattern, and no family for Object.prototype's names", () => {
    for (const [tool, family] of Object.entries(TOOLS)) expect(familyOf(tool)).toBe(family);
    for (const pip of ['pip', 'pip3', 'pip3.12']) expect(familyOf(pip)).toBe('pip');
    // A name made at run time (not a literal of this file), as the parser makes them.
    const made = (s: string) => [...s].join('');
    for (const name of ['pipx', 'apt-gets', 'constructor', 'toString', '__proto__', 'valueOf'])
      expect([name, familyOf(made(name))]).toEqual([name, null]);
    expect(familyOf(made('apt-get'))).toBe('apt');
    expect(familyOf(null)).toBeNull();
  });

  test('a command named like a member of Object.prototype is no package manager', async () => {
    const r = await optimize('FROM debian\nRUN constructor install -y x && toString add y\n', {
      only: ['package-hygiene'],
    });
    expect(r.fixes).toEqual([]);
    expect(r.skipped).toEqual([]);
  });
});
