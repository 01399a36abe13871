/**
 * Reading the user's files: a Dockerfile and the ignore files of its context. Every file is read
 * once, checked (size limit, no NUL, strict UTF-8, BOM kept) and snapshotted (size, mtime, hash)
 * so that the write path can refuse to overwrite a file that changed since it was read.
 */
import { hash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cleanTail, isCleanRoot } from '../context/clean-path.js';
import { InputError } from '../errors.js';

/** Largest input file read (Dockerfile or ignore file): 1 MiB, ten times the largest real one
 * seen in the corpus. Bigger input is rejected with an error naming the limit. */
export const MAX_INPUT_BYTES = 1024 * 1024;

/** What a file looked like when it was read: the write path compares it before writing. */
export interface FileSnapshot {
  readonly size: number;
  readonly mtimeMs: number;
  /** sha256 of the bytes, hex. */
  readonly hash: string;
}

export function hashBytes(buf: Uint8Array): string {
  // (the one-shot form: no Hash object per file)
  return hash('sha256', buf, 'hex');
}

export function snapshotOf(buf: Uint8Array, st: fs.Stats): FileSnapshot {
  return { size: st.size, mtimeMs: st.mtimeMs, hash: hashBytes(buf) };
}

/**
 * The snapshot of a file read as text, its hash computed when first asked for: only the write
 * path asks (most files read are never written), from the text encoded again. The text was
 * decoded from the bytes exactly (decodeText: strict UTF-8, a BOM kept), so its UTF-8 encoding
 * is those bytes (test/read-snapshot.test.ts).
 */
class TextSnapshot implements FileSnapshot {
  #text: string | null;
  #hash: string | null = null;
  constructor(
    readonly size: number,
    readonly mtimeMs: number,
    text: string,
  ) {
    this.#text = text;
  }
  get hash(): string {
    if (this.#hash === null) {
      this.#hash = hashBytes(Buffer.from(this.#text!, 'utf8'));
      this.#text = null;
    }
    return this.#hash;
  }
}

// ignoreBOM: keep a leading U+FEFF in the text (the engine keeps it on line 1).
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function tooLarge(size: number): InputError {
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return new InputError(`file too large: ${mb(size)} (the limit is ${mb(MAX_INPUT_BYTES)})`);
}

/** Decode the bytes of a text file exactly (no replacement characters), or say why not. */
export function decodeText(buf: Uint8Array): string {
  if (buf.length > MAX_INPUT_BYTES) throw tooLarge(buf.length);
  if (buf.indexOf(0) !== -1) throw new InputError('binary file (NUL byte)');
  try {
    return decoder.decode(buf);
  } catch {
    throw new InputError('not valid UTF-8 text');
  }
}

const NOT_BLANK = /\S/;

/** Decode file bytes as a Dockerfile text, or throw an InputError saying why it is not one. */
export function decodeDockerfile(buf: Uint8Array): string {
  if (buf.length === 0) throw new InputError('empty file (no instructions)');
  let text: string;
  try {
    text = decodeText(buf);
  } catch (err) {
    if ((err as Error).message.startsWith('binary'))
      throw new InputError('binary file, not a Dockerfile');
    throw err;
  }
  // (`trim() === ''` without the copy trim makes: \s is the set trim strips, a BOM included)
  if (!NOT_BLANK.test(text)) throw new InputError('empty file (no instructions)');
  return text;
}

/** A file-system error as a short cause, without the path (the caller names the file). */
export function describeFsError(err: unknown, doing: 'read' | 'write' = 'read'): string {
  const e = err as NodeJS.ErrnoException;
  switch (e.code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return `permission denied (cannot ${doing})`;
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'a parent is not a directory';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    case 'ENAMETOOLONG':
      return 'file name too long';
    case 'EROFS':
      return 'read-only file system';
    case 'ENOSPC':
      return 'no space left on device';
    case 'EDQUOT':
      return 'disk quota exceeded';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many open files';
    case 'EIO':
      return 'input/output error';
    default:
      // Node's message repeats the path ("EACCES: ..., open '/x'"): keep the cause only.
      return e.code ? `${e.code} (${doing} failed)` : (e.message ?? String(err));
  }
}

export interface ReadFile {
  text: string;
  mode: number;
  snapshot: FileSnapshot;
}

/** Read bytes of an existing regular file (following symbolic links), with the size limit:
 * a stat, then the whole file. The slow way, kept for the errors (see readFast). */
function readChecked(file: string): { buf: Buffer; st: fs.Stats } {
  let st: fs.Stats;
  let buf: Buffer;
  try {
    st = fs.statSync(file);
    if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    if (!st.isFile()) throw new InputError('not a regular file');
    if (st.size > MAX_INPUT_BYTES) throw tooLarge(st.size);
    buf = fs.readFileSync(file);
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(describeFsError(err));
  }
  if (buf.length > MAX_INPUT_BYTES) throw tooLarge(buf.length);
  return { buf, st };
}

/** Read into this buffer (reused: the bytes are decoded into a string right away, never kept):
 * most input files fit, and are then read with one read. */
const READ_BUFFER_BYTES = 64 * 1024;
let readBuffer: Buffer | null = null;

/** Opened without waiting (a FIFO opens at once, then is refused as not a regular file), never
 * becoming the controlling terminal. */
const OPEN_FLAGS =
  process.platform === 'win32'
    ? fs.constants.O_RDONLY
    : fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY;

/**
 * `readChecked` with fewer system calls: open, fstat, one read into a reused buffer when the file
 * fits in it, close (no stat of the path, no buffer per file). Null when the file cannot be
 * opened: the caller then takes the slow way, which names the error as before. `use` gets the
 * bytes, valid only during the call.
 */
function readFast<T>(file: string, use: (buf: Buffer, st: fs.Stats) => T): T | null {
  let fd: number;
  try {
    fd = fs.openSync(file, OPEN_FLAGS);
  } catch {
    return null;
  }
  let buf: Buffer;
  let st: fs.Stats;
  try {
    try {
      st = fs.fstatSync(fd);
      if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
      if (!st.isFile()) throw new InputError('not a regular file');
      if (st.size > MAX_INPUT_BYTES) throw tooLarge(st.size);
      buf = readAll(fd, st.size);
    } catch (err) {
      if (err instanceof InputError) throw err;
      throw new InputError(describeFsError(err));
    }
  } finally {
    fs.closeSync(fd);
  }
  if (buf.length > MAX_INPUT_BYTES) throw tooLarge(buf.length);
  return use(buf, st);
}

/** The bytes of open file `fd` (of `size` bytes when it was stat'ed), up to one byte past the
 * size limit: in the shared buffer when they fit in it. */
function readAll(fd: number, size: number): Buffer {
  const shared = (readBuffer ??= Buffer.allocUnsafeSlow(READ_BUFFER_BYTES));
  let buf =
    size < shared.length ? shared : Buffer.allocUnsafe(Math.min(size + 1, MAX_INPUT_BYTES + 1));
  let n = 0;
  for (;;) {
    const got = fs.readSync(fd, buf, n, buf.length - n, null);
    n += got;
    // (a short read of a regular file is its end, as readFileSync takes it)
    if (got === 0 || n < buf.length || n > MAX_INPUT_BYTES) break;
    // Grew since the fstat: a larger buffer, up to the limit.
    const bigger = Buffer.allocUnsafe(Math.min(buf.length * 2, MAX_INPUT_BYTES + 1));
    buf.copy(bigger, 0, 0, n);
    buf = bigger;
  }
  return buf.subarray(0, n);
}

export function readDockerfile(file: string): ReadFile {
  const fast = readFast(file, (buf, st) => readFileOf(decodeDockerfile(buf), st));
  if (fast) return fast;
  const { buf, st } = readChecked(file);
  return { text: decodeDockerfile(buf), mode: st.mode & 0o7777, snapshot: snapshotOf(buf, st) };
}

function readFileOf(text: string, st: fs.Stats): ReadFile {
  return { text, mode: st.mode & 0o7777, snapshot: new TextSnapshot(st.size, st.mtimeMs, text) };
}

/**
 * Read an ignore file of a build context. Absent (nothing at that path, or a dangling link):
 * null. Present but unreadable, not a regular file, binary or not UTF-8: an InputError naming
 * the file (`shown`: how; a function when it is worth computing only for an error). An existing
 * file is never taken as absent.
 */
export function readIgnoreFile(file: string, shown: string | (() => string)): ReadFile | null {
  const name = () => (typeof shown === 'string' ? shown : shown());
  // (no exception for a missing file, the usual case: an exception costs several lstats)
  let lst: fs.Stats | undefined;
  try {
    lst = fs.lstatSync(file, { throwIfNoEntry: false });
    if (!lst) return null;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw new InputError(`${name()}: ${describeFsError(err)}`);
  }
  if (lst.isSymbolicLink())
    try {
      if (!fs.statSync(file, { throwIfNoEntry: false })) return null;
    } catch (err) {
      // A symbolic link to nothing: Docker reads no ignore file there either.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new InputError(`${name()}: ${describeFsError(err)}`);
    }
  try {
    const fast = readFast(file, (buf, st) => readFileOf(decodeText(buf), st));
    if (fast) return fast;
    const { buf, st } = readChecked(file);
    return { text: decodeText(buf), mode: st.mode & 0o7777, snapshot: snapshotOf(buf, st) };
  } catch (err) {
    throw new InputError(`${name()}: ${(err as Error).message}`);
  }
}

/**
 * The ignore files Docker may read for a Dockerfile in a context directory
 * (`<Dockerfile>.dockerignore` beside it, then `.dockerignore` at the root), read and checked.
 * Keys are absolute paths; `read` reads one (default `readIgnoreFile`; `shown` gives the name
 * `show` makes of it, only when asked). For a clean root (isCleanRoot) and a Dockerfile below
 * it, `read` is also given the folder and the name of each (`abs` their join, not looked at when
 * `read` answers from them: see api.ts readIgnoreFileOnce).
 */
export function readContextIgnoreFiles(
  contextRoot: string,
  dockerfileAbs: string | null,
  show: (abs: string) => string,
  read: (
    abs: string,
    shown: () => string,
    dir?: string,
    name?: string,
  ) => ReadFile | null = readIgnoreFile,
): Map<string, ReadFile> {
  const out = new Map<string, ReadFile>();
  const ask = (abs: string, dir?: string, name?: string) => {
    const r = read(abs, () => show(abs), dir, name);
    if (r) out.set(abs, r);
  };
  // (the usual case, a clean root and a Dockerfile below it, without path's work: the same paths)
  const clean = isCleanRoot(contextRoot);
  if (dockerfileAbs) {
    const rel = clean ? cleanTail(contextRoot, dockerfileAbs) : null;
    if (rel !== null) {
      if (!rel.startsWith('..')) {
        // (dirname and basename of the join, the Dockerfile's path being clean; the root itself
        // for a Dockerfile at the top: a string whose hash its earlier lookups keep)
        const slash = dockerfileAbs.lastIndexOf('/');
        const dir = rel.includes('/') ? dockerfileAbs.slice(0, slash) : contextRoot;
        const name = `${dockerfileAbs.slice(slash + 1)}.dockerignore`;
        ask(`${dockerfileAbs}.dockerignore`, dir, name);
      }
    } else {
      const rel = path.relative(contextRoot, dockerfileAbs);
      if (rel && !rel.startsWith('..') && !path.isAbsolute(rel))
        ask(path.join(contextRoot, `${rel}.dockerignore`));
    }
  }
  if (clean) ask(`${contextRoot}/.dockerignore`, contextRoot, '.dockerignore');
  else ask(path.join(contextRoot, '.dockerignore'));
  return out;
}
