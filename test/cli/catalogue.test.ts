/** The catalogue `rules` prints without loading the transforms (src/cli/catalogue.ts, generated)
 * matches the registry, and the fast commands load neither the parser nor the transforms. */
import { afterAll, expect, test } from '@jest/globals';
import { catalogue } from '../../src/cli/catalogue.js';
import { transforms } from '../../transforms/index.js';
import { removeTmpdirs } from '../helpers.js';
import { runLoaded } from '../support/loaded.js';

afterAll(removeTmpdirs);

test('src/cli/catalogue.ts is up to date (else run `npm run catalogue`)', () => {
  expect(JSON.parse(JSON.stringify(catalogue))).toEqual(
    JSON.parse(JSON.stringify(transforms.map((t) => t.meta))),
  );
});

test('--help, --version and rules run no parser, shell grammar, transform nor yargs', () => {
  for (const args of [['--help'], ['--version'], ['rules'], ['rules', '--format', 'json']]) {
    const r = runLoaded(args);
    expect(r.status).toBe(0);
    expect(r.stdout.length).toBeGreaterThan(0);
    // The CLI's bundle runs (test/cli/bundle.test.ts checks it against the compiled files).
    expect(r.files).toContain('dist/bundle/cli.cjs');
    expect(r.sources).toContain('dist/src/cli/cli.js');
    for (const bad of [
      '/transforms/',
      'dockerfile-ast',
      'tree-sitter',
      '/model/dockerfile',
      'yargs',
    ])
      expect(r.sources.filter((l) => l.includes(bad))).toEqual([]);
  }
});
