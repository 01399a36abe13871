/**
 * readSuppressions and suppressedBy answer at once for a Dockerfile without control comments
 * (src/engine/suppress.ts): these check that the shortcut never hides a comment that counts,
 * and that a text without one gives empty suppressions (each case would fail if the shortcut
 * were wrong or the full reading were skipped when a comment is there).
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import { parseDockerfile } from '../../src/model/dockerfile.js';
import { initShellParser } from '../../src/model/shell.js';
import { readSuppressions, suppressedBy } from '../../src/engine/suppress.js';
import type { Fix } from '../../src/model/types.js';

beforeAll(() => initShellParser());

const fixAt = (text: string, line: number, ruleId: string, message = 'x'): Fix => {
  const start = text.split('\n').slice(0, line).join('\n').length + (line ? 1 : 0);
  return {
    ruleId,
    message,
    at: start,
    edits: [{ start, end: start, text: '' }],
    applicability: 'safe',
  } as Fix;
};

describe('suppressions shortcut', () => {
  test('no control comment: empty suppressions, nothing suppressed', () => {
    const m = parseDockerfile('# a comment\nFROM alpine\n# plain\nRUN apk add curl\n');
    const s = readSuppressions(m);
    expect(s.fileDisabled).toBe(false);
    expect(s.rules.size + s.hadolint.size + s.globalHadolint.size + s.named.length).toBe(0);
    expect(suppressedBy(m, s, fixAt(m.text, 3, 'package-hygiene/apk-no-cache', 'DL3018'))).toBe(
      null,
    );
  });

  test('each kind of control comment is still read and still suppresses', () => {
    const cases: [string, string, string][] = [
      ['# dockerfile-optimizer ignore=package-hygiene\n', 'package-hygiene/apk-no-cache', 'x'],
      ['# dockerfile-optimizer ignore=all\n', 'package-hygiene/apk-no-cache', 'x'],
      ['# hadolint ignore=DL3018\n', 'package-hygiene/apk-no-cache', 'DL3018'],
    ];
    for (const [comment, ruleId, message] of cases) {
      const text = `FROM alpine\n${comment}RUN apk add curl\n`;
      const m = parseDockerfile(text);
      const s = readSuppressions(m);
      expect(s.rules.size + s.hadolint.size).toBe(1);
      expect(suppressedBy(m, s, fixAt(m.text, 2, ruleId, message))).toMatch(/ignore=/);
    }
    const global = parseDockerfile('# hadolint global ignore=DL3018\nFROM alpine\nRUN apk add x\n');
    const g = readSuppressions(global);
    expect([...g.globalHadolint]).toEqual(['DL3018']);
    expect(suppressedBy(global, g, fixAt(global.text, 2, 'r/x', 'DL3018'))).toMatch(/global/);
    const off = parseDockerfile('# dockerfile-optimizer disable-file\nFROM alpine\n');
    expect(readSuppressions(off).fileDisabled).toBe(true);
  });

  test('a comment naming another rule does not suppress (the full check still runs)', () => {
    const text = 'FROM alpine\n# dockerfile-optimizer ignore=layer-waste\nRUN apk add curl\n';
    const m = parseDockerfile(text);
    const s = readSuppressions(m);
    expect(s.rules.size).toBe(1);
    expect(suppressedBy(m, s, fixAt(m.text, 2, 'package-hygiene/apk-no-cache'))).toBe(null);
  });
});
