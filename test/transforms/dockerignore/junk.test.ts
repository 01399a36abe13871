/** The folders the analysis walk does not enter (`isJunk`): the first-character test it makes
 * before cutting a name lets every junk name through. */
import { expect, test } from '@jest/globals';
import { MemoryContext } from '../../../src/context/context.js';
import { DEP_DIRS, isJunk, VCS_DIRS } from '../../../transforms/dockerignore/clutter.js';

test('every junk name is junk, at the root and below; other folders are not', () => {
  const bc = new MemoryContext({ 'venv/pyvenv.cfg': '\n', 'a/venv/pyvenv.cfg': '\n' }, null);
  // (without a name, and with the name a disk walk gives its entries)
  const dirs = [
    (path: string) => ({ path, size: 0, isDirectory: true }),
    (path: string) => ({
      path,
      size: 0,
      isDirectory: true,
      name: path.slice(path.lastIndexOf('/') + 1),
    }),
  ];
  for (const dir of dirs) {
    for (const n of [...DEP_DIRS, ...VCS_DIRS]) {
      expect([n, isJunk(dir(n), bc)]).toEqual([n, true]);
      expect([n, isJunk(dir(`a/${n}`), bc)]).toEqual([n, true]);
    }
    expect(isJunk(dir('vendor/bundle'), bc)).toBe(true);
    for (const p of [
      'src',
      'vendor',
      'bundle',
      'a/vendor/bundle',
      'b/venv',
      'nodes',
      '.github',
      'Venv',
    ])
      expect([p, isJunk(dir(p), bc)]).toEqual([p, false]);
  }
});
