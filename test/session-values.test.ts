/** Issue 18: the session's most-recent-N tables (src/context/cache.ts SessionValues, behind
 * sessionWalk and sessionTree) keep the most recently used `limit` values of the generation; a
 * hit on the newest key skips the move to the end, which must not change what is evicted. Held
 * to a plain list model on random sequences of gets and forgets; and derivedFromText's values
 * go with clearContextCaches. */
import { expect, test } from '@jest/globals';
import { clearContextCaches, diskCounters, SessionValues } from '../src/context/cache.js';
import { derivedFromText } from '../src/context/derived.js';
import { mulberry32 } from './support/random.js';

test('SessionValues keeps the most recently used values, as a plain list does', () => {
  const next = mulberry32(7);
  for (let round = 0; round < 200; round++) {
    const limit = 1 + Math.floor(next() * 4);
    const table = new SessionValues(limit);
    let model: string[] = []; // oldest first
    const computed: string[] = [];
    for (let step = 0; step < 40; step++) {
      const key = `k${Math.floor(next() * 6)}`;
      if (next() < 0.15) {
        // forget the keys of one "context"
        const gone = table.forget((k) => k === key);
        expect(gone).toBe(model.includes(key) ? 1 : 0);
        model = model.filter((k) => k !== key);
        continue;
      }
      const hit = model.includes(key);
      const made = computed.length;
      const v = table.get(key, () => {
        computed.push(key);
        return `v:${key}`;
      });
      expect(v).toBe(`v:${key}`);
      expect(computed.length - made).toBe(hit ? 0 : 1);
      model = [...model.filter((k) => k !== key), key];
      if (model.length > limit) model.shift();
      // what is kept, in order (oldest first)
      expect([...(table as unknown as { values: Map<string, unknown> }).values.keys()]).toEqual(
        model,
      );
    }
  }
});

test('a hit on the newest key, then new keys, evicts the oldest other key', () => {
  const table = new SessionValues(2);
  const made: string[] = [];
  const get = (k: string) => table.get(k, () => (made.push(k), k));
  get('a');
  get('b');
  get('a'); // a is now newest, b oldest
  get('a'); // newest hit: nothing moves
  get('c'); // evicts b
  get('a');
  expect(made).toEqual(['a', 'b', 'c']);
  get('b');
  expect(made).toEqual(['a', 'b', 'c', 'b']);
});

test('derived values go with clearContextCaches', () => {
  clearContextCaches();
  const before = diskCounters.derived;
  expect(derivedFromText('test/kind', 'FROM x\n', () => 1)).toBe(1);
  expect(derivedFromText('test/kind', 'FROM x\n', () => 2)).toBe(1);
  expect(diskCounters.derived - before).toBe(1);
  clearContextCaches();
  expect(derivedFromText('test/kind', 'FROM x\n', () => 3)).toBe(3);
  expect(diskCounters.derived - before).toBe(2);
});
