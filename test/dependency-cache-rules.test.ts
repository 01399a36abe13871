/**
 * The dependency-cache rule catalogue (`meta.rules`): every rule id a fixture expects (applied,
 * pending or skipped) is declared, and every declared rule has a fixture.
 */
import { describe, expect, test } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { transform } from '../transforms/dependency-cache/index.js';
import { localSpec } from '../transforms/dependency-cache/installs/node.js';

const root = 'fixtures/dependency-cache';
const used = new Set<string>();
for (const dir of fs.readdirSync(root)) {
  const file = path.join(root, dir, 'case.json');
  if (!fs.existsSync(file)) continue;
  const c = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    fixes?: string[];
    pending?: string[];
    skipped?: string[];
  };
  for (const id of [...(c.fixes ?? []), ...(c.pending ?? [])]) used.add(id);
  for (const s of c.skipped ?? []) used.add(s.slice(0, s.indexOf(':')));
}

describe('dependency-cache rule catalogue', () => {
  const ids = (transform.meta.rules ?? []).map((r) => r.id);

  test('declares each rule once, under the transform id', () => {
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^dependency-cache\/[a-z-]+$/);
    for (const r of transform.meta.rules ?? []) expect(r.title.length).toBeGreaterThan(10);
  });

  test('every rule id the fixtures expect is declared', () => {
    const dcIds = [...used].filter((id) => id.startsWith('dependency-cache/'));
    expect(dcIds.filter((id) => !ids.includes(id))).toEqual([]);
  });

  test('every declared rule has a fixture', () => {
    expect(ids.filter((id) => !used.has(id))).toEqual([]);
  });
});

describe('npm dependency specs that name a local path (npm-package-arg rules)', () => {
  test.each([
    ['libs/pkgs/ui', true],
    ['file:../shared', true],
    ['link:../shared', true],
    ['git+file:vendor/x.git', true],
    ['./packages/x', true],
    ['~/x', true],
    ['/opt/x', true],
    ['x-1.0.0.tgz', true],
    ['^4.19.2', false],
    ['latest', false],
    ['expressjs/express', false],
    ['expressjs/express#v4.19.2', false],
    ['github:user/repo', false],
    ['npm:@scope/pkg@^1.0.0', false],
    ['https://example.com/x.tgz', false],
    ['workspace:*', false],
  ])('%s -> %s', (spec, local) => {
    expect(localSpec(spec)).toBe(local);
  });
});
