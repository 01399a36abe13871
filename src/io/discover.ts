/** Finding Dockerfiles under the paths given on the command line. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeFsError } from './read.js';

const SKIP_DIRS = new Set(['node_modules', '.git', '.hg', '.svn']);

/**
 * Extensions of files named like a Dockerfile that are not one: documentation, templates
 * rendered into a Dockerfile (Jinja, Go, ERB, ...), editor and patch leftovers. Discovery skips
 * them; named explicitly on the command line they are still read. The pre-commit hooks'
 * `exclude:` pattern lists the same (test/files-discover.test.ts checks that they agree).
 */
export const NOT_DOCKERFILE_EXTENSIONS = [
  // documentation
  'md',
  'markdown',
  'rst',
  'txt',
  'adoc',
  'html',
  // templates
  'j2',
  'jinja',
  'jinja2',
  'tmpl',
  'tpl',
  'template',
  'gotmpl',
  'mustache',
  'hbs',
  'erb',
  'ejs',
  'liquid',
  'in',
  // leftovers
  'bak',
  'orig',
  'rej',
  'swp',
  'diff',
  'patch',
  // the ignore file of a Dockerfile
  'dockerignore',
] as const;

const NOT_DOCKERFILE = new RegExp(`\\.(${NOT_DOCKERFILE_EXTENSIONS.join('|')})$|~$`, 'i');

export function isDockerfileName(name: string): boolean {
  if (name === 'Dockerfile' || name === 'Containerfile') return true;
  if (NOT_DOCKERFILE.test(name)) return false;
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
 * and VCS folders, documentation and templates). A file named explicitly is taken as it is.
 * Returns found files in order and per-path errors.
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
