/**
 * Optimize a Dockerfile over the build contexts its project declares (compose, bake, skaffold,
 * devcontainer, workflows: src/context/builds). Used by the CLI (`fix`, `explain`, `verify`) and
 * the API; `optimizeFile` with an explicit `context` is the same thing for one context.
 *
 * - No declaration, or an explicit `context` (`--context`): `optimizeFile` as it is.
 * - One declared context: `optimizeFile` over it; every fix and skip of a context-dependent
 *   transform says where the context came from (`context . from compose.yaml service web`).
 * - Several contexts: the Dockerfile is optimized over each; a rule whose fixes differ between
 *   them (applied over one, not over another, or with other edits) is turned off for all and
 *   reported as skipped, naming the contexts; this repeats until every context gives the same
 *   Dockerfile. Each context keeps its own `.dockerignore` edits.
 * - The ignore file is the one the builder reads (`ignoreFileFor`): `<Dockerfile>.dockerignore`
 *   when it exists, even outside the context (then the dockerignore transform, which edits files
 *   of the context, is skipped with a reason), else the context root's; `ignoreBeside` moves a
 *   new root `.dockerignore` to `<Dockerfile>.dockerignore` when Dockerfiles sharing the context
 *   need different entries (see `sharedIgnorePlan`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CheckMemo,
  displayPath,
  type RunHow,
  optimizeFile,
  optimizeFileWith,
  optimizeWith,
  resolveIn,
  sessionDockerfileText,
  transformsFor,
  withOptimizeSession,
  withProps,
  type OptimizeOptions,
  type OptimizeResult,
} from './api.js';
import {
  buildsFor,
  contextsOf,
  describeContext,
  findBuilds,
  ignoreFileFor,
  type BuildDecl,
  type BuildSet,
} from './context/builds/index.js';
import { forgetSessionContext, pathExists } from './context/cache.js';
import { unifiedDiff, type FileChange } from './engine/diff.js';
import type { FixReport, SkipReport } from './engine/loop.js';
import { dropParsedModels } from './model/dockerfile.js';
import { BOM } from './model/text.js';

export {
  findBuilds,
  buildsFor,
  contextsOf,
  describeContext,
  describeSource,
  ignoreFileFor,
} from './context/builds/index.js';
export type { BuildDecl, BuildSet, BuildWarning, BuildSource } from './context/builds/index.js';

/** Transforms whose findings depend on the build context (the first to drop when the
 * contexts of one Dockerfile disagree). */
export const CONTEXT_TRANSFORMS = new Set(['dependency-cache', 'dockerignore', 'multistage']);

/** Which findings depend on the context: those of the transforms that read it, and any other
 * that the same run without a context does not report word for word (e.g.
 * `package-hygiene/npm-ci`, which needs the lockfile, next to apt fixes that never look at it). */
interface Dependent {
  fix: (f: FixReport) => boolean;
  skip: (s: SkipReport) => boolean;
}

/** `optimizeFile`, or `optimize` of `options.text` (an editor's unsaved text) as that file;
 * run as `how` says (a memo: one per Dockerfile, see CheckMemo). */
function optimizeOne(
  file: string,
  options: DeclaredOptions,
  how: RunHow = {},
): Promise<OptimizeResult> {
  // (`text` and `ignoreBeside` go along unread: no copy without them, see withProps)
  const { text } = options;
  if (text === undefined) return optimizeFileWith(file, options, how);
  const cwd = options.cwd ?? process.cwd();
  const abs = path.resolve(cwd, file);
  const context = options.context === undefined ? path.dirname(abs) : options.context;
  return optimizeWith(text, withProps(options, { path: abs, context, cwd }), how);
}

const ALL_DEPENDENT: Dependent = { fix: () => true, skip: () => true };

/** `contextDependence`, or nothing to compare when every finding of `runs` comes from a
 * transform that reads the context (those are annotated anyway): no run without a context.
 * `memo` holds the checks of `runs` that did not read the context: the run without one takes
 * them instead of checking again (the same findings, see CheckMemo). */
function dependenceFor(
  file: string,
  options: DeclaredOptions,
  runs: readonly OptimizeResult[],
  memo: CheckMemo,
): Promise<Dependent> {
  const other = (t: string) => !CONTEXT_TRANSFORMS.has(t);
  if (
    !runs.some(
      (r) => r.fixes.some((f) => other(f.transform)) || r.skipped.some((x) => other(x.transform)),
    )
  )
    return Promise.resolve(ALL_DEPENDENT);
  return contextDependence(file, options, memo);
}

async function contextDependence(
  file: string,
  options: DeclaredOptions,
  memo: CheckMemo,
): Promise<Dependent> {
  let base: OptimizeResult;
  try {
    // Only its findings are compared: no diff is made. Without `--unsafe`, a transform of
    // CONTEXT_TRANSFORMS whose fixes are all review without a context applies none here, so the
    // text and the other transforms' findings are the same without it, and its own findings are
    // annotated whatever this run says: it is left out.
    const skip = options.unsafe ? options.skip : reviewOnlySkip(options);
    base = await optimizeOne(
      file,
      withProps(options, { context: null, pending: undefined, skip }),
      { memo, findingsOnly: true },
    );
  } catch {
    return ALL_DEPENDENT;
  }
  const fixes = new Set(base.fixes.map((f) => `${f.ruleId}|${f.line}|${f.message}`));
  const skips = new Set(base.skipped.map((s) => `${s.ruleId}|${s.line}|${s.reason}`));
  return {
    fix: (f) =>
      CONTEXT_TRANSFORMS.has(f.transform) || !fixes.has(`${f.ruleId}|${f.line}|${f.message}`),
    skip: (s) =>
      CONTEXT_TRANSFORMS.has(s.transform) || !skips.has(`${s.ruleId}|${s.line}|${s.reason}`),
  };
}

/** `options.skip` with the transforms of CONTEXT_TRANSFORMS (among those run) that declare
 * `reviewWithoutContext`. */
function reviewOnlySkip(options: DeclaredOptions): string[] | undefined {
  const skip = options.skip ?? [];
  const more = transformsFor(options)
    .filter(
      (t) =>
        t.reviewWithoutContext && CONTEXT_TRANSFORMS.has(t.meta.id) && !skip.includes(t.meta.id),
    )
    .map((t) => t.meta.id);
  return more.length ? [...skip, ...more] : options.skip;
}

export interface DeclaredOptions extends OptimizeOptions {
  /** Write the ignore file as `<Dockerfile>.dockerignore` instead of the context root's (the
   * reason, shown in the fix message). */
  ignoreBeside?: string;
  /** The Dockerfile's text when it is not the file on disk (the language server's editor
   * buffer); default: read the file. */
  text?: string;
}

export interface DeclaredResult extends OptimizeResult {
  /** The build contexts used (absolute; empty: none). */
  contexts: string[];
  /** Where the context came from (`context . from compose.yaml service web`); null when it is
   * the default or `--context`. */
  origin: string | null;
}

function withOrigin(text: string, origin: string): string {
  // (a final full stop moves after the origin)
  return text.endsWith('.') ? `${text.slice(0, -1)} (${origin}).` : `${text} (${origin})`;
}

function annotate(r: OptimizeResult, origin: string, dep: Dependent): void {
  for (const f of r.fixes) if (dep.fix(f)) f.message = withOrigin(f.message, origin);
  for (const s of r.skipped) if (dep.skip(s)) s.reason = withOrigin(s.reason, origin);
}

/** `r` (a result of this module's own run, held by nothing else) as a DeclaredResult: the two
 * fields added to it in place (the same object a `{ ...r, contexts, origin }` copy would be,
 * without the copy, see withProps). */
function declaredResult(
  r: OptimizeResult,
  contexts: string[],
  origin: string | null,
): DeclaredResult {
  const out = r as DeclaredResult;
  out.contexts = contexts;
  out.origin = origin;
  return out;
}

/** Optimize `file` as its builds declare (see the module comment). */
export async function optimizeDeclared(
  file: string,
  builds: readonly BuildDecl[],
  options: DeclaredOptions = {},
): Promise<DeclaredResult> {
  const cwd = options.cwd ?? process.cwd();
  const abs = resolveIn(cwd, file);
  if (options.context !== undefined || builds.length === 0) {
    const r = await optimizeOne(file, options);
    // (the Dockerfile's folder is absolute and normalised already: resolved as it is)
    const ctx = options.context === undefined ? path.dirname(abs) : options.context;
    return declaredResult(
      r,
      typeof ctx !== 'string'
        ? []
        : options.context === undefined
          ? [ctx]
          : [path.resolve(cwd, ctx)],
      null,
    );
  }
  const contexts = contextsOf([...builds]);
  const origins = contexts.map((c) => describeContext(c, cwd));
  const skip = [...(options.skip ?? [])];
  const extraSkips: SkipReport[] = [];
  // The ignore file beside the Dockerfile wins, also outside the context: not ours to edit there.
  const ignore = ignoreFileFor(abs, contexts[0]!.dir);
  if (!ignore.inContext && !skip.includes('dockerignore')) {
    skip.push('dockerignore');
    extraSkips.push({
      ruleId: 'dockerignore/create',
      transform: 'dockerignore',
      reason: `the builder reads ${displayPath(ignore.path, cwd)} (beside the Dockerfile, outside the ${origins.join(' and ')}), which this tool does not edit`,
      line: 1,
    });
  }
  const memo = new CheckMemo();
  const run = (dir: string) =>
    optimizeOne(file, withProps(options, { context: dir, skip: skip.length ? skip : undefined }), {
      memo,
    });

  const depOptions = withProps(options, { skip: skip.length ? skip : undefined });
  if (contexts.length === 1) {
    const r = await run(contexts[0]!.dir);
    annotate(r, origins[0]!, await dependenceFor(file, depOptions, [r], memo));
    r.skipped.push(...extraSkips);
    if (options.ignoreBeside) moveIgnore(r, abs, contexts[0]!.dir, options.ignoreBeside, cwd);
    return declaredResult(r, [contexts[0]!.dir], origins[0]!);
  }

  // Several contexts: keep only what is right for every one of them.
  let runs: OptimizeResult[] = [];
  for (let round = 0; round < 5; round++) {
    runs = [];
    for (const c of contexts) runs.push(await run(c.dir));
    const conflicts = conflictingRules(runs);
    const outputsAgree = runs.every((r) => r.output === runs[0]!.output);
    if (outputsAgree && conflicts.size === 0) break;
    const applied = runs.map((r) => new Set(r.fixes.filter((f) => f.applied).map((f) => f.ruleId)));
    const union = new Set(applied.flatMap((s) => [...s]));
    let differ = [...union].filter((id) => !applied.every((s) => s.has(id)));
    differ.push(...conflicts);
    if (differ.length === 0) {
      // The same rules with other edits: the context-dependent ones go, then all of them.
      differ = [...union].filter((id) => CONTEXT_TRANSFORMS.has(id.split('/')[0]!));
      if (differ.length === 0 || round >= 3) differ = [...union];
    }
    for (const id of new Set(differ)) {
      skip.push(id);
      const where = runs
        .map((r, i) => ({ i, fix: r.fixes.find((f) => f.ruleId === id && f.applied) }))
        .filter((x) => x.fix);
      const yes = where.map((x) => origins[x.i]!);
      const no = origins.filter((_, i) => !where.some((x) => x.i === i));
      extraSkips.push({
        ruleId: id,
        transform: id.split('/')[0]!,
        line: where[0]?.fix?.line ?? 1,
        reason: no.length
          ? `right for the ${yes.join(' and ')}, not for the ${no.join(' and ')}: one Dockerfile built with several contexts gets only the fixes right for all of them`
          : `its edits differ between the ${yes.join(' and ')}: one Dockerfile built with several contexts gets only the fixes right for all of them`,
      });
    }
  }
  return merge(
    runs,
    origins,
    extraSkips,
    contexts.map((c) => c.dir),
    await dependenceFor(file, depOptions, runs, memo),
  );
}

/** Rules whose edits to one file (the same absolute path) differ between the runs. */
function conflictingRules(runs: OptimizeResult[]): Set<string> {
  const out = new Set<string>();
  const seen = new Map<string, string>();
  for (const r of runs) {
    for (const f of r.files) {
      if (!f.absolutePath) continue;
      const prior = seen.get(f.absolutePath);
      if (prior !== undefined && prior !== f.after) {
        const rel = (p: string) => p.split(path.sep).join('/');
        for (const x of runs)
          for (const fix of x.fixes)
            if (fix.files.some((p) => rel(f.absolutePath!).endsWith(`/${p}`))) out.add(fix.ruleId);
      }
      seen.set(f.absolutePath, f.after);
    }
  }
  return out;
}

function merge(
  runs: OptimizeResult[],
  origins: string[],
  extraSkips: SkipReport[],
  contexts: string[],
  dep: Dependent,
): DeclaredResult {
  const first = runs[0]!;
  const files = new Map<string, FileChange>();
  const fixes: FixReport[] = [];
  const skipped: SkipReport[] = [];
  const seenFix = new Set<string>();
  const seenSkip = new Set<string>();
  const all = `contexts ${origins.map((o) => o.replace(/^context /, '')).join(' and ')}`;
  runs.forEach((r, i) => {
    for (const f of r.files) files.set(f.absolutePath ?? f.path, f);
    for (const f of r.fixes) {
      const local = f.files.length > 0;
      const key = `${f.ruleId}:${f.line}:${local ? i : ''}`;
      if (seenFix.has(key)) continue;
      seenFix.add(key);
      const origin = local ? origins[i]! : all;
      fixes.push(dep.fix(f) ? withProps(f, { message: withOrigin(f.message, origin) }) : f);
    }
    for (const s of r.skipped) {
      const key = `${s.ruleId}:${s.line}:${s.reason}`;
      if (seenSkip.has(key)) continue;
      seenSkip.add(key);
      skipped.push(dep.skip(s) ? withProps(s, { reason: withOrigin(s.reason, origins[i]!) }) : s);
    }
  });
  skipped.push(...extraSkips);
  const changes = [...files.values()];
  return {
    ...first,
    fixes: fixes.sort((a, b) => a.line - b.line),
    skipped: skipped.sort((a, b) => a.line - b.line),
    files: changes,
    diff: unifiedDiff(changes),
    changed: changes.length > 0,
    contexts,
    origin: all.replace(/^contexts/, 'contexts'),
  };
}

/** Move a change of `<context>/.dockerignore` to `<Dockerfile>.dockerignore` (a new file with
 * the root file's lines and the additions: the builder then reads it instead). */
function moveIgnore(
  r: OptimizeResult,
  dockerfile: string,
  context: string,
  why: string,
  cwd: string,
): void {
  const root = path.join(context, '.dockerignore');
  const change = r.files.find((f) => f.absolutePath === root);
  if (!change) return;
  const beside = `${dockerfile}.dockerignore`;
  change.absolutePath = beside;
  change.path = displayPath(beside, cwd);
  change.before = fs.existsSync(beside) ? fs.readFileSync(beside, 'utf8') : null;
  for (const f of r.fixes) {
    if (f.transform !== 'dockerignore') continue;
    f.files = [path.basename(beside)];
    f.message = `${f.message} Written to ${change.path}: ${why}.`;
  }
  r.diff = unifiedDiff(r.files);
}

/**
 * Dockerfiles that share one declared context but need different ignore entries get their own
 * `<Dockerfile>.dockerignore`: for each context with several Dockerfiles, no `.dockerignore` yet
 * (an existing one is shared on purpose: it is completed in place) and none with an ignore file
 * of its own, the dockerignore transform runs for each; when their proposals for the root
 * `.dockerignore` differ, each Dockerfile with a proposal gets the reason to write it beside
 * itself. Returns Dockerfile (absolute) -> reason.
 */
export async function sharedIgnorePlan(
  dockerfiles: { file: string; builds: readonly BuildDecl[] }[],
  options: OptimizeOptions,
): Promise<Map<string, string>> {
  const plan = new Map<string, string>();
  const byContext = new Map<string, string[]>();
  for (const d of dockerfiles) {
    const ctxs = contextsOf([...d.builds]);
    if (ctxs.length !== 1) continue;
    const abs = path.resolve(d.file);
    byContext.set(ctxs[0]!.dir, [...(byContext.get(ctxs[0]!.dir) ?? []), abs]);
  }
  const cwd = options.cwd ?? process.cwd();
  for (const [ctx, all] of byContext) {
    // (the file system is asked only for contexts with several Dockerfiles)
    if (all.length < 2) continue;
    // A context with a .dockerignore already shares it on purpose: it is completed in place.
    if (pathExists(path.join(ctx, '.dockerignore'))) continue;
    const files = all.filter((abs) => !pathExists(`${abs}.dockerignore`));
    if (files.length < 2) continue;
    const proposals = new Map<string, string | null>();
    for (const f of files) {
      try {
        const r = await optimizeFile(
          f,
          withProps(options, {
            only: ['dockerignore'],
            skip: undefined,
            context: ctx,
            pending: undefined,
          }),
        );
        proposals.set(
          f,
          r.files.find((c) => c.absolutePath === path.join(ctx, '.dockerignore'))?.after ?? null,
        );
      } catch {
        proposals.set(f, null);
      }
    }
    const distinct = new Set([...proposals.values()].filter((v) => v !== null));
    if (distinct.size < 2) continue;
    for (const [f, p] of proposals) {
      if (p === null) continue;
      const others = files
        .filter((x) => x !== f && proposals.get(x) !== p)
        .map((x) => displayPath(x, cwd));
      plan.set(
        f,
        `the Dockerfiles sharing context ${rel(ctx, cwd)} need different entries (${others.join(', ')} ${others.length === 1 ? 'needs' : 'need'} other ones), and BuildKit reads <Dockerfile>.dockerignore before the context's .dockerignore`,
      );
    }
  }
  return plan;
}

export interface DeclaredFilesOptions extends OptimizeOptions {
  /** The build definitions to use (e.g. `findBuilds(['.'], repoRoot)`, as `fix` run from that
   * folder finds them); default: `findBuilds(files, cwd, process.env)`. */
  builds?: BuildSet;
}

/** The contexts of the files of a run over many Dockerfiles, and how many of the files still to
 * come run over each: once the last is done, what the session keeps of a context goes
 * (forgetSessionContext: it dies young instead of being promoted). */
class ContextsLeft {
  private readonly left = new Map<string, number>();

  /** The context folders of Dockerfile `abs` with these builds (its own folder when none), each
   * counted once more. */
  add(abs: string, builds: readonly BuildDecl[]): string[] {
    const roots = builds.length ? contextsOf([...builds]).map((c) => c.dir) : [path.dirname(abs)];
    for (const c of roots) this.left.set(c, (this.left.get(c) ?? 0) + 1);
    return roots;
  }

  /** A file over `roots` is done: each counted once less, forgotten at none left. */
  done(roots: readonly string[]): void {
    for (const c of roots) {
      const n = this.left.get(c)! - 1;
      this.left.set(c, n);
      if (n === 0) forgetSessionContext(c);
    }
  }
}

/**
 * Optimize many Dockerfiles over their declared contexts in one session, as `fix` does: the
 * build definitions are read once, Dockerfiles sharing a context that need different ignore
 * entries get `<Dockerfile>.dockerignore` (`sharedIgnorePlan`), each file is `optimizeDeclared`
 * (a Dockerfile no file declares keeps its own folder, an explicit `context` overrides all), and
 * the edits of a shared file (one `.dockerignore`) build on each other as in `optimizeFiles`.
 * Resolves to one result per file, in order; a file that fails rejects the whole call.
 */
export function optimizeDeclaredFiles(
  files: readonly string[],
  options: DeclaredFilesOptions = {},
): Promise<DeclaredResult[]> {
  return withOptimizeSession(async () => {
    // (`builds` goes along unread: a copy without it is a slow object, see withProps)
    const given = options.builds;
    const rest: OptimizeOptions = options;
    const cwd = rest.cwd ?? process.cwd();
    const abs = files.map((f) => path.resolve(cwd, f));
    const set = rest.context !== undefined ? null : (given ?? (await findBuilds(abs, cwd)));
    // (each file's builds looked up once)
    const builds = abs.map((f) => buildsFor(set, f));
    const plan = set?.builds.length
      ? await sharedIgnorePlan(
          abs.map((f, i) => ({ file: f, builds: builds[i]! })),
          withProps(rest, { pending: undefined }),
        )
      : new Map<string, string>();
    const pending = new Map(rest.pending ?? []);
    const results: DeclaredResult[] = [];
    // The texts of the files still to come (a text shared by several files counts once for each
    // of them): when a file is done, the parsed models of any other text go (dropParsedModels),
    // except those its runs reached while a file of the same text is still to come (the same
    // fixes reach the same texts again): each is kept for that text (`heldFor`).
    const textOf = (f: string) => {
      const t = sessionDockerfileText(f);
      return t !== null && t.startsWith(BOM) ? t.slice(1) : t;
    };
    // (a text done with stays in `ahead` with a count of 0: a delete would shrink the table, a
    // new one each time, kept for the call; each file's text taken once, then from `texts`)
    const texts = abs.map(textOf);
    const ahead = new Map<string, number>();
    for (const t of texts) if (t !== null) ahead.set(t, (ahead.get(t) ?? 0) + 1);
    const isAhead = (text: string) => (ahead.get(text) ?? 0) > 0;
    const heldFor = new Map<string, string>();
    const wanted = (text: string) => {
      const by = heldFor.get(text);
      return isAhead(text) || (by !== undefined && isAhead(by));
    };
    // The contexts still to come: when a file is done, what the session keeps of a context no
    // later file uses goes. (an explicit context is everyone's: kept)
    const contexts = new ContextsLeft();
    const roots =
      rest.context === undefined ? abs.map((f, i) => contexts.add(f, builds[i]!)) : null;
    for (const [i, f] of abs.entries()) {
      const r = await optimizeDeclared(
        f,
        builds[i]!,
        withProps(rest, { pending, ignoreBeside: plan.get(f) }),
      );
      for (const change of r.files)
        if (change.absolutePath && change.absolutePath !== f)
          pending.set(change.absolutePath, change.after);
      results.push(r);
      if (roots) contexts.done(roots[i]!);
      const t = texts[i]!;
      if (t === null) continue;
      const left = ahead.get(t)! - 1;
      ahead.set(t, left);
      dropParsedModels((text) => {
        if (left > 0 && !wanted(text)) heldFor.set(text, t);
        if (wanted(text)) return true;
        heldFor.delete(text);
        return false;
      });
    }
    return results;
  });
}

/** What explain and verify build: the declared context, target and args of the first build,
 * each overridden by the command line. */
export function declaredSettings(
  file: string,
  builds: readonly BuildDecl[],
  cli: { context?: string; target?: string; buildArg?: string[] },
  cwd: string,
): {
  context: string;
  target: string | undefined;
  buildArg: string[];
  origin: string | null;
  others: number;
} {
  const abs = path.resolve(cwd, file);
  const b = builds[0];
  const context = cli.context ? path.resolve(cwd, cli.context) : (b?.context ?? path.dirname(abs));
  const target = cli.target ?? b?.target ?? undefined;
  // Declared args, each overridden by a --build-arg of the same name.
  const given = new Set((cli.buildArg ?? []).map((kv) => kv.split('=')[0]!));
  const buildArg = [
    ...Object.entries(b?.args ?? {})
      .filter(([k]) => !given.has(k))
      .map(([k, v]) => `${k}=${v}`),
    ...(cli.buildArg ?? []),
  ];
  const origin = b && !cli.context ? describeContext({ dir: b.context, builds: [b] }, cwd) : null;
  return { context, target, buildArg, origin, others: Math.max(0, builds.length - 1) };
}

interface BuildsIO {
  stderr: (s: string) => void;
  cwd: string;
  env: Record<string, string | undefined>;
}

const PROG = 'dockerfile-optimizer';

function rel(abs: string, cwd: string): string {
  const r = path.relative(cwd, abs).split(path.sep).join('/');
  return r === '' ? '.' : r;
}

/** `compose.yaml:12: not valid YAML: ...` lines for the warnings of a build set. */
export function warningLines(set: BuildSet, cwd: string): string[] {
  return set.warnings.map(
    (w) =>
      `${PROG}: warning: ${rel(w.file, cwd)}${w.line ? `:${w.line}` : ''}: ${w.message}; the Dockerfiles it describes keep the default context`,
  );
}

/** The build definitions of a run, with the per-Dockerfile calls the commands make. */
export class Declared {
  private constructor(
    readonly set: BuildSet | null,
    private readonly cwd: string,
    private ignorePlan = new Map<string, string>(),
  ) {}

  /** Load the build definitions for `paths` (none when `--context` is given: it overrides
   * them); warnings go to stderr. */
  static async load(
    paths: string[],
    io: BuildsIO,
    options: { context?: string; quiet?: boolean } = {},
  ): Promise<Declared> {
    if (options.context) return new Declared(null, io.cwd);
    const set = await findBuilds(paths, io.cwd, io.env);
    for (const l of warningLines(set, io.cwd)) io.stderr(l + '\n');
    return new Declared(set, io.cwd);
  }

  builds(file: string): BuildDecl[] {
    return buildsFor(this.set, path.resolve(this.cwd, file));
  }

  /** The contexts each file of the run (planIgnores) runs over: `optimize` forgets what the
   * session keeps of a context once its last file is done (as optimizeDeclaredFiles does). */
  private readonly rootsOf = new Map<string, string[]>();
  private readonly contextsLeft = new ContextsLeft();

  /** Plan `<Dockerfile>.dockerignore` files for Dockerfiles sharing a context (fix only). */
  async planIgnores(files: string[], options: DeclaredOptions): Promise<void> {
    // (no contexts counted under --context: one for all, kept)
    if (this.set)
      for (const f of files) {
        const abs = path.resolve(this.cwd, f);
        this.rootsOf.set(abs, this.contextsLeft.add(abs, buildsFor(this.set, abs)));
      }
    if (!this.set?.builds.length) return;
    this.ignorePlan = await sharedIgnorePlan(
      files.map((f) => ({ file: f, builds: this.builds(f) })),
      options,
    );
  }

  async optimize(file: string, options: DeclaredOptions): Promise<DeclaredResult> {
    const abs = path.resolve(this.cwd, file);
    const r = await optimizeDeclared(
      file,
      this.builds(file),
      withProps(options, { ignoreBeside: this.ignorePlan.get(abs) }),
    );
    const roots = this.rootsOf.get(abs);
    if (options.context === undefined && roots) this.contextsLeft.done(roots);
    return r;
  }

  settings(file: string, cli: { context?: string; target?: string; buildArg?: string[] }) {
    return declaredSettings(file, this.builds(file), cli, this.cwd);
  }
}
