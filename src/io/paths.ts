/** Paths as the user sees them (escaped, shortened) and where the repository ends. */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Longest path shown in a message; longer ones keep their head and tail around an ellipsis. */
export const MAX_SHOWN_PATH = 160;

/**
 * A path for a one-line message: control characters (a newline in a file name would split the
 * line) escaped as `\n`, `\t`, `\xNN`, backslashes doubled only when something was escaped, and a
 * path longer than MAX_SHOWN_PATH shortened to its start and end (`a/b/…/y/Dockerfile`).
 */
export function showPath(p: string, max = MAX_SHOWN_PATH): string {
  // eslint-disable-next-line no-control-regex
  const escaped = /[\u0000-\u001f\u007f]/.test(p)
    ? p.replace(/\\/g, '\\\\').replace(
        // eslint-disable-next-line no-control-regex
        /[\u0000-\u001f\u007f]/g,
        (c) =>
          c === '\n'
            ? '\\n'
            : c === '\r'
              ? '\\r'
              : c === '\t'
                ? '\\t'
                : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
      )
    : p;
  if (escaped.length <= max) return escaped;
  const tail = Math.floor((max - 1) * 0.6);
  const head = max - 1 - tail;
  return `${escaped.slice(0, head)}…${escaped.slice(escaped.length - tail)}`;
}

/** Escape control characters of any text bound for a one-line message (paths inside it too). */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\r\n]+/g, ' ').replace(/[\u0000-\u001f\u007f]/g, (c) => {
    return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
}

/** `child` is `parent` or lies under it (both absolute, already resolved). */
export function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..' + path.sep) && rel !== '..' && !path.isAbsolute(rel));
}

/** The git work tree holding `dir` (the nearest ancestor with a `.git` entry), or null. */
export function gitTopLevel(dir: string): string | null {
  let d = path.resolve(dir);
  for (;;) {
    try {
      fs.lstatSync(path.join(d, '.git'));
      return d;
    } catch {
      /* not here */
    }
    const up = path.dirname(d);
    if (up === d) return null;
    d = up;
  }
}

/** Real path of a directory, or the path itself when it cannot be resolved. */
export function realDir(dir: string): string {
  try {
    return fs.realpathSync(dir);
  } catch {
    return path.resolve(dir);
  }
}

/**
 * The repository a path belongs to, for deciding what the tool may touch: the git work tree
 * holding `dir`, else the working directory. Real paths (symbolic links resolved).
 */
export function repositoryRoot(dir: string, cwd: string): string {
  return realDir(gitTopLevel(dir) ?? cwd);
}

/**
 * Why a `--context` directory needs `--allow-outside-context`: it lies outside the repository
 * (the git work tree of the working directory) and outside the working directory. Null: fine.
 */
export function contextOutside(contextArg: string, cwd: string): string | null {
  const real = realDir(path.resolve(cwd, contextArg));
  const repo = repositoryRoot(cwd, cwd);
  if (isInside(real, repo) || isInside(real, realDir(cwd))) return null;
  return (
    `--context ${showPath(contextArg)} is outside the repository (${showPath(repo)}): ` +
    'the whole folder would be scanned and its .dockerignore written; ' +
    'pass --allow-outside-context to use it'
  );
}
