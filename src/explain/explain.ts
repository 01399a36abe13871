/**
 * `explain`: which BuildKit steps an edit of a context file re-runs, from the static cache model
 * (src/cache/), before and after the tool's fixes. Library code: no CLI, no yargs.
 *
 * - `explain({ text, context, edits, target, buildArgs })` is pure: text and a BuildContext view in,
 *   per edit the steps that re-run (with BuildKit's `[stage i/n]` label) out. The shell parser must
 *   be initialised (`initShellParser()`); `explainFile` does it.
 * - `cacheSummary(before, after)`: the one-line `cache: a source edit re-runs 1 step (was 3, incl.
 *   pip install)` that `fix --dry-run` prints. Text and JSON output: format.ts; the command:
 *   src/cli/explain.ts.
 */
import * as path from 'node:path';
import {
  buildCacheModel,
  overlaps,
  TargetError,
  type BuildkitLabel,
  type CacheModel,
  type CacheStep,
  type Rerun,
  writtenText,
} from '../cache/model.js';
import { cleanRelative, DiskContext, NoContext, OverlayContext } from '../context/context.js';
import type { FileChange } from '../engine/diff.js';
import { parseOrThrow } from '../engine/loop.js';
import { InputError } from '../errors.js';
import { isDockerfileName, readDockerfile } from '../io/io.js';
import { readContextIgnoreFiles } from '../io/read.js';
import { commandBase, initShellParser, shellParserReady } from '../model/shell.js';
import type { BuildContext, DockerfileModel, Instruction } from '../model/types.js';
import { hasGlob, sentEntries } from '../toolkit/copy.js';
import { CODE_EXT, isManifest } from '../toolkit/packages/manifest.js';
import { expensiveReason } from './cost.js';

export type { BuildkitLabel } from '../cache/model.js';
export { isManifest } from '../toolkit/packages/manifest.js';
export { expensiveReason } from './cost.js';

/** What a fix result must offer for the "after" picture: its output and its changed files. */
export type FixedResult = { output: string; files: FileChange[] };

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
  /** Files never to take as the representative source edit (`filesNamedByFix`). */
  avoid?: readonly string[];
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
  /** Folders of the context the built steps copy from that could not be listed (permission
   * denied, ...): the files under them are unknown, so the default edits leave them out. */
  unreadable: string[];
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
  return sentEntries(ctx)
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
  avoid: ReadonlySet<string> = new Set(),
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
    const source = literal.find((p) => !isManifest(p) && !avoid.has(p));
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
      !avoid.has(f) &&
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

/** Folders the built steps copy from whose listing failed (not excluded by .dockerignore; with
 * a `!` exception in it, Docker reads into excluded folders too), as `dir/`. */
function unreadableDirs(cache: CacheModel, ctx: BuildContext): string[] {
  if (!ctx.available) return [];
  const sources = cache.steps
    .filter((s) => s.built && s.buildkit)
    .flatMap((s) => s.sources)
    .filter((s) => s.path !== null);
  const exceptions = cache.ignore.patterns.some((p) => p.startsWith('!'));
  return ctx
    .walk()
    .filter(
      (e) =>
        e.isDirectory &&
        e.unreadable &&
        (exceptions || !cache.ignore.ignores(e.path)) &&
        sources.some((s) => overlaps(`/${e.path}`, `/${s.path}`)),
    )
    .map((e) => `${e.path}/`);
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
    : defaultEdits(cache, ctx, new Set(options.avoid ?? []));
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
    unreadable: unreadableDirs(cache, ctx),
  };
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** `cache: a source edit re-runs 1 step (was 3, incl. pip install)`, or null when there is no
 * source edit or the fix does not change its answer. `after` must be computed with the same
 * edits (`edits: before.edits.map(e => e.path)`). Counts include `maybe` re-runs ("up to"). */
export function cacheSummary(before: ExplainResult, after: ExplainResult): string | null {
  // A folder that cannot be listed hides the files a source edit would be picked from: no
  // count computed from a guess.
  const unreadable = [...new Set([...before.unreadable, ...after.unreadable])];
  if (unreadable.length) return `cache: not estimated: ${unreadable.join(', ')} cannot be read`;
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
  result: Pick<FixedResult, 'files'>,
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

/** Context files the built COPY/ADD steps of a Dockerfile name one by one (not through a
 * folder, a glob or the whole context). */
function namedFiles(text: string, context: BuildContext): Set<string> {
  const cache = buildCacheModel(parseOrThrow(text.replace(/^\uFEFF/, '')), context);
  const out = new Set<string>();
  for (const step of cache.steps)
    if (step.built && step.buildkit && step.kind === 'copy')
      for (const s of step.sources) {
        if (s.path === null || s.path === '' || hasGlob(s.path) || /\/$/.test(s.raw)) continue;
        if (s.files === null ? /\.[^/]+$/.test(s.path) : s.files.includes(s.path)) out.add(s.path);
      }
  return out;
}

/** Files the fix starts copying by name (`COPY requirements.txt base.txt ./` before the install):
 * what the install reads, never "a source edit" (editing one re-runs the install after the fix,
 * as it should). Pass them as `avoid` to the before picture. */
export function filesNamedByFix(
  before: { text: string; context: BuildContext },
  after: { text: string; context: BuildContext },
): string[] {
  const was = namedFiles(before.text, before.context);
  return [...namedFiles(after.text, after.context)].filter((f) => !was.has(f));
}

/** The `fix --dry-run` cache line for one Dockerfile: the source-edit answer before vs after the
 * fix, or null when the fix does not change it (or the file cannot be explained). */
export function fixCacheLine(
  before: string,
  result: FixedResult,
  context: BuildContext,
): string | null {
  try {
    const afterContext = contextAfter(context, result);
    const avoid = filesNamedByFix(
      { text: before, context },
      { text: result.output, context: afterContext },
    );
    const b = explain({ text: before, context, avoid });
    const a = explain({
      text: result.output,
      context: afterContext,
      edits: b.edits.map((e) => e.path),
    });
    return cacheSummary(b, a);
  } catch {
    return null;
  }
}

/**
 * A build context on disk as `fix` reads it: the ignore files Docker reads for the Dockerfile are
 * read through a symbolic link (a DiskContext alone does not follow links, and took a linked
 * `.dockerignore` as absent while the fix applied its patterns). An existing ignore file that
 * cannot be read is an InputError naming it (`show`: how to name a file; default its path).
 */
export function diskContext(
  root: string,
  dockerfile: string,
  show: (abs: string) => string = (abs) => abs,
): BuildContext {
  const disk = new DiskContext(root, dockerfile);
  const ignores = readContextIgnoreFiles(disk.root!, path.resolve(dockerfile), show);
  if (!ignores.size) return disk;
  const seeded = new OverlayContext(disk);
  for (const [abs, read] of ignores)
    seeded.overlay.set(path.relative(disk.root!, abs).split(path.sep).join('/'), read.text);
  return seeded;
}

/** `fixCacheLine` for a `fix` result: `dockerfile` is the Dockerfile's absolute path, `contextDir`
 * the build context directory (null: none). */
export function dryRunCacheLine(
  result: FixedResult,
  dockerfile: string,
  contextDir: string | null,
): string | null {
  const before = result.files.find((f) => f.absolutePath === dockerfile)?.before ?? result.output;
  let context: BuildContext = new NoContext();
  try {
    if (contextDir) context = diskContext(contextDir, dockerfile);
  } catch {
    return null; // an ignore file that cannot be read: the fix reported it
  }
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
  return explain({ ...options, text, context: diskContext(root, path.resolve(file)) });
}
