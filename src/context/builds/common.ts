/** Helpers shared by the build-file parsers. */
import * as path from 'node:path';

// (one RegExp object each, not one per call)
const URL_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
const GIT_SSH = /^git@/;
const GITHUB = /^github\.com\//;
const BUILDKIT_SOURCE = /^(docker-image|oci-layout|target):/;

/** A context or path that is not a local directory: a Git or HTTP URL, an image, a tarball. */
export function isRemote(p: string): boolean {
  // (each form starts with an ASCII letter; most paths start with `.`, `/` or `$`)
  const first = p.charCodeAt(0) | 32;
  if (!(first >= 97 && first <= 122)) return p === '-';
  return URL_SCHEME.test(p) || GIT_SSH.test(p) || GITHUB.test(p) || BUILDKIT_SOURCE.test(p);
}

/** A path as written, against the directory it is relative to. */
export function resolveFrom(dir: string, p: string): string {
  const expanded =
    p.startsWith('~/') && process.env.HOME ? path.join(process.env.HOME, p.slice(2)) : p;
  return path.resolve(dir, expanded);
}

/** Additional contexts: local paths made absolute, anything else kept as written. */
export function resolveContexts(dir: string, raw: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) out[k] = isRemote(v) ? v : resolveFrom(dir, v);
  return out;
}

/** `KEY=VALUE` lines or list items into a map; `KEY` alone takes its value from `env` (dropped
 * when unset). */
export function keyValues(
  items: unknown,
  env: (k: string) => string | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(items)) {
    for (const it of items) {
      const s = String(it);
      const eq = s.indexOf('=');
      if (eq > 0) out[s.slice(0, eq)] = s.slice(eq + 1);
      else if (s && env(s) !== undefined) out[s] = env(s)!;
    }
  } else if (typeof items === 'object' && items !== null) {
    for (const [k, v] of Object.entries(items as Record<string, unknown>)) {
      if (v === null || v === undefined) {
        if (env(k) !== undefined) out[k] = env(k)!;
      } else out[k] = typeof v === 'object' ? JSON.stringify(v) : String(v);
    }
  }
  return out;
}
