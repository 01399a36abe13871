/** Paths in the cache model: which context files a source takes, where a COPY puts them, and
 * whether a change at one image path can touch another. */
import { globRoot, globToRegExp, hasGlob } from '../toolkit/copy.js';

/** A matcher for one cleaned source path (`''` = everything): the path itself, anything under
 * it, or (for a glob) anything matching it or under a match. */
export function sourceMatcher(source: string): (path: string) => boolean {
  if (source === '') return () => true;
  if (hasGlob(source)) {
    const re = globToRegExp(source);
    return (p) => {
      const parts = p.split('/');
      for (let i = 1; i <= parts.length; i++) if (re.test(parts.slice(0, i).join('/'))) return true;
      return false;
    };
  }
  return (p) => p === source || p.startsWith(source + '/');
}

function trimSlash(p: string): string {
  return p.length > 1 ? p.replace(/\/+$/, '') : p;
}

function joinAbs(dir: string, rest: string): string {
  const d = trimSlash(dir);
  if (rest === '') return d;
  return d === '/' ? `/${rest}` : `${d}/${rest}`;
}

/** True when a change at absolute path `p` (null: anywhere) can touch what is at `pattern`
 * (absolute, may be a glob): one holds the other. */
export function overlaps(p: string | null, pattern: string): boolean {
  if (p === null) return true;
  const a = trimSlash(p);
  const q = trimSlash(pattern);
  if (a === '/' || q === '/') return true;
  if (!hasGlob(q)) return a === q || a.startsWith(q + '/') || q.startsWith(a + '/');
  if (sourceMatcher(q.slice(1))(a.slice(1))) return true;
  const comps = q.split('/');
  const firstGlob = comps.findIndex((c) => hasGlob(c));
  const literal = comps.slice(0, firstGlob).join('/') || '/';
  return (
    literal === a || literal.startsWith(a === '/' ? '/' : a + '/') || a.startsWith(literal + '/')
  );
}

/** Where a COPY puts a context file (candidates: a single-file source may land on the
 * destination itself or inside it when it is an existing directory); null when unresolvable. */
export function targetsOf(
  dest: string | null,
  source: string | null,
  file: string,
  multi: boolean,
  isDir: (p: string) => boolean | null,
): string[] | null {
  if (dest === null || source === null) return null;
  const dirForm = dest.endsWith('/') || multi;
  const d = trimSlash(dest);
  const base = file.slice(file.lastIndexOf('/') + 1);
  const asFile = () => (dirForm ? [joinAbs(d, base)] : [d, joinAbs(d, base)]);
  if (source === '') return [joinAbs(d, file)];
  if (!hasGlob(source)) {
    if (file === source) return isDir(source) === true ? null : asFile();
    if (file.startsWith(source + '/')) return [joinAbs(d, file.slice(source.length + 1))];
    return null;
  }
  const m = globRoot(globToRegExp(source), file);
  if (m === null) return null;
  return m === file ? asFile() : [joinAbs(d, file.slice(m.length + 1))];
}

/** The path in a `COPY --from` source stage that holds what lands at `query` (exact: the mapping
 * is one to one), or null when the copy puts nothing there. */
export function mapThrough(
  src: string,
  dest: string,
  query: string,
): { path: string; exact: boolean } | null {
  const d = trimSlash(dest);
  if (hasGlob(query) || hasGlob(src))
    return overlaps(d, query) ? { path: src, exact: false } : null;
  const q = trimSlash(query);
  if (q === d || q.startsWith(d === '/' ? '/' : d + '/')) {
    const rest = q.slice(d === '/' ? 0 : d.length);
    if (rest === '' || rest === '/') return { path: src, exact: true };
    const first = rest.split('/')[1];
    const srcBase = trimSlash(src).slice(trimSlash(src).lastIndexOf('/') + 1);
    if (dest.endsWith('/') && first === srcBase) return { path: src, exact: false };
    return { path: joinAbs(src, rest.slice(1)), exact: true };
  }
  if (d.startsWith(q === '/' ? '/' : q + '/')) return { path: src, exact: true };
  return null;
}
