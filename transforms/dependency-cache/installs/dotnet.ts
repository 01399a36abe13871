/**
 * dependency-cache/dotnet: what `dotnet restore` reads.
 *
 * Every project, solution, props/targets, NuGet config (any casing), global.json and lock file of
 * the copied tree; a local package source named in a NuGet config is a read that blocks the move
 * when the full copy is what puts it in place.
 * Rules and decisions: docs/rules/dependency-cache.md.
 */
import { joinImage } from '../../../src/model/image-path.js';
import type { IgnoreFile } from '../../../src/context/ignore.js';
import type { BuildContext, ContextEntry, SimpleCommand } from '../../../src/model/types.js';
import {
  type Install,
  type Env,
  type Read,
  subcommand,
  contextEntries,
  contextPath,
  imageDir,
} from '../env.js';
import { envReads, readOpts, optionReads, localPath } from '../reads.js';

/** `dotnet restore` options naming a file or folder it reads. */
const DOTNET_READ_OPTS = readOpts({
  'reads its NuGet settings from': ['--configfile'],
  'reads packages from': ['-s', '--source'],
  'reads its lock file from': ['--lock-file-path'],
});

export function dotnet(env: Env, cmd: SimpleCommand): Install | null {
  const sub = subcommand(cmd);
  if (sub?.value !== 'restore') return null;
  const out: Install = { kind: 'dotnet', cmd, needs: [] };
  const target = cmd.args.slice(cmd.args.indexOf(sub) + 1).find((a) => !a.value?.startsWith('-'));
  if (target && target.value === null) return { ...out, skip: 'the project path is not a literal' };
  if (target) out.needs.push({ path: joinImage(env.cwd, target.value!), required: true });
  out.globs = [
    {
      dir: env.destDir,
      pattern:
        /(^|\/)([^/]+\.(csproj|fsproj|vbproj|sln|slnx|props|targets)|nuget\.config|global\.json|packages\.lock\.json|dotnet-tools\.json)$/i,
      primary: true,
    },
  ];
  out.reads = [...optionReads(env, cmd, DOTNET_READ_OPTS), ...envReads(env, cmd)];
  if (!env.ctx.available)
    return { ...out, skip: 'no build context: the project files cannot be listed' };
  out.reads.push(...nugetSources(env));
  return out;
}

/**
 * Local package sources of the NuGet config files of the copied tree (any case of the name):
 * `<add key="local" value="./packages" />` is a folder of the source restore reads.
 */
function nugetSources(env: Env): Read[] {
  const root = contextPath(env, env.destDir);
  if (root === null) return [];
  // The analyser runs for every `dotnet restore` each time the check looks for an install (the
  // plan, earlier installs, builds): the walk is done once per check and copy.
  let byCheck = NUGET_SOURCES.get(env.ctx);
  if (!byCheck) NUGET_SOURCES.set(env.ctx, (byCheck = new WeakMap()));
  let memo = byCheck.get(env.ignore);
  if (!memo) byCheck.set(env.ignore, (memo = new Map()));
  const key = `${root}\0${env.destDir}`;
  let out = memo.get(key);
  if (!out) memo.set(key, (out = computeNugetSources(env, root)));
  return out;
}

/** nugetSources by context view and ignore file (each check loads its own IgnoreFile, and the
 * context does not change during a check), then by copy (context folder, image folder). The
 * Reads are never modified. */
const NUGET_SOURCES = new WeakMap<BuildContext, WeakMap<IgnoreFile, Map<string, Read[]>>>();

/** The NuGet config files of a walk (any case of the name), in walk order: a pure function of
 * the entries, found once per walk (the walk of a context and ignore file is shared by the
 * checks of its Dockerfiles), not once per check. Holds paths only. */
const NUGET_CONFIGS = new WeakMap<readonly ContextEntry[], string[]>();

/** Walks scanned for NuGet configs (for the count-based test). */
export const nugetCounters = { scans: 0 };

function nugetConfigsOf(entries: readonly ContextEntry[]): string[] {
  let paths = NUGET_CONFIGS.get(entries);
  if (paths) return paths;
  nugetCounters.scans++;
  paths = [];
  for (const e of entries) {
    // (most paths are ruled out by their last letter, without the regexp)
    if (e.isDirectory || (e.path.charCodeAt(e.path.length - 1) | 32) !== 103) continue;
    if (/(^|\/)nuget\.config$/i.test(e.path)) paths.push(e.path);
  }
  NUGET_CONFIGS.set(entries, paths);
  return paths;
}

function computeNugetSources(env: Env, root: string): Read[] {
  const out: Read[] = [];
  for (const path of nugetConfigsOf(contextEntries(env))) {
    if ((root !== '' && !path.startsWith(root + '/')) || env.ignore.ignores(path)) continue;
    const rel = root === '' ? path : path.slice(root.length + 1);
    const dir = imageDir(joinImage(env.destDir, rel));
    const xml = env.ctx.readFile(path) ?? '';
    for (const m of xml.matchAll(/<add\s[^>]*\bvalue\s*=\s*"([^"]*)"/gi)) {
      const value = m[1]!;
      if (/^https?:\/\//i.test(value) || /^(true|false|\d+)$/i.test(value)) continue;
      const what = `\`value="${value}"\` in ${rel}`;
      if (value.includes('%') || value.includes('$'))
        out.push({ path: null, what, does: 'reads packages from' });
      else {
        const p = localPath(value.replace(/\\/g, '/'), dir, true);
        if (p !== null) out.push({ path: p, what, does: 'reads packages from' });
      }
    }
  }
  return out;
}
