/**
 * package-hygiene, npm and yarn rules: `npm-ci` (review; only when a COPY put the lockfile where
 * the install runs), `npm-cache-clean`, `yarn-cache-clean` (DL3060; Yarn 1 only, since Yarn 2+
 * Plug'n'Play loads packages from the cache). One function per rule.
 * See docs/rules/package-hygiene.md.
 */
import { ignoreOf, baseOf, imageFiles, type ImageFiles } from './image-files.js';
import { imageWorkdir, joinImage } from '../../src/model/image-path.js';
import { baseName, hasFlag } from '../../src/toolkit/commands.js';
import { cleanupOrMount, hasCacheMount, mountFits } from './cache-mounts.js';
import type { Finding } from '../../src/model/types.js';
import { contextAnswer } from '../../src/toolkit/context-answer.js';
import { type Ctx, finding, lineNo, showDir, skipFinding, skipped, stageChain } from './context.js';
import { laterReader, runSeen } from './readers.js';
import { fam, type PkgCmd, type RunInfo } from './run.js';

/**
 * The folder an install command runs in: the RUN's working directory, followed through the
 * top-level `cd <dir>` commands before it. Null when that cannot be told.
 */
export function installDir(c: Ctx, info: RunInfo, p: PkgCmd): string | null {
  let dir = imageWorkdir(c.model, info.instr.index);
  if (dir === null) return null;
  if (hasFlag(p.args, (v) => /^--prefix\b|^-C$/.test(v))) return null;
  for (const cmd of info.instr.shell!.commands) {
    if (cmd.span.start >= p.cmd.span.start) break;
    const name = cmd.name?.value;
    if (name === 'pushd' || name === 'popd') return null;
    if (name !== 'cd') continue;
    if (cmd.nested) continue;
    const target = cmd.args.length === 1 ? cmd.args[0]!.value : null;
    if (target === null || target === '-' || target.startsWith('~') || target.includes('$'))
      return null;
    dir = joinImage(dir, target);
  }
  return dir;
}

export const NPM_LOCKS = ['package-lock.json', 'npm-shrinkwrap.json'];

/**
 * Whether `npm ci` can run where `p` runs `npm install`: the lockfile must be in the image in
 * that folder, put there by a COPY/ADD from the context that .dockerignore does not exclude.
 * `ok` with the lockfile, or why not (`lockInContext`: a lockfile the Dockerfile could mean is
 * in the context, so the reason is worth a skip).
 */
export function lockfileFor(
  c: Ctx,
  info: RunInfo,
  p: PkgCmd,
  files: ImageFiles,
): { ok: true } | { ok: false; why: string; lockInContext: boolean } {
  const ctx = c.check.buildContext;
  const ignore = ignoreOf(c);
  const dir = installDir(c, info, p);
  // Lockfiles in the context the install could mean: beside the package.json it reads, at the root.
  const pkg = dir === null ? undefined : files.files.get(joinImage(dir, 'package.json'));
  const pkgDir =
    pkg === undefined ? null : pkg.includes('/') ? pkg.slice(0, pkg.lastIndexOf('/')) : '';
  const candidates = [
    ...(pkgDir !== null ? NPM_LOCKS.map((l) => (pkgDir ? `${pkgDir}/${l}` : l)) : []),
    ...NPM_LOCKS,
  ].filter((f) => ctx.exists(f));
  const lockInContext = candidates.length > 0;
  if (dir === null)
    return {
      ok: false,
      why: 'the folder `npm install` runs in is not known',
      lockInContext: lockInContext || [...files.sent].some((f) => NPM_LOCKS.includes(baseOf(f))),
    };
  for (const l of NPM_LOCKS) if (files.files.has(joinImage(dir, l))) return { ok: true };
  for (const l of NPM_LOCKS) {
    const ctxPath = files.ignored.get(joinImage(dir, l));
    if (ctxPath !== undefined)
      return {
        ok: false,
        why: `${ctxPath} is excluded by ${ignore.path ?? '.dockerignore'}, so it is not in the image`,
        lockInContext: true,
      };
  }
  const ignored = candidates.find((f) => ignore.ignores(f));
  return {
    ok: false,
    why: ignored
      ? `${ignored} is excluded by ${ignore.path ?? '.dockerignore'}, so no COPY puts a lockfile into ${showDir(dir)}`
      : `${candidates[0] ?? 'package-lock.json'} is in the build context, but no COPY before this RUN puts it into ${showDir(dir)}${files.fromCopies ? ' (COPY --from is not followed)' : ''}`,
    lockInContext,
  };
}

/** The npm rules of one RUN: `npm-ci`, then `npm-cache-clean`. */
export function checkNpm(c: Ctx, info: RunInfo): void {
  const npm = fam(info, 'npm');
  if (npm.length === 0) return;
  const installs = npm.filter((p) => ['install', 'i', 'ci', 'add'].includes(p.sub?.value ?? ''));
  if (installs.length === 0) return;
  const blocked = info.skip.get('npm');
  if (blocked) {
    if (!npmCleaned(c, info) && !hasCacheMount(info.instr, 'npm'))
      skipped(c, 'npm-cache-clean', info.instr.span.start, `${blocked}; not rewritten`);
    return;
  }
  npmCi(c, info, installs);
  npmCacheClean(c, info, installs);
}

/** The RUN cleans the npm cache itself. */
export function npmCleaned(c: Ctx, info: RunInfo): boolean {
  return runSeen(c, info).seen.some(
    (cmd) =>
      (cmd.name === 'npm' &&
        cmd.args[0]?.value === 'cache' &&
        hasFlag(cmd.args, (v) => v === 'clean' || v === 'clear')) ||
      (cmd.name === 'rm' && cmd.args.some((a) => /(^|\/)\.npm(\/|$)/.test(a.value ?? a.raw))),
  );
}

/** `npm-ci` (review): `npm install` -> `npm ci` when the lockfile is in the image where the
 * install runs. */
function npmCi(c: Ctx, info: RunInfo, installs: PkgCmd[]): void {
  const plain = installs.filter(
    (p) =>
      (p.sub!.value === 'install' || p.sub!.value === 'i') &&
      p.args
        .slice(p.args.indexOf(p.sub!) + 1)
        .every((a) => a.value !== null && a.value.startsWith('-')) &&
      !hasFlag(p.args, (v) => v === '-g' || v === '--global' || v === '--no-package-lock'),
  );
  if (plain.length === 0) return;
  // (nothing without a context; a contextAnswer: a check that gets nothing here may be taken as
  // it is for the run without a context, see api.ts CheckMemo)
  const found = contextAnswer(c.check, null, npmCiFinding, c, info, plain);
  if (found) c.out.push(found);
}

/** The `npm-ci` fix or skip of the plain `npm install`s of a RUN over a context, or null. */
function npmCiFinding(c: Ctx, info: RunInfo, plain: PkgCmd[]): Finding | null {
  const { instr } = info;
  const files = imageFiles(c, instr.index);
  const checks = plain.map((p) => lockfileFor(c, info, p, files));
  const bad = checks.find((k) => !k.ok) as { why: string; lockInContext: boolean } | undefined;
  if (!bad)
    return finding(
      'npm-ci',
      instr,
      '`npm install` may rewrite package-lock.json and resolve other versions than the lockfile pins; `npm ci` installs exactly the locked tree, faster.',
      plain.map((p) => ({ ...p.sub!.span, text: 'ci' })),
      'review',
      {
        note: 'npm ci fails when package-lock.json is out of date with package.json',
        hadolint: [],
      },
    );
  if (bad.lockInContext)
    return skipFinding(
      'npm-ci',
      instr.span.start,
      `\`npm install\` stays: ${bad.why}, and \`npm ci\` fails without the lockfile`,
    );
  return null;
}

/** `npm-cache-clean`: `npm cache clean --force` right after the last install of the RUN. */
function npmCacheClean(c: Ctx, info: RunInfo, installs: PkgCmd[]): void {
  const { instr } = info;
  const cleaned = npmCleaned(c, info);
  if (cleaned || hasCacheMount(instr, 'npm')) return;
  // A later `npm ci --offline` (or `--prefer-offline`, `npm cache ls`) installs from this cache.
  const reader = laterReader(c, instr, (cmd) => {
    if (cmd.name !== 'npm') return null;
    const words = cmd.args.map((a) => a.value ?? '');
    if (words.some((w) => /^--(prefer-)?offline(=true)?$/.test(w)))
      return `it runs \`npm ${words.join(' ')}\`, which installs from the npm cache`;
    if (words[0] === 'cache' && !['clean', 'clear'].includes(words[1] ?? ''))
      return `it runs \`npm ${words.join(' ')}\``;
    return null;
  });
  if (reader) {
    skipped(
      c,
      'npm-cache-clean',
      instr.span.start,
      `${reader.label} reads the npm cache this RUN fills (${reader.why}); cleaning it would break that`,
    );
    return;
  }
  if (c.check.options.cacheMounts && mountFits(c, info, 'npm')) {
    cleanupOrMount(c, info, 'npm', 'npm-cache-clean', '', '');
    return;
  }
  cleanupOrMount(
    c,
    info,
    'npm',
    'npm-cache-clean',
    'npm cache clean --force',
    'npm keeps every downloaded tarball in ~/.npm of this layer; `npm cache clean --force` in the same RUN keeps it out of the image.',
    { after: installs[installs.length - 1]!.cmd },
  );
}

/** The `packageManager` field of a package.json text, or null (none, or not JSON). */
export function packageManager(text: string | null): string | null {
  if (text === null) return null;
  try {
    const pm = (JSON.parse(text) as { packageManager?: unknown } | null)?.packageManager;
    return typeof pm === 'string' ? pm : null;
  } catch {
    return null;
  }
}

/**
 * Why `yarn cache clean` may break this RUN's image, or null. On Yarn 2+ (Berry), Plug'n'Play
 * loads packages from the cache archives at run time, so cleaning the cache breaks the app.
 * Berry shows as `.yarnrc.yml` or a `.yarn` folder (in the context or copied), `packageManager`
 * `yarn@2` or later, a v2+ yarn.lock (`__metadata:`), or Berry-only commands in the Dockerfile;
 * `corepack` defers to `packageManager`, which only the context tells.
 */
export function yarnBerry(c: Ctx, info: RunInfo): { skip: string } | { review: string } | null {
  const { model } = c;
  const ctx = c.check.buildContext;
  const files = imageFiles(c, info.instr.index);
  const copied = files.sources.find((v) =>
    v.split('/').some((part) => part === '.yarnrc.yml' || part === '.yarn'),
  );
  if (copied) return { skip: `the Dockerfile copies \`${copied}\` (Yarn 2+ settings)` };
  let corepack = false;
  for (const { stage, upTo } of stageChain(model, info.instr.index))
    for (let j = stage.first + 1; j <= Math.min(stage.last, upTo); j++) {
      const run = c.runs.get(j);
      if (!run) continue;
      for (const cmd of run.instr.shell!.commands) {
        const name = baseName(cmd.name?.value ?? null);
        const v = cmd.args.map((a) => a.value ?? '');
        if (name === 'corepack') corepack = true;
        // `corepack prepare yarn@4.1.0 --activate`, `corepack use yarn@stable`, `npm i -g yarn@berry`
        const pinned = v.map((a) => /^yarn@(\d+|berry|stable|canary)\b/.exec(a)?.[1]).find(Boolean);
        if (
          (name === 'corepack' || name === 'npm') &&
          pinned &&
          !(/^\d+$/.test(pinned) && Number(pinned) < 2)
        )
          return {
            skip: `\`${name} ${v.join(' ')}\` on line ${lineNo(model, run.instr)} activates Yarn 2+`,
          };
        if (name === 'yarn' && v[0] === 'set' && v[1] === 'version')
          return { skip: `\`yarn set version\` on line ${lineNo(model, run.instr)} switches Yarn` };
        if (
          name === 'yarn' &&
          (v.some((a) => /^--immutable|^--check-cache$/.test(a)) ||
            ['dlx', 'workspaces', 'plugin'].includes(v[0] ?? ''))
        )
          return { skip: `\`yarn ${v.join(' ')}\` on line ${lineNo(model, run.instr)} is Yarn 2+` };
      }
    }
  if (!ctx.available)
    return {
      review: `without the build context, Yarn 1 cannot be told from Yarn 2+${corepack ? ' (corepack runs the version package.json names)' : ''}, whose Plug'n'Play loads packages from the cache`,
    };
  // The folders whose Yarn settings apply: the root and those of the package.json files copied.
  const dirs = new Set<string>(['']);
  for (const f of files.sent)
    if (baseOf(f) === 'package.json')
      dirs.add(f.includes('/') ? f.slice(0, f.lastIndexOf('/')) : '');
  for (const d of dirs) {
    const at = (n: string) => (d ? `${d}/${n}` : n);
    if (ctx.exists(at('.yarnrc.yml')))
      return { skip: `the build context has ${at('.yarnrc.yml')} (Yarn 2+)` };
    const pm = /^yarn@(\d+)/.exec(packageManager(ctx.readFile(at('package.json'))) ?? '');
    if (pm && Number(pm[1]) >= 2)
      return { skip: `${at('package.json')} names \`yarn@${pm[1]}\` as packageManager` };
    if (/^__metadata:/m.test(ctx.readFile(at('yarn.lock')) ?? ''))
      return { skip: `${at('yarn.lock')} is a Yarn 2+ lockfile` };
  }
  return null;
}

export function checkYarn(c: Ctx, info: RunInfo): void {
  const { instr } = info;
  const yarn = fam(info, 'yarn');
  const installs = yarn.filter(
    (p) =>
      p.sub === null ||
      ['install', 'add'].includes(p.sub.value ?? '') ||
      (p.sub.value === 'global' && hasFlag(p.args, (v) => v === 'add')),
  );
  if (installs.length === 0) return;
  const cleaned = yarn.some(
    (p) => p.sub?.value === 'cache' && hasFlag(p.args, (v) => v === 'clean'),
  );
  if (cleaned || hasCacheMount(instr, 'yarn')) return;
  const blocked = info.skip.get('yarn');
  if (blocked) {
    skipped(c, 'yarn-cache-clean', instr.span.start, `${blocked}; not rewritten`);
    return;
  }
  // `yarn global add` exists only in Yarn 1.
  const berry = installs.every((p) => p.sub?.value === 'global') ? null : yarnBerry(c, info);
  if (berry && 'skip' in berry) {
    skipped(
      c,
      'yarn-cache-clean',
      instr.span.start,
      `${berry.skip}: on Yarn 2+ \`yarn cache clean\` deletes the cache archives Plug'n'Play loads at run time; not added`,
    );
    return;
  }
  cleanupOrMount(
    c,
    info,
    'yarn',
    'yarn-cache-clean',
    'yarn cache clean',
    'yarn keeps every downloaded package in its cache folder of this layer; `yarn cache clean` in the same RUN keeps it out of the image (DL3060).',
    {
      after: installs[installs.length - 1]!.cmd,
      ...(berry ? { applicability: 'review' as const, note: berry.review } : {}),
    },
  );
}
