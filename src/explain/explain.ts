/**
 * `explain`: which BuildKit steps an edit of a context file re-runs, from the static cache model
 * (src/cache/model.ts), before and after the tool's fixes.
 *
 * - `explain({ text, context, edits, target, buildArgs })` is pure: text and a BuildContext view in,
 *   per edit the steps that re-run (with BuildKit's `[stage i/n]` label) out. The shell parser must
 *   be initialised (`initShellParser()`); `explainFile` does it.
 * - `cacheSummary(before, after)`: the one-line `cache: a source edit re-runs 1 step (was 3, incl.
 *   pip install)` that `fix --dry-run` prints.
 * - `runExplain`: the CLI command (text or JSON); the fixed text comes from `optimize()` (loaded
 *   lazily: api.ts re-exports this module).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Argv } from 'yargs';
import { buildOptions, optimizeOptionsFrom } from '../cli/options.js';
import type { OptimizeOptions, OptimizeResult } from '../api.js';
import {
  buildCacheModel,
  TargetError,
  type BuildkitLabel,
  type CacheModel,
  type CacheStep,
  type Rerun,
  writtenText,
} from '../cache/model.js';
import { findConfig, type LoadedConfig } from '../context/config.js';
import { cleanRelative, DiskContext, NoContext, OverlayContext } from '../context/context.js';
import { hasGlob } from '../toolkit/copy.js';
import { InputError, parseOrThrow } from '../engine/loop.js';
import { discover, isDockerfileName, readDockerfile } from '../io/io.js';
import { CODE_EXT, isManifest } from '../toolkit/packages/manifest.js';
import { commandBase, initShellParser, shellParserReady } from '../model/shell.js';
import type { BuildContext, DockerfileModel, Instruction, Transform } from '../model/types.js';

export type { BuildkitLabel } from '../cache/model.js';
export { isManifest } from '../toolkit/packages/manifest.js';

export interface ExplainOptions {
  /** The Dockerfile text. */
  text: string;
  /** The build context (DiskContext, MemoryContext, ...); none: sources as written. */
  context?: BuildContext | null;
  /** Context-relative paths to edit (default: a representative source file and every dependency
   * manifest a COPY takes). */
  edits?: string[];
  /** `--target`: the stage to build (default: the last). */
  target?: string;
  /** `--build-arg` values. */
  buildArgs?: Record<string, string>;
}

/** A BuildKit step of the build. */
export interface ExplainStep {
  /** Stage index. */
  stage: number;
  /** The stage's name as written, or null. */
  stageName: string | null;
  /** How BuildKit prints it (`[deps 2/4]`, `name`: the full vertex name). */
  buildkit: BuildkitLabel;
  /** The instruction as written, on one line (continuations joined, blanks collapsed). */
  instruction: string;
  /** 1-based line of the instruction. */
  line: number;
  /** A package install, a compile or a download. */
  expensive: boolean;
  /** What makes it expensive (`pip install`, `apt-get install, gcc`), or null. */
  reason: string | null;
}

export interface ExplainRerun extends ExplainStep {
  /** False: BuildKit re-runs it only if files it copies from another stage come out different. */
  certain: boolean;
  /** `input`: reads the edited file; `parent`: an earlier step re-runs; `stage`: reads another
   * stage whose files change. */
  cause: Rerun['cause'];
  /** For a `maybe` re-run: the stage (name or `stage-K`) whose output decides it. */
  maybeFrom: string | null;
}

export interface ExplainEdit {
  /** Context-relative path edited (`src/*` / `*`: any file there, without a context). */
  path: string;
  /** `source`: the representative source file; `manifest`: a dependency manifest; `given`: asked
   * for. */
  kind: 'source' | 'manifest' | 'given';
  /** Excluded by .dockerignore (so no step sees it). */
  ignored: boolean;
  /** Steps that re-run, in order. */
  reruns: ExplainRerun[];
}

export interface ExplainResult {
  /** The stage built (`--target` or the last), by name when it has one. */
  target: string | null;
  /** Every BuildKit step of the built stages, in order. */
  steps: ExplainStep[];
  /** Stages BuildKit does not build (nothing the target needs), by name or `stage-K`. */
  skippedStages: string[];
  edits: ExplainEdit[];
}

// ---------------------------------------------------------------------------------------------
// Expensive steps

const APT = ['install', 'update', 'upgrade', 'dist-upgrade', 'build-dep'];
const RPM = ['install', 'upgrade', 'update', 'groupinstall', 'in'];
const PYTHON_ENV = ['install', 'sync'];

/** Tools whose expensive subcommands (first non-option argument) are named `<tool> <subcommand>`. */
const SUBCOMMANDS = new Map<string, readonly string[]>(
  Object.entries({
    'apt-get': APT,
    apt: APT,
    aptitude: APT,
    apk: ['add', 'update', 'upgrade'],
    dnf: RPM,
    yum: RPM,
    microdnf: RPM,
    zypper: RPM,
    tdnf: RPM,
    poetry: PYTHON_ENV,
    pipenv: PYTHON_ENV,
    pdm: PYTHON_ENV,
    cargo: ['build', 'install', 'fetch', 'chef'],
    dotnet: ['restore', 'build', 'publish'],
    composer: ['install', 'update'],
  }),
);

/** What makes one command expensive, or null. `words`: the command name and its arguments. */
function commandCost(words: string[]): string | null {
  let w = words;
  while (
    w.length &&
    (/^[A-Za-z_][A-Za-z0-9_]*=/.test(w[0]!) || ['sudo', 'env', 'time', 'nice'].includes(w[0]!))
  )
    w = w.slice(1);
  if (!w.length) return null;
  const name = commandBase(w[0]!);
  const args = w.slice(1);
  const sub = args.filter((a) => !a.startsWith('-'));
  const first = sub[0] ?? '';
  const expensive = SUBCOMMANDS.get(name);
  if (expensive) return expensive.includes(first) ? `${name} ${first}` : null;
  switch (name) {
    case 'pip':
    case 'pip3':
    case 'pipx':
      return first === 'install' || first === 'wheel' || first === 'download'
        ? `pip ${first}`
        : null;
    case 'uv':
      if (first === 'sync') return 'uv sync';
      return first === 'pip' && sub[1] === 'install' ? 'uv pip install' : null;
    case 'npm':
    case 'pnpm':
    case 'bun':
      if (['install', 'i', 'ci', 'add'].includes(first)) return `${name} ${first}`;
      if (first === 'run' && /build|compile/.test(sub[1] ?? '')) return `${name} run ${sub[1]}`;
      return first === 'build' ? `${name} build` : null;
    case 'yarn':
      if (first === '' || first === 'install' || first === 'add') return 'yarn install';
      if (first === 'build' || (first === 'run' && /build|compile/.test(sub[1] ?? '')))
        return 'yarn build';
      return null;
    case 'go':
      if (['build', 'install', 'generate'].includes(first)) return `go ${first}`;
      return first === 'mod' && sub[1] === 'download' ? 'go mod download' : null;
    case 'mvn':
    case 'mvnw':
      return first ? `mvn ${first}` : 'mvn';
    case 'gradle':
    case 'gradlew':
      return first ? `gradle ${first}` : 'gradle';
    case 'bundle':
    case 'bundler':
      return first === 'install' ? 'bundle install' : null;
    case 'gem':
      return first === 'install' ? 'gem install' : null;
    case 'curl':
    case 'wget':
      return `${name} download`;
    case 'git':
      return first === 'clone' ? 'git clone' : null;
    case 'make':
    case 'cmake':
    case 'ninja':
    case 'gcc':
    case 'g++':
    case 'cc':
    case 'c++':
    case 'clang':
    case 'clang++':
    case 'rustc':
    case 'javac':
    case 'tsc':
      return name;
    default:
      if (/^python[\d.]*$/.test(name) && args[0] === '-m' && args[1] === 'pip')
        return commandCost(['pip', ...args.slice(2)]);
      return null;
  }
}

/** The command words of a RUN: from the shell model, else a rough split of its text. */
function runCommands(instr: Instruction): string[][] {
  if (instr.shell?.ok && instr.shell.commands.length) {
    return instr.shell.commands
      .filter((c) => c.name)
      .map((c) => [
        ...c.assignments.map((a) => a.value ?? a.raw),
        c.name!.value ?? c.name!.raw,
        ...c.args.map((a) => a.value ?? a.raw),
      ]);
  }
  const text = instr.json ? instr.json.join(' ') : instr.logical.text;
  return text
    .split(/&&|\|\||[;|\n]/)
    .map((s) => s.trim().split(/\s+/).filter(Boolean))
    .filter((w) => w.length > 0);
}

/** Why a step is expensive (package installs, compiles, downloads), or null. */
export function expensiveReason(model: DockerfileModel, step: CacheStep): string | null {
  const instr = model.instructions[step.instruction]!;
  if (instr.keyword === 'ADD') {
    const remote = instr.args.some((a) => /^(https?|git):\/\/|^git@/.test(a.value ?? a.raw));
    return remote ? 'ADD download' : null;
  }
  if (instr.keyword !== 'RUN') return null;
  const reasons = [
    ...new Set(
      runCommands(instr)
        .map(commandCost)
        .filter((r) => r !== null),
    ),
  ];
  return reasons.length ? reasons.join(', ') : null;
}

// ---------------------------------------------------------------------------------------------
// explain()

/** The instruction as written on one line. */
function oneLine(model: DockerfileModel, instr: Instruction): string {
  return writtenText(model, instr).replace(/\s+/g, ' ').trim();
}

function describe(model: DockerfileModel, cache: CacheModel, step: CacheStep): ExplainStep {
  const reason = expensiveReason(model, step);
  return {
    stage: step.stage,
    stageName: cache.stages[step.stage]!.name,
    buildkit: step.buildkit!,
    instruction: oneLine(model, model.instructions[step.instruction]!),
    line: model.instructions[step.instruction]!.line + 1,
    expensive: reason !== null,
    reason,
  };
}

/** Files of the context a built step reads (after .dockerignore), sorted. */
function copiedFiles(cache: CacheModel, ctx: BuildContext): string[] {
  if (!ctx.available) return [];
  const steps = cache.steps.filter((s) => s.built && s.buildkit && s.sources.length);
  return ctx
    .walk()
    .filter((e) => !e.isDirectory && !cache.ignore.ignores(e.path))
    .map((e) => e.path)
    .filter((p) => steps.some((s) => cache.takes(s, p)));
}

const hidden = (p: string) => p.split('/').some((seg) => seg.startsWith('.'));

/**
 * The default edits: one representative source file (copied, not a manifest, not hidden, not a
 * Dockerfile; preferring files under a copied sub-folder, then code files, then shallow paths,
 * then alphabetical) and every dependency manifest a step copies. Without a context: the
 * manifests named in COPY sources and `dir/*` (any file) for the first folder or whole-context
 * copy.
 */
export function defaultEdits(
  cache: CacheModel,
  ctx: BuildContext,
): { path: string; kind: 'source' | 'manifest' }[] {
  const out: { path: string; kind: 'source' | 'manifest' }[] = [];
  const built = cache.steps.filter((s) => s.built && s.buildkit);
  if (!ctx.available) {
    const literal: string[] = [];
    const dirs: string[] = [];
    for (const s of built)
      for (const src of s.sources) {
        if (src.path === null || hasGlob(src.path)) continue;
        if (src.path === '' || /\/$/.test(src.raw) || !/\.[^/]+$/.test(src.path))
          dirs.push(src.path);
        else literal.push(src.path);
      }
    const source = literal.find((p) => !isManifest(p));
    if (source !== undefined) out.push({ path: source, kind: 'source' });
    else if (dirs.length) out.push({ path: dirs[0] === '' ? '*' : `${dirs[0]}/*`, kind: 'source' });
    for (const m of [...new Set(literal.filter(isManifest))].sort())
      out.push({ path: m, kind: 'manifest' });
    return out;
  }
  const files = copiedFiles(cache, ctx);
  const subDirs = built
    .flatMap((s) => s.sources)
    .filter((s) => s.path !== null && s.path !== '' && !hasGlob(s.path) && ctx.isDirectory(s.path))
    .map((s) => s.path!);
  const candidates = files.filter(
    (f) =>
      !isManifest(f) &&
      !hidden(f) &&
      !isDockerfileName(commandBase(f)) &&
      !/\.dockerignore$/.test(f),
  );
  const rank = (f: string): [number, number, number, string] => [
    subDirs.some((d) => f.startsWith(d + '/')) ? 0 : 1,
    CODE_EXT.test(f) ? 0 : 1,
    f.split('/').length,
    f,
  ];
  candidates.sort((a, b) => {
    const ra = rank(a);
    const rb = rank(b);
    for (let i = 0; i < 4; i++) if (ra[i] !== rb[i]) return ra[i]! < rb[i]! ? -1 : 1;
    return 0;
  });
  if (candidates.length) out.push({ path: candidates[0]!, kind: 'source' });
  for (const m of files.filter(isManifest)) out.push({ path: m, kind: 'manifest' });
  return out;
}

/** Which steps each edit re-runs. Throws InputError for an invalid Dockerfile or an unknown
 * target. */
export function explain(options: ExplainOptions): ExplainResult {
  if (!shellParserReady())
    throw new Error('explain: call initShellParser() first (or use explainFile)');
  const text = options.text.replace(/^\uFEFF/, '');
  const model = parseOrThrow(text);
  const ctx = options.context ?? new NoContext();
  let cache: CacheModel;
  try {
    cache = buildCacheModel(model, ctx, { buildArgs: options.buildArgs, target: options.target });
  } catch (err) {
    if (err instanceof TargetError) throw new InputError(err.message);
    throw err;
  }
  const built = cache.steps.filter((s) => s.built && s.buildkit);
  const edits = options.edits
    ? options.edits.map((p) => ({ path: cleanRelative(p) ?? p, kind: 'given' as const }))
    : defaultEdits(cache, ctx);
  const targetStage = cache.stages[cache.target]!;
  return {
    target: targetStage.name ?? (cache.stages.length > 1 ? `stage-${targetStage.index}` : null),
    steps: built.map((s) => describe(model, cache, s)),
    skippedStages: cache.stages.filter((s) => !s.built).map((s) => s.name ?? `stage-${s.index}`),
    edits: edits.map(({ path: p, kind }) => ({
      path: p,
      kind,
      ignored: cache.ignore.ignores(p),
      reruns: cache.rerun(p).map((r) => ({
        ...describe(model, cache, r.step),
        certain: r.certain,
        cause: r.cause,
        maybeFrom:
          r.maybeFrom === null ? null : (cache.stages[r.maybeFrom]!.name ?? `stage-${r.maybeFrom}`),
      })),
    })),
  };
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** `cache: a source edit re-runs 1 step (was 3, incl. pip install)`, or null when there is no
 * source edit or the fix does not change its answer. `after` must be computed with the same
 * edits (`edits: before.edits.map(e => e.path)`). Counts include `maybe` re-runs ("up to"). */
export function cacheSummary(before: ExplainResult, after: ExplainResult): string | null {
  const b = before.edits.find((e) => e.kind === 'source');
  if (!b) return null;
  const a = after.edits.find((e) => e.path === b.path);
  if (!a) return null;
  const costs = (e: ExplainEdit) => [
    ...new Set(e.reruns.flatMap((r) => (r.reason ? r.reason.split(', ') : []))),
  ];
  const now = new Set(costs(a));
  const dropped = costs(b).filter((r) => !now.has(r));
  const upTo = (e: ExplainEdit) => (e.reruns.some((r) => !r.certain) ? 'up to ' : '');
  const same =
    a.reruns.length === b.reruns.length &&
    upTo(a) === upTo(b) &&
    dropped.length === 0 &&
    now.size === costs(b).length;
  if (same) return null;
  return `cache: a source edit re-runs ${upTo(a)}${plural(a.reruns.length, 'step')} (was ${upTo(b)}${
    b.reruns.length
  }${dropped.length ? `, incl. ${dropped.join(', ')}` : ''})`;
}

/** The build context as the fixed result sees it: pending file changes under its root. */
export function contextAfter(
  context: BuildContext,
  result: Pick<OptimizeResult, 'files'>,
): BuildContext {
  if (!context.root) return context;
  const overlay = new OverlayContext(context);
  for (const f of result.files) {
    if (!f.absolutePath) continue;
    const rel = path.relative(context.root, f.absolutePath);
    if (!rel.startsWith('..') && !path.isAbsolute(rel))
      overlay.overlay.set(rel.split(path.sep).join('/'), f.after);
  }
  return overlay;
}

/** The `fix --dry-run` cache line for one Dockerfile: the source-edit answer before vs after the
 * fix, or null when the fix does not change it (or the file cannot be explained). */
export function fixCacheLine(
  before: string,
  result: Pick<OptimizeResult, 'output' | 'files'>,
  context: BuildContext,
): string | null {
  try {
    const b = explain({ text: before, context });
    const a = explain({
      text: result.output,
      context: contextAfter(context, result),
      edits: b.edits.map((e) => e.path),
    });
    return cacheSummary(b, a);
  } catch {
    return null;
  }
}

/** `fixCacheLine` for a `fix` result: `dockerfile` is the Dockerfile's absolute path, `contextDir`
 * the build context directory (null: none). */
export function dryRunCacheLine(
  result: Pick<OptimizeResult, 'output' | 'files'>,
  dockerfile: string,
  contextDir: string | null,
): string | null {
  const before = result.files.find((f) => f.absolutePath === dockerfile)?.before ?? result.output;
  const context = contextDir ? new DiskContext(contextDir, dockerfile) : new NoContext();
  return fixCacheLine(before, result, context);
}

// ---------------------------------------------------------------------------------------------
// explainFile and the CLI command

export interface ExplainFileOptions extends Omit<ExplainOptions, 'text' | 'context'> {
  /** The build context directory (default: the Dockerfile's directory). */
  context?: string;
}

/** Read a Dockerfile (bad input throws an InputError) and explain it over its context. */
export async function explainFile(
  file: string,
  options: ExplainFileOptions = {},
): Promise<ExplainResult> {
  await initShellParser();
  const { text } = readDockerfile(file);
  const root = path.resolve(options.context ?? path.dirname(path.resolve(file)));
  return explain({ ...options, text, context: new DiskContext(root, path.resolve(file)) });
}

export interface ExplainArgs {
  dockerfile: string;
  context?: string;
  edit?: string[];
  target?: string;
  buildArg?: string[];
  format: 'text' | 'json';
  after: boolean;
  unsafe?: boolean;
}

export function explainOptions(y: Argv) {
  return buildOptions(y)
    .positional('dockerfile', {
      type: 'string',
      default: '.',
      describe: 'A Dockerfile, or a directory holding one',
    })
    .option('context', {
      type: 'string',
      describe: "Build context directory (default: the Dockerfile's directory)",
    })
    .option('edit', {
      type: 'string',
      array: true,
      describe:
        'File to edit, context-relative or from here (repeatable; default: a source file and each manifest)',
    })
    .option('format', {
      choices: ['text', 'json'] as const,
      default: 'text' as const,
      describe: 'Output format',
    })
    .option('after', {
      type: 'boolean',
      default: true,
      describe: 'Also show the picture after the fixes (--no-after: only the file as it is)',
    })
    .option('unsafe', { type: 'boolean', describe: 'Count review fixes in "after fix" too' });
}

export function explainArgs(a: Record<string, unknown>): ExplainArgs {
  const list = (v: unknown) =>
    v === undefined ? undefined : (Array.isArray(v) ? v : [v]).map(String);
  return {
    dockerfile: (a.dockerfile as string | undefined) ?? '.',
    context: a.context as string | undefined,
    edit: list(a.edit),
    target: a.target as string | undefined,
    buildArg: list(a['build-arg']),
    format: (a.format as 'text' | 'json') ?? 'text',
    after: (a.after as boolean | undefined) ?? true,
    unsafe: a.unsafe as boolean | undefined,
  };
}

interface ExplainIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  cwd: string;
  env: Record<string, string | undefined>;
}

const PROG = 'dockerfile-optimizer';
const MAX_INSTRUCTION = 72;

function stepLine(s: ExplainStep & { certain?: boolean; maybeFrom?: string | null }): string {
  const text =
    s.instruction.length > MAX_INSTRUCTION
      ? `${s.instruction.slice(0, MAX_INSTRUCTION - 1).trimEnd()}…`
      : s.instruction;
  const notes: string[] = [];
  if (s.reason) notes.push(`expensive: ${s.reason}`);
  if (s.certain === false)
    notes.push(`maybe: only if ${s.maybeFrom ?? 'the other stage'}'s output changes`);
  return `  ${s.buildkit.prefix} ${text}${notes.length ? `  (${notes.join('; ')})` : ''}\n`;
}

function countText(e: ExplainEdit, total: number): string {
  const sure = e.reruns.filter((r) => r.certain).length;
  const maybe = e.reruns.length - sure;
  if (e.reruns.length === 0) return 'nothing';
  return `${sure} of ${plural(total, 'step')}${maybe ? ` (+${maybe} maybe)` : ''}`;
}

function sameAnswer(a: ExplainEdit, b: ExplainEdit): boolean {
  return (
    a.reruns.length === b.reruns.length &&
    a.reruns.every(
      (r, i) =>
        r.buildkit.prefix === b.reruns[i]!.buildkit.prefix && r.reason === b.reruns[i]!.reason,
    )
  );
}

/** The text report: per edit the steps it re-runs, then "after fix:" where the fixes change it. */
export function formatExplain(
  file: string,
  before: ExplainResult,
  after: ExplainResult | null,
  options: { target?: string } = {},
): string {
  let out = `${file}: ${plural(before.steps.length, 'build step')}`;
  if (options.target !== undefined && before.target !== null) out += `, target ${before.target}`;
  if (before.skippedStages.length) out += ` (not built: ${before.skippedStages.join(', ')})`;
  out += '\n';
  if (before.edits.length === 0) out += 'no COPY or ADD takes files from the build context\n';
  for (const [i, e] of before.edits.entries()) {
    if (i > 0) out += '\n';
    out += `editing ${e.path} re-runs ${countText(e, before.steps.length)}`;
    if (e.reruns.length === 0)
      out += e.ignored ? ' (excluded by .dockerignore)' : ' (no step reads it)';
    out += e.reruns.length ? ':\n' : '\n';
    for (const r of e.reruns) out += stepLine(r);
    const a = after?.edits[i];
    if (after && a && !sameAnswer(e, a)) {
      out += `after fix: re-runs ${countText(a, after.steps.length)}`;
      if (a.reruns.length === 0 && a.ignored) out += ' (excluded by .dockerignore)';
      out += a.reruns.length ? ':\n' : '\n';
      for (const r of a.reruns) out += stepLine(r);
    }
  }
  const summary = after ? cacheSummary(before, after) : null;
  if (summary) out += `${summary}\n`;
  return out;
}

function posix(p: string): string {
  return p.split(path.sep).join('/');
}

/** `dockerfile-optimizer explain`: resolves to the exit code (0, or 2 on an error). */
export async function runExplain(
  args: ExplainArgs,
  io: ExplainIO,
  custom?: readonly Transform[],
): Promise<number> {
  const { files, errors } = discover([args.dockerfile], io.cwd);
  for (const e of errors) io.stderr(`${PROG}: ${e.path}: ${e.message}\n`);
  if (errors.length) return 2;
  const argsOf = (list: string[]) => {
    const buildArgs: Record<string, string> = {};
    for (const kv of list) {
      const eq = kv.indexOf('=');
      if (eq > 0) buildArgs[kv.slice(0, eq)] = kv.slice(eq + 1);
      else if (io.env[kv] !== undefined) buildArgs[kv] = io.env[kv]!;
    }
    return buildArgs;
  };
  await initShellParser();
  // Build definitions: the declared context, target and args unless given on the command line.
  const { Declared } = await import('../builds.js');
  const declared = await Declared.load([args.dockerfile], io, { context: args.context });
  const transforms = custom ?? (await import('../../transforms/index.js')).transforms;
  const known = (id: string) => transforms.some((t) => t.meta.id === id.split('/')[0]);
  const configs = new Map<string, LoadedConfig | null>();
  const docs: unknown[] = [];
  let failed = false;
  for (const f of files) {
    if (f.absolute === '-') {
      io.stderr(`${PROG}: -: explain needs a Dockerfile on disk (not stdin)\n`);
      failed = true;
      continue;
    }
    try {
      const build = declared.settings(f.absolute, args);
      const root = build.context;
      const buildArgs = argsOf(build.buildArg);
      if (!fs.existsSync(root) || !fs.statSync(root).isDirectory())
        throw new InputError(`build context ${args.context}: not a directory`);
      const context = new DiskContext(root, f.absolute);
      const edits = args.edit?.map((e) => {
        const abs = path.resolve(io.cwd, e);
        const rel = path.relative(root, abs);
        return fs.existsSync(abs) && !rel.startsWith('..') && !path.isAbsolute(rel)
          ? posix(rel)
          : e;
      });
      const { text } = readDockerfile(f.absolute);
      const opts = { edits, target: build.target, buildArgs };
      const before = explain({ text, context, ...opts });
      let after: ExplainResult | null = null;
      let fixes: string[] = [];
      if (args.after) {
        const config = findConfig(path.dirname(f.absolute), known, configs);
        // What `fix` would write: over every declared context (only the fixes right for all).
        const result = await declared.optimize(f.absolute, {
          ...fixSettings(config, args.unsafe),
          ...(custom ? { transforms: custom } : {}),
          context: args.context ? root : undefined,
          cwd: io.cwd,
        });
        if (result.changed) {
          fixes = result.fixes.filter((x) => x.applied).map((x) => x.ruleId);
          after = explain({
            text: result.output,
            context: contextAfter(context, result),
            ...opts,
            edits: before.edits.map((e) => e.path),
          });
          after.edits.forEach((e, i) => (e.kind = before.edits[i]!.kind));
        }
      }
      if (args.format === 'json') {
        docs.push({
          path: f.display,
          context: posix(path.relative(io.cwd, root)) || '.',
          ...(build.origin
            ? { build: { origin: build.origin, target: build.target ?? null, buildArgs } }
            : {}),
          ...before,
          after: after ? { fixes, ...after } : null,
          summary: after ? cacheSummary(before, after) : null,
        });
      } else {
        if (docs.length) io.stdout('\n');
        docs.push(null);
        if (build.origin) io.stdout(`${f.display}: ${build.origin}\n`);
        io.stdout(formatExplain(f.display, before, after, { target: build.target }));
      }
    } catch (err) {
      if (!(err instanceof InputError) && !(err as { kind?: string }).kind) throw err;
      io.stderr(`${PROG}: ${f.display}: ${(err as Error).message}\n`);
      failed = true;
    }
  }
  if (args.format === 'json')
    io.stdout(JSON.stringify({ version: 1, files: docs }, null, 2) + '\n');
  return failed ? 2 : 0;
}

function fixSettings(config: LoadedConfig | null, unsafe: boolean | undefined): OptimizeOptions {
  return optimizeOptionsFrom({ unsafe }, config?.config ?? null);
}
