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
  joinFlat,
  listDirCached,
  listedInGeneration,
  readsOf,
  readTextCached,
  sessionTree,
  sessionWalk,
  type Listing,
} from './cache.js';
import { cleanRelative, cleanTail, isCleanRoot } from './clean-path.js';
import { GitIndex, gitStatusOf } from './git.js';

export { cleanRelative } from './clean-path.js';

const DEFAULT_WALK_LIMIT = 200_000;

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

/**
 * A file of a DiskContext walk: its folder's TreeDir and its index in the folder's listing, the
 * rest looked up when read: the name from the listing, the size from the listing (a stat when
 * first asked), and the path, made (flat, see folderPath) the first time it is read and then
 * kept. A session keeps an entry per file of its contexts, and most entries' paths are never read
 * (snipe-it: 28 of 7,724 files per session; the analysis walk reads names): no string is made
 * for them, and what is the same for every file (`isDirectory`) is on the prototype.
 */
class DiskFileEntry implements ContextEntry {
  declare readonly isDirectory: boolean;
  /** The path, once read. */
  private flat: string | undefined = undefined;
  constructor(
    private readonly dir: TreeDir,
    private readonly index: number,
  ) {}
  get path(): string {
    let p = this.flat;
    if (p === undefined) {
      diskCounters.walkPaths++;
      p = this.flat = this.dir.pathOf(this.index);
    }
    return p;
  }
  get size(): number {
    return this.dir.listing().sizeAt(this.index);
  }
  /** The name as the listing holds it. */
  get name(): string {
    return this.dir.listing().names[this.index]!;
  }
  /** The path of the file's folder (its TreeDir's: no string made). */
  get folder(): string {
    return this.dir.path;
  }
}
Object.defineProperty(DiskFileEntry.prototype, 'isDirectory', { value: false });

/**
 * A folder of a context tree, and its entry in the walks. Its entries are made from its listing
 * the first time a walk enters it in the session (ContextTree.enter) and then shared by every
 * walk of the context (the analysis walk of the ignore file, the walk of what is sent, the full
 * walk, ...: each keeps its own list of the shared entries); they are kept in its tree's list,
 * from `start` on. The folder is its own entry (no entry object and no list of the folders below
 * kept beside it: everything made here lives for the session, and each object more is copied by
 * the scavenges it survives). A folder that cannot be listed has a `unreadable` entry of its own
 * (UNREADABLE), so that the shared one never carries the flag.
 */
class TreeDir implements ContextEntry {
  declare readonly isDirectory: boolean;
  declare readonly size: number;
  /** Where this folder's entries start in its tree's list, in listing order (a folder's entry is
   * its TreeDir); NOT_LISTED until a walk enters it, UNLISTABLE when it cannot be listed. */
  start = NOT_LISTED;
  /** The folder's listing, once entered: the absolute paths of the folders below are made from
   * it when a walk enters them (none for a folder no walk enters). */
  listed: Listing | null = null;

  constructor(
    /** The path from the context root, flat (see folderPath). */
    readonly path: string,
    /** The folder's name as its parent's listing holds it, '' for the top. */
    readonly name: string,
  ) {}

  /** The listing of a folder whose entries are made (its files' entries ask it). */
  listing(): Listing {
    return this.listed!;
  }

  /** The path of entry `i` of this listed folder, flat. */
  pathOf(i: number): string {
    const name = this.listed!.names[i]!;
    return this.path === '' ? name : folderPath(this.path, name);
  }

  /** This folder's entry as walks give it when it cannot be listed. */
  unreadableEntry(): ContextEntry {
    let e = UNREADABLE.get(this);
    if (!e)
      UNREADABLE.set(
        this,
        (e = { path: this.path, size: 0, isDirectory: true, name: this.name, unreadable: true }),
      );
    return e;
  }
}

/** ContextTree chunks: the most places of a chunk (a folder with more entries has a chunk of its
 * own), and the span of a chunk's positions in TreeDir.start (an entry's place in its chunk is
 * below it: a chunk past CHUNK_MAX holds one folder, from place 0). */
const CHUNK_MAX = 4096;
const CHUNK_SPAN = 65536;

/** TreeDir.start of a folder no walk has entered yet, and of one that cannot be listed. */
const NOT_LISTED = -1;
const UNLISTABLE = -2;

/** The entries walks give for the folders of a tree that cannot be listed (few: no field on
 * every TreeDir for them). */
const UNREADABLE = new WeakMap<TreeDir, ContextEntry>();

// (the same for every folder: on the prototype, no field per folder)
Object.defineProperty(TreeDir.prototype, 'isDirectory', { value: true });
Object.defineProperty(TreeDir.prototype, 'size', { value: 0 });

/**
 * The path of folder `name` in folder `parent`, made flat (an array join): a folder's path is
 * tested by the walks' descent rules (a regular expression test flattens a concatenated string,
 * keeping the flat copy beside it for the session). Also a file's path, made when first read
 * (see DiskFileEntry): one string, where a concatenation is one object and, once a test
 * flattens it, a flat copy beside it.
 */
function folderPath(parent: string, name: string): string {
  return joinFlat(parent, '/', name);
}

/**
 * The path of folder entry `i` of `dir` (listing `listed`) from the context root: its name at the
 * top; below, the end of the absolute path of its listing when one was made already (the search
 * for build files lists every folder of a project, the context walks enter the same ones): a
 * slice of that string (one small object pointing into it), not a string of its own. An
 * absolute path made by Listing.pathOf is its folder's path, `/` and the name: on a system
 * whose separator is `/`, its end is the context path (the top's listing is at the context
 * root, each folder's listing from its parent's).
 */
function subPath(dir: TreeDir, listed: Listing, i: number): string {
  const name = listed.names[i]!;
  if (dir.path === '') return name;
  const abs = path.sep === '/' ? listed.knownPathOf(i) : undefined;
  const length = dir.path.length + 1 + name.length;
  return abs !== undefined && abs.length > length
    ? abs.slice(abs.length - length)
    : folderPath(dir.path, name);
}

/** The tree of a context folder in the current session (see TreeDir). */
class ContextTree {
  readonly top = new TreeDir('', '');
  /** The entries of every folder a walk has entered, each folder's together and in listing order
   * in one chunk (a list per folder is two objects more per folder, for the session; one list for
   * the tree, grown as walks enter folders, has each of its longer copies promoted by the
   * scavenges a session's walks run into). A TreeDir's `start` is its chunk's index times
   * CHUNK_SPAN plus where its entries start in it. */
  readonly chunks: ContextEntry[][] = [];
  /** Entries made, and the free places of the last chunk. */
  private made = 0;
  private room = 0;
  /** Every entry of the tree in walk order, once a walk has gone through all of it (no folder
   * left out, no limit reached): that walk's list, shared by the later ones that prune nothing. */
  complete: ContextEntry[] | null = null;

  /** Whether the top folder, at absolute path `abs`, can be listed (its entries made once). */
  enterTop(abs: string): boolean {
    const { top } = this;
    // Listings come from the process-wide cache (context/cache.ts): a context shared by
    // several Dockerfiles is listed once per session.
    return top.start === NOT_LISTED ? this.enter(top, listDirCached(abs)) : top.start >= 0;
  }

  /** Whether `sub`, the folder of entry `i` of `dir`, can be listed (its entries made once). */
  enterSub(dir: TreeDir, i: number, sub: TreeDir): boolean {
    return sub.start === NOT_LISTED
      ? this.enter(sub, dir.listed!.folderListing(i))
      : sub.start >= 0;
  }

  /** Makes the entries of folder `dir` from its listing (null: it cannot be listed). */
  private enter(dir: TreeDir, listed: Listing | null): boolean {
    if (!listed) {
      dir.start = UNLISTABLE;
      return false;
    }
    dir.listed = listed;
    const { names } = listed;
    const n = names.length;
    const { chunks } = this;
    if (n > this.room || chunks.length === 0) {
      // (chunks of about half the entries made so far, 16 to CHUNK_MAX places: few chunks, and
      // few free places left in the last)
      const size = Math.max(n, Math.min(CHUNK_MAX, Math.max(16, this.made >> 1)));
      chunks.push(new Array<ContextEntry>(size));
      this.room = size;
    }
    const chunk = chunks[chunks.length - 1]!;
    const at = chunk.length - this.room;
    dir.start = (chunks.length - 1) * CHUNK_SPAN + at;
    this.room -= n;
    this.made += n;
    for (let i = 0; i < n; i++)
      chunk[at + i] = listed.isDirectory(i)
        ? new TreeDir(subPath(dir, listed, i), names[i]!)
        : new DiskFileEntry(dir, i);
    diskCounters.walkEntries += names.length;
    return true;
  }
}

export class DiskContext implements BuildContext {
  readonly available = true;
  readonly dockerfilePath: string | null;
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
    // (a normalised absolute root and a Dockerfile below it, as a session passes them, taken as
    // they are: path's work was most of the making of a context; see clean-path.ts)
    const clean = isCleanRoot(root);
    this.root = clean ? root : path.resolve(root);
    const below = clean && dockerfileAbsolute ? cleanTail(root, dockerfileAbsolute) : null;
    if (below !== null) this.dockerfilePath = below.startsWith('..') ? null : below;
    else if (dockerfileAbsolute) {
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
    if (k === undefined) kinds.set(p, (k = this.listedKind(p) ?? this.lstatKind(p)));
    return k;
  }

  /** The kind of `p` read from the listings of this generation (the walks and the search for
   * build files list most folders of a context): no lstat. A path is missing when a folder on
   * its way does not list the next name and that cannot be another case or spelling of a
   * listed one (see Listing.lacks), or lists it as a file. Undefined when the listings do not
   * tell (a folder not listed in this generation, a symbolic link on the way). */
  private listedKind(p: string): PathKind | undefined {
    const rel = cleanRelative(p);
    if (!rel) return undefined;
    let listed = listedInGeneration(this.root);
    for (let start = 0; ;) {
      if (!listed) return undefined;
      const slash = rel.indexOf('/', start);
      const name = slash < 0 ? rel.slice(start) : rel.slice(start, slash);
      const i = listed.indexOf(name);
      if (i < 0) return listed.lacks(name) ? 'missing' : undefined;
      if (slash < 0) return listed.isDirectory(i) ? 'dir' : 'other';
      // (below a file: ENOTDIR, missing; below a symbolic link: wherever it leads)
      if (!listed.isDirectory(i)) return listed.isSymlink(i) ? undefined : 'missing';
      // (the folder's listing from its parent's: see Listing.listedFolder)
      listed = listed.listedFolder(i);
      start = slash + 1;
    }
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
    // (another spelling of a path asked before: the texts are kept by the path asked and by its
    // clean form, for every DiskContext of the root; no table per DiskContext, whose session
    // caches may keep it for the session)
    const known = rel === p ? undefined : shared.get(rel);
    if (known !== undefined) {
      shared.set(p, known);
      return known;
    }
    const abs = this.abs(rel);
    // (a path the listings show missing, or a folder, is no text: no lstat)
    const listed = abs === null ? undefined : this.listedKind(rel);
    const out =
      abs === null || listed === 'missing' || listed === 'dir' ? null : readTextCached(abs);
    shared.set(p, out);
    if (rel !== p) shared.set(rel, out);
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
    // (the listing of the session, as the walks see it: no readdir per call; a missing folder,
    // which no listing keeps, is known missing for the generation: no failed readdir per call)
    const listed =
      listedInGeneration(abs) ?? (this.kind(dir) === 'missing' ? null : listDirCached(abs));
    return listed ? listed.names.slice() : [];
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
        const out = this.walkNow(options, true);
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

  /** Walk the context's session tree. A walk shared through the session (`shared`: keyed, or
   * full) that went everywhere is the tree's complete list: the first such walk's list is
   * given to the others. */
  private walkNow(options: WalkOptions, shared = false): ContextEntry[] {
    diskCounters.walks++;
    const limit = options.limit ?? this.walkLimit;
    const { descend } = options;
    const tree = sessionTree(this.root, () => new ContextTree());
    if (shared && !descend && tree.complete && tree.complete.length <= limit) {
      if (!options.limit) this.walked = tree.complete;
      return tree.complete;
    }
    const out: ContextEntry[] = [];
    let pruned = false;
    const { chunks } = tree;
    const visit = (dir: TreeDir): boolean => {
      const all = chunks[Math.floor(dir.start / CHUNK_SPAN)]!;
      const start = dir.start % CHUNK_SPAN;
      const end = start + dir.listed!.length;
      for (let i = start; i < end; i++) {
        if (out.length >= limit) return false;
        const e = all[i]!;
        out.push(e);
        if (!e.isDirectory) continue;
        if (descend && !descend(e)) {
          pruned = true;
          continue;
        }
        // (a folder entry of the tree is its TreeDir)
        const sub = e as unknown as TreeDir;
        if (!tree.enterSub(dir, i - start, sub)) out[out.length - 1] = sub.unreadableEntry();
        else if (!visit(sub)) return false;
      }
      return true;
    };
    const complete = !tree.enterTop(this.root) || visit(tree.top);
    if (!complete && !options.limit) this.walkTruncatedAt = limit;
    let result = out;
    if (shared && complete && !pruned) result = tree.complete ??= out;
    if (!descend && !options.limit) this.walked = result;
    return result;
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
    const base = this.base.list(dir);
    const prefix = dir === '' ? '' : `${cleanRelative(dir)}/`;
    let names: Set<string> | null = null;
    for (const p of this.overlay.keys()) {
      if (p.startsWith(prefix) && !p.slice(prefix.length).includes('/'))
        (names ??= new Set(base)).add(p.slice(prefix.length));
    }
    // (no pending file in the folder: the base's list as it is when sorted without repeats)
    if (!names && strictlySorted(base)) return base;
    return [...(names ?? new Set(base))].sort();
  }
  walk(options?: WalkOptions): ContextEntry[] {
    const entries = this.base.walk(options);
    // (most runs have no pending file: the base's walk as it is, no copy per call)
    if (this.overlay.size === 0) return entries;
    // The same walk seen through the same pending files (by any view: the Dockerfiles of a
    // context in a session see the same pending files of the earlier ones): the merged list of
    // the last call.
    const last = MERGED.get(entries);
    if (
      last &&
      last.pending.length === this.overlay.size &&
      last.pending.every(([p, c]) => this.overlay.get(p) === c)
    )
      return last.out;
    const out = this.merge(entries);
    MERGED.set(entries, { pending: [...this.overlay], out });
    return out;
  }

  private merge(entries: ContextEntry[]): ContextEntry[] {
    let extra: ContextEntry[] | null = null;
    // (the places of the pending files the walk holds: no lookup of every entry's path)
    let held: number[] | null = null;
    for (const [p, content] of this.overlay) {
      const at = placeInWalk(entries, p, this.overlay.size);
      if (at >= 0) (held ??= []).push(at);
      else
        (extra ??= []).push({
          path: p,
          size: Buffer.byteLength(content, 'utf8'),
          isDirectory: false,
        });
    }
    // (pending files that are all in the walk already: the walk as it is)
    if (!extra) return entries;
    const out = entries.slice();
    if (held)
      for (const i of held) {
        const e = out[i]!;
        out[i] = withSize(e, Buffer.byteLength(this.overlay.get(e.path)!, 'utf8'));
      }
    // (the walk's few entries out of path order moved, then each pending file put in its place)
    sortByPath(out);
    for (const e of extra) out.splice(placeByPath(out, e.path), 0, e);
    return out;
  }
}

/** `list` sorted by path (paths unique, so one order only). A walk is in path order but for a
 * few entries (a folder's name followed by a character below `/` in a sibling's: `app`,
 * `app.py`): an insertion sort moves those few (no comparison callback per entry); past a
 * budget of moves, the array sort. */
export function sortByPath(list: ContextEntry[]): ContextEntry[] {
  let budget = list.length + 64;
  for (let i = 1; i < list.length; i++) {
    const e = list[i]!;
    const p = e.path;
    let j = i - 1;
    if (!(p < list[j]!.path)) continue;
    while (j >= 0 && p < list[j]!.path) {
      if (--budget < 0) {
        // (the entry put back where the shifts left a copy: the list a permutation again)
        list[j + 1] = e;
        return list.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
      }
      list[j + 1] = list[j]!;
      j--;
    }
    list[j + 1] = e;
  }
  return list;
}

/** Entry `e` with another size (its fields copied one by one: a disk walk's entries have theirs
 * on their prototypes, which a spread leaves out). */
function withSize(e: ContextEntry, size: number): ContextEntry {
  const out: ContextEntry = { path: e.path, size, isDirectory: e.isDirectory };
  if (e.unreadable !== undefined) out.unreadable = e.unreadable;
  return out;
}

/** The last merge of each base walk with the pending files of an OverlayContext (see `walk`). */
const MERGED = new WeakMap<
  readonly ContextEntry[],
  { pending: [string, string][]; out: ContextEntry[] }
>();

/** The places of a walk's paths, for the pending files looked up in it (when there are many). */
const WALK_PLACES = new WeakMap<readonly ContextEntry[], Map<string, number>>();

/** Where path `p` goes in `list`, sorted by path: the first place whose path is not below it. */
function placeByPath(list: readonly ContextEntry[], p: string): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]!.path < p) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The place of path `p` in walk `entries`, or -1: a scan for one of a few pending files (no set
 * of every path made), a map of the walk's paths (made once per walk) for many. */
function placeInWalk(entries: readonly ContextEntry[], p: string, lookups: number): number {
  if (lookups <= 8) {
    for (let i = 0; i < entries.length; i++) if (entries[i]!.path === p) return i;
    return -1;
  }
  let places = WALK_PLACES.get(entries);
  if (!places) {
    places = new Map();
    for (let i = 0; i < entries.length; i++) places.set(entries[i]!.path, i);
    WALK_PLACES.set(entries, places);
  }
  return places.get(p) ?? -1;
}

function strictlySorted(names: readonly string[]): boolean {
  for (let i = 1; i < names.length; i++) if (!(names[i - 1]! < names[i]!)) return false;
  return true;
}
