/**
 * What the repository says about a path: git's status when the context is in a repository,
 * else the context's `.gitignore` files read with gitignore's rules. Secrets and clutter rules
 * decide with it (docs/rules/dockerignore.md, "Decisions").
 */
import { matcher, parsePatterns } from '../../src/context/ignore.js';
import type { BuildContext, GitStatus } from '../../src/model/types.js';

/**
 * The context's `.gitignore` files (the root one and those of the folders above `path`) say
 * whether `path` is ignored by git, read with gitignore's rules (a pattern without a slash
 * matches at any depth). Null when the context holds no `.gitignore` on that path: then nothing
 * is known about what is versioned.
 */
export function gitIgnored(bc: BuildContext, path: string): boolean | null {
  const dirs = [''];
  const parts = path.split('/');
  for (let k = 1; k < parts.length; k++) dirs.push(parts.slice(0, k).join('/'));
  const patterns: string[] = [];
  let found = false;
  for (const dir of dirs) {
    const text = bc.readFile(dir ? `${dir}/.gitignore` : '.gitignore');
    if (text === null) continue;
    found = true;
    // Lines as Docker reads them (comments and blanks dropped, trimmed): close enough to git's.
    for (let line of parsePatterns(text)) {
      const neg = line.startsWith('!');
      if (neg) line = line.slice(1);
      line = line.replace(/\/+$/, '');
      if (line === '') continue;
      const anchoredLine = line.replace(/^\//, '').includes('/') || line.startsWith('/');
      line = line.replace(/^\//, '');
      const body = anchoredLine ? line : `**/${line}`;
      patterns.push(`${neg ? '!' : ''}${dir ? `${dir}/` : ''}${body}`);
    }
  }
  if (!found) return null;
  return matcher(patterns)(path);
}

/** Whether git tracks `path` (a folder: holds a tracked file), or null without a repository.
 * Asks the context's `gitTracked` when it has one: then git's list of ignored files (a second
 * `git` process) is never needed for it. */
export function gitTracked(bc: BuildContext, path: string): boolean | null {
  if (bc.gitTracked) return bc.gitTracked(path);
  const status: GitStatus | null = bc.gitStatus?.(path) ?? null;
  return status === null ? null : status === 'tracked';
}

/** Whether the repository ships `path`: git tracks it (true) or not (false: untracked or
 * ignored); without a repository, false when a `.gitignore` in the context ignores it, else
 * null (nothing known). */
export function repoTracked(bc: BuildContext, path: string): boolean | null {
  const tracked = gitTracked(bc, path);
  if (tracked !== null) return tracked;
  return gitIgnored(bc, path) === true ? false : null;
}
