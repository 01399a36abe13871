/** `.dockerignore` handling with Docker's own matching semantics (@balena/dockerignore). */
import { createRequire } from 'node:module';

// A CommonJS module whose typings declare an ES default export: load it through require.
const dockerignore = createRequire(import.meta.url)('@balena/dockerignore') as (options?: {
  ignorecase?: boolean;
}) => import('@balena/dockerignore').Ignore;
import type { BuildContext } from '../model/types.js';

export interface IgnoreFile {
  /** Context-relative path of the file in force, or null when there is none. */
  path: string | null;
  /** Raw text (null when there is no file). */
  text: string | null;
  /** Patterns in order (comments and blank lines dropped, as Docker reads them). */
  patterns: string[];
  ignores(path: string): boolean;
}

/** Parse .dockerignore text into patterns the way Docker does. */
export function parsePatterns(text: string): string[] {
  const out: string[] = [];
  for (const line of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    if (line.startsWith('#')) continue;
    const p = line.trim();
    if (p === '' || p === '!') continue;
    out.push(p);
  }
  return out;
}

export function matcher(patterns: string[]): (path: string) => boolean {
  if (patterns.length === 0) return () => false;
  const ig = dockerignore({ ignorecase: false }).add(patterns);
  return (p: string) => ig.ignores(p);
}

/**
 * The ignore file in force for a Dockerfile: `<Dockerfile>.dockerignore` beside the Dockerfile
 * (BuildKit) when it exists in the context, else `.dockerignore` at the context root.
 */
export function loadIgnore(ctx: BuildContext): IgnoreFile {
  const candidates: string[] = [];
  if (ctx.dockerfilePath) candidates.push(`${ctx.dockerfilePath}.dockerignore`);
  candidates.push('.dockerignore');
  for (const c of candidates) {
    const text = ctx.readFile(c);
    if (text !== null) {
      const patterns = parsePatterns(text);
      return { path: c, text, patterns, ignores: matcher(patterns) };
    }
  }
  return { path: null, text: null, patterns: [], ignores: () => false };
}
