/** File-system side of the tool: reading inputs safely, finding Dockerfiles, atomic writes. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors.js';

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Decode file bytes as a Dockerfile text, or throw an InputError saying why it is not one. */
export function decodeDockerfile(buf: Uint8Array): string {
  if (buf.length === 0) throw new InputError('empty file (no instructions)');
  const probe = Math.min(buf.length, 8192);
  for (let i = 0; i < probe; i++)
    if (buf[i] === 0) throw new InputError('binary file, not a Dockerfile');
  let text: string;
  try {
    text = decoder.decode(buf);
  } catch {
    throw new InputError('not valid UTF-8 text');
  }
  if (text.replace(/^\uFEFF/, '').trim() === '')
    throw new InputError('empty file (no instructions)');
  return text;
}

function describeFsError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e.code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied (cannot read)';
    case 'EISDIR':
      return 'is a directory';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    default:
      return e.message ?? String(err);
  }
}

export function readDockerfile(file: string): { text: string; mode: number } {
  let buf: Buffer;
  let mode: number;
  try {
    const st = fs.statSync(file);
    if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    if (!st.isFile()) throw new InputError('not a regular file');
    mode = st.mode & 0o7777;
    buf = fs.readFileSync(file);
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(describeFsError(err));
  }
  return { text: decodeDockerfile(buf), mode };
}

const SKIP_DIRS = new Set(['node_modules', '.git', '.hg', '.svn']);

export function isDockerfileName(name: string): boolean {
  if (name === 'Dockerfile' || name === 'Containerfile') return true;
  if (name.endsWith('.dockerignore')) return false;
  if (/^(Dockerfile|Containerfile)\.[^/]+$/.test(name)) return true;
  return (
    /\.(Dockerfile|dockerfile|Containerfile)$/.test(name) && name.length > '.dockerfile'.length
  );
}

export interface Discovered {
  /** Path as shown to the user (as typed, or joined under a typed directory). */
  display: string;
  /** Absolute path ('-' for stdin). */
  absolute: string;
}

/**
 * Expand CLI paths into Dockerfiles. Directories are searched recursively (skipping node_modules
 * and VCS folders). Returns found files in order and per-path errors.
 */
export function discover(
  paths: string[],
  cwd: string,
): { files: Discovered[]; errors: { path: string; message: string }[] } {
  const files: Discovered[] = [];
  const errors: { path: string; message: string }[] = [];
  const seen = new Set<string>();
  const add = (display: string, absolute: string) => {
    if (!seen.has(absolute)) {
      seen.add(absolute);
      files.push({ display: display.split(path.sep).join('/'), absolute });
    }
  };
  for (const p of paths) {
    if (p === '-') {
      add('-', '-');
      continue;
    }
    const abs = path.resolve(cwd, p);
    let st: fs.Stats;
    try {
      st = fs.statSync(abs);
    } catch (err) {
      errors.push({ path: p, message: describeFsError(err) });
      continue;
    }
    if (!st.isDirectory()) {
      add(p, abs);
      continue;
    }
    const found: Discovered[] = [];
    const walk = (dirAbs: string, dirShown: string) => {
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(dirAbs, { withFileTypes: true });
      } catch (err) {
        errors.push({ path: dirShown, message: describeFsError(err) });
        return;
      }
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const e of entries) {
        const full = path.join(dirAbs, e.name);
        const shown = dirShown === '.' ? e.name : path.join(dirShown, e.name);
        if (e.isDirectory()) {
          if (!SKIP_DIRS.has(e.name)) walk(full, shown);
        } else if ((e.isFile() || e.isSymbolicLink()) && isDockerfileName(e.name)) {
          found.push({ display: shown, absolute: full });
        }
      }
    };
    walk(abs, p.replace(/\/+$/, '') || p);
    if (found.length === 0)
      errors.push({ path: p, message: 'no Dockerfile found in this directory' });
    for (const f of found) add(f.display, f.absolute);
  }
  return { files, errors };
}

/**
 * Write a file atomically: a temporary file in the same directory, flushed, given the mode, then
 * renamed over the target. On any failure the target is untouched and the temp file removed.
 */
export function writeFileAtomic(file: string, content: string, mode?: number): void {
  const dir = path.dirname(file);
  const tmp = path.join(
    dir,
    `.${path.basename(file)}.dfo-${process.pid}-${Date.now().toString(36)}.tmp`,
  );
  let targetMode = mode;
  if (targetMode === undefined) {
    try {
      targetMode = fs.statSync(file).mode & 0o7777;
    } catch {
      targetMode = 0o666 & ~process.umask();
    }
  }
  let fd: number | null = null;
  try {
    fd = fs.openSync(tmp, 'wx', targetMode);
    fs.writeFileSync(fd, content, 'utf8');
    fs.fchmodSync(fd, targetMode);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = null;
    fs.renameSync(tmp, file);
  } catch (err) {
    if (fd !== null) {
      try {
        fs.closeSync(fd);
      } catch {
        /* already closed */
      }
    }
    try {
      fs.unlinkSync(tmp);
    } catch {
      /* never created */
    }
    throw err;
  }
}
