/** src/model/image-ref.ts and src/model/stages.ts: the one image-reference parser and the one
 * stage-chain walk. */
import { beforeAll, describe, expect, test } from '@jest/globals';
import { parseDockerfile } from '../../src/model/dockerfile.js';
import { hubRepo, normalizeImage, parseImageRef } from '../../src/model/image-ref.js';
import { initShellParser } from '../../src/model/shell.js';
import { lineage, stageChain, stageLineage } from '../../src/model/stages.js';

beforeAll(initShellParser);

describe('image references', () => {
  test.each([
    ['python', { domain: null, path: 'python', tag: null, digest: null }],
    ['python:3.12-slim', { domain: null, path: 'python', tag: '3.12-slim', digest: null }],
    ['bitnami/redis:7', { domain: null, path: 'bitnami/redis', tag: '7', digest: null }],
    [
      'localhost:5000/app@sha256:ab',
      { domain: 'localhost:5000', path: 'app', tag: null, digest: 'sha256:ab' },
    ],
    [
      'ghcr.io/org/app:1@sha256:ab',
      { domain: 'ghcr.io', path: 'org/app', tag: '1', digest: 'sha256:ab' },
    ],
    [
      'docker.io/library/node:20',
      { domain: 'docker.io', path: 'library/node', tag: '20', digest: null },
    ],
  ])('parseImageRef(%s)', (ref, parts) => {
    expect(parseImageRef(ref)).toEqual(parts);
  });

  test.each([
    ['python', 'docker.io/library/python:latest'],
    ['python:3.12', 'docker.io/library/python:3.12'],
    ['bitnami/redis', 'docker.io/bitnami/redis:latest'],
    ['ghcr.io/org/app@sha256:ab', 'ghcr.io/org/app@sha256:ab'],
    ['localhost/app', 'localhost/app:latest'],
  ])('normalizeImage(%s)', (ref, full) => {
    expect(normalizeImage(ref)).toBe(full);
  });

  test.each([
    ['docker.io/library/python:3', 'python'],
    ['index.docker.io/bitnami/redis', 'bitnami/redis'],
    ['python@sha256:ab', 'python'],
    ['ghcr.io/org/app:1', 'ghcr.io/org/app'],
  ])('hubRepo(%s)', (ref, repo) => {
    expect(hubRepo(ref)).toBe(repo);
  });
});

describe('stage chains', () => {
  const text =
    'FROM debian AS base\nRUN a\nFROM base AS deps\nRUN b\nFROM alpine\nRUN c\nFROM deps\nRUN d\nRUN e\n';

  test('stageChain: oldest first, own stage up to the instruction', () => {
    const model = parseDockerfile(text);
    const i = model.instructions.findIndex((x) => x.logical.text === 'e');
    expect(stageChain(model, i).map(({ stage, upTo }) => [stage.index, upTo])).toEqual([
      [0, Number.MAX_SAFE_INTEGER],
      [1, Number.MAX_SAFE_INTEGER],
      [3, i],
    ]);
  });

  test('stageLineage and lineage: nearest first, an image ends the walk, a cycle stops it', () => {
    const model = parseDockerfile(text);
    expect(stageLineage(model, 3).map((s) => s.index)).toEqual([3, 1, 0]);
    expect(stageLineage(model, 2).map((s) => s.index)).toEqual([2]);
    expect(lineage(0, (s) => (s + 1) % 3)).toEqual([0, 1, 2]);
  });
});
