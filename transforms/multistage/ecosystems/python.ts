/**
 * Python: a virtualenv at /opt/venv built in the builder and copied into `python:<tag>-slim`;
 * on a full `python:<tag>` image, only for requirements known to compile.
 * Docs: docs/rules/multistage.md.
 */
import { insertLinesBefore } from '../../../src/toolkit/edits.js';
import { copySpec, resolveDest } from '../../../src/toolkit/copy.js';
import { normalizePosix } from '../../../src/model/dockerfile.js';
import { PIP_VALUE_OPTIONS } from '../../../src/toolkit/packages/pip.js';
import type { Edit, SimpleCommand } from '../../../src/model/types.js';
import {
  cmdName,
  argValues,
  isToolchain,
  absolute,
  wordValue,
  under,
  commandsOf,
  findCommand,
  contextFileAt,
  andList,
  hasToolchain,
  lastBuild,
} from '../shared.js';
import type { Analysis, Artifact, Outcome, Ecosystem } from '../shared.js';
import { slimOf, runtimePackages, installLine } from '../runtime.js';

const isPipInstall = (c: SimpleCommand) => {
  const n = cmdName(c);
  const v = argValues(c);
  if (n === 'pip' || n === 'pip3') return v[0] === 'install';
  if (n && /^python[0-9.]*$/.test(n)) return v[0] === '-m' && v[1] === 'pip' && v[2] === 'install';
  return false;
};

function planPython(a: Analysis): Outcome {
  const { model } = a;
  const pips = findCommand(a, isPipInstall);
  const first = pips[0]!;
  const at = first.instr.span.start;
  for (const { cmd } of pips)
    if (
      argValues(cmd).some((v) =>
        ['--user', '--target', '-t', '--prefix', '--root'].includes(v ?? ''),
      )
    )
      return {
        skip: '`pip install` with --user/--target/--prefix: cannot tell where packages land',
        at,
      };
  const built = a.sourceBuilt;
  const unknown = (built ?? []).filter((b) => b.runtime === null).map((b) => b.name);
  if (unknown.length)
    return {
      skip: `${andList(unknown)} ${unknown.length > 1 ? 'compile' : 'compiles'} against the headers ${a.stage.image} ships: the runtime libraries ${slimOf(a, 'python')} would need are not known`,
      at,
    };
  const wd = model.workdirAt(a.buildAt);
  if (!wd || wd === '/')
    return { skip: 'the app has no WORKDIR to copy into the runtime stage', at };
  const stagePkgs = runtimePackages(a);
  if (!Array.isArray(stagePkgs)) return { ...stagePkgs, at };
  const pkgs = [...new Set([...stagePkgs, ...(built ?? []).flatMap((b) => b.runtime ?? [])])];
  // An existing venv is reused: `python -m venv X` in the stage.
  let venv: string | null = null;
  for (const i of a.instrs) {
    for (const c of commandsOf(i)) {
      const v = argValues(c);
      const n = cmdName(c) ?? '';
      if (
        /^python[0-9.]*$/.test(n) &&
        v[0] === '-m' &&
        (v[1] === 'venv' || v[1] === 'virtualenv') &&
        v[2]
      )
        venv = absolute(model, v[2], i.index);
      if (n === 'virtualenv' && v[0]) venv = absolute(model, v[0], i.index);
    }
  }
  const builderEdits: Edit[] = [];
  const env: string[] = [];
  if (venv === null) {
    // /opt/venv is created as root: a USER set before the install could not write to it.
    const user = [...a.instrs]
      .reverse()
      .find((i) => i.keyword === 'USER' && i.index < first.instr.index);
    const who = user
      ? wordValue(model, user.args[0]?.raw ?? '', user.args[0]?.value ?? null, user.index)
      : null;
    if (user && !/^(root|0)(:.*)?$/.test(who ?? ''))
      return {
        skip: `pip install runs as USER ${user.args[0]?.raw ?? ''}: a venv in /opt/venv would not be writable`,
        at,
      };
    venv = '/opt/venv';
    // Created before the sources are copied: the venv layer does not depend on them, and the
    // install keeps following its COPY directly (dependency-cache reorders it after that).
    const anchor =
      a.instrs.find((i) => {
        if (i.index >= first.instr.index) return i === first.instr;
        const spec = copySpec(model, i);
        return !!spec && !spec.from;
      }) ?? first.instr;
    builderEdits.push(
      insertLinesBefore(model, anchor, [
        'RUN python -m venv /opt/venv',
        'ENV PATH="/opt/venv/bin:$PATH"',
      ]),
    );
    env.push('ENV PATH="/opt/venv/bin:$PATH"');
  }
  const copies: Artifact[] = under(venv, wd) ? [] : [{ from: venv, dir: true }];
  // The app's files come from the builder only when they were copied into the WORKDIR before
  // the last pip install (later COPYs move to the runtime stage and read the context directly;
  // files copied elsewhere, such as an entrypoint, are the start command's business).
  const lastPip = pips[pips.length - 1]!.instr.index;
  const sourceBefore = a.instrs.some((i) => {
    const spec = copySpec(model, i);
    if (!spec || spec.from || i.index > lastPip) return false;
    const dest = resolveDest(model, spec);
    const d = dest === null ? null : normalizePosix(dest);
    if (d !== null && !under(d, wd) && !under(wd, d)) return false;
    return spec.sources.some(
      (w) =>
        !/(^|\/)(requirements[^/]*\.(txt|in)|requirements\/?|constraints[^/]*\.txt|pyproject\.toml|setup\.(py|cfg)|poetry\.lock|Pipfile(\.lock)?)$/.test(
          w.value ?? '',
        ),
    );
  });
  if (sourceBefore) copies.push({ from: wd, dir: true });
  const rt = slimOf(a, 'python');
  return {
    eco: 'python',
    runtimeImage: rt,
    setup: installLine(a, pkgs),
    env,
    copies,
    builderEdits,
    message: built
      ? `${a.stage.image} ships gcc and -dev headers that the image keeps only to build ${andList(built.map((b) => b.name))} from source; install into a venv in a \`builder\` stage and copy it into ${rt}${pkgs.length ? ` with ${pkgs.join(', ')}` : ''}.`
      : `compilers and headers (${a.packages.filter(isToolchain).join(', ')}) stay in the image only to build wheels; install into a venv in a \`builder\` stage and copy it into ${rt}${pkgs.length ? ` with ${pkgs.join(', ')}` : ''}.`,
    data: {
      runtimeImage: rt,
      venv,
      runtimePackages: pkgs,
      ...(built ? { sourceBuilt: built.map((b) => b.name) } : {}),
    },
  };
}

/** `python:3.12`, `python:3.12-bookworm`: the Debian image with gcc and common -dev headers. */
function fullPythonImage(a: Analysis): boolean {
  return a.image.repo === 'python' && !/slim|alpine|windows|nanoserver/.test(a.image.tag);
}

/**
 * Requirements pip builds from source (no wheel on PyPI, or `--no-binary`), with the Debian
 * runtime libraries their extension modules link (null: not known).
 */
const SOURCE_BUILT: Record<string, { runtime: string[] | null; onlyNoBinary?: boolean }> = {
  psycopg2: { runtime: ['libpq5'] },
  mysqlclient: { runtime: ['libmariadb3'] },
  lxml: { runtime: ['libxml2', 'libxslt1.1'], onlyNoBinary: true },
  // uWSGI links whatever its build finds (libxml2, libyaml, pcre, libcap, ...).
  uwsgi: { runtime: null },
};

function normalizePyName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/**
 * The SOURCE_BUILT requirements the stage's pip installs name (on the command line or in
 * requirements files, followed through `-r`), or null when a requirements file is not in the
 * context or not readable.
 */
function sourceBuiltRequirements(a: Analysis): { name: string; runtime: string[] | null }[] | null {
  const { model } = a;
  const bc = a.ctx.buildContext;
  const names = new Set<string>();
  const noBinary = new Set<string>();
  const addNoBinary = (v: string) => v.split(',').forEach((x) => noBinary.add(normalizePyName(x)));
  const addSpec = (spec: string) => {
    const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*($|[=<>!~;@ ])/.exec(spec.trim());
    if (m) names.add(normalizePyName(m[1]!));
  };
  const seen = new Set<string>();
  const readReq = (ctxPath: string, depth: number): boolean => {
    if (seen.has(ctxPath)) return true;
    seen.add(ctxPath);
    const text = bc.readFile(ctxPath);
    if (text === null || depth > 5) return false;
    const dir = ctxPath.includes('/') ? ctxPath.slice(0, ctxPath.lastIndexOf('/') + 1) : '';
    for (const raw of text.replace(/\\\r?\n/g, ' ').split(/\r?\n/)) {
      const line = raw.replace(/(^|\s)#.*$/, '').trim();
      if (!line) continue;
      const opt = /^(-r|--requirement|--no-binary)(?:\s*=\s*|\s+)(\S+)/.exec(line);
      if (opt) {
        if (opt[1] === '--no-binary') addNoBinary(opt[2]!);
        else if (!readReq(normalizePosix(`${dir}${opt[2]}`).replace(/^\//, ''), depth + 1))
          return false;
        continue;
      }
      if (line.startsWith('-')) continue;
      addSpec(line);
    }
    return true;
  };
  for (const { instr, cmd } of findCommand(a, isPipInstall)) {
    const words = cmd.args.map((w) => wordValue(model, w.raw, w.value, instr.index));
    const from = words.indexOf('install') + 1;
    for (let k = from; k < words.length; k++) {
      const w = words[k];
      if (w === null || w === undefined) continue;
      let file: string | null | undefined;
      if (w === '-r' || w === '--requirement') file = words[++k];
      else if (/^(-r|--requirement=)./.test(w)) file = w.replace(/^(-r|--requirement=)/, '');
      else if (w === '--no-binary') {
        const v = words[++k];
        if (v) addNoBinary(v);
        continue;
      } else if (w.startsWith('--no-binary=')) {
        addNoBinary(w.slice('--no-binary='.length));
        continue;
      } else if (PIP_VALUE_OPTIONS.has(w)) {
        k++;
        continue;
      } else if (w.startsWith('-')) continue;
      else {
        addSpec(w);
        continue;
      }
      if (!file) return null;
      const abs = absolute(model, file, instr.index);
      const ctxPath = abs === null ? null : contextFileAt(a, abs, instr.index);
      if (ctxPath === null || !readReq(ctxPath, 0)) return null;
    }
  }
  const out: { name: string; runtime: string[] | null }[] = [];
  for (const [name, info] of Object.entries(SOURCE_BUILT)) {
    if (!names.has(name)) continue;
    if (info.onlyNoBinary && !noBinary.has(name) && !noBinary.has(':all:')) continue;
    out.push({ name, runtime: info.runtime });
  }
  return out;
}

export const python: Ecosystem = {
  id: 'python',
  isBuild: isPipInstall,
  detect(a) {
    if (hasToolchain(a)) return lastBuild(a, isPipInstall);
    // A full python:<tag> image ships compilers and headers: a build only for requirements
    // known to compile.
    if (!fullPythonImage(a)) return -1;
    const at = lastBuild(a, isPipInstall);
    const built = at >= 0 ? sourceBuiltRequirements(a) : null;
    if (!built || built.length === 0) return -1;
    a.sourceBuilt = built;
    return at;
  },
  acceptsBase: (image) => image.repo === 'python',
  build: 'pip install',
  plan: planPython,
  note: 'Check: files the app reads at run time, shared libraries of compiled packages (`ldd` on their .so files), the user, and the entrypoint.',
  builderEnv: (name) => /^(PIP_|POETRY_|PIPENV_)/.test(name),
};
