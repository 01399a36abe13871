/**
 * The analysis every `dockerignore` rule shares: walk the context (never into folders already
 * ignored or about to be ignored wholesale), collect what this Dockerfile and every other one in
 * the context takes by name, propose candidates and re-include what a pattern would hide. The
 * rules then turn `chosen` into fixes. See docs/rules/dockerignore.md ("Fix safety").
 */
import { parseDockerfile } from '../../src/model/dockerfile.js';
import { derivedFromText } from '../../src/context/derived.js';
import { cleanRelative } from '../../src/context/context.js';
import { globToRegExp, hasGlob } from '../../src/toolkit/copy.js';
import { loadIgnore, matcher } from '../../src/context/ignore.js';
import { detectEol } from '../../src/model/text.js';
import type {
  BuildContext,
  CheckContext,
  ContextEntry,
  DockerfileModel,
  Finding,
  Skipped,
} from '../../src/model/types.js';
import { clutterCandidates, dropTracked, gitReader, isJunk, mayProposeClutter } from './clutter.js';
import { keptFolderMatcher, sharedBulkMatcher } from './ignore-file.js';
import { memoCounters } from './memo.js';
import {
  anchored,
  basename,
  Entries,
  under,
  type Analysis,
  type Candidate,
  type Proposed,
  type Source,
  type Usage,
} from './model.js';
import { copiedSecret, secretCandidates } from './secrets.js';
import { isDockerfileName, runStepsOf, usageOf } from './usage.js';

const USAGE = 'dockerignore/usage';

/** What another Dockerfile of the context copies (null: it does not parse), once per text. */
function otherUsage(text: string): Usage | null {
  return derivedFromText(USAGE, text, () => {
    try {
      return usageOf(parseDockerfile(text));
    } catch {
      return null;
    }
  });
}

interface WalkIndex {
  /** The entries of the walk, indexed (what the current ignore file lets through: `visible`). */
  index: Entries;
  /** The folders the walk did not enter because they are excluded or kept as a whole: made
   * when first asked (by the size note of a fix, ignore-file.ts). */
  junkRoots: string[] | null;
  junk: (d: ContextEntry) => boolean;
  /** The files with a Dockerfile's name, made when first asked. */
  dockerfiles: ContextEntry[] | null;
  /** The entries below a folder, in walk order, by folder (see `below`; null: none asked). */
  below: Map<string, ContextEntry[]> | null;
}
const walkIndexes = new WeakMap<readonly ContextEntry[], WalkIndex>();

/** What the analysis derives from a walk and the ignore file it was walked with (the walk's
 * session key holds the ignore patterns): once per walk, shared by the Dockerfiles of a
 * context. Read-only. */
function indexOf(
  entries: readonly ContextEntry[],
  oldIgnored: (p: string, isDir: boolean) => boolean,
  bc: BuildContext,
  oldHasNeg: boolean,
): WalkIndex {
  let w = walkIndexes.get(entries);
  if (!w) {
    const index = new Entries(entries, oldIgnored);
    const junk = junkTest(bc, oldIgnored, oldHasNeg);
    w = { index, junkRoots: null, junk, dockerfiles: null, below: null };
    walkIndexes.set(entries, w);
  }
  return w;
}

/** What counts as a junk root of a walk. Made here, not in `analyse`: the walk's index keeps it
 * for the session, and a closure made in `analyse` would keep that scope's model alive with it
 * (V8 closures of one scope share its variables), so every Dockerfile's model would outlive its
 * run and be promoted to the old generation (in jessfraz/dockerfiles, one model per folder). */
function junkTest(
  bc: BuildContext,
  oldIgnored: (p: string, isDir: boolean) => boolean,
  oldHasNeg: boolean,
): (d: ContextEntry) => boolean {
  return (d) => isJunk(d, bc) && !(!oldHasNeg && oldIgnored(d.path, true));
}

/** The junk roots of a walk (see WalkIndex), made once. */
function junkRootsOf(w: WalkIndex): string[] {
  if (w.junkRoots === null) {
    memoCounters.junkRoots++;
    w.junkRoots = w.index.dirs.filter(w.junk).map((d) => d.path);
  }
  return w.junkRoots;
}

/** The files of a walk with a Dockerfile's name, in walk order (a name is tested only when its
 * first or last character allows one: see isDockerfileName). */
function dockerfilesOf(index: Entries): ContextEntry[] {
  const { all, names } = index;
  const out: ContextEntry[] = [];
  for (let i = 0; i < all.length; i++) {
    const n = names[i] as string | null;
    if (n === null) continue;
    const first = n.charCodeAt(0);
    const last = n.charCodeAt(n.length - 1);
    if (first !== 68 /* D */ && first !== 67 /* C */ && last !== 101 /* e */ && last !== 69 /* E */)
      continue;
    if (isDockerfileName(n)) out.push(all[i]!);
  }
  return out;
}

/** The entries of the walk below folder (or file) `r`, in walk order: once per walk and path.
 * An entry that tells its folder (ContextEntry.folder: a disk walk's file) is tested by it, its
 * path not read (a disk walk makes a file's path when first read; most needed sources are files,
 * with nothing below them). */
function below(w: WalkIndex, entries: readonly ContextEntry[], r: string): ContextEntry[] {
  const byPath = (w.below ??= new Map());
  let list = byPath.get(r);
  if (!list) {
    list = entriesBelow(entries, r);
    byPath.set(r, list);
  }
  return list;
}

/** The entries of `entries` whose path starts with `r + '/'`, in their order (see `below`): a
 * file in folder `f` is there when `f` is `r` (but not at the top: the path of a file at the top
 * has no `/`) or below it. */
export function entriesBelow(entries: readonly ContextEntry[], r: string): ContextEntry[] {
  const prefix = r + '/';
  const out: ContextEntry[] = [];
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    const f = e.folder;
    if (f === undefined ? e.path.startsWith(prefix) : (f === r && r !== '') || f.startsWith(prefix))
      out.push(e);
  }
  return out;
}

/** What the analysis derives from the patterns of the ignore file in force: whether one is a
 * `!` line, the folder verdict of its walk (null: none ignored, or a `!` line: see
 * keptFolderMatcher) and the walk's key. */
interface PatternFacts {
  hasNeg: boolean;
  dirIgnored: ((dir: string) => boolean) | null;
  walkKey: string;
}

/** No ignore file (most contexts): nothing to test, one key. */
const NO_PATTERNS: PatternFacts = Object.freeze({
  hasNeg: false,
  dirIgnored: null,
  walkKey: 'dockerignore\0',
});

const factsByPatterns = new WeakMap<readonly string[], PatternFacts>();

/** The PatternFacts of `patterns`, once per list: loadIgnore gives every Dockerfile of a
 * context the same (frozen) list for the same text, so the Dockerfiles after the first make no
 * key, matcher lookup or test of the lines. (A list that is not frozen could change: its facts
 * are made anew.) */
export function patternFacts(patterns: readonly string[]): PatternFacts {
  if (patterns.length === 0) return NO_PATTERNS;
  const frozen = Object.isFrozen(patterns);
  let facts = frozen ? factsByPatterns.get(patterns) : undefined;
  if (!facts) {
    const hasNeg = patterns.some((p) => p.startsWith('!'));
    facts = {
      hasNeg,
      dirIgnored: hasNeg ? null : keptFolderMatcher(patterns as string[]),
      walkKey: `dockerignore\0${patterns.join('\n')}`,
    };
    if (frozen) factsByPatterns.set(patterns, facts);
  }
  return facts;
}

/** The `keep` option unset (most runs): no set made per check. */
const KEEP_NONE: ReadonlySet<string> = new Set();

/** Runs the shared analysis; `analysis` is null when no rule can propose anything. */
export function analyse(
  model: DockerfileModel,
  ctx: CheckContext,
): { findings: Finding[]; analysis: Analysis | null } {
  const bc = ctx.buildContext;
  // What a Dockerfile copies depends on its text only: computed once per text in the process
  // (context/cache.ts), so the other Dockerfiles of a shared context are not re-parsed per call.
  const usage = derivedFromText(USAGE, model.text, () => usageOf(model));
  const findings: Finding[] = [];
  if (usage.unresolved) {
    findings.push({
      ruleId: 'dockerignore/create',
      reason: `the COPY/ADD source ${usage.unresolved.raw} cannot be resolved, so the files the build needs are unknown and no ignore entry can be proven safe`,
      at: usage.unresolved.at,
    } satisfies Skipped);
    return { findings, analysis: null };
  }
  const ignore = loadIgnore(bc);
  const ignorePath = ignore.path ?? '.dockerignore';
  const oldPatterns = ignore.patterns;
  const old = patternFacts(oldPatterns);
  const oldHasNeg = old.hasNeg;
  const oldIgnored = sharedBulkMatcher(oldPatterns);

  // 1. Analysis walk: never into folders already ignored, nor into ones we ignore wholesale.
  // The same for every Dockerfile of the context with these patterns: walked once per session.
  // (the walk asks about a folder only once it entered the parent, which the patterns do not
  // ignore: they are tested on the folder's path alone, and no folder verdict is kept)
  const dirIgnored = old.dirIgnored;
  const stop = (d: ContextEntry) => (dirIgnored !== null && dirIgnored(d.path)) || isJunk(d, bc);
  const entries = bc.walk({ key: old.walkKey, descend: (d) => !stop(d) });
  const w = indexOf(entries, oldIgnored, bc, oldHasNeg);
  const { index } = w;
  // Folder or file, from the walk when it saw the path (no lstat per trigger: a candidate such
  // as `Dockerfile.*` in a shared context has one trigger per Dockerfile).
  const isDir = (p: string) => index.kinds.get(p) ?? bc.isDirectory(p);
  // Hidden by the ignore file in force (without one, the kind of the path is not looked up).
  const hiddenNow = (p: string) => oldPatterns.length > 0 && oldIgnored(p, isDir(p));

  // A named source missing from the context means the build uses another context (e.g. the
  // repository root with `-f sub/Dockerfile`): this context's ignore file is not the one read.
  // (the context's own answer first: a disk context answers from the listings the walk made;
  // the walk is looked through only when it says no)
  const missing = usage.sources.find(
    (s) => !hasGlob(s.path) && !bc.exists(s.path) && !index.holds(s.path),
  );
  if (missing) {
    findings.push({
      ruleId: 'dockerignore/create',
      reason: `${missing.path} (line ${missing.line}) is not in this build context, so the build probably uses another one; pass it with --context`,
      at: missing.at,
    } satisfies Skipped);
    return { findings, analysis: null };
  }

  // 3. Candidates, then the needed-file check for each.
  // Without a whole-context copy only secrets are proposed: the clutter candidates are not
  // computed (of them only `.git` could matter there, for the note that a RUN needs it).
  const keepList = ctx.options.dockerignore?.keep;
  const keep: ReadonlySet<string> = keepList?.length ? new Set(keepList) : KEEP_NONE;
  // (the RUN steps, made when a rule first reads them)
  const steps = () => runStepsOf(model, usage);
  const secrets = secretCandidates(index, bc, steps);
  const add = ctx.options.dockerignore?.add ?? [];
  // Without a secret nor an entry to add, clutter candidates of the editor and local Docker
  // groups alone end the analysis below (nothing to propose): they are not computed when the
  // walk holds nothing for another group (mayProposeClutter). (The lists are shared: copied.)
  let candidates: Candidate[] =
    usage.whole && (secrets.length > 0 || add.length > 0 || mayProposeClutter(index))
      ? [...secrets, ...clutterCandidates(index, bc, steps(), ignorePath)]
      : [...secrets];
  if (keep.size) candidates = candidates.filter((c) => !keep.has(c.pattern));
  for (const p of add) {
    if (!oldPatterns.includes(p)) candidates.push({ group: 'project', pattern: p, triggers: [] });
  }
  // `.git` stays when the build reads it (what the RUN steps run is only read when there is a
  // `.git` entry to propose). Without a whole-context copy, the one clutter candidate that
  // could be `.git` is the version-control one.
  const isGit = (c: Candidate) => c.pattern === '.git' || c.pattern === '**/.git';
  let git: Candidate | undefined = candidates.find(isGit);
  if (!git && !usage.whole) {
    const hits = index.named('.git', null);
    const pattern = anchored('.git', hits);
    if (hits.length && !keep.has(pattern)) git = { group: 'vcs', pattern, triggers: hits };
  }
  const gitNeeded = git ? gitReader(model, steps(), bc) : null;
  if (git && gitNeeded) {
    // (the candidates are shared with other Dockerfiles of the context: a copy is changed)
    const found = git;
    if (gitNeeded.review)
      candidates = candidates.map((c) =>
        c === found ? { ...c, review: { kind: 'clutter', why: gitNeeded.why } } : c,
      );
    else {
      candidates = candidates.filter((c) => c !== found);
      findings.push({
        ruleId: 'dockerignore/create',
        reason: `.git is left in the context: ${gitNeeded.why}`,
        at: gitNeeded.at,
      } satisfies Skipped);
    }
  }
  // Only the secrets of a Dockerfile without a whole-context copy are proposed (see below).
  if (!usage.whole) candidates = candidates.filter((c) => c.group === 'secrets');
  // Nothing to propose: the other Dockerfiles of the context are not read (with N Dockerfiles
  // in one context, N calls would read N other files each). Editor and local Docker files
  // alone are never proposed (see `chosen` below; they never need a review, and what a copy
  // needs hidden by them is no finding): nothing to do either, and git is not asked whether it
  // tracks them.
  const substantive = (c: Candidate) => c.group !== 'editor' && c.group !== 'docker';
  if (!candidates.some(substantive)) return { findings, analysis: null };
  candidates = dropTracked(candidates, bc);

  // 2. What the build needs: sources of this Dockerfile and of every other one in the context.
  const sources = [...usage.sources];
  let copiedWhole = usage.whole !== null;
  w.dockerfiles ??= dockerfilesOf(index);
  for (const e of w.dockerfiles) {
    if (e.path === bc.dockerfilePath) continue;
    const text = bc.readFile(e.path);
    if (text === null) continue;
    const other = otherUsage(text.replace(/^\uFEFF/, ''));
    if (other === null) continue;
    // Only builds that use this context read its root ignore file: their sources are
    // relative to the root (a build with the Dockerfile's own folder as context reads that
    // folder's ignore file instead).
    for (const s of other.sources)
      sources.push({ ...s, line: null, instr: `${e.path}: ${s.instr}` });
    if (other.whole) copiedWhole = true;
  }
  const needed = new Map<string, Source>();
  for (const s of sources) {
    if (hasGlob(s.path)) {
      const re = globToRegExp(s.path);
      for (const e of entries) if (re.test(e.path) && !needed.has(e.path)) needed.set(e.path, s);
    } else if (!needed.has(s.path)) needed.set(s.path, s);
  }

  // Paths the user re-included on purpose stay visible (but not a secret that needs a review:
  // our own safe entry re-included it so that the review fix decides).
  const reviewPaths = new Set(
    candidates.filter((c) => c.review && c.group === 'secrets').flatMap((c) => c.triggers),
  );
  for (const p of oldPatterns) {
    if (!p.startsWith('!')) continue;
    const body = cleanRelative(p.slice(1).trim());
    if (!body || reviewPaths.has(body)) continue;
    const src: Source = { path: body, line: null, at: 0, instr: p };
    if (hasGlob(body)) {
      const re = globToRegExp(body);
      for (const e of entries) if (re.test(e.path) && !needed.has(e.path)) needed.set(e.path, src);
    } else if (!needed.has(body)) needed.set(body, src);
  }
  const neededList = [...needed.entries()];
  const proposed: Proposed[] = [];
  for (const c of candidates) {
    const m = matcher([c.pattern]);
    const reinclude: string[] = [...(c.keep ?? [])];
    const hidden = (p: string, src: Source) => {
      reinclude.push(p);
      const skip = copiedSecret(c, p, src);
      if (skip) findings.push(skip);
    };
    // Templates and the like that a whole-context copy takes stay visible (a RUN such as
    // `cp .env.example .env` reads them), unless the existing ignore file already hides them.
    if (copiedWhole)
      for (const p of c.spare ?? []) if (m(p) && !oldIgnored(p, false)) reinclude.push(p);
    for (const [r, src] of neededList) {
      if (hiddenNow(r)) continue;
      if (m(r)) {
        hidden(r, src);
        continue;
      }
      let last: string | null = null;
      for (const e of below(w, entries, r)) {
        if (last !== null && under(e.path, last)) continue;
        if (m(e.path)) {
          hidden(e.path, src);
          last = e.path;
        }
      }
    }
    const effective = c.triggers.filter(
      (t) => !hiddenNow(t) && !reinclude.some((x) => under(t, x)),
    );
    if (effective.length === 0 && !(c.group === 'project' && c.triggers.length === 0)) continue;
    if (proposed.some((p) => p.pattern === c.pattern)) continue;
    proposed.push({ ...c, reinclude: [...new Set(reinclude)], effective });
  }

  let all = proposed;
  if (!usage.whole) all = proposed.filter((p) => p.group === 'secrets');
  let chosen = all.filter((p) => !p.review);
  const review = all.filter((p) => p.review);
  // Editor and local Docker files alone are not worth a new file or a change to the user's:
  // they ride along with a substantive entry.
  if (chosen.every((p) => p.group === 'editor' || p.group === 'docker')) chosen = [];
  if (!chosen.length && !review.length) return { findings, analysis: null };

  const existing = ignore.text;
  const eol = existing !== null && existing.includes('\n') ? detectEol(existing) : model.eol;
  return {
    findings,
    analysis: {
      model,
      bc,
      usage,
      ignorePath,
      existing,
      eol,
      oldPatterns,
      oldIgnored,
      entries,
      junkRoots: () => junkRootsOf(w),
      chosen,
      review,
    },
  };
}
