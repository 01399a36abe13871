/** The catalogue `rules` prints without loading the transforms (src/cli/catalogue.ts, generated)
 * matches the registry, and the fast commands load neither the parser nor the transforms. */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import * as fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { afterAll, expect, test } from '@jest/globals';
import { catalogue } from '../../src/cli/catalogue.js';
import { transforms } from '../../transforms/index.js';
import { removeTmpdirs, ROOT, tmpdir } from '../helpers.js';

afterAll(removeTmpdirs);

test('src/cli/catalogue.ts is up to date (else run `npm run catalogue`)', () => {
  expect(JSON.parse(JSON.stringify(catalogue))).toEqual(
    JSON.parse(JSON.stringify(transforms.map((t) => t.meta))),
  );
});

test('--help, --version and rules load no parser, shell grammar, transform nor yargs', () => {
  const bin = path.join(ROOT, 'bin/dockerfile-optimizer.js');
  // Print every module resolved (a loader hook registered before the CLI starts).
  const hooks = path.join(tmpdir('dfo-hooks-'), 'hooks.mjs');
  fs.writeFileSync(
    hooks,
    'export async function resolve(s, c, next) { const r = await next(s, c); ' +
      "process.stderr.write('LOADED ' + r.url + '\\n'); return r; }\n",
  );
  const preload = `import { register } from 'node:module'; register(${JSON.stringify(pathToFileURL(hooks).href)});`;
  for (const args of [['--help'], ['--version'], ['rules'], ['rules', '--format', 'json']]) {
    const r = spawnSync(
      process.execPath,
      ['--import', `data:text/javascript,${encodeURIComponent(preload)}`, bin, ...args],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(0);
    expect(r.stdout.length).toBeGreaterThan(0);
    const loaded = r.stderr.split('\n').filter((l) => l.startsWith('LOADED '));
    expect(loaded.some((l) => l.includes('/cli/cli.js'))).toBe(true);
    for (const bad of [
      '/transforms/',
      'dockerfile-ast',
      'tree-sitter',
      '/model/dockerfile',
      'yargs',
    ])
      expect(loaded.filter((l) => l.includes(bad))).toEqual([]);
  }
});
