/**
 * docs/rules/<id>.md: one page per rule. Each page's example is real: the "Before" Dockerfile
 * (with the "Context" files, when given) run through the tool must give exactly the "After"
 * Dockerfile (and the `.dockerignore` block, when given).
 */
import { describe, expect, test } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { optimize, optimizeFile } from '../src/api.js';
import { transforms } from '../transforms/index.js';
import { ROOT } from './helpers.js';

interface Page {
  id: string;
  text: string;
  before: string;
  after: string;
  unsafe: boolean;
  context: Record<string, string> | null;
  dockerignore: string | null;
}

/** The fenced block that follows the first line starting with `label`. */
function blockAfter(text: string, label: string): { body: string; heading: string } | null {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.startsWith(label));
  if (at < 0) return null;
  const open = lines.findIndex((l, i) => i > at && l.startsWith('```'));
  const close = lines.findIndex((l, i) => i > open && l === '```');
  if (open < 0 || close < 0) return null;
  return { body: lines.slice(open + 1, close).join('\n') + '\n', heading: lines[at]! };
}

function loadPage(id: string): Page {
  const text = fs.readFileSync(path.join(ROOT, 'docs/rules', `${id}.md`), 'utf8');
  const before = blockAfter(text, 'Before');
  const after = blockAfter(text, 'After');
  if (!before || !after)
    throw new Error(`docs/rules/${id}.md needs a "Before" and an "After" block`);
  const context = blockAfter(text, 'Context');
  const ignore = blockAfter(text, 'Generated `.dockerignore`');
  return {
    id,
    text,
    before: before.body,
    after: after.body,
    unsafe: after.heading.includes('--unsafe'),
    context: context ? (JSON.parse(context.body) as Record<string, string>) : null,
    dockerignore: ignore ? ignore.body : null,
  };
}

/** The catalogue's rule ids the page never names (as `id` or id in a table or list). */
function missingRules(text: string, rules: readonly { id: string }[]): string[] {
  return rules
    .map((r) => r.id)
    .filter(
      (rid) =>
        !new RegExp(
          `(^|[^\\w/-])${rid.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w/-])`,
          'm',
        ).test(text),
    );
}

test('missingRules: a rule id counts only as a whole word', () => {
  const rules = [{ id: 't/a' }, { id: 't/a-b' }, { id: 't/c' }];
  expect(missingRules('# t\n`t/a-b` and t/c.\n', rules)).toEqual(['t/a']);
});

describe.each(transforms.map((t) => [t.meta.id, t] as const))('docs/rules/%s.md', (id, t) => {
  test('exists and documents why, fix safety and the hadolint ids', () => {
    const page = loadPage(id);
    expect(page.text).toMatch(new RegExp(`^# ${id}\\b`));
    expect(page.text).toContain('## Why');
    expect(page.text).toContain('## Fix safety');
    for (const dl of t.meta.hadolint) expect(page.text).toContain(dl);
    expect(t.meta.docs.why.length).toBeGreaterThan(20);
    expect(t.meta.docs.fixSafety.length).toBeGreaterThan(20);
  });

  // A transform without a catalogue yet (meta.rules) has nothing to check here.
  (t.meta.rules ? test : test.skip)('names every rule id of its catalogue', () => {
    const page = loadPage(id);
    expect(missingRules(page.text, t.meta.rules ?? [])).toEqual([]);
  });

  test('the example is the tool’s real output', async () => {
    const page = loadPage(id);
    const result = await optimize(page.before, {
      path: 'Dockerfile',
      context: page.context,
      only: [id],
      unsafe: page.unsafe,
    });
    expect(result.output).toBe(page.after);
    if (page.dockerignore !== null) {
      expect(result.files.find((f) => f.path === '.dockerignore')?.after).toBe(page.dockerignore);
    } else {
      expect(page.after).not.toBe(page.before);
    }
  });
});

test('README lists every rule', () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  for (const t of transforms) expect(readme).toContain(`\`${t.meta.id}\``);
});

test("README's example diff is the tool's real output on examples/flask", async () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const block = /```diff\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf('## Example')));
  expect(block).not.toBeNull();
  const result = await optimizeFile(path.join(ROOT, 'examples/flask/Dockerfile'), { cwd: ROOT });
  expect(block![1]).toBe(result.diff);
});
