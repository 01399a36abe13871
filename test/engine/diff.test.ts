/**
 * The large-file diff's shortcut (src/engine/diff.ts): a segment whose line multisets already
 * differ by more than MAX_EDITS lines is one replaced block without running jsdiff, which would
 * give up there anyway. The shortcut must only fire when jsdiff gives up.
 */
import { expect, test } from '@jest/globals';
import { diffLines } from 'diff';
import { moreEditsThan } from '../../src/engine/diff.js';
import { mulberry32 } from '../support/random.js';

test('moreEditsThan is true only where jsdiff gives up at that many edits', () => {
  const r = mulberry32(0x18);
  const max = 8;
  let sure = 0;
  let notSure = 0;
  for (let trial = 0; trial < 400; trial++) {
    const n = 1 + Math.floor(r() * 20);
    const vocabulary = 1 + Math.floor(r() * 30);
    const line = () => `L${Math.floor(r() * vocabulary)}\n`;
    const a = Array.from({ length: n }, line);
    const b = a.filter(() => r() > 0.3).map((l) => (r() < 0.5 ? line() : l));
    for (let i = Math.floor(r() * 8); i > 0; i--) b.splice(Math.floor(r() * b.length), 0, line());
    const gaveUp = diffLines(a.join(''), b.join(''), { maxEditLength: max }) === undefined;
    if (moreEditsThan(a, b, max)) {
      sure++;
      expect([trial, gaveUp]).toEqual([trial, true]);
    } else notSure++;
  }
  // Both answers occur.
  expect(sure).toBeGreaterThan(20);
  expect(notSure).toBeGreaterThan(20);
});

test('every line changed: more edits than the bound; one line kept or lines moved: counted', () => {
  const a = Array.from({ length: 3000 }, (_, i) => `RUN x${i}\n`);
  expect(
    moreEditsThan(
      a,
      a.map((l) => `${l.trim()} y\n`),
      2000,
    ),
  ).toBe(true);
  expect(moreEditsThan(a, [...a].reverse(), 2000)).toBe(false);
  expect(
    moreEditsThan(
      a.slice(0, 900),
      a.slice(0, 900).map((l) => `#${l}`),
      2000,
    ),
  ).toBe(false);
});
