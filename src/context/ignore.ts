/** `.dockerignore` handling with Docker's own matching semantics (those of @balena/dockerignore,
 * compiled by ./ignore-match.ts). */
import type { BuildContext } from '../model/types.js';
import { onClear } from './cache.js';
import { compileIgnore, type IgnoreMatcher } from './ignore-match.js';

export type { IgnoreMatcher };

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
 * Compiled pattern sets by their patterns, most recent last: the dockerignore analysis of every
 * Dockerfile of a context matches the same ignore file and the same candidate patterns, so each
 * set is compiled once. Bounded: past MATCHER_ENTRIES sets the oldest goes. No verdicts are
 * kept: matching a path (a few string comparisons, a regexp for the glob rules) costs less than
 * looking it up in a map of every path seen.
 */
const compiled = new Map<string, IgnoreMatcher>();
const MATCHER_ENTRIES = 256;

/** Ignore files read, by text: their patterns and matcher (the transforms each load the ignore
 * file of every Dockerfile they check, and a context's Dockerfiles share one). Bounded as the
 * compiled sets are. Shared: read-only. */
const byText = new Map<string, { patterns: string[]; ignores: (path: string) => boolean }>();

/** The patterns of an ignore file's text and their matcher, once per text. */
function parsedIgnore(text: string): { patterns: string[]; ignores: (path: string) => boolean } {
  let parsed = byText.get(text);
  if (!parsed) {
    // (frozen: every IgnoreFile of this text shares the list, and sharedBulkMatcher and
    // sentEntries take the same list for the same patterns)
    const patterns = Object.freeze(parsePatterns(text)) as string[];
    parsed = { patterns, ignores: matcher(patterns) };
    if (byText.size >= MATCHER_ENTRIES) byText.delete(byText.keys().next().value!);
    byText.set(text, parsed);
  }
  return parsed;
}

/** Drop the compiled pattern sets and the ignore files parsed (the API's clearCaches). */
export function clearMatchers(): void {
  compiled.clear();
  byText.clear();
}

onClear(clearMatchers);

/** The matcher of an empty pattern list (no ignore file): one constant function. */
export const NOTHING_IGNORED = (_path: string): boolean => false;

export function matcher(patterns: string[]): IgnoreMatcher {
  if (patterns.length === 0) return NOTHING_IGNORED;
  const key = JSON.stringify(patterns);
  let m = compiled.get(key);
  if (m) compiled.delete(key);
  else {
    m = compileIgnore(patterns);
    if (compiled.size >= MATCHER_ENTRIES) compiled.delete(compiled.keys().next().value!);
  }
  compiled.set(key, m);
  return m;
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
      const { patterns, ignores } = parsedIgnore(text);
      return { path: c, text, patterns, ignores };
    }
  }
  return { path: null, text: null, patterns: [], ignores: NOTHING_IGNORED };
}
