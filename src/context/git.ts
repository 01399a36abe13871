/**
 * What git says about the files of a build context: tracked, untracked, ignored, or no repository
 * at all. Read once per repository (the index: `.git/index` read directly in the plain case, see
 * git-index.ts, else `git ls-files -z`; the ignored list only when a status needs it) and cached
 * for the process; the context views (context.ts) answer `gitStatus(path)` and `gitTracked(path)`
 * from it.
 */
import type * as ChildProcess from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { diskCounters, onClear } from './cache.js';
import { IndexPaths, readIndex } from './git-index.js';
import type { GitStatus } from '../model/types.js';

/** node:child_process, loaded on the first git call (about 7 ms of a short run that calls none). */
let cp: typeof ChildProcess | null = null;
const childProcess = () =>
  (cp ??= createRequire(import.meta.url)('node:child_process') as typeof ChildProcess);

/**
 * Sorted paths packed into one string, NUL-separated, with the start of each in an Int32Array:
 * two objects for a repository's index instead of a string per path (an index of ten thousand
 * paths is kept for the session, and each object of it is copied by the scavenges it
 * survives). Compares by UTF-16 code unit, as `<` on the strings does.
 */
export class PathList {
  private readonly text: string;
  /** Start of path `i` in `text`; `starts[length]` is the text's length + 1. */
  private readonly starts: Int32Array;

  constructor(paths: readonly string[]) {
    this.text = paths.join('\0');
    const starts = (this.starts = new Int32Array(paths.length + 1));
    let at = 0;
    for (let i = 0; i < paths.length; i++) {
      starts[i] = at;
      at += paths[i]!.length + 1;
    }
    starts[paths.length] = at;
  }

  get length(): number {
    return this.starts.length - 1;
  }

  /** Path `i`. */
  at(i: number): string {
    return this.text.slice(this.starts[i], this.starts[i + 1]! - 1);
  }

  /** Negative, 0 or positive as path `i` sorts before, equal to or after `p`. */
  compare(i: number, p: string): number {
    const { text } = this;
    const start = this.starts[i]!;
    const n = this.starts[i + 1]! - 1 - start;
    const m = p.length;
    const k = n < m ? n : m;
    for (let j = 0; j < k; j++) {
      const d = text.charCodeAt(start + j) - p.charCodeAt(j);
      if (d !== 0) return d;
    }
    return n - m;
  }

  /** Whether path `i` starts with `prefix`. */
  startsWith(i: number, prefix: string): boolean {
    const start = this.starts[i]!;
    return this.starts[i + 1]! - 1 - start >= prefix.length && this.text.startsWith(prefix, start);
  }

  /** The first index whose path is not before `p` (length when none). */
  lowerBound(p: string): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.compare(mid, p) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** The tracked and ignored paths of one repository, relative to its top folder. */
export class GitIndex {
  /** The tracked paths when given in sorted order (an index lists them so): looked up by binary
   * search, a folder by the first path below it (no set of every path and folder made: a run
   * asks about a few hundred paths of indexes of many thousand). */
  private readonly sorted: PathList | IndexPaths | null;
  private readonly tracked = new Set<string>();
  /** Folders holding at least one tracked file (and every folder above them), when not sorted. */
  private readonly trackedDirs = new Set<string>(['']);
  private ignoredSet: Set<string> | null = null;

  /** `ignored` may be a function: then it is called on the first status asked of a path that
   * is not tracked (a second `git` process only when some rule needs it). */
  constructor(
    tracked: Iterable<string> | IndexPaths,
    private readonly ignored: Iterable<string> | (() => Iterable<string>),
  ) {
    // (an index read in place: sorted by bytes, looked up there)
    if (tracked instanceof IndexPaths) {
      this.sorted = tracked;
      return;
    }
    const list = Array.isArray(tracked) ? (tracked as string[]) : [...tracked];
    this.sorted = inOrder(list) ? new PathList(list) : null;
    if (this.sorted) return;
    for (const p of list) {
      this.tracked.add(p);
      // Each folder above the file, deepest first, until one already known (its own parents
      // then are too): one string per new folder, not one per folder per file.
      for (let i = p.lastIndexOf('/'); i > 0; i = p.lastIndexOf('/', i - 1)) {
        const dir = p.slice(0, i);
        if (this.trackedDirs.has(dir)) break;
        this.trackedDirs.add(dir);
      }
    }
  }

  private ignoredPaths(): Set<string> {
    if (this.ignoredSet) return this.ignoredSet;
    const list = typeof this.ignored === 'function' ? this.ignored() : this.ignored;
    this.ignoredSet = new Set();
    for (const p of list) this.ignoredSet.add(p.replace(/\/+$/, ''));
    return this.ignoredSet;
  }

  /** Whether a `/`-separated path relative to the repository top is tracked (a folder: holds a
   * tracked file); never lists the ignored files. */
  isTracked(p: string): boolean {
    const sorted = this.sorted;
    if (!sorted) return this.tracked.has(p) || this.trackedDirs.has(p);
    if (sorted instanceof IndexPaths) return sorted.isTracked(p);
    if (p === '') return true;
    const at = sorted.lowerBound(p);
    if (at < sorted.length && sorted.compare(at, p) === 0) return true;
    // A folder: the first path at or after `p/` is below it when any is.
    const dir = `${p}/`;
    const below = sorted.lowerBound(dir);
    return below < sorted.length && sorted.startsWith(below, dir);
  }

  /** Status of a `/`-separated path relative to the repository top; a folder is `tracked` when
   * it holds a tracked file. */
  status(p: string): GitStatus {
    if (this.isTracked(p)) return 'tracked';
    const ignored = this.ignoredPaths();
    const parts = p.split('/');
    for (let i = parts.length; i >= 1; i--)
      if (ignored.has(parts.slice(0, i).join('/'))) return 'ignored';
    return 'untracked';
  }
}

/** Whether `list` is in ascending order (repeats allowed: an index in conflict lists a path
 * once per stage). */
function inOrder(list: readonly string[]): boolean {
  for (let i = 1; i < list.length; i++) if (list[i]! < list[i - 1]!) return false;
  return true;
}

const repos = new Map<string, GitIndex | null>();
const tops = new Map<string, string | null>();

function git(cwd: string, args: string[]): string | null {
  diskCounters.gitRuns++;
  const r = childProcess().spawnSync('git', ['-C', cwd, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return r.status === 0 ? r.stdout : null;
}

/** The repository top folder holding `dir`, or null (not in a repository, or no git). Looks for
 * a `.git` entry up the tree first, so that a folder outside any repository (or each of many
 * folders of one repository) costs no `git` process: the folder holding `.git` is the top. */
function topOf(dir: string): string | null {
  if (tops.has(dir)) return tops.get(dir)!;
  let candidate: string | null = null;
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if (tops.has(d) && d !== dir) {
      candidate = tops.get(d)!;
      if (candidate === null) break;
      tops.set(dir, candidate);
      return candidate;
    }
    if (fs.existsSync(path.join(d, '.git'))) {
      candidate = d;
      break;
    }
    if (path.dirname(d) === d) break;
  }
  // The folder holding `.git` is the top (a `git` that refuses the repository, e.g. not a
  // safe.directory, fails `ls-files` below and the status is null, as before).
  tops.set(dir, candidate);
  return candidate;
}

onClear(() => {
  repos.clear();
  tops.clear();
});

/** Git's answers for paths relative to `root` (a folder on disk), or null without a
 * repository: `status` (tracked, untracked or ignored) and `tracked` (which never lists the
 * ignored files). */
export function gitStatusOf(
  root: string,
): { status: (rel: string) => GitStatus; tracked: (rel: string) => boolean } | null {
  const top = topOf(root);
  if (top === null) return null;
  let index = repos.get(top);
  if (index === undefined) {
    // The index read directly when it is the plain case (no `git` process), else `ls-files`.
    const tracked =
      readIndex(top) ?? git(top, ['ls-files', '-z'])?.split('\0').filter(Boolean) ?? null;
    const repoTop = top;
    index =
      tracked === null
        ? null
        : new GitIndex(tracked, () =>
            (
              git(repoTop, [
                'ls-files',
                '-z',
                '--others',
                '--ignored',
                '--exclude-standard',
                '--directory',
              ]) ?? ''
            )
              .split('\0')
              .filter(Boolean),
          );
    repos.set(top, index);
  }
  if (index === null) return null;
  const rel = path.relative(top, root).split(path.sep).join('/');
  const prefix = rel === '' ? '' : `${rel}/`;
  const idx = index;
  const full = (p: string) => (p === '' ? rel : prefix + p);
  return { status: (p) => idx.status(full(p)), tracked: (p) => idx.isTracked(full(p)) };
}
