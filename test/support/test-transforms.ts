/**
 * Tiny transforms used only by the engine tests (fixtures/engine/*): they exercise offsets from
 * the model (keywords, flags, shell words across continuations/heredocs) without depending on
 * the real transforms.
 */
import type { Fix, Finding, Transform } from '../../src/model/types.js';

/** The catalogue entry of a test transform (also used by the CheckMemo tests). */
export const meta = (id: string, applicability: 'safe' | 'review' = 'safe'): Transform['meta'] => ({
  id,
  title: id,
  hadolint: [],
  applicability,
  docs: { why: 'test', fixSafety: 'test' },
});

/** `run` -> `RUN`: edits the keyword span. */
export const keywordCase: Transform = {
  meta: meta('test-keyword-case'),
  check(model) {
    const out: Finding[] = [];
    for (const i of model.instructions) {
      const kw = model.text.slice(i.span.start, i.span.start + i.keyword.length);
      if (kw !== i.keyword) {
        out.push({
          ruleId: 'test-keyword-case/upper',
          message: 'keyword written in lower case (test transform)',
          applicability: 'safe',
          at: i.span.start,
          edits: [{ start: i.span.start, end: i.span.start + kw.length, text: i.keyword }],
        });
      }
    }
    return out;
  },
};

/** `apt-get install` without `-y` gets ` -y` after `install`: edits at shell-word offsets. */
export const aptYes: Transform = {
  meta: meta('test-apt-yes'),
  check(model) {
    const out: Finding[] = [];
    for (const i of model.instructions) {
      if (!i.shell) continue;
      if (!i.shell.ok) {
        out.push({
          ruleId: 'test-apt-yes/add-y',
          reason: 'the shell parser rejects this RUN',
          at: i.span.start,
        });
        continue;
      }
      for (const c of i.shell.commands) {
        if (c.name?.value !== 'apt-get') continue;
        const sub = c.args.find((a) => !a.value?.startsWith('-'));
        if (sub?.value !== 'install') continue;
        if (c.args.some((a) => a.value === '-y' || a.value === '--yes')) continue;
        out.push({
          ruleId: 'test-apt-yes/add-y',
          message: 'apt-get install without -y waits for input (test transform)',
          applicability: 'safe',
          at: i.span.start,
          edits: [{ start: sub.span.end, end: sub.span.end, text: ' -y' }],
        });
      }
    }
    return out;
  },
};

/** `ADD <local> <dst>` -> `COPY`: a review fix. */
export const addToCopy: Transform = {
  meta: meta('test-add-copy', 'review'),
  check(model) {
    const out: Fix[] = [];
    for (const i of model.instructions) {
      if (i.keyword !== 'ADD' || i.args.some((a) => /^https?:/.test(a.raw) || /\.tar/.test(a.raw)))
        continue;
      out.push({
        ruleId: 'test-add-copy/add',
        message: 'ADD of a local path behaves like COPY (test transform)',
        applicability: 'review',
        at: i.span.start,
        edits: [{ start: i.span.start, end: i.span.start + 3, text: 'COPY' }],
      });
    }
    return out;
  },
};

/**
 * A transform with a rule catalogue (`meta.rules`), for the rule-id checks, `rules`, SARIF and
 * the rule tester: `test-cat/upper-from` (`from` -> `FROM`, safe) and `test-cat/no-latest`
 * (`FROM x:latest` -> `FROM x`, review; skipped with a reason when the tag is a variable).
 */
export const catalogued: Transform = {
  meta: {
    ...meta('test-cat'),
    hadolint: ['DL3007'],
    rules: [
      { id: 'test-cat/upper-from', title: 'Upper-case FROM', applicability: 'safe', hadolint: [] },
      {
        id: 'test-cat/no-latest',
        title: 'Drop the :latest tag',
        applicability: 'review',
        hadolint: ['DL3007'],
      },
    ],
  },
  check(model) {
    const out: Finding[] = [];
    for (const i of model.instructions) {
      if (i.keyword !== 'FROM') continue;
      const kw = model.text.slice(i.span.start, i.span.start + 4);
      if (kw !== 'FROM')
        out.push({
          ruleId: 'test-cat/upper-from',
          message: 'FROM written in lower case (test transform)',
          applicability: 'safe',
          at: i.span.start,
          edits: [{ start: i.span.start, end: i.span.start + 4, text: 'FROM' }],
        });
      const image = i.args[0];
      if (!image) continue;
      if (image.raw.includes('$') && /:\$/.test(image.raw))
        out.push({
          ruleId: 'test-cat/no-latest',
          reason: 'the tag is a variable',
          at: i.span.start,
        });
      else if (image.raw.endsWith(':latest'))
        out.push({
          ruleId: 'test-cat/no-latest',
          message: 'the :latest tag is implied (DL3007, test transform)',
          applicability: 'review',
          at: i.span.start,
          edits: [{ start: image.span.end - ':latest'.length, end: image.span.end, text: '' }],
        });
    }
    return out;
  },
};

export const engineTransforms: Transform[] = [keywordCase, aptYes, addToCopy];
