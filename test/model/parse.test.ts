import { beforeAll, describe, expect, test } from '@jest/globals';
import { parseDockerfile } from '../../src/model/dockerfile.js';
import { initShellParser } from '../../src/model/shell.js';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { copySpec, globToRegExp, mayCopyFromContext, resolveDest } from '../../src/toolkit/copy.js';
import { FIXTURES } from '../helpers.js';

beforeAll(() => initShellParser());

const slice = (text: string, s: { start: number; end: number }) => text.slice(s.start, s.end);

describe('Dockerfile model', () => {
  test('logical lines follow BuildKit: comment and empty lines inside a continuation are dropped', () => {
    const text =
      'FROM debian\nRUN apt-get update \\\n  # a comment\n\n    && apt-get install -y curl\n';
    const m = parseDockerfile(text);
    const run = m.instructions[1]!;
    expect(run.logical.text).toBe('apt-get update     && apt-get install -y curl');
    expect(run.endLine).toBe(4);
    const install = run.shell!.commands[1]!;
    expect(slice(text, install.span)).toBe('apt-get install -y curl');
    expect(install.args.map((a) => a.value)).toEqual(['install', '-y', 'curl']);
  });

  test('escape directive: backtick continues lines, backslash is literal', () => {
    const text = '# escape=`\nFROM x\nRUN echo C:\\a `\n  && echo b\n';
    const m = parseDockerfile(text);
    expect(m.escapeChar).toBe('`');
    expect(m.directives.map((d) => [d.name, d.value])).toEqual([['escape', '`']]);
    expect(m.instructions[1]!.logical.text).toBe('echo C:\\a   && echo b');
  });

  test('CRLF: spans exclude the CR, eol is detected', () => {
    const text = 'FROM x\r\nRUN a \\\r\n  && b\r\n';
    const m = parseDockerfile(text);
    expect(m.eol).toBe('\r\n');
    expect(m.instructions[1]!.logical.text).toBe('a   && b');
    expect(slice(text, m.instructions[1]!.span)).toBe('RUN a \\\r\n  && b');
  });

  test('JSON form keeps inner spaces (dockerfile-ast trap)', () => {
    const text = 'FROM x\nCOPY ["a b.txt", "/dst dir/"]\n';
    const m = parseDockerfile(text);
    expect(m.instructions[1]!.json).toEqual(['a b.txt', '/dst dir/']);
    const spec = copySpec(m, m.instructions[1]!)!;
    expect(spec.sources.map((s) => s.value)).toEqual(['a b.txt']);
    expect(slice(text, spec.dest.span)).toBe('"/dst dir/"');
  });

  test('heredocs: a script RUN is parsed as shell with offsets into the body', () => {
    const text =
      'FROM x\nRUN <<EOF\nset -e\napt-get install -y a\nEOF\nRUN cat <<-X\n\tdata\n\tX\n';
    const m = parseDockerfile(text);
    const [, script, withCmd] = m.instructions;
    expect(script!.heredocs).toHaveLength(1);
    expect(script!.heredocs[0]!.content).toBe('set -e\napt-get install -y a');
    const cmd = script!.shell!.commands.find((c) => c.name?.value === 'apt-get')!;
    expect(slice(text, cmd.span)).toBe('apt-get install -y a');
    expect(withCmd!.heredocs[0]!.stripTabs).toBe(true);
    expect(withCmd!.shell!.commands.map((c) => c.name?.value)).toEqual(['cat']);
  });

  test('flags and --mount options', () => {
    const m = parseDockerfile(
      'FROM x\nRUN --mount=type=cache,target=/root/.cache/pip,sharing=locked pip install a\n',
    );
    const f = m.instructions[1]!.flags[0]!;
    expect(f.name).toBe('mount');
    expect(f.options).toEqual({ type: 'cache', target: '/root/.cache/pip', sharing: 'locked' });
    expect(m.instructions[1]!.logical.text).toBe('pip install a');
  });

  test('stages, FROM <stage>, ARG before FROM, scopes, WORKDIR', () => {
    const text = [
      'ARG V=3.12',
      'FROM python:${V} AS build',
      'ARG V',
      'ENV APP=/srv/app',
      'WORKDIR $APP',
      'WORKDIR src',
      'FROM build AS test',
      'RUN true',
      'FROM debian',
      'RUN true',
      '',
    ].join('\n');
    const m = parseDockerfile(text);
    expect(m.stages.map((s) => [s.name, s.resolvedImage, s.fromStage])).toEqual([
      ['build', 'python:3.12', null],
      ['test', 'build', 0],
      [null, 'debian', null],
    ]);
    expect(m.expand('${V}-$APP', 5)).toBe('3.12-/srv/app');
    expect(m.workdirAt(5)).toBe('/srv/app');
    expect(m.workdirAt(7)).toBe('/srv/app/src'); // inherited through FROM build
    expect(m.workdirAt(9)).toBeNull(); // unknown: the base image decides
    expect(m.varsAt(9).has('APP')).toBe(false);
    expect(m.expand('$UNDECLARED', 9)).toBeNull();
  });

  test('an ARG without value is unknown; ${X:-d} needs a declared name', () => {
    const m = parseDockerfile('FROM x\nARG TOKEN\nARG MODE=prod\nRUN true\n');
    expect(m.expand('$TOKEN', 3)).toBeNull();
    expect(m.expand('${MODE:-dev}', 3)).toBe('prod');
    expect(m.expand('a\\$b', 3)).toBe('a$b');
  });

  test.each([
    ['', 'no instructions found'],
    ['# only a comment\n', 'no instructions found'],
    ['import os\nprint(1)\n', 'unknown instruction: IMPORT'],
    ['RUN echo\nFROM x\n', 'RUN before the first FROM'],
    ['FROM x\nRUN <<EOF\necho\n', 'unterminated heredoc'],
    ['FROM a b c d\n', 'FROM takes an image'],
  ])('validation: %j -> %s', (text, message) => {
    const m = parseDockerfile(text);
    expect(m.errors[0]?.message).toContain(message);
  });

  test('valid files have no errors (ONBUILD, HEALTHCHECK, lower-case keywords)', () => {
    const m = parseDockerfile(
      'arg X=1\nfrom x\nonbuild run echo\nhealthcheck --interval=5s CMD true\n',
    );
    expect(m.errors).toEqual([]);
    expect(m.instructions[2]!.onbuild).toBe('RUN');
  });
});

describe('shell model', () => {
  const shellOf = (cmd: string) => parseDockerfile(`FROM x\nRUN ${cmd}\n`).instructions[1]!.shell!;

  test('and-or chains, terminators and nesting', () => {
    const sh = shellOf(
      'set -eux; apt-get update && apt-get install -y a || true; if [ -f x ]; then rm x; fi',
    );
    expect(sh.ok).toBe(true);
    expect(sh.statements).toHaveLength(3);
    expect(sh.statements[0]!.terminator).toBe(';');
    expect(sh.statements[1]!.items.map((i) => [i.op, i.command?.name?.value])).toEqual([
      [null, 'apt-get'],
      ['&&', 'apt-get'],
      ['||', 'true'],
    ]);
    const rm = sh.commands.find((c) => c.name?.value === 'rm')!;
    expect(rm.nested).toBe(true);
    expect(sh.statements[2]!.items[0]!.kind).toBe('if_statement');
  });

  test('word values: quotes removed when static, null when expanded', () => {
    const sh = shellOf(`pip install "flask==3.0" 'gunicorn' $EXTRA --index-url=\${URL} a\\ b`);
    expect(sh.commands[0]!.args.map((a) => a.value)).toEqual([
      'install',
      'flask==3.0',
      'gunicorn',
      null,
      null,
      'a b',
    ]);
  });

  test('assignments, redirects and command substitutions', () => {
    const sh = shellOf(
      'DEBIAN_FRONTEND=noninteractive apt-get install -y a > /dev/null 2>&1 && echo $(uname -m)',
    );
    const apt = sh.commands[0]!;
    expect(apt.assignments.map((a) => a.raw)).toEqual(['DEBIAN_FRONTEND=noninteractive']);
    expect(apt.redirects.map((r) => r.raw)).toEqual(['> /dev/null', '2>&1']);
    expect(sh.commands.map((c) => [c.name?.value, c.nested])).toEqual([
      ['apt-get', false],
      ['echo', false],
      ['uname', true],
    ]);
  });

  test('a syntax error marks the script not ok', () => {
    expect(shellOf('if then fi (').ok).toBe(false);
  });
});

describe('COPY helpers', () => {
  test('destination resolution with WORKDIR', () => {
    const m = parseDockerfile(
      'FROM x\nWORKDIR /app\nCOPY a.txt .\nCOPY b.txt sub/\nCOPY c.txt /abs\n',
    );
    const dests = [2, 3, 4].map((i) => resolveDest(m, copySpec(m, m.instructions[i]!)!));
    expect(dests).toEqual(['/app/', '/app/sub/', '/abs']);
  });

  test("glob semantics follow Docker's path match", () => {
    expect(globToRegExp('*.txt').test('a.txt')).toBe(true);
    expect(globToRegExp('*.txt').test('dir/a.txt')).toBe(false);
    expect(globToRegExp('req*/[ab].txt').test('reqs/a.txt')).toBe(true);
    expect(globToRegExp('**/package.json').test('packages/a/package.json')).toBe(true);
  });

  test('mayCopyFromContext says what copySpec says of a copy from the context (no --from, no heredoc)', () => {
    const texts = [
      'FROM a AS b\nCOPY --from=b x y\nCOPY --from= x y\nADD --chmod=644 x y\nCOPY <<EOF /f\nhi\nEOF\nCOPY ["a", "b"]\nRUN x\nCOPY --link a b\n',
    ];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name === 'Dockerfile' || e.name.endsWith('.Dockerfile'))
          texts.push(fs.readFileSync(p, 'utf8'));
      }
    };
    walk(FIXTURES);
    let copies = 0;
    for (const text of texts) {
      let m;
      try {
        m = parseDockerfile(text);
      } catch {
        continue;
      }
      for (const instr of m.instructions) {
        const spec = copySpec(m, instr);
        // (copySpec also refuses a copy with too few words: the quick test cannot see those)
        if (spec === null && (instr.keyword === 'COPY' || instr.keyword === 'ADD')) continue;
        if (spec) copies++;
        const at = m.text.slice(instr.span.start, instr.span.end);
        expect([at, mayCopyFromContext(instr)]).toEqual([
          at,
          spec !== null && spec.from === null && !spec.heredoc,
        ]);
      }
    }
    expect(copies).toBeGreaterThan(300);
  });
});
