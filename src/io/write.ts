/**
 * Writing the user's files. The files of one Dockerfile (the Dockerfile and its ignore file) are
 * written as a unit:
 *
 * 1. plan every file: a symbolic link is followed to its target when the target lies inside the
 *    repository (the git work tree, else the working directory), otherwise the unit is refused; a
 *    directory, a file with several hard links, a read-only file (no write bit, even for root), a file changed on disk since it
 *    was read (size, mtime, sha256), a file created meanwhile: refused, naming the file;
 * 2. write each new content to a temporary file beside its target (mode, owner and group of the
 *    target), flushed to disk;
 * 3. check again that no target changed, keep a hard link to each old file, rename every
 *    temporary file over its target; if a rename fails, the targets already renamed are put back.
 *
 * Nothing of a refused or failed unit is left behind: temporary and backup files are removed
 * (also on SIGINT/SIGTERM, see signals.ts). Errors name the user's file and the cause, never a
 * temporary path.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeFsError, hashBytes, type FileSnapshot } from './read.js';
import { isInside, realDir, repositoryRoot, showPath } from './paths.js';
import { guardSignals, track, untrack } from './signals.js';

/** One file to write (the shape of the API's FileChange). */
export interface WriteChange {
  /** The path shown to the user. */
  path: string;
  absolutePath: string | null;
  /** The text read (null: the file did not exist). */
  before: string | null;
  after: string;
  /** What the file looked like when it was read. */
  snapshot?: FileSnapshot;
}

/** A file of a unit could not be written; nothing of the unit was. */
export class WriteError extends Error {
  readonly kind = 'write';
  constructor(
    /** The user's file (as shown). */
    readonly file: string,
    /** Why, without the path. */
    readonly reason: string,
  ) {
    super(`${showPath(file)}: ${reason}`);
  }
}

export interface WriteOptions {
  /** The working directory: the repository bound for symbolic links when there is no git. */
  cwd: string;
}

interface Planned {
  change: WriteChange;
  shown: string;
  /** The file written (a link's target). */
  target: string;
  /** Stat of the target as planned, or null for a new file. */
  st: fs.Stats | null;
  tmp?: string;
  backup?: string;
}

let counter = 0;
function sideName(target: string, ext: 'tmp' | 'bak'): string {
  counter++;
  return path.join(
    path.dirname(target),
    `.${path.basename(target)}.dfo-${process.pid}-${counter}.${ext}`,
  );
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

function plan(change: WriteChange, opts: WriteOptions): Planned {
  const shown = change.path;
  const refuse = (reason: string): never => {
    throw new WriteError(shown, reason);
  };
  if (!change.absolutePath) refuse('no path on disk to write to');
  const abs = path.resolve(change.absolutePath!);
  let target = abs;
  let lst: fs.Stats | null = null;
  try {
    lst = fs.lstatSync(abs);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') refuse(describeFsError(err, 'write'));
  }
  if (lst?.isSymbolicLink()) {
    let real: string;
    try {
      real = fs.realpathSync(abs);
    } catch {
      return refuse('is a symbolic link to a missing file (not replaced by a regular file)');
    }
    const root = repositoryRoot(path.dirname(abs), opts.cwd);
    if (!isInside(real, root))
      refuse(
        `is a symbolic link to ${showPath(real)}, outside the repository (${showPath(root)}); ` +
          'it stays a link (edit the target, or run fix on it)',
      );
    target = real;
  }
  let st: fs.Stats | null = null;
  if (lst) {
    try {
      st = fs.statSync(target);
    } catch (err) {
      refuse(describeFsError(err, 'write'));
    }
  }
  if (st?.isDirectory()) refuse('is a directory');
  if (st && !st.isFile()) refuse('not a regular file');
  if (!st && change.before !== null) refuse('deleted since it was read');
  if (st) {
    if ((st.mode & 0o222) === 0) refuse('read-only file (no write permission)');
    // Replacing one name of a hard-linked file would fork it from its other names.
    if (st.nlink > 1)
      refuse(`has ${st.nlink} hard links: replacing it would split them (not written)`);
    try {
      fs.accessSync(target, fs.constants.W_OK);
    } catch (err) {
      refuse(describeFsError(err, 'write'));
    }
  } else {
    const dir = path.dirname(target);
    try {
      if (!fs.statSync(dir).isDirectory()) refuse(`${showPath(dir)} is not a directory`);
    } catch (err) {
      if (err instanceof WriteError) throw err;
      refuse(`cannot create it: ${describeFsError(err, 'write')}`);
    }
  }
  const p: Planned = { change, shown, target, st };
  checkUnchanged(p);
  return p;
}

/** Refuse a target that changed on disk since it was read (or appeared, for a new file). */
function checkUnchanged(p: Planned): void {
  const { change } = p;
  const changed = () => {
    throw new WriteError(p.shown, 'changed on disk since it was read (run again)');
  };
  let st: fs.Stats | null = null;
  try {
    st = fs.statSync(p.target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new WriteError(p.shown, describeFsError(err, 'write'));
  }
  if (change.before === null) {
    if (st) throw new WriteError(p.shown, 'created by someone else during the run');
    return;
  }
  if (!st) throw new WriteError(p.shown, 'deleted since it was read');
  const snap = change.snapshot;
  if (snap && (st.size !== snap.size || st.mtimeMs !== snap.mtimeMs)) changed();
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(p.target);
  } catch (err) {
    throw new WriteError(p.shown, describeFsError(err, 'read'));
  }
  if (snap ? hashBytes(bytes) !== snap.hash : bytes.toString('utf8') !== change.before) changed();
}

/** Write the temporary file of a planned target: content, mode, owner, group, flushed. */
function writeTemp(p: Planned): void {
  const tmp = sideName(p.target, 'tmp');
  const mode = p.st ? p.st.mode & 0o7777 : 0o666 & ~process.umask();
  let fd: number | null = null;
  track(tmp);
  p.tmp = tmp;
  try {
    fd = fs.openSync(tmp, 'wx', 0o600);
  } catch (err) {
    untrack(tmp);
    p.tmp = undefined;
    throw new WriteError(
      p.shown,
      `cannot create a temporary file in its folder: ${describeFsError(err, 'write')}`,
    );
  }
  try {
    fs.writeFileSync(fd, p.change.after, 'utf8');
    // Keep owner and group: a file replaced by a rename is the temporary file's inode.
    let uid: number | null = null;
    let gid: number | null = null;
    if (p.st) {
      uid = p.st.uid;
      gid = p.st.gid;
    } else if (isRoot()) {
      // A new file (an ignore file) gets the owner of its folder, not root.
      const d = fs.statSync(path.dirname(p.target));
      uid = d.uid;
      gid = d.gid;
    }
    if (uid !== null && gid !== null) {
      const mine = fs.fstatSync(fd);
      if (mine.uid !== uid || mine.gid !== gid) {
        try {
          fs.fchownSync(fd, uid, gid);
        } catch {
          throw new WriteError(
            p.shown,
            `owned by uid ${uid} gid ${gid}: replacing it would change its owner`,
          );
        }
      }
    }
    fs.fchmodSync(fd, mode);
    fs.fsyncSync(fd);
  } catch (err) {
    if (err instanceof WriteError) throw err;
    throw new WriteError(p.shown, describeFsError(err, 'write'));
  } finally {
    fs.closeSync(fd);
  }
}

function removeQuietly(file: string | undefined): void {
  if (!file) return;
  try {
    fs.unlinkSync(file);
  } catch {
    /* gone */
  }
  untrack(file);
}

function fsyncDir(dir: string): void {
  let fd: number | null = null;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    /* not supported here: the renames are still atomic */
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}

/**
 * Write the files of one unit, all or none (as far as the file system allows: a crash between
 * two renames leaves the backups `.NAME.dfo-*.bak` beside the files). Throws a WriteError naming
 * the file that could not be written.
 */
export function writeUnit(
  changes: readonly WriteChange[],
  opts: WriteOptions,
  /** Tests only: called before the i-th rename (to make it fail). */
  beforeRename?: (i: number) => void,
): string[] {
  const planned = changes.map((c) => plan(c, opts));
  const seen = new Set<string>();
  for (const p of planned) {
    if (seen.has(p.target)) throw new WriteError(p.shown, 'written twice in one unit (a link)');
    seen.add(p.target);
  }
  const renamed: Planned[] = [];
  try {
    for (const p of planned) writeTemp(p);
    for (const p of planned) checkUnchanged(p);
    for (const p of planned) {
      if (!p.st) continue;
      const bak = sideName(p.target, 'bak');
      track(bak);
      try {
        fs.linkSync(p.target, bak);
        p.backup = bak;
      } catch {
        // No hard links here: a copy of the old bytes serves to put the file back.
        try {
          fs.copyFileSync(p.target, bak, fs.constants.COPYFILE_EXCL);
          p.backup = bak;
        } catch (err) {
          untrack(bak);
          throw new WriteError(
            p.shown,
            `cannot keep a backup in its folder: ${describeFsError(err, 'write')}`,
          );
        }
      }
    }
    for (const [i, p] of planned.entries()) {
      try {
        beforeRename?.(i);
        fs.renameSync(p.tmp!, p.target);
      } catch (err) {
        throw new WriteError(p.shown, describeFsError(err, 'write'));
      }
      untrack(p.tmp!);
      p.tmp = undefined;
      renamed.push(p);
    }
    for (const dir of new Set(planned.map((p) => path.dirname(p.target)))) fsyncDir(dir);
  } catch (err) {
    for (const p of renamed.reverse()) {
      try {
        if (p.backup) {
          fs.renameSync(p.backup, p.target);
          untrack(p.backup);
          p.backup = undefined;
        } else fs.unlinkSync(p.target);
      } catch {
        /* the backup stays beside the file */
      }
    }
    throw err instanceof WriteError ? err : new WriteError(planned[0]!.shown, String(err));
  } finally {
    for (const p of planned) {
      removeQuietly(p.tmp);
      removeQuietly(p.backup);
    }
  }
  return planned.map((p) => p.target);
}

/** Group owners (Dockerfiles) that share a file into one unit; keeps the first-seen order. */
export function groupUnits(keysOfOwner: readonly (readonly string[])[]): number[][] {
  const parent = keysOfOwner.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
  const ownerOfKey = new Map<string, number>();
  keysOfOwner.forEach((keys, i) => {
    for (const k of keys) {
      const o = ownerOfKey.get(k);
      if (o === undefined) ownerOfKey.set(k, i);
      else parent[find(i)] = find(o);
    }
  });
  const groups = new Map<number, number[]>();
  keysOfOwner.forEach((_, i) => {
    const r = find(i);
    groups.set(r, [...(groups.get(r) ?? []), i]);
  });
  return [...groups.values()].sort((a, b) => a[0]! - b[0]!);
}

export interface UnitToWrite {
  changes: readonly WriteChange[];
  /** Called with the error when the unit is not written (refused, failed, interrupted). */
  onError(err: { file: string | null; reason: string }): void;
}

/**
 * Write units one after the other. SIGINT/SIGTERM are caught meanwhile: the unit being written
 * finishes (or is put back), temporary files are removed, and the remaining units are not
 * written (each gets onError). Resolves to the signal received, or null.
 */
export async function writeUnits(
  units: readonly UnitToWrite[],
  opts: WriteOptions,
): Promise<{ interrupted: NodeJS.Signals | null; written: number }> {
  const guard = guardSignals();
  // Test hook: a pause between units, so a test can send a signal in the middle of the writes.
  const pause = Number(process.env.DFO_TEST_WRITE_PAUSE_MS ?? 0);
  let written = 0;
  try {
    for (const [i, unit] of units.entries()) {
      // Let a pending signal be delivered before the next unit starts.
      await new Promise<void>((r) => (pause > 0 && i > 0 ? setTimeout(r, pause) : setImmediate(r)));
      const sig = guard.interrupted();
      if (sig) {
        for (const u of units.slice(i)) u.onError({ file: null, reason: `interrupted (${sig})` });
        break;
      }
      try {
        writeUnit(unit.changes, opts);
        written++;
      } catch (err) {
        if (err instanceof WriteError) unit.onError(err);
        else throw err;
      }
    }
    return { interrupted: guard.interrupted(), written };
  } finally {
    guard.release();
  }
}

/** Real path helper re-exported for callers that compare write targets. */
export { realDir };
