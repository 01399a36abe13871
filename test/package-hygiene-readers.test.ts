/** package-hygiene: a rule that deletes a cache looks for a later reader first (issue 12). */
import { describe, expect, test } from '@jest/globals';
import { optimize } from '../src/api.js';

const run = (lines: string[], options: Record<string, unknown> = {}) =>
  optimize(lines.join('\n') + '\n', { only: ['package-hygiene'], unsafe: true, ...options });
const cleanup = 'package-hygiene/apt-list-cleanup';

describe('apt list readers', () => {
  test('a CMD in shell form that installs at start-up', async () => {
    const r = await run([
      'FROM debian:bookworm',
      'RUN apt-get update && apt-get install -y --no-install-recommends python3',
      'CMD apt-get install -y $EXTRA && python3 -m http.server',
    ]);
    expect(r.fixes.map((f) => f.ruleId)).not.toContain(cleanup);
    expect(r.skipped.find((s) => s.ruleId === cleanup)?.reason).toMatch(/the CMD on line 3/);
  });

  test('an ENTRYPOINT set in the base stage, before the RUN, through `sh -c`', async () => {
    const r = await run([
      'FROM debian:bookworm AS base',
      'ENTRYPOINT ["sh", "-c", "apt-get install -y $PKGS; exec \\"$@\\"", "--"]',
      'FROM base',
      'RUN apt-get update && apt-get install -y --no-install-recommends curl',
    ]);
    expect(r.skipped.find((s) => s.ruleId === cleanup)?.reason).toMatch(
      /the ENTRYPOINT on line 2 .*inside `sh -c`/,
    );
  });

  test('a later update before the install clears the way', async () => {
    const r = await run([
      'FROM debian:bookworm',
      'RUN apt-get update && apt-get install -y --no-install-recommends curl',
      'RUN env DEBIAN_FRONTEND=noninteractive sh -c "apt-get update && apt-get install -y --no-install-recommends jq"',
    ]);
    expect(r.fixes.find((f) => f.ruleId === cleanup)?.applicability).toBe('safe');
  });

  test('a variable subcommand, and an `sh -c` script in a variable', async () => {
    const a = await run([
      'FROM debian:bookworm',
      'RUN apt-get update && apt-get install -y --no-install-recommends curl',
      'RUN timeout 60 apt-get $ACTION -y jq',
    ]);
    expect(a.skipped.find((s) => s.ruleId === cleanup)?.reason).toMatch(/subcommand is a variable/);
    const b = await run([
      'FROM debian:bookworm',
      'RUN apt-get update && apt-get install -y --no-install-recommends curl',
      'RUN sh -c "$SETUP"',
    ]);
    const f = b.fixes.find((x) => x.ruleId === cleanup);
    expect(f?.applicability).toBe('review');
    expect(f?.note).toMatch(
      /the RUN on line 3 may read the lists: inside `sh -c`, a script held in a variable/,
    );
  });

  test('apt-drop-update keeps an update whose lists an ONBUILD RUN reads', async () => {
    const r = await run([
      'FROM debian:bookworm',
      'RUN apt-get update',
      'COPY x /x',
      'ONBUILD RUN apt-get install -y --no-install-recommends jq',
    ]);
    expect(r.fixes.map((f) => f.ruleId)).not.toContain('package-hygiene/apt-drop-update');
    expect(r.skipped.find((s) => s.ruleId === 'package-hygiene/apt-drop-update')?.reason).toMatch(
      /ONBUILD RUN on line 4/,
    );
  });

  test('no cleanup appended after `exec cmd`, but `exec 2>&1` is no stop', async () => {
    const a = await run([
      'FROM debian:bookworm',
      'RUN apt-get update && apt-get install -y --no-install-recommends curl && exec true',
    ]);
    expect(a.skipped.find((s) => s.ruleId === cleanup)?.reason).toMatch(/stop at `exec`/);
    const b = await run([
      'FROM debian:bookworm',
      'RUN set -e; exec 2>&1; apt-get update; apt-get install -y --no-install-recommends curl',
    ]);
    expect(b.fixes.map((f) => f.ruleId)).toContain(cleanup);
  });
});

describe('apk index readers', () => {
  test('an ONBUILD `apk add` without --no-cache keeps the `apk update`', async () => {
    const r = await run([
      'FROM alpine:3.20',
      'RUN apk update && apk add git',
      'ONBUILD RUN apk add make',
    ]);
    expect(r.output).toContain('RUN apk update && apk add git');
    expect(r.skipped.find((s) => s.ruleId === 'package-hygiene/apk-no-cache')?.reason).toMatch(
      /ONBUILD RUN on line 3 .*reads the index it writes \(it runs `apk add` without `--no-cache`/,
    );
  });
});

describe('npm and yarn readers', () => {
  test('npm --prefer-offline behind a wrapper keeps the cache', async () => {
    const r = await run([
      'FROM node:20',
      'RUN npm install -g pnpm',
      'RUN nice npm install --prefer-offline -g typescript',
    ]);
    expect(r.skipped.find((s) => s.ruleId === 'package-hygiene/npm-cache-clean')?.reason).toMatch(
      /RUN on line 3 .*under `nice`/,
    );
  });
  test('`corepack use yarn@stable` is Yarn 2+', async () => {
    const r = await run([
      'FROM node:20',
      'RUN corepack enable && corepack use yarn@stable',
      'RUN yarn install',
    ]);
    expect(r.fixes.map((f) => f.ruleId)).not.toContain('package-hygiene/yarn-cache-clean');
  });
});

test('a script a later step runs is parsed once per text, not once per check', async () => {
  const { diskCounters } = await import('../src/context/cache.js');
  const { MemoryContext } = await import('../src/context/context.js');
  const context = new MemoryContext({
    'entrypoint.sh': '#!/bin/sh\nset -e\napt-get install -y "$@"\nexec "$@"\n',
  });
  const lines = [
    'FROM debian:bookworm',
    'COPY entrypoint.sh /usr/local/bin/entrypoint.sh',
    'RUN apt-get update && apt-get install -y --no-install-recommends curl',
    'ENTRYPOINT ["entrypoint.sh"]',
  ];
  const d0 = diskCounters.derived;
  const first = await run(lines, { context });
  expect(first.skipped.find((s) => s.ruleId === cleanup)?.reason).toMatch(/entrypoint\.sh/);
  // Parsed: the ENTRYPOINT and the script it runs.
  expect(diskCounters.derived - d0).toBe(2);
  // Four more checks of the same text: both are parsed already.
  for (let i = 0; i < 4; i++) {
    const again = await run(lines, { context });
    expect(again.skipped).toEqual(first.skipped);
  }
  expect(diskCounters.derived - d0).toBe(2);
});
