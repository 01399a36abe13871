/**
 * Shared shapes of the `dockerignore` transform: what the Dockerfile takes from the context
 * (`Usage`, `Source`), what the scan proposes (`Candidate`, `Proposed`), and small path helpers.
 * See docs/rules/dockerignore.md.
 */
import type { BuildContext, ContextEntry, DockerfileModel } from '../../src/model/types.js';
import { memoCounters } from './memo.js';

export type GroupId =
  'secrets' | 'vcs' | 'deps' | 'build' | 'logs' | 'coverage' | 'editor' | 'docker' | 'project';

export interface Candidate {
  group: GroupId;
  pattern: string;
  /** Paths in the context that made us propose the pattern. */
  triggers: string[];
  /** Paths to re-include right after the pattern (e.g. `log/.keep`). */
  keep?: string[];
  /** Paths the pattern matches that are not what it is meant for (env templates, committed
   * test env files): re-included right after it when the whole context is copied. */
  spare?: string[];
  /** Set when the entry cannot be proven safe: it goes into a separate `review` fix. */
  review?: { kind: 'committed-secret' | 'secret' | 'clutter'; why: string };
}

export interface Proposed extends Candidate {
  reinclude: string[];
  /** The triggers the pattern really excludes (not ignored already, not re-included). */
  effective: string[];
}

export interface Source {
  /** Cleaned context-relative path or glob. */
  path: string;
  /** 1-based line in the current Dockerfile, or null for another Dockerfile. */
  line: number | null;
  at: number;
  instr: string;
}

export interface Usage {
  whole: { at: number; line: number; text: string } | null;
  sources: Source[];
  unresolved: { at: number; raw: string } | null;
  /** The RUN steps, made when first asked (`runStepsOf`: most analyses end before a rule reads
   * them), then kept with the usage (both are functions of the Dockerfile's text). */
  steps: RunSteps | null;
}

/** The RUN steps of a Dockerfile the rules look at (usage.ts `runStepsOf`). */
export interface RunSteps {
  /** Every RUN's logical text, one per line. */
  runText: string;
  runs: { at: number; line: number; text: string }[];
}

/** What the size note counts of a context before the edit (ignore-file.ts `measure`): its
 * files the current ignore file lets through, and their bytes. */
export interface Measured {
  /** The files the current ignore file lets through, in walk order. */
  files: ContextEntry[];
  files0: number;
  bytes0: number;
  /** The measure stopped at a walk limit: the counts are lower bounds. */
  partial: boolean;
}

/** The shared analysis the rules turn into fixes (analysis.ts). */
export interface Analysis {
  model: DockerfileModel;
  bc: BuildContext;
  usage: Usage;
  ignorePath: string;
  /** The ignore file's text, or null when there is none. */
  existing: string | null;
  eol: string;
  oldPatterns: string[];
  oldIgnored: (p: string, isDir: boolean) => boolean;
  /** The entries of the analysis walk and the folders it did not enter. */
  entries: ContextEntry[];
  /** The folders the analysis walk did not enter (made when first asked). */
  junkRoots: () => string[];
  /** The entries to add, in candidate order (only secrets without a whole-context copy). */
  chosen: Proposed[];
  /** Entries that need a review (`review` set), in candidate order. */
  review: Proposed[];
  /** Filled by the first edit built (ignore-file.ts). */
  measured?: Measured;
}

export function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}
export function dirname(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? '' : p.slice(0, i);
}
export function under(p: string, dir: string): boolean {
  return dir === '' || p === dir || p.startsWith(dir + '/');
}

/** The names the collectors look up (`Entries.named`): only entries so named are indexed by
 * name (a list per name of every entry of a walk costs more than the scans themselves). Files
 * are looked up by names starting with `.` or `T` only (`.git`, `.coverage`, `.DS_Store`,
 * `Thumbs.db`): the other files are not even cut a name. */
export const NAMED: ReadonlySet<string> = new Set([
  // version control
  '.git',
  '.hg',
  '.svn',
  // dependencies, virtualenvs, caches
  'node_modules',
  '.venv',
  'venv',
  '__pycache__',
  '.tox',
  '.nox',
  '.pytest_cache',
  '.mypy_cache',
  '.ruff_cache',
  'bundle',
  // build outputs
  'dist',
  'build',
  '.next',
  'target',
  '.gradle',
  'bin',
  'obj',
  // logs, coverage, editors
  'log',
  'tmp',
  'coverage',
  'htmlcov',
  '.nyc_output',
  '.coverage',
  '.DS_Store',
  'Thumbs.db',
  '.idea',
  '.vscode',
  '.vs',
  // secrets
  '.aws',
  '.ssh',
]);

/**
 * The entries of an analysis walk, indexed for the candidate collectors. The lists hold every
 * entry of the walk; what the ignore file in force already excludes is left out where a
 * collector finds something (`visible`, `named`), so the ignore patterns are matched against the
 * few paths a collector looks for, not against every entry. Made once per walk (analysis.ts).
 */
export class Entries {
  /** Each entry's name if a file (`all[i]`'s last path segment), null for a folder: the name
   * scans read it instead of the path. A disk walk's entries carry their listing's name
   * (ContextEntry.name), so most paths, built by concatenation, are never cut nor copied flat by
   * a scan. (One list beside the walk, no list of its files nor of its folders: the index of a
   * walk lives for the session, and its lists are copied by the scavenges that promote it.) */
  readonly names: (string | null)[];
  /** Some entry came without a name (cut from its path): a folder above it may be missing
   * from the walk (see foldersMayContain). */
  private nameless = false;
  private kindMap: Map<string, boolean> | null = null;
  /** Paths looked for without the map (see `holds`). */
  private looks = 0;
  /** The entries of each NAMED name (null: none in the walk, most small ones). */
  private byName: Map<string, ContextEntry[]> | null = null;
  /** The name scans of the secrets and clutter rules (secrets.ts, clutter.ts), made once per
   * walk: kept here, not in a WeakMap by Entries (an insertion per walk and rule, and a table
   * the collector processes apart). */
  secretScan: unknown = null;
  clutterScan: unknown = null;
  /** clutter.ts mayProposeClutter's answer, once asked. */
  clutterPossible: boolean | null = null;

  constructor(
    readonly all: readonly ContextEntry[],
    private readonly ignored: (p: string, isDir: boolean) => boolean,
  ) {
    // (the list made at its size: no growth, whose copies the walk's session would keep alive
    // until a scavenge; it lives as long as the walk)
    const names = (this.names = new Array<string | null>(all.length));
    for (let i = 0; i < all.length; i++) {
      const e = all[i]!;
      let n = e.name;
      if (n === undefined) {
        n = basename(e.path);
        this.nameless = true;
      }
      if (e.isDirectory) names[i] = null;
      else {
        names[i] = n;
        if (!fileIndexed(n.charCodeAt(0))) continue;
      }
      // (no set lookup for a length no indexed name has)
      if (((NAMED_LENGTHS >>> n.length) & 1) === 0 || !NAMED.has(n)) continue;
      const byName = (this.byName ??= new Map());
      let list = byName.get(n);
      if (!list) byName.set(n, (list = []));
      list.push(e);
    }
  }

  /** The files of the walk, in walk order (a list made per call). */
  get files(): ContextEntry[] {
    return this.all.filter((e) => !e.isDirectory);
  }

  /** The folders of the walk, in walk order (a list made per call). */
  get dirs(): ContextEntry[] {
    return this.all.filter((e) => e.isDirectory);
  }

  /** Whether the folder part of some file's path (what is above its name) may contain `s`
   * (which holds no `/`): false when every entry came with its name and no folder of the walk
   * has `s` in its name (a walk lists every folder above an entry that carries a name). A scan
   * that tests a whole path for `s` tests the names only when this is false. */
  foldersMayContain(s: string): boolean {
    if (this.nameless) return true;
    const { all, names } = this;
    for (let i = 0; i < all.length; i++)
      if (names[i] === null && all[i]!.name!.includes(s)) return true;
    return false;
  }

  /** Folder or file, by path: made when first asked (most walks meet no question that needs
   * it: see analysis.ts). */
  get kinds(): ReadonlyMap<string, boolean> {
    if (this.kindMap === null) {
      memoCounters.kinds++;
      const m = new Map<string, boolean>();
      for (const e of this.all) m.set(e.path, e.isDirectory);
      this.kindMap = m;
    }
    return this.kindMap;
  }

  /** Whether the walk holds path `p`: a look through the entries while the paths by kind are
   * not made (a named source missing from the context is asked about once or twice per
   * Dockerfile: no map of every path made for it), the map once they are or after a few looks.
   * The look compares names first: an entry's path is read only when its name is `p`'s last
   * segment (a disk walk makes a file's path when first read, see DiskFileEntry). */
  holds(p: string): boolean {
    if (this.kindMap === null && this.looks < 4) {
      this.looks++;
      const name = basename(p);
      const { all } = this;
      for (let i = 0; i < all.length; i++) {
        const e = all[i]!;
        const n = e.name;
        if ((n === undefined || n === name) && e.path === p) return true;
      }
      return false;
    }
    return this.kinds.has(p);
  }

  /** Whether the ignore file in force lets the entry through. */
  visible(e: ContextEntry): boolean {
    return !this.ignored(e.path, e.isDirectory);
  }

  /** Whether the walk holds an entry (visible or not) with a NAMED name not in `except`. */
  holdsNamedBut(except: ReadonlySet<string>): boolean {
    if (this.byName === null) return false;
    for (const name of this.byName.keys()) if (!except.has(name)) return true;
    return false;
  }

  /** Paths of the visible entries called `name` (files only, folders only, or both for null). */
  named(name: string, dir: boolean | null): string[] {
    if (!NAMED.has(name) || (dir !== true && !fileIndexed(name.charCodeAt(0))))
      throw new Error(`dockerignore: ${name} is not indexed by name (NAMED)`);
    const out: string[] = [];
    for (const e of this.byName?.get(name) ?? [])
      if ((dir === null || e.isDirectory === dir) && this.visible(e)) out.push(e.path);
    return out;
  }

  /** Paths of the visible files below folder `dir`, in walk order. */
  filesBelow(dir: string): string[] {
    const prefix = dir + '/';
    const out: string[] = [];
    const { all, names } = this;
    for (let i = 0; i < all.length; i++) {
      if (names[i] === null) continue;
      const e = all[i]!;
      if (e.path.startsWith(prefix) && this.visible(e)) out.push(e.path);
    }
    return out;
  }
}

/** The lengths of the NAMED names, as bits (all below 32): bit `k` set for a name of length
 * `k` (a shift by 32 or more wraps, so a length past 31 reads the bit of `length % 32`: a
 * false positive, which the set lookup then answers). */
const NAMED_LENGTHS = [...NAMED].reduce((bits, n) => {
  if (n.length >= 32) throw new Error(`dockerignore: NAMED name ${n} is too long for the bits`);
  return bits | (1 << n.length);
}, 0);

/** Files indexed by name: those whose name starts with `.` or `T` (see NAMED). */
function fileIndexed(firstChar: number): boolean {
  return firstChar === 46 || firstChar === 84;
}

/** `name` when every path is at the root, else `**\/name`. */
export function anchored(name: string, paths: string[]): string {
  return paths.every((p) => !p.includes('/')) ? name : `**/${name}`;
}

/** Appends a candidate when something triggers it. */
export function push(out: Candidate[], group: GroupId, pattern: string, triggers: string[]): void {
  if (triggers.length) out.push({ group, pattern, triggers });
}
