/**
 * package-hygiene: the file a COPY put at an image path (`imageFileAt`, asked for every command a
 * later step runs) is the answer of the full table (`imageFiles`), and is found without walking
 * the context when no copy can put a context file there.
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import { MemoryContext } from '../../src/context/context.js';
import { optimize } from '../../src/api.js';
import { parseDockerfile } from '../../src/model/dockerfile.js';
import { initShellParser, parseShell } from '../../src/model/shell.js';
import type { BuildContext, ContextEntry, WalkOptions } from '../../src/model/types.js';
import { imageFileAt, imageFiles } from '../../transforms/package-hygiene/image-files.js';
import { finalStages, type Ctx } from '../../transforms/package-hygiene/context.js';
import { seenCommands } from '../../transforms/package-hygiene/readers.js';

beforeAll(initShellParser);

/** A MemoryContext that counts its walks. */
class CountingContext extends MemoryContext {
  walks = 0;
  override walk(options?: WalkOptions): ContextEntry[] {
    this.walks++;
    return super.walk(options);
  }
}

const FILES: Record<string, string> = {
  'install.sh': 'apt-get install -y curl\n',
  'setup.sh': 'echo setup\n',
  'scripts/a.sh': 'echo a\n',
  'scripts/b.sh': 'echo b\n',
  'scripts/sub/c.sh': 'echo c\n',
  'tools/run': 'echo run\n',
  'tools/secret.sh': 'echo secret\n',
  'app/main.py': 'print(1)\n',
  'app/install.sh': 'echo app\n',
  'bin/tool': 'echo tool\n',
  '.dockerignore': 'tools/secret.sh\n**/*.md\n',
  'README.md': '# x\n',
};

const DOCKERFILES = [
  // whole context, into the working directory, then again into /usr/local/bin
  'FROM debian\nWORKDIR /app\nCOPY . .\nRUN ./install.sh\nCOPY . /usr/local/bin\nRUN setup.sh\nCMD ["python", "main.py"]\n',
  // file sources: onto a name, into a folder, several into a folder
  'FROM debian\nCOPY install.sh /usr/local/bin/install-tools\nCOPY setup.sh /usr/bin/\nCOPY scripts/a.sh scripts/b.sh /opt/\nRUN install-tools && setup.sh\n',
  // folder sources (with and without a trailing slash), an ignored file, a later copy over an earlier
  'FROM debian\nCOPY scripts /usr/local/bin\nCOPY tools/ /usr/local/bin/\nCOPY app/ /usr/local/bin/\nRUN a.sh && run && secret.sh && install.sh\n',
  // globs, --exclude, a variable, a remote source, COPY --from, a heredoc
  'FROM debian AS base\nARG D=/srv\nCOPY scripts/*.sh $D/\nCOPY --exclude=*.sh app/ /usr/local/bin/\nADD https://example.com/x.sh /usr/local/bin/x.sh\nCOPY --from=base /bin/tool /usr/bin/tool\nCOPY <<EOF /usr/local/bin/h.sh\necho h\nEOF\nFROM base\nWORKDIR /srv\nCOPY sc?ipts/sub /usr/local/sbin/\nRUN a.sh && c.sh\nENTRYPOINT ["tool"]\n',
  // the context root copied to /, no WORKDIR (the base image's), a file copied onto a folder path
  'FROM debian\nCOPY . /\nCOPY bin/tool .\nCOPY bin/tool /usr/bin\nRUN tool && install.sh\n',
  // a missing source, an escaping one, a file copied twice to one path (the last wins)
  'FROM debian\nCOPY nope.sh /usr/local/bin/\nCOPY ../x.sh /usr/local/bin/\nCOPY setup.sh /usr/local/bin/go\nCOPY install.sh /usr/local/bin/go\nRUN go\n',
  // destinations not known (a variable without a value): such a copy puts nothing at a path
  // asked, first of the copies from the context or later
  'FROM debian\nCOPY install.sh $NOPE/\nCOPY tools/ ${ALSO_NOPE}\nRUN install.sh && run\nCOPY setup.sh /usr/local/bin/\nCOPY app/ $NOPE\nRUN install.sh && setup.sh\n',
  // a chain of three stages and one beside it; copies from a stage and heredocs before and
  // between the copies from the context (no shape of their own), a stage built on a later one
  'FROM debian AS a\nCOPY --from=busybox /bin/sh /usr/local/bin/run\nCOPY <<EOF /usr/local/bin/a.sh\necho h\nEOF\nCOPY scripts/ /usr/local/bin/\nFROM a AS b\nCOPY --from=a /usr/local/bin/a.sh /usr/local/bin/b.sh\nCOPY tools/ /usr/local/bin/\nFROM debian AS c\nCOPY app/ /usr/local/bin/\nFROM b AS d\nCOPY bin/tool /usr/bin/\nRUN a.sh && run && install.sh && tool\nFROM c\nRUN install.sh\n',
];

function ctxFor(text: string, buildContext: BuildContext): Ctx {
  const model = parseDockerfile(text);
  return {
    model,
    check: { buildContext, options: {}, path: 'Dockerfile' },
    runs: new Map(),
    finals: finalStages(model),
    out: [],
  };
}

describe('imageFileAt', () => {
  test.each(DOCKERFILES.map((d, i) => [i, d] as const))(
    'is imageFiles(...).files.get (Dockerfile %i)',
    (_i, text) => {
      const full = ctxFor(text, new MemoryContext(FILES));
      let checked = 0;
      for (const instr of full.model.instructions)
        for (const inclusive of [false, true]) {
          const table = imageFiles(full, instr.index, inclusive);
          const paths = new Set([...table.files.keys(), ...table.ignored.keys()]);
          for (const p of [...paths])
            for (const extra of ['', '/x', '/..', '/.']) paths.add(p + extra);
          for (const name of ['install.sh', 'setup.sh', 'a.sh', 'run', 'tool', 'go', 'nope.sh']) {
            paths.add(`/usr/local/bin/${name}`);
            paths.add(`/app/${name}`);
            paths.add(`/${name}`);
          }
          for (const p of ['/', '/app', '/usr/local/bin', '/usr/local/bin/', '/usr/bin//tool'])
            paths.add(p);
          // A fresh check each time: the answer does not come from the full table's memo.
          const lazy = ctxFor(text, new MemoryContext(FILES));
          for (const p of paths) {
            expect([
              instr.index,
              inclusive,
              p,
              imageFileAt(lazy, instr.index, inclusive, [p]),
            ]).toEqual([instr.index, inclusive, p, table.files.get(p)]);
            checked++;
          }
          // Several paths: the first one a copy puts a file at (in a fresh check, and in one
          // whose full table is known).
          const list = [...paths].reverse();
          const first = list.map((p) => table.files.get(p)).find((f) => f !== undefined);
          const fresh = ctxFor(text, new MemoryContext(FILES));
          expect(imageFileAt(fresh, instr.index, inclusive, list)).toEqual(first);
          expect(imageFileAt(full, instr.index, inclusive, list)).toEqual(first);
        }
      expect(checked).toBeGreaterThan(50);
    },
  );

  test('no walk when no copy can put a context file at the path', () => {
    const ctx = new CountingContext(FILES);
    const c = ctxFor(DOCKERFILES[0]!, ctx);
    const cmd = c.model.instructions.length - 1;
    expect(imageFileAt(c, cmd, true, ['/usr/local/bin/python'])).toBeUndefined();
    expect(imageFileAt(c, cmd, true, ['/app/python'])).toBeUndefined();
    expect(imageFileAt(c, cmd, true, ['/usr/bin/python'])).toBeUndefined();
    expect(ctx.walks).toBe(0);
    expect(imageFileAt(c, cmd, true, ['/app/install.sh'])).toBe('install.sh');
    expect(imageFileAt(c, cmd, true, ['/usr/local/bin/setup.sh'])).toBe('setup.sh');
    // Each copy is worked out once per check, however many paths are asked.
    expect(ctx.walks).toBeLessThanOrEqual(2);
  });

  test("one check's questions share what it worked out (the memo kept on its Ctx)", () => {
    const ctx = new CountingContext(FILES);
    const c = ctxFor('FROM debian\nWORKDIR /app\nCOPY . .\nRUN install.sh\nRUN setup.sh\n', ctx);
    const [, , , first, second] = c.model.instructions.map((i) => i.index);
    expect(imageFileAt(c, first!, false, ['/app/install.sh'])).toBe('install.sh');
    expect(imageFiles(c, first!).files.get('/app/setup.sh')).toBe('setup.sh');
    expect(imageFiles(c, second!).files.get('/app/install.sh')).toBe('install.sh');
    expect(imageFileAt(c, second!, false, ['/app/setup.sh'])).toBe('setup.sh');
    // The one copy's contribution, worked out once: one walk of the context.
    expect(ctx.walks).toBe(1);
  });

  test('a check of a Dockerfile whose commands are no context files walks nothing', async () => {
    const ctx = new CountingContext(FILES);
    const r = await optimize(
      'FROM debian\nWORKDIR /app\nCOPY . .\nRUN apt-get update && apt-get install -y curl\nRUN pip install -r requirements.txt\nCMD ["python", "main.py"]\n',
      { only: ['package-hygiene'], context: ctx },
    );
    expect(r.fixes.some((f) => f.ruleId === 'package-hygiene/apt-list-cleanup')).toBe(true);
    expect(ctx.walks).toBe(0);
  });

  test('each later step is looked through once per check, not once per RUN and rule', async () => {
    class ReadCounting extends MemoryContext {
      reads = 0;
      override readFile(p: string): string | null {
        if (p === 'setup.sh') this.reads++;
        return super.readFile(p);
      }
    }
    const ctx = new ReadCounting({ 'setup.sh': 'echo setup\n' });
    const installs = ['a', 'b', 'c', 'd', 'e', 'f'].map((p) => `RUN npm install -g ${p}`);
    const r = await optimize(
      ['FROM node:20', ...installs, 'COPY setup.sh /usr/local/bin/', 'RUN setup.sh', ''].join('\n'),
      { only: ['package-hygiene'], context: ctx },
    );
    expect(r.fixes.filter((f) => f.ruleId === 'package-hygiene/npm-cache-clean')).toHaveLength(6);
    // Each npm RUN looks for a later reader of its cache through the same later steps: the
    // script is read once per check (it was read once per npm RUN: 6).
    expect(ctx.reads).toBeLessThanOrEqual(2);
  });

  test("a RUN's own commands are looked through once per check (its rules share laterSteps's memo)", async () => {
    class ReadCounting extends MemoryContext {
      reads = 0;
      override readFile(p: string): string | null {
        if (p === 'clean.sh') this.reads++;
        return super.readFile(p);
      }
    }
    const ctx = new ReadCounting({ 'clean.sh': 'echo clean\n' });
    const text = [
      'FROM node:20',
      'COPY clean.sh /usr/local/bin/',
      'RUN apt-get update && apt-get install -y --no-install-recommends curl && npm install -g a && clean.sh',
      '',
    ].join('\n');
    const r = await optimize(text, { only: ['package-hygiene'], context: ctx });
    expect(r.fixes.map((f) => f.ruleId).sort()).toEqual([
      'package-hygiene/apt-list-cleanup',
      'package-hygiene/npm-cache-clean',
    ]);
    // apt-list-cleanup and npm-cache-clean each ask whether the RUN cleans up itself (it runs
    // clean.sh): one read per check (the second pass checks the fixed text again), not one per
    // question (4).
    expect(ctx.reads).toBe(2);
  });

  test('a script a copy put on the PATH is still read (and found by its name)', async () => {
    const ctx = new CountingContext(FILES);
    const r = await optimize(
      'FROM debian\nRUN apt-get update && apt-get install -y --no-install-recommends curl\nCOPY . /usr/local/bin/\nRUN install.sh\n',
      { only: ['package-hygiene'], context: ctx },
    );
    expect(r.skipped.find((s) => s.ruleId === 'package-hygiene/apt-list-cleanup')?.reason).toMatch(
      /in install\.sh/,
    );
  });
});

describe('the context file a command runs (findContextFile, kept per check by copies and path)', () => {
  // `tool` in three steps: found in a/ (WORKDIR /a), not at /b before b/ is copied there (the
  // same copies, another folder), found in b/ after (the same folder, other copies).
  const TEXT =
    'FROM debian\nWORKDIR /a\nCOPY a/ ./\nRUN tool\nWORKDIR /b\nRUN tool\nCOPY b/ ./\nRUN tool\nRUN /a/tool\nCMD ["tool"]\n';
  const TOOLS = { 'a/tool': 'echo from-a\n', 'b/tool': 'echo from-b\n' };
  const seen = (c: Ctx, index: number) => {
    const instr = c.model.instructions[index]!;
    const text = instr.json ? instr.json.map((w) => `'${w}'`).join(' ') : instr.logical.text;
    return seenCommands(c, instr.shell ?? parseShellOf(text), instr, null).seen.map(
      (s) => `${s.name} ${s.via ?? ''}`,
    );
  };
  const parseShellOf = (text: string) =>
    parseShell({ text, segments: [{ from: 0, sourceStart: 0, length: text.length }] });
  const steps = (c: Ctx) =>
    c.model.instructions
      .filter((i) => i.keyword === 'RUN' || i.keyword === 'CMD')
      .map((i) => i.index);

  test('the same answers from one check in any order as from a fresh check each', () => {
    const first = ctxFor(TEXT, new MemoryContext(TOOLS));
    const fresh = steps(first).map((i) => seen(ctxFor(TEXT, new MemoryContext(TOOLS)), i));
    expect(fresh.map((s) => s.join('|'))).toEqual([
      'tool |echo in a/tool',
      'tool ',
      'tool |echo in b/tool',
      'tool |echo in a/tool',
      'tool |echo in b/tool',
    ]);
    for (const order of [steps(first), [...steps(first)].reverse()]) {
      const shared = ctxFor(TEXT, new MemoryContext(TOOLS));
      const got = new Map(order.map((i) => [i, seen(shared, i)]));
      expect(steps(first).map((i) => got.get(i))).toEqual(fresh);
    }
  });
});
