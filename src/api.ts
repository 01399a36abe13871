/** The programmatic API: optimize a Dockerfile text or file; never writes (see applyResult). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  clearContextCaches,
  diskCounters,
  generationTable,
  inSession,
  listedAbsent,
  listedAbsentIn,
  listedInSession,
} from './context/cache.js';
import { cleanTail, isCleanRoot } from './context/clean-path.js';
import { DiskContext, MemoryContext, NoContext, OverlayContext } from './context/context.js';
import { unifiedDiff, type FileChange } from './engine/diff.js';
import { runEngine } from './engine/loop.js';
import { InputError, UsageError } from './errors.js';
import { ruleIdProblem, transformIdOf } from './model/rules.js';
import { initShellParser } from './model/shell.js';
import { clearParsedModels } from './model/dockerfile.js';
import {
  readContextIgnoreFiles,
  readDockerfile,
  readIgnoreFile,
  type ReadFile,
} from './io/read.js';
import { showPath } from './io/paths.js';
import { writeUnit } from './io/write.js';
import { transforms as registry } from '../transforms/index.js';
import type {
  BuildContext,
  CheckContext,
  DockerfileModel,
  Finding,
  Transform,
  TransformOptions,
} from './model/types.js';

import type { FixReport, SkipReport, SuppressReport } from './engine/loop.js';

export type { FileChange } from './engine/diff.js';
export type { FixReport, SkipReport, SuppressReport } from './engine/loop.js';
export { explain, explainFile, cacheSummary } from './explain/explain.js';
export type {
  BuildkitLabel,
  ExplainEdit,
  ExplainFileOptions,
  ExplainOptions,
  ExplainRerun,
  ExplainResult,
  ExplainStep,
} from './explain/explain.js';

export { UsageError } from './errors.js';

export interface OptimizeOptions extends TransformOptions {
  /** Path of the Dockerfile (shown in the diff and messages; default `Dockerfile`). */
  path?: string;
  /** Build context: a directory, an in-memory map of files, a BuildContext, or null for none.
   * Default for optimizeFile: the Dockerfile's directory; for optimize: none. */
  context?: string | Record<string, string> | BuildContext | null;
  /** Only these transforms (`dependency-cache`) or rules (`package-hygiene/apt-list-cleanup`). */
  only?: string[];
  /** Not these transforms or rules. */
  skip?: string[];
  /** Also apply `review` fixes. */
  unsafe?: boolean;
  /** Paths in the diff are relative to this directory (default: process.cwd()). */
  cwd?: string;
  /** Transforms to run instead of the built-in registry (in this order). */
  transforms?: readonly Transform[];
  /** Not-yet-written contents of other files (absolute path -> text) to see instead of the disk. */
  pending?: ReadonlyMap<string, string>;
}

export interface OptimizeResult {
  /** The optimized Dockerfile text. */
  output: string;
  /** Unified diff of every changed file ('' when nothing changes). */
  diff: string;
  fixes: FixReport[];
  skipped: SkipReport[];
  /** Fixes silenced by inline comments. */
  suppressed: SuppressReport[];
  /** Every file changed or created, with before (null if new) and after text. */
  files: FileChange[];
  changed: boolean;
}

/**
 * `{ ...base, ...extra }`, made the fast way: on this V8 (Node 20) an object literal that spreads
 * an object and then names properties (`{ ...options, path }`) takes a slow path, about 1 µs a
 * copy, and the options and results copied once or more per Dockerfile made it add up; two
 * `Object.assign`s into a fresh object give the same object (same keys, same order, same values)
 * in well under a tenth of that. For plain objects only (as the options and results are).
 */
export function withProps<T extends object, U extends object>(base: T, extra: U): T & U {
  return Object.assign(Object.assign({}, base), extra);
}

/** `path.resolve(cwd, p)`; a normalised absolute POSIX path (isCleanRoot: the paths a session
 * passes on, resolved once already) is that path, taken as it is without path's work. */
export function resolveIn(cwd: string, p: string): string {
  return isCleanRoot(p) ? p : path.resolve(cwd, p);
}

function posix(p: string): string {
  return p.split(path.sep).join('/');
}

export function displayPath(abs: string, cwd: string): string {
  // (a path below a clean cwd: its tail, without path.relative's work)
  const below = isCleanRoot(cwd) ? cleanTail(cwd, abs) : null;
  if (below !== null) return below;
  const rel = path.relative(cwd, abs);
  return posix(rel === '' ? path.basename(abs) : rel);
}

/** The transforms a run with `options` chooses from: `options.transforms`, or the registry. */
export function transformsFor(options: OptimizeOptions): readonly Transform[] {
  return options.transforms ?? registry;
}

/** Build the transform filter from only/skip lists; an id that names no rule (see
 * model/rules.ts) is a usage error with a did-you-mean. */
export function selectTransforms(all: readonly Transform[], only?: string[], skip?: string[]) {
  for (const id of [...(only ?? []), ...(skip ?? [])]) {
    const problem = ruleIdProblem(all, id);
    if (problem) throw new UsageError(problem);
  }
  const matches = (list: string[], ruleId: string) =>
    list.some((id) => id === ruleId || id === transformIdOf(ruleId));
  const ruleFilter = (ruleId: string) =>
    (!only?.length || matches(only, ruleId)) && !(skip?.length && matches(skip, ruleId));
  const selected = all.filter((t) => {
    if (only?.length && !only.some((id) => transformIdOf(id) === t.meta.id)) return false;
    if (skip?.includes(t.meta.id)) return false;
    return true;
  });
  return { selected, ruleFilter };
}

/** The run's context: `context` as a BuildContext, seeded (an OverlayContext) with the texts of
 * the ignore files read for it, then the pending edits (a pending text of an ignore file replaces
 * the one read, in its place: the order of one map of both, without making that map). */
function makeContext(
  context: OptimizeOptions['context'],
  dockerfileAbs: string | null,
  ignoreFiles: ReadonlyMap<string, ReadFile>,
  pending: ReadonlyMap<string, string> | undefined,
): { context: BuildContext; disk: DiskContext | null } {
  let base: BuildContext;
  if (context === null || context === undefined) base = new NoContext();
  else if (typeof context === 'string') {
    const root = isCleanRoot(context) ? context : path.resolve(context);
    // (a folder listed in this session is one: no stat)
    if (!listedInSession(root)) {
      let st: fs.Stats;
      try {
        st = fs.statSync(root);
      } catch {
        throw new UsageError(`build context ${context}: no such directory`);
      }
      if (!st.isDirectory()) throw new UsageError(`build context ${context}: not a directory`);
    }
    base = new DiskContext(root, dockerfileAbs ?? undefined);
  } else if (isBuildContext(context)) base = context;
  else base = new MemoryContext(context);
  const disk = base instanceof DiskContext ? base : null;
  if ((!ignoreFiles.size && !pending?.size) || !base.root) return { context: base, disk };
  const seeded = new OverlayContext(base);
  const root = base.root;
  // (a run over many files passes every pending edit to each: a clean path is placed by its
  // prefix, without path.relative's work; one not below the root is left out, as
  // path.relative's `..` leaves it out)
  const clean = isCleanRoot(root);
  const place = (abs: string, content: string) => {
    let rel: string;
    if (clean && abs !== root && isCleanRoot(abs)) {
      const tail = cleanTail(root, abs);
      if (tail === null) return;
      rel = tail;
    } else rel = path.relative(root, abs);
    if (!rel.startsWith('..') && !path.isAbsolute(rel)) seeded.overlay.set(posix(rel), content);
  };
  for (const [abs, read] of ignoreFiles)
    place(abs, pending?.has(abs) ? pending.get(abs)! : read.text);
  if (pending) for (const [abs, content] of pending) if (!ignoreFiles.has(abs)) place(abs, content);
  return { context: seeded, disk };
}

/** The ignore files of a run without a context folder: none (never written to). */
const NO_IGNORE_FILES: ReadonlyMap<string, ReadFile> = new Map();

function isBuildContext(x: unknown): x is BuildContext {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as BuildContext).readFile === 'function' &&
    'available' in x
  );
}

/**
 * The Dockerfiles and ignore files read in the current generation (context/cache.ts): within a
 * session the disk is one snapshot, so a file asked for again (a Dockerfile optimized over each
 * of its contexts and once without one, the `.dockerignore` of a context shared by several
 * Dockerfiles) is read and hashed once. The snapshot taken is the one the write path checks, so
 * a file changed since still refuses to be written. Errors are not kept (thrown again).
 */
function readDockerfileOnce(abs: string): ReadFile {
  const read = generationTable<string, ReadFile>('dockerfiles');
  let r = read.get(abs);
  if (!r) {
    diskCounters.fileLog?.push(abs);
    read.set(abs, (r = readDockerfile(abs)));
  }
  return r;
}

/** The text of Dockerfile `abs` as this session reads it (once: readDockerfileOnce), or null
 * when it cannot be read (the run over it then says why). */
export function sessionDockerfileText(abs: string): string | null {
  try {
    return readDockerfileOnce(abs).text;
  } catch {
    return null;
  }
}

/** The ignore files read in this generation (null: absent). */
const readIgnoreFiles = () => generationTable<string, ReadFile | null>('ignore files');

/** An ignore file's text, read once per generation; absent without looking when the listing
 * of its folder in this session lacks it (context/cache.ts listedAbsent: most contexts and
 * Dockerfiles have none). Given its folder and name (`abs` their join), an absence the listing
 * shows is answered from them, before the table and without recording it (most of the calls of
 * a declared session: no path flattened, hashed and kept per Dockerfile and context). */
function readIgnoreFileOnce(
  abs: string,
  shown: string | (() => string),
  dir?: string,
  name?: string,
): ReadFile | null {
  if (dir !== undefined && listedAbsentIn(dir, name!)) return null;
  const read = readIgnoreFiles();
  let r = read.get(abs);
  if (r === undefined) {
    const absent = listedAbsent(abs);
    if (!absent) diskCounters.fileLog?.push(abs);
    read.set(abs, (r = absent ? null : readIgnoreFile(abs, shown)));
  }
  return r;
}

/**
 * The findings of transform checks that never read the build context, shared between runs of
 * one Dockerfile with the same options over other contexts (builds.ts: each declared context,
 * and the run without one that tells which findings depend on it). A check is a function of the
 * model, the options, the path and what it reads through `ctx.buildContext` (Transform.check is
 * pure): a check that never read `buildContext` (not even `available`) returns the same findings
 * for the same Dockerfile text whatever the context, so a later run over another context (or
 * none) that meets that text again takes them instead of checking again. A check that read the
 * context is not kept: it runs again. A check that read it only through `contextAnswer`
 * (src/toolkit/context-answer.ts) and got the answer it gets without a context each time goes
 * the same way without a context: its findings are kept for the runs without one only. Use one
 * memo per Dockerfile path and options (`key` checks that: a run with other options or another
 * path neither takes nor adds).
 */
export class CheckMemo {
  private key: string | null = null;
  /** transform id -> Dockerfile text -> findings of a check that never read the context */
  private readonly found = new Map<string, Map<string, Finding[]>>();
  /** transform id -> Dockerfile text -> findings of a check that read the context only through
   * `contextAnswer` and got its `none` each time: the findings of a run without a context */
  private readonly foundNone = new Map<string, Map<string, Finding[]>>();
  /** The views of the engines' check contexts (one per run). */
  private readonly views = new WeakMap<CheckContext, MemoView>();
  /** The wrapped transforms, made once for all the runs that share the memo. */
  private readonly wrapped = new Map<Transform, Transform>();
  /** Checks answered from the memo (for tests). */
  hits = 0;

  /** `transforms`, each check taking and keeping findings here (through a view of the engine's
   * context that notes each read of `buildContext`). */
  wrap(transforms: readonly Transform[]): readonly Transform[] {
    return transforms.map((t) => {
      let w = this.wrapped.get(t);
      if (!w) this.wrapped.set(t, (w = this.wrapOne(t)));
      return w;
    });
  }

  private viewOf(ctx: CheckContext): MemoView {
    let v = this.views.get(ctx);
    if (v) return v;
    const key = `${ctx.path}\u0000${JSON.stringify(ctx.options)}`;
    this.key ??= key;
    this.views.set(ctx, (v = new MemoView(ctx, this.key === key)));
    return v;
  }

  private wrapOne(t: Transform): Transform {
    const id = t.meta.id;
    const table = (tables: Map<string, Map<string, Finding[]>>) => {
      let byText = tables.get(id);
      if (!byText) tables.set(id, (byText = new Map()));
      return byText;
    };
    return {
      meta: t.meta,
      reviewWithoutContext: t.reviewWithoutContext,
      check: (model: DockerfileModel, ctx: CheckContext): Finding[] => {
        const view = this.viewOf(ctx);
        const hit = view.mine
          ? (this.found.get(id)?.get(model.text) ??
            (view.has ? undefined : this.foundNone.get(id)?.get(model.text)))
          : undefined;
        if (hit) {
          this.hits++;
          return hit;
        }
        view.read = false;
        view.asked = false;
        view.depth = 0;
        const out = t.check(model, view);
        if (view.mine && !view.read)
          table(view.asked ? this.foundNone : this.found).set(model.text, out);
        return out;
      },
    };
  }
}

/** What the checks of a CheckMemo see of an engine's check context: the same, noting each read of
 * `buildContext` and judging the answers of `contextAnswer` (a class: its getter and method on
 * the prototype, not a property defined on a copy of the context per run). */
class MemoView implements CheckContext {
  readonly options: TransformOptions;
  readonly path: string;
  /** The run has a context (`available`). */
  readonly has: boolean;
  /** The check read the context (or got an answer other than none from it). */
  read = false;
  /** The check asked `contextAnswer`. */
  asked = false;
  /** `contextAnswer`s under way (what they read is judged by their answers). */
  depth = 0;

  constructor(
    private readonly inner: CheckContext,
    /** This memo's path and options (else it neither takes nor keeps). */
    readonly mine: boolean,
  ) {
    this.options = inner.options;
    this.path = inner.path;
    this.has = inner.buildContext.available;
  }

  get buildContext(): BuildContext {
    if (this.depth === 0) this.read = true;
    return this.inner.buildContext;
  }

  judged<A, B, C, T>(none: T, compute: (a: A, b: B, c: C) => T, a: A, b: B, c: C): T {
    this.asked = true;
    if (!this.has) return none;
    this.depth++;
    let out: T;
    try {
      out = compute(a, b, c);
    } finally {
      this.depth--;
    }
    if (out !== none) this.read = true;
    return out;
  }
}

/** Optimize a Dockerfile given as text. Resolves to the output, the diff and the fixes. */
export async function optimize(
  source: string,
  options: OptimizeOptions = {},
): Promise<OptimizeResult> {
  return optimizeWith(source, options, {});
}

/** How a run of `optimizeWith`/`optimizeFileWith` goes (internal: builds.ts). */
export interface RunHow {
  /** The checks go through it (see CheckMemo). */
  memo?: CheckMemo;
  /** Only what the run finds (output, fixes, skips): no file changes and no diff are made
   * (`files` empty, `changed` says whether the Dockerfile's text changed). */
  findingsOnly?: boolean;
}

/** `optimize`, run as `how` says. */
export function optimizeWith(
  source: string,
  options: OptimizeOptions,
  how: RunHow,
): Promise<OptimizeResult> {
  // One session: the context is read as one snapshot (context/cache.ts).
  return inSession(() => optimizeNow(source, options, how));
}

async function optimizeNow(
  source: string,
  options: OptimizeOptions,
  how: RunHow,
): Promise<OptimizeResult> {
  await initShellParser();
  const cwd = options.cwd ?? process.cwd();
  const shownPath = options.path ?? 'Dockerfile';
  const dockerfileAbs = options.path ? resolveIn(cwd, options.path) : null;
  const all = transformsFor(options);
  const { selected, ruleFilter } = selectTransforms(all, options.only, options.skip);
  // The ignore files Docker reads for this Dockerfile, read once and checked: an existing one
  // that cannot be read or decoded is an error, never "absent". The transforms see these texts
  // (a symbolic link is read through), and the write path compares against their snapshots.
  // (those found absent noted: the context is told below)
  const absent: string[] = [];
  const ignoreFiles =
    typeof options.context === 'string'
      ? readContextIgnoreFiles(
          resolveIn(cwd, options.context),
          dockerfileAbs,
          (abs) => showPath(displayPath(abs, cwd)),
          (abs, shown, dir, name) => {
            const r = readIgnoreFileOnce(abs, shown, dir, name);
            if (r === null) absent.push(abs);
            return r;
          },
        )
      : NO_IGNORE_FILES;
  const { context, disk } = makeContext(
    options.context,
    dockerfileAbs,
    ignoreFiles,
    options.pending,
  );
  // The ignore files just found absent are not looked for again (the transforms ask for them).
  if (disk && isCleanRoot(disk.root)) {
    // (the usual case: each absent one below the root, without path's work)
    for (const abs of absent) {
      const rel = cleanTail(disk.root, abs);
      if (rel !== null) disk.knownAbsent(rel);
    }
  } else if (disk)
    for (const rel of [
      disk.dockerfilePath && `${disk.dockerfilePath}.dockerignore`,
      '.dockerignore',
    ])
      if (rel && readIgnoreFiles().get(path.join(disk.root, rel)) === null) disk.knownAbsent(rel);
  const engine = runEngine({
    source,
    path: shownPath,
    transforms: how.memo ? how.memo.wrap(selected) : selected,
    context,
    options: { cacheMounts: options.cacheMounts, dockerignore: options.dockerignore },
    unsafe: options.unsafe ?? false,
    ruleFilter,
    ruleIdProblem: (id) => ruleIdProblem(all, id),
  });
  // (the engine's own list, made for this run: pushed to as it is)
  const { skipped } = engine;
  if (disk?.walkTruncatedAt) {
    skipped.push({
      ruleId: 'context/scan-limit',
      transform: 'context',
      reason:
        `the build context holds more than ${disk.walkTruncatedAt.toLocaleString('en-US')} ` +
        'entries: the scan stopped there, files past that point were not checked ' +
        '(secrets, .dockerignore completeness, COPY sources)',
      line: 1,
    });
  }
  if (how.findingsOnly)
    return {
      output: engine.output,
      diff: '',
      fixes: engine.fixes,
      skipped,
      suppressed: engine.suppressed,
      files: [],
      changed: engine.output !== source,
    };
  const dockerfileDisplay = dockerfileAbs ? displayPath(dockerfileAbs, cwd) : posix(shownPath);
  const files: FileChange[] = [];
  if (engine.output !== source) {
    files.push({
      path: dockerfileDisplay,
      absolutePath: dockerfileAbs,
      before: source,
      after: engine.output,
    });
  }
  for (const [rel, after] of engine.otherFiles) {
    const abs = context.root ? path.join(context.root, ...rel.split('/')) : null;
    const display = abs ? displayPath(abs, cwd) : rel;
    const read = abs ? (ignoreFiles.get(abs) ?? readIgnoreFileOnce(abs, showPath(display))) : null;
    const before = abs ? (read?.text ?? null) : context.readFile(rel);
    if (after !== before)
      files.push({
        path: display,
        absolutePath: abs,
        before,
        after,
        ...(read ? { snapshot: read.snapshot } : {}),
      });
  }
  return {
    output: engine.output,
    diff: unifiedDiff(files),
    fixes: engine.fixes,
    skipped,
    suppressed: engine.suppressed,
    files,
    changed: files.length > 0,
  };
}

/** Read a Dockerfile from disk (bad input throws an InputError) and optimize it. The build
 * context defaults to the Dockerfile's directory. */
export function optimizeFile(file: string, options: OptimizeOptions = {}): Promise<OptimizeResult> {
  return optimizeFileWith(file, options, {});
}

/** `optimizeFile`, run as `how` says. */
export async function optimizeFileWith(
  file: string,
  options: OptimizeOptions,
  how: RunHow,
): Promise<OptimizeResult> {
  const cwd = options.cwd ?? process.cwd();
  const abs = resolveIn(cwd, file);
  const { text, snapshot } = readDockerfileOnce(abs);
  const context = options.context === undefined ? path.dirname(abs) : options.context;
  const result = await optimizeWith(text, withProps(options, { path: abs, context, cwd }), how);
  for (const f of result.files) if (f.absolutePath === abs) f.snapshot = snapshot;
  return result;
}

/**
 * Write every changed file of a result as one unit (src/io/write.ts): all files or none, each
 * atomically (temp file + rename; mode, owner and group kept), a symbolic link written through
 * to its target inside the repository, a read-only or since-changed file refused with a
 * WriteError naming it. Returns the paths written (a link's target).
 */
export function applyResult(
  result: Pick<OptimizeResult, 'files'>,
  options: { cwd?: string } = {},
): string[] {
  for (const f of result.files)
    if (!f.absolutePath) throw new InputError(`${f.path}: no path on disk to write to`);
  return writeUnit(result.files, { cwd: options.cwd ?? process.cwd() });
}

/** Optimize many Dockerfiles in one session: each build context is listed and each file read
 * once for all of them (a snapshot of the disk for the call), each Dockerfile parsed once for
 * what the others copy, and the edits of a shared file (one `.dockerignore` for several
 * Dockerfiles) build on each other: a later result's change of that file holds the earlier
 * ones (so applying the results in order, or only the last change of each file, is right).
 * Resolves to one result per file, in order; a file that fails rejects the whole call. */
export async function optimizeFiles(
  files: readonly string[],
  options: OptimizeOptions = {},
): Promise<OptimizeResult[]> {
  return inSession(
    async () => {
      const pending = new Map(options.pending ?? []);
      const results: OptimizeResult[] = [];
      for (const file of files) {
        const result = await optimizeFile(file, withProps(options, { pending }));
        const self = path.resolve(options.cwd ?? process.cwd(), file);
        for (const change of result.files)
          if (change.absolutePath && change.absolutePath !== self)
            pending.set(change.absolutePath, change.after);
        results.push(result);
      }
      return results;
    },
    { many: true },
  );
}

/** Run `fn` (which calls optimize/optimizeFile many times) as one session, as optimizeFiles
 * does: the disk is read as one snapshot and each file once. */
export function withOptimizeSession<T>(fn: () => Promise<T>): Promise<T> {
  return inSession(fn, { many: true });
}

/** Drop the process-wide caches of context files, folder listings, git indexes and parsed
 * Dockerfiles. They are checked against size and mtime on each call anyway; clear them to
 * free the memory or after changing files within the same millisecond. */
export function clearCaches(): void {
  clearContextCaches();
  clearParsedModels();
}
