/**
 * Build definitions: how the project itself builds each Dockerfile (compose, bake, skaffold,
 * devcontainer, GitHub workflows), found from the given paths (downward) and from their folders
 * up to the repository root (the nearest folder holding `.git`). Each Dockerfile then has a list
 * of builds (context, target, args, additional contexts, source file and line). A malformed file
 * is a warning naming the file and line; the Dockerfiles it would have described keep the default
 * context.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initShellParser } from '../../model/shell.js';
import { cleanTail, isCleanRoot } from '../clean-path.js';
import {
  inBuildSearch,
  isDirectoryPath,
  linkFreeTop,
  listDirCached,
  pathExists,
  type Listing,
} from '../cache.js';
import type { ComposeResult } from './compose.js';
import { isBakeName, isComposeName, isSkaffoldName, isWorkflowPath } from './names.js';
import type { BuildDecl, BuildWarning } from './types.js';

export type { BuildDecl, BuildSource, BuildWarning, BuildFormat } from './types.js';

export interface BuildSet {
  builds: BuildDecl[];
  warnings: BuildWarning[];
  /** Declarations seen but not usable (inline Dockerfile, remote or computed context, a
   * Dockerfile or context missing on disk). */
  skipped: ComposeResult['skipped'];
  /** Build files read, absolute, sorted. */
  files: string[];
}

const SKIP_DIRS = new Set([
  'node_modules',
  '.git',
  '.hg',
  '.svn',
  'vendor',
  '.venv',
  'venv',
  '__pycache__',
]);
const WALK_LIMIT = 100_000;

type Kind = 'compose' | 'bake' | 'skaffold' | 'devcontainer' | 'workflow';

function kindOf(abs: string): Kind | null {
  const name = path.basename(abs);
  if (isComposeName(name)) return 'compose';
  if (isBakeName(name)) return 'bake';
  if (isSkaffoldName(name)) return 'skaffold';
  if (name === '.devcontainer.json') return 'devcontainer';
  if (
    name === 'devcontainer.json' &&
    /[\\/]\.devcontainer([\\/][^\\/]+)?[\\/]devcontainer\.json$/.test(abs)
  )
    return 'devcontainer';
  if (isWorkflowPath(abs)) return 'workflow';
  return null;
}

const YAML = /\.ya?ml$/;

/** False when no folder could make a file of this name a build file (see kindOf). Asked of
 * every file of the repository: most are ruled out by their last letter, without a regexp (a
 * build file's name ends in `.yml`, `.yaml`, `.hcl` or `.json`). */
function couldBeBuildFile(name: string): boolean {
  const last = name.charCodeAt(name.length - 1);
  if (last !== 108 /* l */ && last !== 110 /* n */) return false;
  return (
    YAML.test(name) ||
    isBakeName(name) ||
    name === '.devcontainer.json' ||
    name === 'devcontainer.json'
  );
}

/** Folders are listed through the process-wide listing cache (context/cache.ts), so that the
 * build-context walks of the run that follows find them listed. Kinds come from the listing, as
 * a Dirent's do: a symbolic link is neither a file nor a folder here (never followed), and only
 * regular files are build files (a FIFO or socket is never opened). */
function listDir(dir: string): Listing | null {
  return listDirCached(dir);
}

/** Build files of one folder (not below it), with its .devcontainer and .github/workflows
 * (looked into only when the folder's listing, `listed` when the caller has it, holds them). */
function filesIn(dir: string, out: Set<string>, listed: Listing | null = listDirCached(dir)): void {
  // An unreadable folder (execute-only) may still hold readable subfolders: probe them.
  if (!listed) return filesBelow(dir, out, true, true);
  for (let i = 0; i < listed.length; i++) if (listed.isFile(i)) addIfBuildFile(listed, i, out);
  filesBelow(dir, out, listed.indexOf('.devcontainer') >= 0, listed.indexOf('.github') >= 0);
}

/** Entry `i` of a listing, a regular file, when it is a build file. */
function addIfBuildFile(listed: Listing, i: number, out: Set<string>): void {
  // Most entries are not build files: the path is made only for a name that could be one.
  if (!couldBeBuildFile(listed.names[i]!)) return;
  const abs = listed.pathOf(i);
  if (kindOf(abs)) out.add(abs);
}

/** The build files of folder `dir`'s .devcontainer and .github/workflows (each looked into when
 * asked). */
function filesBelow(dir: string, out: Set<string>, devcontainer: boolean, github: boolean): void {
  if (devcontainer) {
    const dc = path.join(dir, '.devcontainer');
    const inDc = listDir(dc);
    for (let i = 0; i < (inDc?.length ?? 0); i++) {
      const name = inDc!.names[i]!;
      if (inDc!.isFile(i) && name === 'devcontainer.json') out.add(inDc!.pathOf(i));
      else if (inDc!.isDirectory(i)) {
        const f = path.join(dc, name, 'devcontainer.json');
        if (fs.existsSync(f)) out.add(f);
      }
    }
  }
  if (github) {
    const wf = listDir(path.join(dir, '.github', 'workflows'));
    for (let i = 0; i < (wf?.length ?? 0); i++)
      if (wf!.isFile(i) && YAML.test(wf!.names[i]!)) out.add(wf!.pathOf(i));
  }
}

/** The repository root above `dir` (nearest folder with `.git`), or null. */
export function repositoryRoot(dir: string): string | null {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if (pathExists(path.join(d, '.git'))) return d;
    if (path.dirname(d) === d) return null;
  }
}

/** The build files for the given paths: below each folder given, and in each folder from there
 * up to the repository root. Folders are listed as a search for build files of the listing
 * cache (context/cache.ts inBuildSearch): a new look at the disk, whose listings the run that
 * follows uses as they are. */
export function findBuildFiles(paths: string[], cwd: string): string[] {
  return inBuildSearch(() => findBuildFilesNow(paths, cwd));
}

function findBuildFilesNow(paths: string[], cwd: string): string[] {
  const out = new Set<string>();
  for (const p of paths) {
    if (p === '-') continue;
    const abs = path.resolve(cwd, p);
    let st: fs.Stats;
    try {
      st = fs.statSync(abs);
    } catch {
      continue;
    }
    const start = st.isDirectory() ? abs : path.dirname(abs);
    if (st.isDirectory()) {
      let seen = 0;
      // One pass over each folder's listing: its build files (as filesIn finds them), whether it
      // holds .devcontainer or .github (of any kind, as filesIn asks), the folders to go into.
      // (a folder's listing from its parent's: see Listing.folderListing)
      const walk = (dir: string, listed: Listing | null) => {
        if (!listed) return filesIn(dir, out, null);
        const { names } = listed;
        let devcontainer = false;
        let github = false;
        for (let i = 0; i < names.length; i++) {
          const within = ++seen <= WALK_LIMIT;
          const name = names[i]!;
          if (name.charCodeAt(0) === 46 /* . */) {
            if (name === '.devcontainer') {
              devcontainer = true;
              continue;
            }
            if (name === '.github') {
              github = true;
              continue;
            }
          }
          if (listed.isFile(i)) addIfBuildFile(listed, i, out);
          // (the child's path joined as it is: `dir` is absolute and normalised already)
          else if (within && listed.isDirectory(i) && !SKIP_DIRS.has(name)) {
            const sub = listed.folderListing(i);
            walk(sub ? sub.abs : listed.pathOf(i), sub);
          }
        }
        filesBelow(dir, out, devcontainer, github);
      };
      walk(start, listDirCached(start));
    }
    // (the folder walked has had its build files looked for)
    const walked = st.isDirectory();
    const root = repositoryRoot(start);
    if (root)
      for (let d = start; ; d = path.dirname(d)) {
        if (!(walked && d === start)) filesIn(d, out);
        if (d === root || path.dirname(d) === d) break;
      }
    else if (!walked) filesIn(start, out);
  }
  return [...out].sort();
}

/** Per build set (`buildsFor` is called for every Dockerfile of a run), for each of its
 * Dockerfiles and the files asked about, resolved once: the real path (null: none), and the
 * highest folder with no symbolic link below it (linkFreeTop). */
const realPaths = new WeakMap<
  BuildSet,
  { real: Map<string, string | null>; tops: Map<string, string> }
>();

function memoOf(set: BuildSet): { real: Map<string, string | null>; tops: Map<string, string> } {
  let memo = realPaths.get(set);
  if (!memo) realPaths.set(set, (memo = { real: new Map(), tops: new Map() }));
  return memo;
}

/** linkFreeTop of `p`, once per set and path. */
function topOf(set: BuildSet, p: string): string {
  const { tops } = memoOf(set);
  let t = tops.get(p);
  if (t === undefined) tops.set(p, (t = linkFreeTop(p)));
  return t;
}

function sameFile(set: BuildSet, a: string, b: string): boolean {
  if (a === b) return true;
  const { real: reals } = memoOf(set);
  // (no symbolic link below a common folder, as the session's listings show: not the same)
  if (topOf(set, a) === topOf(set, b)) return false;
  const real = (p: string) => {
    let r = reals.get(p);
    if (r === undefined) {
      try {
        r = fs.realpathSync(p);
      } catch {
        r = null;
      }
      reals.set(p, r);
    }
    return r;
  };
  const ra = real(a);
  return ra !== null && ra === real(b);
}

/** Read every build file for the given paths. Never throws on bad input: warnings instead. */
export async function findBuilds(
  paths: string[],
  cwd: string,
  env: Record<string, string | undefined> = process.env,
): Promise<BuildSet> {
  // Reading the build files is part of the search: one look at the disk (see inBuildSearch),
  // whose listings tell which declared Dockerfiles and contexts exist.
  return inBuildSearch(() => readBuildFiles(findBuildFilesNow(paths, cwd), env));
}

/** A module imported when first needed, then kept: another `import()` of a module already loaded
 * still resolves it again (several µs, for each kind of file read in each search). A failed
 * import is tried again next time. */
export function onDemand<T>(load: () => Promise<T>): () => Promise<T> {
  let module: Promise<T> | null = null;
  return () =>
    (module ??= load().catch((err: unknown) => {
      module = null;
      throw err;
    }));
}

/** Each parser (and its YAML, JSON or HCL library) is loaded only when a file of its kind is read. */
const parsers = {
  compose: onDemand(() => import('./compose.js')),
  bake: onDemand(() => import('./bake.js')),
  hcl: onDemand(() => import('./hcl.js')),
  skaffold: onDemand(() => import('./skaffold.js')),
  devcontainer: onDemand(() => import('./devcontainer.js')),
  workflow: onDemand(() => import('./workflow.js')),
};

export async function readBuildFiles(
  files: string[],
  env: Record<string, string | undefined> = process.env,
): Promise<BuildSet> {
  const set: BuildSet = { builds: [], warnings: [], skipped: [], files };
  // Each file's kind, worked out once (not once per kind asked about).
  const kinds = files.map(kindOf);
  const ofKind = (kind: Kind) => files.filter((_, i) => kinds[i] === kind);
  const byDir = (kind: Kind) => {
    const m = new Map<string, string[]>();
    for (const f of ofKind(kind)) {
      const d = path.dirname(f);
      m.set(d, [...(m.get(d) ?? []), f]);
    }
    return m;
  };
  const add = (r: ComposeResult) => {
    set.builds.push(...r.builds);
    set.warnings.push(...r.warnings);
    set.skipped.push(...r.skipped);
  };
  const safely = (file: string, f: () => ComposeResult) => {
    try {
      add(f());
    } catch (err) {
      set.warnings.push({ file, line: null, message: `cannot be read: ${(err as Error).message}` });
    }
  };
  // (each parser loaded when a file of its kind is read: `parsers`)
  const compose = byDir('compose');
  if (compose.size) {
    const { parseComposeFolder } = await parsers.compose();
    for (const group of compose.values()) safely(group[0]!, () => parseComposeFolder(group, env));
  }
  const bake = byDir('bake');
  if (bake.size) {
    const [{ parseBakeFolder }, { initHclParser }] = await Promise.all([
      parsers.bake(),
      parsers.hcl(),
    ]);
    let hcl: string | null = null;
    await initHclParser().catch((err: Error) => (hcl = err.message));
    for (const group of bake.values())
      if (hcl)
        set.warnings.push({
          file: group[0]!,
          line: null,
          message: `HCL parser unavailable: ${hcl}`,
        });
      else safely(group[0]!, () => parseBakeFolder(group, env));
  }
  const skaffold = ofKind('skaffold');
  if (skaffold.length) {
    const { parseSkaffold } = await parsers.skaffold();
    for (const f of skaffold) safely(f, () => parseSkaffold(f, env));
  }
  const devcontainer = ofKind('devcontainer');
  if (devcontainer.length) {
    const { parseDevcontainer } = await parsers.devcontainer();
    for (const f of devcontainer) safely(f, () => parseDevcontainer(f, env));
  }
  const wf = ofKind('workflow');
  if (wf.length) {
    const [{ parseWorkflow }] = await Promise.all([parsers.workflow(), initShellParser()]);
    for (const f of wf) safely(f, () => parseWorkflow(f, env));
  }
  // A compose file included by another is read once (from the including file).
  const seen = new Set<string>();
  set.builds = set.builds.filter((b) => {
    const key = `${b.source.file}:${b.source.line}:${b.source.name}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  // Declarations whose Dockerfile or context is missing are reported, not used.
  set.builds = set.builds.filter((b) => {
    const why = !pathExists(b.dockerfile)
      ? `Dockerfile ${b.dockerfile} not found`
      : !isDirectoryPath(b.context)
        ? `context ${b.context} is not a directory`
        : null;
    if (why)
      set.skipped.push({
        file: b.source.file,
        line: b.source.line,
        name: b.source.name,
        reason: why,
      });
    return why === null;
  });
  return set;
}

/** Per build set: its builds by Dockerfile path (in the set's order), and the one link-free
 * top (linkFreeTop) all those paths share, or null when they do not share one. Made at the first
 * `buildsFor` of the set, for the builds it held then. */
const byDockerfile = new WeakMap<
  BuildSet,
  { builds: BuildDecl[]; length: number; groups: Map<string, BuildDecl[]>; top: string | null }
>();

function groupsOf(set: BuildSet): { groups: Map<string, BuildDecl[]>; top: string | null } {
  let g = byDockerfile.get(set);
  if (!g || g.builds !== set.builds || g.length !== set.builds.length) {
    const groups = new Map<string, BuildDecl[]>();
    for (const b of set.builds) {
      const list = groups.get(b.dockerfile);
      if (list) list.push(b);
      else groups.set(b.dockerfile, [b]);
    }
    let top: string | null = null;
    for (const p of groups.keys()) {
      const t = topOf(set, p);
      if (top === null) top = t;
      else if (t !== top) {
        top = null;
        break;
      }
    }
    g = { builds: set.builds, length: set.builds.length, groups, top };
    byDockerfile.set(set, g);
  }
  return g;
}

/** `buildsFor` calls that compared the Dockerfile with every build's (for the count tests). */
export const buildCounters = { compared: 0 };

/** The builds of one Dockerfile. */
export function buildsFor(set: BuildSet | null, dockerfile: string): BuildDecl[] {
  if (!set) return [];
  const abs = isCleanRoot(dockerfile) ? dockerfile : path.resolve(dockerfile);
  // Every declared Dockerfile path and this one below one link-free folder (the usual case: one
  // repository without symbolic links on the way): the same file only by the same path (see
  // sameFile), so its builds are those declared by this path, with no comparison to each build.
  const { groups, top } = groupsOf(set);
  if (top !== null && topOf(set, abs) === top) return (groups.get(abs) ?? []).slice();
  buildCounters.compared++;
  return set.builds.filter((b) => sameFile(set, b.dockerfile, abs));
}

/** The distinct contexts of a Dockerfile's builds, each with the builds that use it. */
export function contextsOf(builds: BuildDecl[]): { dir: string; builds: BuildDecl[] }[] {
  const out: { dir: string; builds: BuildDecl[] }[] = [];
  for (const b of builds) {
    const hit = out.find((c) => c.dir === b.context);
    if (hit) hit.builds.push(b);
    else out.push({ dir: b.context, builds: [b] });
  }
  return out;
}

function rel(abs: string, cwd: string): string {
  // (a path below a clean cwd, or the cwd itself: its tail, without path.relative)
  if (isCleanRoot(cwd)) {
    if (abs === cwd) return '.';
    const tail = cleanTail(cwd, abs);
    if (tail !== null) return tail;
  }
  const r = path.relative(cwd, abs).split(path.sep).join('/');
  return r === '' ? '.' : r;
}

/** `compose.yaml service web` (the file relative to `cwd`). */
export function describeSource(b: BuildDecl, cwd: string): string {
  return `${rel(b.source.file, cwd)} ${b.source.name}`;
}

/** `context . from compose.yaml service web` (several builds: `..., service worker`). */
export function describeContext(c: { dir: string; builds: BuildDecl[] }, cwd: string): string {
  const byFile = new Map<string, string[]>();
  for (const b of c.builds) {
    const f = rel(b.source.file, cwd);
    byFile.set(f, [...(byFile.get(f) ?? []), b.source.name]);
  }
  const from = [...byFile].map(([f, names]) => `${f} ${[...new Set(names)].join(', ')}`).join('; ');
  return `context ${rel(c.dir, cwd)} from ${from}`;
}

/**
 * The ignore file a build reads, as BuildKit looks for it: `<Dockerfile>.dockerignore` beside the
 * Dockerfile when it exists (it always wins), else `.dockerignore` at the context root. Returned
 * context-relative when it lies in the context, else absolute (a file outside the context).
 */
export function ignoreFileFor(
  dockerfile: string,
  context: string,
): { path: string; inContext: boolean; exists: boolean } {
  // (the paths a session passes are normalised and absolute already: taken as they are)
  const beside = `${isCleanRoot(dockerfile) ? dockerfile : path.resolve(dockerfile)}.dockerignore`;
  const root = isCleanRoot(context) ? context : path.resolve(context);
  const besideExists = pathExists(beside);
  const pick = besideExists
    ? beside
    : isCleanRoot(root)
      ? `${root}/.dockerignore`
      : path.join(root, '.dockerignore');
  const r = (isCleanRoot(root) ? cleanTail(root, pick) : null) ?? path.relative(root, pick);
  const inContext = !r.startsWith('..') && !path.isAbsolute(r);
  return {
    path: inContext ? r.split(path.sep).join('/') : pick,
    inContext,
    exists: besideExists || pathExists(pick),
  };
}
