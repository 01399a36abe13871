/**
 * `path.relative` and `path.join` in their usual case without their work: a normalised absolute
 * POSIX folder and a clean path below it, as the paths a session resolves are. Each helper says
 * when it answers; otherwise it returns null and the caller asks `node:path` as before.
 */
import { cleanRelative } from './context.js';

/** Whether `root` is a normalised absolute POSIX path other than `/` (not on Windows: drive
 * letters, either slash, case): then `path.join(root, rel)` of a clean `rel` is `${root}/${rel}`. */
export function isCleanRoot(root: string): boolean {
  if (process.platform === 'win32' || root.length < 2 || root.charCodeAt(0) !== 47) return false;
  const top = root.slice(1);
  return cleanRelative(top) === top;
}

/** `path.relative(root, abs)` for a clean `root` (isCleanRoot) and a path below it whose rest is
 * clean (see cleanRelative); else null. */
export function cleanTail(root: string, abs: string): string | null {
  const n = root.length;
  if (abs.length <= n + 1 || abs.charCodeAt(n) !== 47 || !abs.startsWith(root)) return null;
  const rest = abs.slice(n + 1);
  return cleanRelative(rest) === rest ? rest : null;
}
