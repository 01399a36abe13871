/**
 * dependency-cache/npm, /yarn, /pnpm, /bun: what a Node.js install reads.
 *
 * package.json and its lock file, .npmrc/.yarnrc(.yml) and what they name, workspace packages
 * (package.json `workspaces`, pnpm-workspace.yaml, pnpm lockfile importers); lifecycle scripts,
 * local path dependencies and patches skip. See docs/rules/dependency-cache.md.
 */
import { cleanRelative } from '../../../src/context/context.js';
import { joinImage } from '../../../src/model/image-path.js';
import { matchSource } from '../../../src/toolkit/copy.js';
import type { SimpleCommand } from '../../../src/model/types.js';
import {
  type Install,
  type Env,
  under,
  contextPath,
  inContext,
  readContext,
  subcommand,
  has,
  hasPrefix,
  parseJson,
} from '../env.js';
import { localPath, envReads, readOpts, optionReads, venvOutput } from '../reads.js';

export interface PackageJson {
  scripts?: Record<string, string>;
  workspaces?: string[] | { packages?: string[] };
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  overrides?: unknown;
  resolutions?: unknown;
  pnpm?: { patchedDependencies?: unknown; overrides?: unknown };
  patchedDependencies?: unknown;
}

export const LIFECYCLE = ['preinstall', 'install', 'postinstall', 'prepare'];

/**
 * A dependency spec npm/yarn/pnpm resolve to a local path (npm-package-arg's rules): `file:`,
 * `link:`, `portal:`, `git+file:`, paths starting with `.`, `/`, `~/` or a drive, a tarball name,
 * and any spec with a slash and no protocol that is not a GitHub `owner/repo` shorthand
 * (`libs/pkgs/x`).
 */
export function localSpec(spec: string): boolean {
  if (/^(file|link|portal|git\+file):/i.test(spec)) return true;
  if (/^(\.|~[/\\]|[/\\]|[a-zA-Z]:[/\\])/.test(spec)) return true;
  if (spec.includes(':')) return false;
  if (/\.(tgz|tar\.gz|tar)$/i.test(spec) && !spec.includes('/')) return true;
  return /[/\\]/.test(spec) && !/^[^@%/\s.-][^:@%/\s]*\/[^:@\s/%]+(#.*)?$/.test(spec);
}

/** Every `name: spec` of the dependency lists, `overrides` and `resolutions` (nested ones too). */
function depSpecs(pkg: PackageJson): [string, string][] {
  const out: [string, string][] = [];
  const walk = (o: unknown, name: string) => {
    if (typeof o === 'string') out.push([name, o]);
    else if (o && typeof o === 'object')
      for (const [k, v] of Object.entries(o)) walk(v, k === '.' ? name : k);
  };
  for (const deps of [
    pkg.dependencies,
    pkg.devDependencies,
    pkg.optionalDependencies,
    pkg.overrides,
    pkg.resolutions,
    pkg.pnpm?.overrides,
  ])
    if (deps && typeof deps === 'object') walk(deps, '');
  return out;
}

/** Why installing this package.json needs more than its manifests, or null. */
export function packageJsonProblem(
  name: string,
  pkg: PackageJson,
  ignoreScripts: boolean,
): string | null {
  if (!ignoreScripts) {
    for (const s of LIFECYCLE) {
      const script = pkg.scripts?.[s];
      if (script) return `${name} runs a \`${s}\` script (\`${script}\`) that may need the source`;
    }
  }
  for (const [dep, spec] of depSpecs(pkg)) {
    if (localSpec(spec))
      return `${name} depends on a local path (\`${dep}: ${spec}\`), which needs the source`;
  }
  if (pkg.pnpm?.patchedDependencies || pkg.patchedDependencies)
    return `${name} patches dependencies with files from the source`;
  return null;
}

/** Workspace folders (image paths) for a list of globs relative to `dir`. */
export function workspaceDirs(env: Env, dir: string, globs: string[]): string[] | string {
  const root = contextPath(env, dir);
  if (root === null || !env.ctx.available)
    return 'the workspaces cannot be listed without a context';
  const out: string[] = [];
  for (const g of globs) {
    if (g.startsWith('!')) continue;
    const pattern = cleanRelative(root === '' ? g : `${root}/${g}`);
    if (pattern === null) return `workspace \`${g}\` points outside the context`;
    const matches = (matchSource(env.ctx, pattern) ?? [])
      .filter((f) => f.endsWith('/package.json') && !env.ignore.ignores(f))
      .map((f) => f.slice(0, -'/package.json'.length))
      .filter((d) => (g.includes('**') ? true : d.split('/').length === pattern.split('/').length));
    for (const d of matches) {
      const rel = root === '' ? d : d.slice(root.length + 1);
      out.push(joinImage(dir, rel));
    }
  }
  return [...new Set(out)].sort();
}

/** Options of the package managers that take a folder (skipped to find the subcommand). */
const NODE_DIR_OPTS = new Set(['--prefix', '-C', '--cwd', '--dir']);

/** The subcommands that install, by package manager (bare `yarn` installs too). */
const NODE_INSTALLS = {
  npm: ['ci', 'install', 'i', 'clean-install'],
  yarn: ['install'],
  pnpm: ['install', 'i', 'fetch'],
  bun: ['install', 'i'],
};

export function node(
  env: Env,
  cmd: SimpleCommand,
  tool: 'npm' | 'yarn' | 'pnpm' | 'bun',
): Install | null {
  const sub = subcommand(cmd, NODE_DIR_OPTS);
  const name = sub?.value ?? null;
  if (!(name === null ? tool === 'yarn' : NODE_INSTALLS[tool].includes(name))) return null;
  if (has(cmd, '-g', '--global', '--location=global')) return null;
  const out: Install = { kind: tool, cmd, needs: [] };
  if (hasPrefix(cmd, '--prefix', '-C', '--cwd', '--dir', '--filter', '--workspace', '-w'))
    return { ...out, skip: `\`${tool}\` runs in another folder or a workspace subset here` };
  const after = sub ? cmd.args.slice(cmd.args.indexOf(sub) + 1) : [];
  // Positional words, skipping the values of options that take one (`--omit dev`).
  const pkgs = after.filter(
    (a, i) =>
      (a.value === null || !a.value.startsWith('-')) &&
      !NODE_VALUE_OPTS.has(after[i - 1]?.value ?? ''),
  );
  if (pkgs.length)
    return { ...out, skip: `\`${tool} ${name} ${pkgs[0]!.raw}\` adds packages to package.json` };
  const dir = env.cwd;
  const j = (f: string) => joinImage(dir, f);
  out.needs.push({ path: j('package.json'), required: true });
  if (tool === 'npm')
    out.needs.push(
      { path: j('package-lock.json'), required: false },
      { path: j('npm-shrinkwrap.json'), required: false },
    );
  if (tool === 'yarn') {
    out.needs.push(
      { path: j('yarn.lock'), required: false },
      { path: j('.yarnrc'), required: false },
      { path: j('.yarnrc.yml'), required: false },
    );
    out.globs = [{ dir, pattern: /^\.yarn\/(releases|plugins|patches)\// }];
  }
  if (tool === 'pnpm')
    out.needs.push(
      { path: j('pnpm-lock.yaml'), required: tool === 'pnpm' && name === 'fetch' },
      { path: j('pnpm-workspace.yaml'), required: false },
    );
  if (tool === 'bun')
    out.needs.push(
      { path: j('bun.lockb'), required: false },
      { path: j('bun.lock'), required: false },
      { path: j('bunfig.toml'), required: false },
    );
  out.needs.push({ path: j('.npmrc'), required: false });
  out.reads = [
    ...optionReads(env, cmd, NODE_READ_OPTS),
    ...envReads(env, cmd),
    // `pnpm fetch` fills the store only.
    ...(tool === 'pnpm' && name === 'fetch' ? [] : [venvOutput(cmd, j('node_modules'))]),
  ];
  if (!env.ctx.available) return out;
  const config = nodeConfig(env, dir, tool, out);
  if (config) return { ...out, skip: config };
  const ignoreScripts = has(cmd, '--ignore-scripts') || (tool === 'pnpm' && name === 'fetch');
  const pkgText = readContext(env, j('package.json'));
  const pkg = parseJson<PackageJson>(pkgText);
  if (pkgText !== null && pkg === null) return { ...out, skip: 'package.json is not valid JSON' };
  if (pkg) {
    const why = packageJsonProblem('package.json', pkg, ignoreScripts);
    if (why) return { ...out, skip: why };
  }
  // Workspaces: npm/yarn/bun from package.json, pnpm from pnpm-workspace.yaml.
  let globs: string[] = [];
  if (tool === 'pnpm') {
    const ws = readContext(env, j('pnpm-workspace.yaml'));
    if (ws !== null) globs = yamlList(ws, 'packages');
  } else if (pkg?.workspaces) {
    globs = Array.isArray(pkg.workspaces) ? pkg.workspaces : (pkg.workspaces.packages ?? []);
  }
  if (globs.length) {
    const dirs = workspaceDirs(env, dir, globs);
    if (typeof dirs === 'string') return { ...out, skip: dirs };
    for (const d of dirs) {
      if (d === dir) continue;
      const rel = under(dir, d) ?? d;
      const p = joinImage(d, 'package.json');
      const child = parseJson<PackageJson>(readContext(env, p));
      if (child === null) return { ...out, skip: `${rel}/package.json is not valid JSON` };
      const why = packageJsonProblem(`${rel}/package.json`, child, ignoreScripts);
      if (why) return { ...out, skip: why };
      out.needs.push({ path: p, required: true });
    }
  }
  if (tool === 'pnpm') {
    // Every importer of the lockfile must have its package.json in the context.
    const lock = readContext(env, j('pnpm-lock.yaml'));
    if (lock !== null) {
      const importers = /^importers:\s*$([\s\S]*?)(?=^\S)/m.exec(lock + '\nend:\n')?.[1] ?? '';
      for (const m of importers.matchAll(/^ {2}(['"]?)([^'"\s:]+)\1:\s*(\{\s*\})?\s*$/gm)) {
        const imp = m[2]!;
        if (imp === '.') continue;
        const p = joinImage(dir, `${imp}/package.json`);
        const cp = contextPath(env, p);
        if (cp === null || !inContext(env, cp))
          return {
            ...out,
            skip: `the pnpm workspace is incomplete: lockfile importer ${imp} has no package.json in the build context`,
          };
        if (!out.needs.some((n) => n.path === p)) out.needs.push({ path: p, required: true });
      }
    }
  }
  return out;
}

/** npm/yarn/pnpm/bun options that take the next word as their value. */
export const NODE_VALUE_OPTS = new Set([
  '--userconfig',
  '--globalconfig',
  '--cafile',
  '--registry',
  '--loglevel',
  '--cache',
  '--omit',
  '--include',
  '--network-timeout',
  '--network-concurrency',
  '--modules-folder',
  '--cache-folder',
  '--mutex',
  '--use-yarnrc',
  '--fetch-retries',
  '--fetch-timeout',
  '--reporter',
  '--backend',
]);

/** npm/yarn/pnpm options naming a file or folder they read. */
export const NODE_READ_OPTS = readOpts({
  'reads its settings from': ['--userconfig', '--globalconfig', '--use-yarnrc'],
  'reads a certificate from': ['--cafile'],
  'reads packages from': ['--yarn-offline-mirror'],
  'reads its package cache from': ['--cache', '--cache-folder', '--cache-dir', '--store-dir'],
  'runs hooks from': ['--pnpmfile'],
});

/** Keys of .npmrc that name a file npm/pnpm read. */
export const NPMRC_PATH_KEYS =
  /^(cafile|userconfig|globalconfig|certfile|keyfile|pnpmfile|global-pnpmfile|cache|cache-dir|store-dir)$/;

/**
 * Paths named by the package manager's config files in the project folder: the Yarn binary
 * (`yarnPath`, `yarn-path`) and plugins are copied with the manifests; caches, mirrors,
 * certificates and hook files in the source are reads. A reason when a hook file loads the source.
 */
export function nodeConfig(env: Env, dir: string, tool: string, out: Install): string | null {
  const reads = (out.reads ??= []);
  const npmrc = readContext(env, joinImage(dir, '.npmrc'));
  for (const line of (npmrc ?? '').split(/\r?\n/)) {
    const m = /^\s*(?:\S*:)?([\w-]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (!m || !NPMRC_PATH_KEYS.test(m[1]!)) continue;
    if (m[2]!.includes('$')) {
      // npm expands environment variables in .npmrc: a path under the home folder is no source
      // file, any other variable has no value the tool knows.
      if (!/^["']?\$\{?HOME\b/.test(m[2]!))
        reads.push({ path: null, what: `\`${m[1]}=${m[2]}\` in .npmrc`, does: 'names' });
      continue;
    }
    const p = localPath(m[2]!.replace(/^(["'])(.*)\1$/, '$2'), dir, true);
    if (p !== null) reads.push({ path: p, what: `\`${m[1]}=${m[2]}\` in .npmrc`, does: 'names' });
  }
  if (tool === 'yarn') {
    const berry = readContext(env, joinImage(dir, '.yarnrc.yml'));
    if (berry !== null) {
      const value = (key: string) =>
        new RegExp(`^${key}:\\s*(["']?)(.+?)\\1\\s*(#.*)?$`, 'm').exec(berry)?.[2] ?? null;
      const yarnPath = value('yarnPath');
      if (yarnPath) out.needs.push({ path: joinImage(dir, yarnPath), required: true });
      for (const m of berry.matchAll(/^\s*-?\s*path:\s*(["']?)(.+?)\1\s*$/gm))
        out.needs.push({ path: joinImage(dir, m[2]!), required: true });
      const globalCache = /^(true|yes)$/i.test(value('enableGlobalCache') ?? '');
      const cache = value('cacheFolder') ?? (globalCache ? null : '.yarn/cache');
      if (cache)
        reads.push({
          path: joinImage(dir, cache),
          what: value('cacheFolder') ? `\`cacheFolder: ${cache}\` in .yarnrc.yml` : 'Yarn',
          does: 'reads its package cache from',
        });
      for (const key of ['httpsCaFilePath', 'httpsCertFilePath', 'httpsKeyFilePath']) {
        const v = value(key);
        if (v)
          reads.push({ path: joinImage(dir, v), what: `\`${key}\` in .yarnrc.yml`, does: 'names' });
      }
    }
    const classic = readContext(env, joinImage(dir, '.yarnrc'));
    for (const line of (classic ?? '').split(/\r?\n/)) {
      const m = /^\s*"?([\w-]+)"?\s+(["']?)(.+?)\2\s*$/.exec(line);
      if (!m) continue;
      if (m[1] === 'yarn-path') out.needs.push({ path: joinImage(dir, m[3]!), required: true });
      else if (['yarn-offline-mirror', 'cafile', 'cache-folder'].includes(m[1]!)) {
        const p = localPath(m[3]!, dir, true);
        if (p !== null) reads.push({ path: p, what: `\`${m[1]}\` in .yarnrc`, does: 'names' });
      }
    }
  }
  if (tool === 'pnpm') {
    const hooks = readContext(env, joinImage(dir, '.pnpmfile.cjs'));
    if (hooks !== null) {
      if (/\brequire\s*\(\s*["']\.{1,2}\/|\bfrom\s+["']\.{1,2}\//.test(hooks))
        return '.pnpmfile.cjs loads other files of the source';
      out.needs.push({ path: joinImage(dir, '.pnpmfile.cjs'), required: false });
    }
  }
  return null;
}

/** Items of a top-level YAML list (`key:` followed by `- item` lines). */
export function yamlList(text: string, key: string): string[] {
  const out: string[] = [];
  let inList = false;
  for (const line of text.split(/\r?\n/)) {
    if (new RegExp(`^${key}:\\s*$`).test(line)) {
      inList = true;
      continue;
    }
    if (!inList) continue;
    const m = /^\s+-\s+(['"]?)(.*?)\1\s*(#.*)?$/.exec(line);
    if (m) out.push(m[2]!);
    else if (/^\S/.test(line)) break;
  }
  return out;
}
