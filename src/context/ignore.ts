/** `.dockerignore` handling with Docker's own matching semantics (@balena/dockerignore). */
import { createRequire } from 'node:module';

// A CommonJS module whose typings declare an ES default export: load it through require.
const dockerignore = createRequire(import.meta.url)('@balena/dockerignore') as (options?: {
  ignorecase?: boolean;
}) => import('@balena/dockerignore').Ignore;
import type { BuildContext } from '../model/types.js';
import { onClear } from './cache.js';

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

/**
 * Compiled pattern sets by their text, most recent last, each with its verdicts by path: the
 * dockerignore analysis of every Dockerfile of a context matches the same ignore file and the
 * same candidate patterns against the same paths. A verdict is a function of the patterns and
 * the path alone, so each set is compiled once and each path matched once per set. Bounded:
 * past MATCHER_ENTRIES sets the oldest goes; past MATCHER_PATHS verdicts in all, everything.
 */
interface Compiled {
  ig: import('@balena/dockerignore').Ignore;
  verdicts: Map<string, boolean>;
}
const compiled = new Map<string, Compiled>();
const MATCHER_ENTRIES = 256;
const MATCHER_PATHS = 100_000;
let matcherPaths = 0;

/** Drop the compiled pattern sets (the API's clearCaches). */
export function clearMatchers(): void {
  compiled.clear();
  matcherPaths = 0;
}

onClear(clearMatchers);

function compiledFor(patterns: string[]): Compiled {
  const key = patterns.join('\n');
  let c = compiled.get(key);
  if (c) compiled.delete(key);
  else {
    c = { ig: dockerignore({ ignorecase: false }).add(patterns), verdicts: new Map() };
    if (compiled.size >= MATCHER_ENTRIES) {
      const oldest = compiled.keys().next().value!;
      matcherPaths -= compiled.get(oldest)!.verdicts.size;
      compiled.delete(oldest);
    }
  }
  compiled.set(key, c);
  return c;
}

export function matcher(patterns: string[]): (path: string) => boolean {
  if (patterns.length === 0) return () => false;
  let c = compiledFor(patterns);
  return (p: string) => {
    let v = c.verdicts.get(p);
    if (v !== undefined) return v;
    v = c.ig.ignores(p);
    if (++matcherPaths > MATCHER_PATHS) {
      // Start over (this matcher keeps going with a fresh set of its own).
      clearMatchers();
      c = compiledFor(patterns);
      matcherPaths = 1;
    }
    c.verdicts.set(p, v);
    return v;
  };
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
