/** Unit-level behaviour of the package-hygiene transform (fixtures cover the rewrites). */
import { describe, expect, test } from '@jest/globals';
import { optimize } from '../src/api.js';
import { transform } from '../transforms/package-hygiene.js';

const only = ['package-hygiene'];

async function run(text: string, options: Record<string, unknown> = {}) {
  return optimize(text, { only, ...options });
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
