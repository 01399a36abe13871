/**
 * Process-wide caches of what build contexts hold on disk, so that optimizing many Dockerfiles
 * (one `optimizeFiles` call, the CLI's `fix`, the language server, or a script calling
 * `optimizeFile` once per file) reads each context file and lists each folder once:
 *
 * - file texts, keyed by absolute path and checked against size and mtime;
 * - folder listings (Listing: names, kinds; sizes looked up when asked), keyed by absolute path
 *   (or kept by their parent's, see listDirCached) and checked against the folder's mtime (a
 *   file rewritten in place keeps its listed size until the folder changes; sizes only feed the
 *   byte counts of reports, file texts are always checked);
 * - values derived from a text (derived.ts), dropped with these (onClear).
 *
 * Each check is done once per *generation*: a session (one `optimizeFiles` call, or a lone
 * `optimize()` call) is one generation, in which the disk is read as a snapshot. A search for
 * build files (builds/index.ts) starts one of its own, which the session right after it joins
 * (see inBuildSearch). `clearCaches()` (exported by the API) drops everything.
 */
import * as fs from 'node:fs';
import { basename, dirname, join, sep } from 'node:path';
import { isAscii, sameButCase } from './ascii.js';
import { keepParsedModels } from '../model/dockerfile.js';

/** Counts of real work, for the count-based tests (never reset by the caches): file reads,
 * folder listings, derived values computed (e.g. a Dockerfile parsed for what it copies), and
 * when `readLog` is set, the absolute path of each read. */
export const diskCounters = {
  reads: 0,
  /** `git` processes started (src/context/git.ts). */
  gitRuns: 0,
  listings: 0,
  /** Folders stat'ed by the listing cache (its mtime check). */
  dirChecks: 0,
  /** Context walks done (DiskContext.walk; not those served from the session). */
  walks: 0,
  /** Walk entries made (DiskContext: one per listed file or folder of a context and session,
   * shared by all the walks of that context in the session). */
  walkEntries: 0,
  /** Paths of walk file entries made (each when first read, then kept: most are never read). */
  walkPaths: 0,
  /** Paths looked up by DiskContext.exists/isDirectory (not those served from the generation). */
  lstats: 0,
  derived: 0,
  /** Contexts whose session tree or walks were dropped (forgetSessionContext). */
  contextsForgotten: 0,
  readLog: null as string[] | null,
  /** Files whose cached text was checked (lstat) or read, in order (null: not recorded). */
  checkLog: null as string[] | null,
  /** Folders listed, in order (null: not recorded). */
  listLog: null as string[] | null,
  /** Files sized (Listing.sizeAt), and Dockerfiles and ignore files read (src/api.ts). */
  sizeLog: null as string[] | null,
  fileLog: null as string[] | null,
};

let generation = 1;
let sessionDepth = 0;
/** The generation a search for build files left open for the session that follows it. */
let openGeneration = -1;
/** Runs over many files and searches for build files under way: their first listings of a
 * folder take no stat (see listDirCached). */
let lazyDepth = 0;

interface SessionOptions {
  many?: boolean;
  buildSearch?: boolean;
}

function beginSession(options: SessionOptions): void {
  if (sessionDepth === 0) {
    if (options.buildSearch || generation !== openGeneration) generation++;
    openGeneration = -1;
  }
  sessionDepth++;
  // A run over many files keeps the parsed models of its texts (model/dockerfile.ts) until it ends.
  if (options.many) keepParsedModels(true);
  if (options.many || options.buildSearch) lazyDepth++;
}

function endSession(options: SessionOptions): void {
  if (options.many || options.buildSearch) lazyDepth--;
  if (options.many) keepParsedModels(false);
  if (--sessionDepth === 0) {
    if (options.buildSearch) openGeneration = generation;
    else generation++;
  }
}

/** Run `fn` as one session: one generation for all of it (nested sessions join the outer;
 * `many`: a run over many files, see keepParsedModels and listDirCached).
 * Outside any session every access checks the disk again (a new generation starts when the
 * outermost session ends), so files written between calls are seen; the one exception is a
 * session right after a search for build files, which joins the search's generation. */
export async function inSession<T>(
  fn: () => Promise<T>,
  options: { many?: boolean } = {},
): Promise<T> {
  beginSession(options);
  try {
    return await fn();
  } finally {
    endSession(options);
  }
}

/**
 * Run the search for build files (builds/index.ts; `fn` may be async), which precedes a run: it starts a new
 * generation, and the session that immediately follows it (no other session or
 * `clearContextCaches` in between) joins that generation, so that the run's context walks find
 * the folders it listed without looking at them again (the search and the run it is for see
 * one snapshot of the disk, as one session does). Within a session it joins that session.
 */
export function inBuildSearch<T>(fn: () => T): T {
  const options = { buildSearch: true };
  beginSession(options);
  let pending = false;
  try {
    const out = fn();
    // (an async search ends when its promise settles)
    if (out instanceof Promise) {
      pending = true;
      return out.finally(() => endSession(options)) as T;
    }
    return out;
  } finally {
    if (!pending) endSession(options);
  }
}

interface FileEntry {
  size: number;
  mtimeMs: number;
  checked: number;
  text: string | null;
}

const files = new Map<string, FileEntry>();
/** Bound on the cached text (UTF-16 code units, about 2 bytes each): past it the oldest
 * entries go (a long-running process such as the language server stays bounded). */
const FILES_TEXT_LIMIT = 16 * 1024 * 1024;
let filesText = 0;

function forget(abs: string): void {
  const old = files.get(abs);
  if (old) filesText -= old.text?.length ?? 0;
  files.delete(abs);
}

function isProbablyBinary(buf: Buffer): boolean {
  const n = Math.min(buf.length, 8000);
  for (let i = 0; i < n; i++) if (buf[i] === 0) return true;
  return false;
}

/** The text of a regular file (null: missing, not a regular file, binary, unreadable). */
export function readTextCached(abs: string): string | null {
  const hit = files.get(abs);
  if (hit && hit.checked === generation) return hit.text;
  diskCounters.checkLog?.push(abs);
  let st: fs.Stats;
  try {
    // (most paths asked about are missing: no exception for that, it costs several lstats)
    const found = fs.lstatSync(abs, { throwIfNoEntry: false });
    if (!found) {
      forget(abs);
      return null;
    }
    st = found;
  } catch {
    forget(abs);
    return null;
  }
  if (!st.isFile()) {
    forget(abs);
    return null;
  }
  if (hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs) {
    hit.checked = generation;
    return hit.text;
  }
  let text: string | null = null;
  try {
    diskCounters.reads++;
    diskCounters.readLog?.push(abs);
    const buf = fs.readFileSync(abs);
    text = isProbablyBinary(buf) ? null : buf.toString('utf8');
  } catch {
    text = null;
  }
  forget(abs);
  files.set(abs, { size: st.size, mtimeMs: st.mtimeMs, checked: generation, text });
  filesText += text?.length ?? 0;
  for (const key of files.keys()) {
    if (filesText <= FILES_TEXT_LIMIT || key === abs) break;
    forget(key);
  }
  return text;
}

/** Kinds of listed entries (Listing.kinds), two bits each. */
const FILE = 0;
const DIR = 1;
const SYMLINK = 2;
/** FIFOs, sockets, devices. */
const OTHER = 3;
/** Listings of at most this many entries keep their kinds in one small integer (two bits an
 * entry: 30 bits, a Smi on every V8 build); longer ones in a string, a char code an entry. */
const PACKED_KINDS = 15;

/** Listing.flags: whether every name is ASCII, and whether the folder tells names apart by
 * case, each once asked (see Listing.lacks). */
const ASCII_KNOWN = 1;
const ASCII = 2;
const CASE_KNOWN = 4;
const CASE_SENSITIVE = 8;

/** The array joinFlat joins (empty between calls: it keeps no string alive). */
const PAIR = ['', ''];

/**
 * `a`, `separator` and `b` joined into one flat string (an array join; `+` makes a
 * concatenation, which the first fs call, lookup or regular expression test on it flattens into a
 * second string kept beside it): for paths kept for a session. One array (PAIR) is filled and
 * joined for every call: no array made per path.
 */
export function joinFlat(a: string, separator: string, b: string): string {
  PAIR[0] = a;
  PAIR[1] = b;
  const joined = PAIR.join(separator);
  PAIR[0] = PAIR[1] = '';
  return joined;
}

/**
 * The listing of one folder, compact: its names sorted (by UTF-16 code unit, as `<` compares),
 * and their kinds (from the listing itself, no stat per entry) packed two bits an entry in a
 * small integer (at most 15 entries, most folders) or a char code an entry in a short string;
 * the sizes of its files looked up when asked (`sizeAt`: most listed files are never sized,
 * sizes only feed the byte counts of reports). It is also the listing cache's record of the
 * folder (mtime and the generation that checked it). The objects of a folder are this one, its
 * names array (and the names) and, for more than 15 entries, a kinds string: everything listed
 * lives for the session, and each object more is copied by every scavenge it survives.
 */
export class Listing {
  /** The folder's mtime, taken before it was listed; null when it was listed without a stat
   * (then the next generation that meets it lists it again; null, not NaN: no number boxed per
   * folder). The listing cache's (listDirCached). */
  mtimeMs: number | null = null;
  /** The generation that last checked the listing against the disk (listDirCached). */
  checked = 0;
  /** Bytes per entry, -1 until looked up (null: none asked yet). */
  private sizes: number[] | null = null;
  /** The listings of this folder's folders that `folderListing` gave, by entry (null: none
   * asked yet; holey). */
  private kids: (Listing | undefined)[] | null = null;
  /** ASCII_KNOWN | ASCII | CASE_KNOWN | CASE_SENSITIVE. */
  private flags = 0;

  constructor(
    /** The folder's absolute path. */
    readonly abs: string,
    readonly names: readonly string[],
    /** Kind of entry `i`: bits 2i and 2i+1 (a number), or char code `i` (a string). */
    private readonly kinds: number | string,
  ) {}

  get length(): number {
    return this.names.length;
  }

  /** FILE, DIR, SYMLINK or OTHER. */
  private kindAt(i: number): number {
    const k = this.kinds;
    return typeof k === 'number' ? (k >>> (2 * i)) & 3 : k.charCodeAt(i);
  }

  isDirectory(i: number): boolean {
    return this.kindAt(i) === DIR;
  }

  /** A regular file (false for folders, symbolic links, FIFOs, sockets and devices). */
  isFile(i: number): boolean {
    return this.kindAt(i) === FILE;
  }

  /** A symbolic link (a file to the walks, sized by lstat). */
  isSymlink(i: number): boolean {
    return this.kindAt(i) === SYMLINK;
  }

  /** The index of entry `name` (exactly: case counts), or -1 (a binary search). */
  indexOf(name: string): number {
    const { names } = this;
    let lo = 0;
    let hi = names.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const n = names[mid]!;
      if (n === name) return mid;
      if (n < name) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /**
   * Whether `name` is surely not in the folder: the listing lacks it, and an lstat would not
   * find it under another spelling either. Only for an ASCII name (no Unicode normalisation can
   * map it to a listed one) and not on Windows (short 8.3 names, trailing dots). On a file system
   * that ignores case (macOS and Windows by default, mounts of them, casefolded ext4 folders) a
   * listed name that differs only by case would be found: a folder with no such name (and only
   * ASCII names) lacks `name` whatever its case rule; else only one known to tell cases apart
   * (probed once per listing, see probeCase).
   */
  lacks(name: string): boolean {
    if (this.indexOf(name) >= 0 || process.platform === 'win32' || !isAscii(name)) return false;
    const flags = this.flags;
    if (flags & CASE_SENSITIVE || !this.hasCaseTwin(name)) return true;
    if (flags & CASE_KNOWN) return false;
    const sensitive = probeCase(this);
    this.flags |= CASE_KNOWN | (sensitive ? CASE_SENSITIVE : 0);
    return sensitive;
  }

  /** Whether a listed name could be `name` (ASCII) on a file system that ignores case: the same
   * but for the case of ASCII letters, or any name with a non-ASCII character. (A scan without
   * allocation: lookups of absent names are few per folder.) */
  private hasCaseTwin(name: string): boolean {
    const { names } = this;
    if (!(this.flags & ASCII_KNOWN)) this.flags |= ASCII_KNOWN | (names.every(isAscii) ? ASCII : 0);
    if (!(this.flags & ASCII)) return true;
    const n = name.length;
    for (let i = 0; i < names.length; i++) {
      const other = names[i]!;
      if (other.length === n && sameButCase(other, name)) return true;
    }
    return false;
  }

  /** The path of entry `i` (the folder's path and the name joined: no normalisation needed).
   * Made flat (an array join; `+` makes a concatenation, which the first fs call on it or the
   * first lookup flattens into a second string kept beside it): a folder's path is kept for the
   * session, as the listing cache's key and its listing's `abs` (see joinFlat). */
  pathOf(i: number): string {
    const { abs } = this;
    return joinFlat(abs, abs[abs.length - 1] === sep ? '' : sep, this.names[i]!);
  }

  /**
   * The listing of folder entry `i`: what `listDirCached(this.pathOf(i))` gives, without making
   * the path and looking it up again when this listing gave it before in the current
   * generation (the search for build files and the context walks of a session go down the same
   * folders). The one kept is given only while its `checked` is the current generation: a
   * listing the cache checked in a generation stays the cache's record of its folder for the
   * rest of that generation (listDirCached replaces or drops a record only when it was not
   * checked in the generation under way, and clearContextCaches ends the generation).
   */
  folderListing(i: number): Listing | null {
    const known = this.kids?.[i];
    if (known !== undefined && known.checked === generation) return known;
    const listed = listDirCached(this.pathOf(i), true);
    if (listed) (this.kids ??= new Array<Listing | undefined>(this.names.length))[i] = listed;
    return listed;
  }

  /** The listing of folder entry `i` if the current generation has listed it, else null or
   * undefined: what `listedInGeneration(this.pathOf(i))` gives (no disk access), taken from
   * this listing without the path when it gave it before (see folderListing). */
  listedFolder(i: number): Listing | null | undefined {
    const known = this.kids?.[i];
    if (known !== undefined && known.checked === generation) return known;
    const listed = listedInGeneration(this.pathOf(i));
    if (listed) (this.kids ??= new Array<Listing | undefined>(this.names.length))[i] = listed;
    return listed;
  }

  /** The listing of folder `name` this listing gave in this generation (folderListing). */
  keptFolder(name: string): Listing | undefined {
    const i = this.indexOf(name);
    const known = i < 0 ? undefined : this.kids?.[i];
    return known !== undefined && known.checked === generation ? known : undefined;
  }

  /** The absolute path of folder entry `i` when this listing gave its listing in this
   * generation (folderListing): that listing's `abs` (no path made here); else undefined. */
  knownPathOf(i: number): string | undefined {
    const known = this.kids?.[i];
    return known !== undefined && known.checked === generation ? known.abs : undefined;
  }

  /** The size of entry `i` in bytes (folders: 0), looked up once, then kept. */
  sizeAt(i: number): number {
    const kind = this.kindAt(i);
    if (kind === DIR) return 0;
    // (a plain array of doubles: two objects, where a Float64Array takes three and more bytes)
    let sizes = this.sizes;
    if (!sizes) sizes = this.sizes = new Array<number>(this.names.length).fill(-1);
    let size = sizes[i]!;
    if (size < 0) {
      // (a concatenation, not pathOf's flat join: the path lives for this call only, and the
      // stat flattens it once)
      const { abs } = this;
      const p = (abs[abs.length - 1] === sep ? abs : abs + sep) + this.names[i]!;
      diskCounters.sizeLog?.push(p);
      try {
        size = kind === SYMLINK ? fs.lstatSync(p).size : fs.statSync(p).size;
      } catch {
        size = 0;
      }
      sizes[i] = size;
    }
    return size;
  }
}

/** Whether a listed folder tells names apart by case: looks up a listed name with its ASCII
 * letters in the other case (not found: it does; so does a listing that holds both spellings).
 * False when no name has a letter. */
function probeCase(listed: Listing): boolean {
  const sample = listed.names.find((name) => /[a-zA-Z]/.test(name));
  if (sample === undefined) return false;
  const other = sample.replace(/[a-zA-Z]/g, (c) =>
    c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase(),
  );
  if (listed.indexOf(other) >= 0) return true;
  diskCounters.lstats++;
  try {
    return fs.lstatSync(join(listed.abs, other), { throwIfNoEntry: false }) === undefined;
  } catch {
    return false;
  }
}

/** What the listing cache keeps of a folder: its listing (which carries its mtime and check
 * generation itself), or for a folder stat'ed but not listable, a record of its own. */
type DirEntry = Listing | Unlisted;

interface Unlisted {
  mtimeMs: number;
  checked: number;
}

const dirs = new Map<string, DirEntry>();

/** The listing of a cache entry (null: the folder could not be listed). */
const listingOf = (e: DirEntry): Listing | null => (e instanceof Listing ? e : null);

/** `entries` (or, null, the folder's unlistable record) stamped with the folder's mtime and the
 * generation that checked it. */
function dirEntry(entries: Listing | null, mtimeMs: number | null): DirEntry {
  // (an unlistable folder is kept only once stat'ed: `mtimeMs` is then a number)
  if (!entries) return { mtimeMs: mtimeMs!, checked: generation };
  entries.mtimeMs = mtimeMs;
  entries.checked = generation;
  return entries;
}

const byName = (a: fs.Dirent, b: fs.Dirent) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** The kinds of a long listing being made (listNow), copied into its kind string. */
let kindBytes = Buffer.allocUnsafe(256);

/** The kind of a listed entry (FILE, DIR, SYMLINK or OTHER). */
const kindOf = (e: fs.Dirent) =>
  e.isFile() ? FILE : e.isDirectory() ? DIR : e.isSymbolicLink() ? SYMLINK : OTHER;

/** (one options object for every listing) */
const READDIR_OPTIONS = { withFileTypes: true } as const;

/** List a folder now (kinds from the listing itself: no stat per entry), or null. */
function listNow(abs: string): Listing | null {
  let dirents: fs.Dirent[];
  try {
    diskCounters.listings++;
    diskCounters.listLog?.push(abs);
    dirents = fs.readdirSync(abs, READDIR_OPTIONS);
  } catch {
    return null;
  }
  const n = dirents.length;
  // libuv lists a folder sorted by its bytes (strcmp), which for UTF-8 is the order `<` gives
  // but for names with characters past U+FFFF: sorted only when not so already (a sort copies
  // the array into work arrays, ~0.7 KB each, for every folder of a repository).
  for (let i = 1; i < n; i++)
    if (!(dirents[i - 1]!.name < dirents[i]!.name)) {
      dirents.sort(byName);
      break;
    }
  // The names take the place of the entries in the array readdir gave (no second array).
  const names = dirents as unknown as string[];
  let kinds: number | string;
  if (n <= PACKED_KINDS) {
    kinds = 0;
    for (let i = 0; i < n; i++) {
      const e = dirents[i]!;
      kinds |= kindOf(e) << (2 * i);
      names[i] = e.name;
    }
  } else {
    if (kindBytes.length < n) kindBytes = Buffer.allocUnsafe(Math.max(n, 2 * kindBytes.length));
    for (let i = 0; i < n; i++) {
      const e = dirents[i]!;
      kindBytes[i] = kindOf(e);
      names[i] = e.name;
    }
    kinds = kindBytes.toString('latin1', 0, n);
  }
  return new Listing(abs, names, kinds);
}

/**
 * The listing of a folder (symlinks are files sized by lstat, see `Listing.sizeAt`), or null
 * if unreadable.
 *
 * A later generation checks a listing against the folder's mtime, taken *before* listing (a
 * change made while listing then shows as a newer mtime, never as a stale listing kept). That
 * stat is only worth it where a later generation is expected to come back: a folder listed for
 * the first time during a run over many files (`fix`, optimizeFiles, optimizeDeclaredFiles:
 * usually the whole work of a process) or by the search for build files (whose run follows in
 * the same generation, see inBuildSearch) is listed without it, its mtime left unknown, and the
 * next generation that meets it lists it again (stat first) instead of trusting it. Single calls
 * (each analysis of the language server, a script's optimizeFile per file) record the mtime up
 * front, so that the next generation checks the folder with one stat instead of a listing.
 */
export function listDirCached(abs: string, fromParent = false): Listing | null {
  const hit = dirs.get(abs);
  if (hit && hit.checked === generation) return listingOf(hit);
  if (!hit && !fromParent) {
    const kept = keptByParent(abs);
    if (kept) return kept;
  }
  if (!hit && lazyDepth > 0) {
    const entries = listNow(abs);
    if (entries) {
      // Listed from its parent's listing (`fromParent`: Listing.folderListing): kept by it only,
      // no record per folder of a project in the table (its growth is copied by the scavenges
      // of a search for build files); lookups by path find it through its parent's.
      if (fromParent) {
        keptByParents = generation;
        dirEntry(entries, null);
      } else dirs.set(abs, dirEntry(entries, null));
      return entries;
    }
    // Missing or unreadable: as with a stat first (a missing folder is not kept).
  }
  let mtimeMs = -1;
  try {
    diskCounters.dirChecks++;
    mtimeMs = fs.statSync(abs).mtimeMs;
  } catch {
    dirs.delete(abs);
    return null;
  }
  // null (listed without a stat) never equals: listed again.
  if (hit && hit.mtimeMs === mtimeMs) {
    hit.checked = generation;
    return listingOf(hit);
  }
  const entries = listNow(abs);
  dirs.set(abs, dirEntry(entries, mtimeMs));
  return entries;
}

/** Folders the table of paths holds records of (for the count-based tests). */
export const listingRecords = (): number => dirs.size;

/** The entries of folder `abs` if the current generation has listed it already (no disk
 * access, no listing made): null when it could not be listed, undefined when not known. */
export function listedInGeneration(abs: string): Listing | null | undefined {
  const hit = dirs.get(abs);
  if (hit) return hit.checked === generation ? listingOf(hit) : undefined;
  return keptByParent(abs);
}

/** The generation that listed folders kept by their parents' listings only (listDirCached). */
let keptByParents = -1;

/** The listing of folder `abs` its parent's listing keeps in this generation (the parent's found
 * the same way), recorded in the table once found (few folders are looked up by path: context
 * roots, the folders of paths asked about); else undefined. */
function keptByParent(abs: string): Listing | undefined {
  if (keptByParents !== generation) return undefined;
  const dir = dirname(abs);
  if (dir === abs) return undefined;
  const kept = listedInGeneration(dir)?.keptFolder(basename(abs));
  if (kept) dirs.set(abs, kept);
  return kept;
}

/** The listing of folder `abs` made in the generation of a session or search for build files
 * under way (no disk access), else undefined: outside them a listing may be older than the
 * disk (a search's generation stays open until the next session). */
export function listedInSession(abs: string): Listing | undefined {
  if (sessionDepth === 0) return undefined;
  return listedInGeneration(abs) ?? undefined;
}

/** What the listings of the session under way show at absolute, normalised path `abs`: nothing
 * (`missing`: its folder lacks the name, see Listing.lacks), a folder, a regular file, or
 * something else (a symbolic link: only the disk tells where it leads; a FIFO, ...); undefined
 * when they do not tell (the folder not listed in this session). */
function sessionKind(abs: string): 'missing' | 'dir' | 'file' | 'link' | 'other' | undefined {
  const dir = dirname(abs);
  return dir === abs ? undefined : kindIn(dir, basename(abs));
}

/** sessionKind of the entry `name` of folder `dir`. */
function kindIn(
  dir: string,
  name: string,
): 'missing' | 'dir' | 'file' | 'link' | 'other' | undefined {
  const listed = listedInSession(dir);
  if (!listed) return undefined;
  const i = listed.indexOf(name);
  if (i < 0) return listed.lacks(name) ? 'missing' : undefined;
  return listed.isDirectory(i)
    ? 'dir'
    : listed.isFile(i)
      ? 'file'
      : listed.isSymlink(i)
        ? 'link'
        : 'other';
}

/**
 * The highest folder above absolute, normalised path `abs` from which the listings of the
 * session under way show every step down to `abs` as a folder or regular file, none a symbolic
 * link (`abs` itself when its folder was not listed, or lists it as anything else). Two paths
 * with the same such folder are the same file only when they are the same path (hard links
 * aside, which real paths do not equate either): no `realpath` needed.
 */
export function linkFreeTop(abs: string): string {
  for (let p = abs; ;) {
    const dir = dirname(p);
    if (dir === p) return p;
    const listed = listedInSession(dir);
    if (!listed) return p;
    const i = listed.indexOf(basename(p));
    if (i < 0 || !(listed.isDirectory(i) || listed.isFile(i))) return p;
    p = dir;
  }
}

/** Whether the listings of the session under way show that nothing is at absolute path `abs`
 * (no disk access; false when they do not tell). */
export function listedAbsent(abs: string): boolean {
  return sessionKind(abs) === 'missing';
}

/** listedAbsent of the entry `name` of folder `dir` (absolute, normalised, not `/`): no path
 * made (nor flattened and hashed to look it up). */
export const listedAbsentIn = (dir: string, name: string): boolean =>
  kindIn(dir, name) === 'missing';

/** `fs.existsSync(abs)` (following symbolic links), answered from the listings of the session
 * under way when they tell (absolute, normalised `abs`). */
export function pathExists(abs: string): boolean {
  const kind = sessionKind(abs);
  if (kind === 'missing') return false;
  if (kind === 'dir' || kind === 'file' || kind === 'other') return true;
  return fs.existsSync(abs);
}

/** Whether `abs` is a folder (following symbolic links), answered from the listings of the
 * session under way when they tell (absolute, normalised `abs`). */
export function isDirectoryPath(abs: string): boolean {
  if (listedInSession(abs)) return true;
  const kind = sessionKind(abs);
  if (kind === 'missing' || kind === 'file' || kind === 'other') return false;
  if (kind === 'dir') return true;
  try {
    return fs.statSync(abs).isDirectory();
  } catch {
    return false;
  }
}

const rootReads = new Map<string, { generation: number; texts: Map<string, string | null> }>();

/** The texts read through any DiskContext of `root` in the current generation, by the path the
 * caller asked for (so that N contexts of one folder in a session share one lookup table). */
export function readsOf(root: string): Map<string, string | null> {
  let r = rootReads.get(root);
  if (!r || r.generation !== generation)
    rootReads.set(root, (r = { generation, texts: new Map() }));
  return r.texts;
}

const tables = new Map<string, { generation: number; table: Map<unknown, unknown> }>();

/** The table named `name` of the current generation (a new, empty one in each generation): for
 * what is read from disk and holds for a generation as the texts above do (DiskContext path
 * kinds, the Dockerfiles and ignore files the API reads). */
export function generationTable<K, V>(name: string): Map<K, V> {
  let t = tables.get(name);
  if (!t || t.generation !== generation) tables.set(name, (t = { generation, table: new Map() }));
  return t.table as Map<K, V>;
}

/** Values kept for the current generation only, the most recent `limit` of them. */
export class SessionValues {
  private readonly values = new Map<string, unknown>();
  private generation = -1;
  /** The key set last, the map's last (undefined: none, or not known). */
  private newest: string | undefined = undefined;
  constructor(private readonly limit: number) {}

  get<T>(key: string, compute: () => T): T {
    const { values } = this;
    if (this.generation !== generation) {
      values.clear();
      this.newest = undefined;
      this.generation = generation;
    }
    if (values.has(key)) {
      const v = values.get(key) as T;
      // (moved to the end, the most recent: already there when it is the newest)
      if (key !== this.newest) {
        values.delete(key);
        values.set(key, v);
        this.newest = key;
      }
      return v;
    }
    const v = compute();
    values.set(key, v);
    this.newest = key;
    if (values.size > this.limit) values.delete(values.keys().next().value!);
    return v;
  }

  /** Drop this generation's values whose key `drop` accepts; how many. */
  forget(drop: (key: string) => boolean): number {
    const { size } = this.values;
    if (this.generation === generation)
      for (const k of this.values.keys()) if (drop(k)) this.values.delete(k);
    if (this.newest !== undefined && !this.values.has(this.newest)) this.newest = undefined;
    return size - this.values.size;
  }

  clear(): void {
    this.values.clear();
    this.newest = undefined;
  }
}

/** Walks kept at once (a session over a monorepo meets many contexts; the Dockerfiles of one
 * context usually come together). */
const walks = new SessionValues(8);

/** A context walk computed once per session (generation) under `key` (root, limit and what
 * decides the descent), the most recent 8 kept. */
export function sessionWalk<T>(key: string, compute: () => T): T {
  return walks.get(key, compute);
}

/** Context trees kept at once (see sessionTree): more than the walks, as each walk is only a
 * list over its tree's entries while a tree rebuilt makes every entry again. 16, so that the
 * contexts of a repository of a dozen services keep theirs until a later transform walks them
 * again with other options (eShopOnContainers: 14 contexts, its `src` tree, the largest, was
 * made twice per session with 8: 1,103 more entries made and promoted; the peak RSS of a
 * corpus run did not grow). */
const trees = new SessionValues(16);

/** The tree of the context at `root` for the current session (generation): what its walks are
 * made from (DiskContext), the entries of each folder made once and shared by all its walks; the
 * most recent 16 kept. */
export function sessionTree<T>(root: string, make: () => T): T {
  return trees.get(root, make);
}

const clearHooks: (() => void)[] = [];

/** Register another cache to drop on `clearContextCaches` (git indexes, derived values). */
export function onClear(hook: () => void): void {
  clearHooks.push(hook);
}

/** Drop what the session under way keeps of the context at `root` (its tree, its walks, keyed
 * `${root}\0...`, the texts read through it) when no later run uses it (optimizeDeclaredFiles):
 * it dies young instead of staying until 16 other contexts push it out, promoted by then. Only
 * a cache: a later use makes it again, the same within the generation. */
export function forgetSessionContext(root: string): void {
  const below = `${root}\0`;
  const n = trees.forget((k) => k === root) + walks.forget((k) => k.startsWith(below));
  if (rootReads.get(root)?.generation === generation) rootReads.delete(root);
  if (n) diskCounters.contextsForgotten++;
}

/** Drop every cached file, listing and derived value. */
export function clearContextCaches(): void {
  files.clear();
  filesText = 0;
  dirs.clear();
  rootReads.clear();
  tables.clear();
  walks.clear();
  trees.clear();
  for (const h of clearHooks) h();
  generation++;
}
