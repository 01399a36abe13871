/**
 * Build-context views handed to transforms: on disk, in memory, or none. All are read-only for
 * transforms; the engine layers pending edits of the current run on top (OverlayContext).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BuildContext, ContextEntry, GitStatus, WalkOptions } from '../model/types.js';
import {
  diskCounters,
  generationTable,
  listDirCached,
  readsOf,
  readTextCached,
  sessionWalk,
  sizeOf,
  type ListedEntry,
} from './cache.js';
import { GitIndex, gitStatusOf } from './git.js';

const DEFAULT_WALK_LIMIT = 200_000;

/** Normalise a context-relative path: `/`-separated, no leading `./` or `/`, no `..` escape. */
export function cleanRelative(p: string): string | null {
  const parts: string[] = [];
  for (const seg of p.replace(/\\/g, '/').split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (parts.length === 0) return null;
      parts.pop();
    } else parts.push(seg);
  }
  return parts.join('/');
}

/** What is at a path: nothing, a folder, or anything else (a file, a symbolic link, ...). */
type PathKind = 'missing' | 'dir' | 'other';

/** The path kinds looked up through any DiskContext of `root` in the current generation, by the
 * path the caller asked for (a new generation looks again, as for the texts read). */
function kindsOf(root: string): Map<string, PathKind> {
  const roots = generationTable<string, Map<string, PathKind>>('path kinds');
  let kinds = roots.get(root);
  if (!kinds) roots.set(root, (kinds = new Map()));
  return kinds;
}

/** A file of a DiskContext walk: its size is looked up when read (no closure per file: the
 * folder's path and the listing entry, shared with the listing cache). */
class DiskFileEntry implements ContextEntry {
  readonly isDirectory = false;
  constructor(
    readonly path: string,
    private readonly dir: string,
    private readonly listed: ListedEntry,
  ) {}
  get size(): number {
    return sizeOf(this.dir, this.listed);
  }
}

export class DiskContext implements BuildContext {
  readonly available = true;
  readonly dockerfilePath: string | null;
  private readonly cache = new Map<string, string | null>();
  private walked: ContextEntry[] | null = null;
  private git: ReturnType<typeof gitStatusOf> | undefined;
  /** The entry count at which a full scan stopped (the walk limit was hit), or null. */
  walkTruncatedAt: number | null = null;

  constructor(
    readonly root: string,
    dockerfileAbsolute?: string,
    /** Most entries a full scan visits (it stops there and sets walkTruncatedAt). */
    private readonly walkLimit = DEFAULT_WALK_LIMIT,
  ) {
    this.root = path.resolve(root);
    if (dockerfileAbsolute) {
      const rel = path.relative(this.root, path.resolve(dockerfileAbsolute));
      this.dockerfilePath =
        rel.startsWith('..') || path.isAbsolute(rel) ? null : rel.split(path.sep).join('/');
    } else this.dockerfilePath = null;
  }

  private abs(p: string): string | null {
    const rel = cleanRelative(p);
    if (rel === null) return null;
    return rel === '' ? this.root : path.join(this.root, ...rel.split('/'));
  }

  /** What is at `p` (lstat), looked up once per generation for every DiskContext of the root
   * (transforms ask again on every pass of the engine and for every Dockerfile of a context). */
  private kind(p: string): PathKind {
    const kinds = kindsOf(this.root);
    let k = kinds.get(p);
    if (k === undefined) kinds.set(p, (k = this.lstatKind(p)));
    return k;
  }

  private lstatKind(p: string): PathKind {
    const abs = this.abs(p);
    if (!abs) return 'missing';
    diskCounters.lstats++;
    try {
      // (no exception for a missing path: most paths asked about are missing, and an exception
      // costs several times the lstat)
      const st = fs.lstatSync(abs, { throwIfNoEntry: false });
      return !st ? 'missing' : st.isDirectory() ? 'dir' : 'other';
    } catch {
      return 'missing';
    }
  }

  exists(p: string): boolean {
    return this.kind(p) !== 'missing';
  }

  isDirectory(p: string): boolean {
    return this.kind(p) === 'dir';
  }

  readFile(p: string): string | null {
    const shared = readsOf(this.root);
    const seen = shared.get(p);
    if (seen !== undefined) return seen;
    const rel = cleanRelative(p);
    if (rel === null) return null;
    if (this.cache.has(rel)) return this.cache.get(rel)!;
    const abs = this.abs(rel);
    const out = abs === null ? null : readTextCached(abs);
    this.cache.set(rel, out);
    shared.set(p, out);
    return out;
  }

  /** The caller found the file at `p` absent in this generation (missing, or a symbolic link
   * to nothing: the API's reading of the ignore files): readFile answers null without looking. */
  knownAbsent(p: string): void {
    const shared = readsOf(this.root);
    if (!shared.has(p)) shared.set(p, null);
  }

  list(dir: string): string[] {
    const abs = this.abs(dir);
    if (!abs) return [];
    try {
      return fs.readdirSync(abs).sort();
    } catch {
      return [];
    }
  }

  walk(options: WalkOptions = {}): ContextEntry[] {
    if (!options.descend && !options.limit && this.walked) return this.walked;
    // A keyed walk, or the full one (no descent rule, no limit: the same for every view of this
    // folder), is computed once per session for all the Dockerfiles that share the context.
    const full = !options.descend && !options.limit;
    if ((options.key !== undefined && options.descend) || full) {
      const limit = options.limit ?? this.walkLimit;
      const key = full
        ? `${this.root}\0${limit}\0full`
        : `${this.root}\0${limit}\0${options.limit ? 1 : 0}\0${options.key}`;
      const { out, truncatedAt } = sessionWalk(key, () => {
        const before = this.walkTruncatedAt;
        this.walkTruncatedAt = null;
        const out = this.walkNow(options);
        const truncatedAt = this.walkTruncatedAt;
        this.walkTruncatedAt = before;
        return { out, truncatedAt };
      });
      if (truncatedAt !== null) this.walkTruncatedAt = truncatedAt;
      if (full) this.walked = out;
      return out;
    }
    return this.walkNow(options);
  }

  private walkNow(options: WalkOptions): ContextEntry[] {
    diskCounters.walks++;
    const limit = options.limit ?? this.walkLimit;
    const out: ContextEntry[] = [];
    const visit = (relDir: string, absDir: string, dir: ContextEntry | null): boolean => {
      // Listings come from the process-wide cache (context/cache.ts): a context shared by
      // several Dockerfiles is listed once per session.
      const entries = listDirCached(absDir);
      if (!entries) {
        if (dir) dir.unreadable = true;
        return true;
      }
      for (const e of entries) {
        if (out.length >= limit) return false;
        const rel = relDir ? `${relDir}/${e.name}` : e.name;
        if (e.isDirectory) {
          const entry: ContextEntry = { path: rel, size: 0, isDirectory: true };
          out.push(entry);
          if (!options.descend || options.descend(entry)) {
            if (!visit(rel, path.join(absDir, e.name), entry)) return false;
          }
        } else out.push(new DiskFileEntry(rel, absDir, e));
      }
      return true;
    };
    const complete = visit('', this.root, null);
    if (!complete && !options.limit) this.walkTruncatedAt = limit;
    if (!options.descend && !options.limit) this.walked = out;
    return out;
  }

  gitStatus(p: string): GitStatus | null {
    if (this.git === undefined) this.git = gitStatusOf(this.root);
    const rel = cleanRelative(p);
    return this.git === null || rel === null ? null : this.git.status(rel);
  }

  gitTracked(p: string): boolean | null {
    if (this.git === undefined) this.git = gitStatusOf(this.root);
    const rel = cleanRelative(p);
    return this.git === null || rel === null ? null : this.git.tracked(rel);
  }
}

/** Git facts for a MemoryContext (tests, API users): the tracked paths and the ignored ones
 * (files or folders); everything else is untracked. */
export interface MemoryGit {
  tracked: string[];
  ignored?: string[];
}

/** A context given as a map of relative path -> content (API users, tests). */
export class MemoryContext implements BuildContext {
  readonly root = null;
  readonly available = true;
  private readonly files = new Map<string, string>();
  private readonly dirs = new Set<string>(['']);

  private readonly git: GitIndex | null;

  constructor(
    files: Record<string, string>,
    readonly dockerfilePath: string | null = null,
    options: { git?: MemoryGit | null } = {},
  ) {
    this.git = options.git
      ? new GitIndex(
          options.git.tracked.map((p) => cleanRelative(p) ?? p),
          (options.git.ignored ?? []).map((p) => cleanRelative(p) ?? p),
        )
      : null;
    for (const [p, content] of Object.entries(files)) {
      const rel = cleanRelative(p);
      if (!rel) continue;
      this.files.set(rel, content);
      const parts = rel.split('/');
      for (let i = 1; i < parts.length; i++) this.dirs.add(parts.slice(0, i).join('/'));
    }
  }

  exists(p: string): boolean {
    const rel = cleanRelative(p);
    return rel !== null && (this.files.has(rel) || this.dirs.has(rel));
  }

  isDirectory(p: string): boolean {
    const rel = cleanRelative(p);
    return rel !== null && this.dirs.has(rel);
  }

  readFile(p: string): string | null {
    const rel = cleanRelative(p);
    return rel === null ? null : (this.files.get(rel) ?? null);
  }

  list(dir: string): string[] {
    const rel = cleanRelative(dir);
    if (rel === null) return [];
    const prefix = rel === '' ? '' : `${rel}/`;
    const names = new Set<string>();
    for (const p of [...this.files.keys(), ...this.dirs]) {
      if (p !== '' && p.startsWith(prefix)) names.add(p.slice(prefix.length).split('/')[0]!);
    }
    names.delete('');
    return [...names].sort();
  }

  walk(options: WalkOptions = {}): ContextEntry[] {
    const out: ContextEntry[] = [];
    const limit = options.limit ?? DEFAULT_WALK_LIMIT;
    const visit = (dir: string): boolean => {
      for (const name of this.list(dir)) {
        if (out.length >= limit) return false;
        const rel = dir ? `${dir}/${name}` : name;
        if (this.dirs.has(rel)) {
          const entry: ContextEntry = { path: rel, size: 0, isDirectory: true };
          out.push(entry);
          if ((!options.descend || options.descend(entry)) && !visit(rel)) return false;
        } else {
          out.push({
            path: rel,
            size: Buffer.byteLength(this.files.get(rel)!, 'utf8'),
            isDirectory: false,
          });
        }
      }
      return true;
    };
    visit('');
    return out;
  }

  gitStatus(p: string): GitStatus | null {
    const rel = cleanRelative(p);
    return this.git === null || rel === null ? null : this.git.status(rel);
  }

  gitTracked(p: string): boolean | null {
    const rel = cleanRelative(p);
    return this.git === null || rel === null ? null : this.git.isTracked(rel);
  }
}

/** No context at all (stdin, API without one). */
export class NoContext implements BuildContext {
  readonly root = null;
  readonly available = false;
  readonly dockerfilePath = null;
  exists(): boolean {
    return false;
  }
  isDirectory(): boolean {
    return false;
  }
  readFile(): string | null {
    return null;
  }
  list(): string[] {
    return [];
  }
  walk(): ContextEntry[] {
    return [];
  }
  gitStatus(): GitStatus | null {
    return null;
  }
  gitTracked(): boolean | null {
    return null;
  }
}

/** A context seen through the pending (not yet written) edits of the current run. */
export class OverlayContext implements BuildContext {
  readonly overlay = new Map<string, string>();

  constructor(readonly base: BuildContext) {}

  get root(): string | null {
    return this.base.root;
  }
  get available(): boolean {
    return this.base.available;
  }
  get dockerfilePath(): string | null {
    return this.base.dockerfilePath;
  }

  exists(p: string): boolean {
    const rel = cleanRelative(p);
    return (rel !== null && this.overlay.has(rel)) || this.base.exists(p);
  }
  isDirectory(p: string): boolean {
    return this.base.isDirectory(p);
  }
  gitStatus(p: string): GitStatus | null {
    return this.base.gitStatus?.(p) ?? null;
  }
  gitTracked(p: string): boolean | null {
    if (this.base.gitTracked) return this.base.gitTracked(p);
    const s = this.base.gitStatus?.(p) ?? null;
    return s === null ? null : s === 'tracked';
  }
  readFile(p: string): string | null {
    const rel = cleanRelative(p);
    if (rel !== null && this.overlay.has(rel)) return this.overlay.get(rel)!;
    return this.base.readFile(p);
  }
  list(dir: string): string[] {
    const names = new Set(this.base.list(dir));
    const prefix = dir === '' ? '' : `${cleanRelative(dir)}/`;
    for (const p of this.overlay.keys()) {
      if (p.startsWith(prefix) && !p.slice(prefix.length).includes('/'))
        names.add(p.slice(prefix.length));
    }
    return [...names].sort();
  }
  walk(options?: WalkOptions): ContextEntry[] {
    const entries = this.base.walk(options);
    // (most runs have no pending file: the base's walk as it is, no copy per call)
    if (this.overlay.size === 0) return entries;
    // The same walk seen through the same pending files: the merged list of the last call.
    const last = this.merged.get(entries);
    if (
      last &&
      last.pending.length === this.overlay.size &&
      last.pending.every(([p, c]) => this.overlay.get(p) === c)
    )
      return last.out;
    const out = this.merge(entries);
    this.merged.set(entries, { pending: [...this.overlay], out });
    return out;
  }

  /** The last merge of each base walk (see `walk`). */
  private readonly merged = new WeakMap<
    readonly ContextEntry[],
    { pending: [string, string][]; out: ContextEntry[] }
  >();

  private merge(entries: ContextEntry[]): ContextEntry[] {
    const known = new Set(entries.map((e) => e.path));
    const extra: ContextEntry[] = [];
    for (const [p, content] of this.overlay) {
      if (!known.has(p))
        extra.push({ path: p, size: Buffer.byteLength(content, 'utf8'), isDirectory: false });
    }
    if (!extra.length) return entries;
    return [
      ...entries.map((e) =>
        this.overlay.has(e.path)
          ? { ...e, size: Buffer.byteLength(this.overlay.get(e.path)!, 'utf8') }
          : e,
      ),
      ...extra,
    ].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }
}
