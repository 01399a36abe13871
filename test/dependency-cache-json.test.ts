/** dependency-cache env.ts `parseJson`: parsed once per text (the analyses of a check and the
 * Dockerfiles of a context share it), the same answers as JSON.parse, dropped by clearCaches. */
import { expect, test } from '@jest/globals';
import { clearCaches } from '../src/api.js';
import { parseJson } from '../transforms/dependency-cache/env.js';

test('one parse per text; invalid JSON is null, also from the memo', () => {
  const text = '{"name":"a","scripts":{"postinstall":"x"},"workspaces":["p/*"]}';
  const first = parseJson<{ name: string }>(text);
  expect(first).toEqual(JSON.parse(text));
  // (another string of the same text: the same object)
  expect(parseJson(text.slice(0, 10) + text.slice(10))).toBe(first);
  expect(parseJson('{"name":')).toBeNull();
  expect(parseJson('{"name":')).toBeNull();
  expect(parseJson(null)).toBeNull();
  expect(parseJson('null')).toBeNull();
  expect(parseJson('3')).toBe(3);
  clearCaches();
  const again = parseJson(text);
  expect(again).toEqual(first);
  expect(again).not.toBe(first);
});
