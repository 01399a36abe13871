/**
 * `path.relative` and `path.join` in their usual case without their work: a normalised absolute
 * POSIX folder and a clean path below it, as the paths a session resolves are. Each helper says
 * when it answers; otherwise it returns null and the caller asks `node:path` as before. Also
 * `cleanRelative`, the normalisation of a context-relative path they build on (here, below the
 * context views of context.ts, which take these shortcuts too).
 */

/** Normalise a context-relative path: `/`-separated, no leading `./` or `/`, no `..` escape. */
export function cleanRelative(p: string): string | null {
  // (most paths asked about are clean already: returned as they are, no split and join)
  if (isClean(p)) return p;
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

/** True when `cleanRelative(p)` is `p` itself: not empty, no `\\`, no empty, `.` or `..`
 * segment (so no leading, trailing or doubled `/`). */
function isClean(p: string): boolean {
  const n = p.length;
  if (n === 0) return false;
  let start = 0;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? p.charCodeAt(i) : 47;
    if (c === 92) return false;
    if (c !== 47) continue;
    if (oddSegment(p, start, i - start)) return false;
    start = i + 1;
  }
  return true;
}

/** Whether the segment of `p` at `start`, `length` long, is empty, `.` or `..` (one a clean path
 * has not). */
export function oddSegment(p: string, start: number, length: number): boolean {
  return (
    length === 0 ||
    (p.charCodeAt(start) === 46 &&
      (length === 1 || (length === 2 && p.charCodeAt(start + 1) === 46)))
  );
}

/** Whether `root` is a normalised absolute POSIX path other than `/` (not on Windows: drive
 * letters, either slash, case): then `path.join(root, rel)` of a clean `rel` is `${root}/${rel}`. */
export function isCleanRoot(root: string): boolean {
  if (process.platform === 'win32' || root.length < 2 || root.charCodeAt(0) !== 47) return false;
  return isClean(root.slice(1));
}

/** `path.relative(root, abs)` for a clean `root` (isCleanRoot) and a path below it whose rest is
 * clean (see cleanRelative); else null. */
export function cleanTail(root: string, abs: string): string | null {
  const n = root.length;
  if (abs.length <= n + 1 || abs.charCodeAt(n) !== 47 || !abs.startsWith(root)) return null;
  const rest = abs.slice(n + 1);
  return isClean(rest) ? rest : null;
}
