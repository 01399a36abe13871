/**
 * dependency-cache: steps between the full copy and the install that read nothing from the
 * build context (`contextFree`): `COPY --from` of a tool outside the copied tree and RUNs of an
 * allow-list of tool set-ups (global npm/pip/gem installs of named packages, corepack, venvs,
 * mkdir, system packages). The full copy may move below them. See docs/rules/dependency-cache.md.
 */
import { IMAGE_WD, imageWorkdir } from '../../src/model/image-path.js';
import { copyDestination, copySpec } from '../../src/toolkit/copy.js';
import type { IgnoreFile } from '../../src/context/ignore.js';
import { normalizePosix } from '../../src/model/dockerfile.js';
import { PIP_VALUE_OPTIONS } from '../../src/toolkit/packages/pip.js';
import type {
  BuildContext,
  DockerfileModel,
  Instruction,
  SimpleCommand,
} from '../../src/model/types.js';
import { envFor, under, vals, base } from './env.js';
import { setAssignment, envReads } from './reads.js';
import { PIP_READ_OPTS, PIP_FILE_OPTS, isPip } from './installs/python.js';
import { type FullCopy } from './copy.js';

/**
 * An instruction between the full copy and the install that reads nothing from the build context
 * and writes nothing the copy writes, so the copy may move below it: `COPY --from` of a tool
 * (`COPY --from=composer:2 /usr/bin/composer /usr/bin/composer`) outside the copy's destination,
 * and RUNs of a small allow-list of tool set-ups (`npm install -g`, `yarn global add`,
 * `pip install --upgrade pip`, `python -m venv /venv`, `corepack enable`, `mkdir -p /x`, system
 * package installs of named packages: `systemPackages`) with no
 * path into the copied tree and no variable pointing the tool there.
 */
export function contextFree(
  model: DockerfileModel,
  ctx: BuildContext,
  ignore: IgnoreFile,
  copy: FullCopy,
  instr: Instruction,
): boolean {
  if (instr.keyword === 'COPY') {
    const spec = copySpec(model, instr);
    if (!spec || spec.from === null || spec.heredoc) return false;
    const dest = copyDestination(model, spec)?.dest;
    if (dest === undefined) return false;
    return under(copy.destDir, dest) === null && under(dest, copy.destDir) === null;
  }
  if (instr.keyword !== 'RUN' || !instr.shell?.ok || instr.heredocs.length || instr.json)
    return false;
  for (const f of instr.flags) {
    if (f.name === 'network') continue;
    const type = f.options.type ?? 'bind';
    if (f.name !== 'mount' || !['cache', 'secret', 'ssh', 'tmpfs'].includes(type)) return false;
    if (f.options.from !== undefined || f.options.source !== undefined) return false;
  }
  const env = envFor(model, ctx, ignore, copy, instr, imageWorkdir(model, instr.index) ?? IMAGE_WD);
  const shell = instr.shell;
  if (shell.commands.some((c) => c.nested)) return false;
  for (const st of shell.statements) {
    if (st.terminator === '&') return false;
    for (const item of st.items) {
      const cmd = item.command;
      if (item.op === '||' || !cmd || cmd.name === null || cmd.redirects.length) return false;
      const prefixes = new Map<string, string | null>();
      for (const a of cmd.assignments) setAssignment(prefixes, a);
      if ([...prefixes.values()].some((v) => v === null)) return false;
      if (!toolSetup(cmd, copy.destDir)) return false;
      const touches = (p: string | null) =>
        p === null || under(copy.destDir, p) !== null || under(p, copy.destDir) !== null;
      if (envReads(env, cmd).some((r) => touches(r.path))) return false;
    }
  }
  return true;
}

/** npm/yarn/pnpm/bun package specs from the registry (`@vue/cli`, `pnpm@8.15.4`, `npm@latest`). */
export const NPM_SPEC = /^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*(@[\w.^~<>=*|+-]+)?$/i;

/** Python requirement specs naming a package (`pip`, `poetry==1.8.3`, `setuptools>=70`). */
export const PY_SPEC =
  /^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9._,-]+\])?([<>=!~]=?[A-Za-z0-9.*+!-]+(,[<>=!~]=?[A-Za-z0-9.*+!-]+)*)?$/;

/** pip options whose value is never a path. */
export const PIP_SAFE_VALUE_OPTS = new Set([
  '--progress-bar',
  '--root-user-action',
  '--upgrade-strategy',
  '--timeout',
  '--retries',
  '--trusted-host',
]);

/** Gem names and versions (`bundler`, `bundler:2.5.6`, `2.5.6`). */
export const GEM_SPEC = /^[A-Za-z0-9][\w.-]*(:[\w.]+)?$/;

/** Debian package names, with a version or target release (`libpq-dev`, `curl=7.88.1-10`, `gcc/bookworm-backports`). */
export const DEB_SPEC = /^[a-z0-9][a-z0-9+.-]*(:[a-z0-9-]+)?([=/][A-Za-z0-9.+~:-]+)?$/;

/** Alpine and RPM package names, with a version constraint (`postgresql-dev`, `curl=8.5.0-r0`, `gcc-c++`). */
export const PKG_SPEC = /^[A-Za-z0-9][\w.+-]*([<>=~]{1,2}[\w.+:~-]+)?$/;

/** Options of apt-get/apk/dnf/yum that take no value and name no path. */
export const SYSTEM_PKG_FLAGS = new Set([
  '-y',
  '--yes',
  '--assume-yes',
  '-q',
  '-qq',
  '--quiet',
  '-yq',
  '-qy',
  '-yqq',
  '-qqy',
  '--no-install-recommends',
  '--no-install-suggests',
  '--fix-missing',
  '--fix-broken',
  '-f',
  '--allow-downgrades',
  '--with-new-pkgs',
  '--no-cache',
  '--update',
  '-U',
  '--no-progress',
  '--setopt=install_weak_deps=False',
  '--setopt=install_weak_deps=0',
  '--nodocs',
  '--refresh',
]);

/**
 * System folders packages install into: a full copy into one of them (`COPY rootfs/ /`,
 * `COPY . /var/www/html` where apache2 puts its index.html) may overwrite what the packages
 * install, or the other way round, so the order of the two matters. /usr/local and folders
 * below /usr/src and /opt are the admin's (Debian policy: packages install nothing there).
 */
export const SYSTEM_DIRS = [
  '/etc',
  '/usr',
  '/var',
  '/lib',
  '/lib64',
  '/lib32',
  '/bin',
  '/sbin',
  '/boot',
];

export function packagesMayWrite(destDir: string): boolean {
  if (['/', '/opt', '/usr/src'].includes(destDir)) return true;
  if (under('/usr/local', destDir) !== null) return false;
  if (under('/usr/src', destDir) !== null) return false;
  return SYSTEM_DIRS.some((d) => under(d, destDir) !== null);
}

/** Cache folders the package managers' cleanups remove. */
export const PKG_CACHE_DIRS = [
  '/var/lib/apt/lists',
  '/var/cache/apt',
  '/var/cache/apk',
  '/var/cache/dnf',
  '/var/cache/yum',
  '/tmp',
];

/**
 * A system package install of named packages (`apt-get update`, `apt-get install -y NAME...`,
 * `apk add --no-cache NAME...`, `dnf install -y NAME...`, their cache cleanups): it reads nothing
 * from the build context. Only when the copy's destination is not a system folder.
 */
export function systemPackages(
  name: string,
  flags: string[],
  words: string[],
  destDir: string,
): boolean {
  if (packagesMayWrite(destDir)) return false;
  if (!flags.every((f) => SYSTEM_PKG_FLAGS.has(f))) return false;
  const [sub, ...rest] = words;
  switch (name) {
    case 'apt-get':
    case 'apt':
      if (['update', 'clean', 'autoclean', 'autoremove'].includes(sub ?? ''))
        return rest.length === 0;
      if (['upgrade', 'dist-upgrade'].includes(sub ?? '')) return rest.length === 0;
      return (
        ['install', 'remove', 'purge'].includes(sub ?? '') &&
        rest.length > 0 &&
        rest.every((w) => DEB_SPEC.test(w) && !w.endsWith('.deb'))
      );
    case 'apk':
      if (sub === 'update' || sub === 'upgrade') return rest.length === 0;
      return (
        (sub === 'add' || sub === 'del') &&
        rest.length > 0 &&
        rest.every((w) => PKG_SPEC.test(w) && !w.endsWith('.apk'))
      );
    case 'dnf':
    case 'yum':
    case 'microdnf':
      if (sub === 'clean') return rest.length === 1 && rest[0] === 'all';
      if (sub === 'makecache' || sub === 'upgrade' || sub === 'update') return rest.length === 0;
      return (
        (sub === 'install' || sub === 'remove') &&
        rest.length > 0 &&
        rest.every((w) => PKG_SPEC.test(w) && !w.endsWith('.rpm'))
      );
    case 'rm':
      return (
        words.length > 0 &&
        words.every((w) => {
          const p = normalizePosix(w.replace(/\/\*$/, ''));
          return (
            w.startsWith('/') && PKG_CACHE_DIRS.some((d) => under(d, p) !== null && p !== '/tmp')
          );
        })
      );
  }
  return false;
}

/** One command of the allow-list of tool set-ups that read nothing from the build context. */
export function toolSetup(cmd: SimpleCommand, destDir: string): boolean {
  const name = base(cmd.name?.value);
  const args = vals(cmd);
  if (args.some((a) => a === null)) return false;
  const v = args as string[];
  const flags = v.filter((a) => a.startsWith('-'));
  const words = v.filter((a) => !a.startsWith('-'));
  // Flags carry no path (`--loglevel=error` yes, `--prefix=/x` no).
  const plainFlags = flags.every((f) => !f.includes('/'));
  const outsideCopy = (p: string) =>
    p.startsWith('/') && under(destDir, normalizePosix(p)) === null;
  const global = flags.some((f) => ['-g', '--global', '--location=global'].includes(f));
  const pipArgs = isPip(cmd);
  if (pipArgs) {
    // `pip install --upgrade pip setuptools`: named packages from the index only.
    const a = pipArgs.map((w) => w.value!);
    const pkgs: string[] = [];
    for (let i = 0; i < a.length; i++) {
      const x = a[i]!;
      if (!x.startsWith('-')) {
        pkgs.push(x);
        continue;
      }
      const eq = x.startsWith('--') ? x.indexOf('=') : -1;
      const opt = eq > 0 ? x.slice(0, eq) : x;
      const value = eq > 0 ? x.slice(eq + 1) : null;
      if (['-i', '--index-url', '--extra-index-url'].includes(opt)) {
        if (!/^https?:\/\//.test(value ?? a[++i] ?? '')) return false;
      } else if (PIP_SAFE_VALUE_OPTS.has(opt)) {
        if ((value ?? a[++i] ?? '').includes('/')) return false;
      } else if (
        // Any other option with a value may name a path (-r, -c, -e, -f, --target, ...).
        PIP_VALUE_OPTIONS.has(opt) ||
        PIP_FILE_OPTS.has(opt) ||
        opt in PIP_READ_OPTS ||
        ['-e', '--editable'].includes(opt) ||
        /^-[rcef]./.test(x) ||
        x.includes('/')
      )
        return false;
    }
    return pkgs.length > 0 && pkgs.every((p) => PY_SPEC.test(p));
  }
  if (['apt-get', 'apt', 'apk', 'dnf', 'yum', 'microdnf'].includes(name))
    return systemPackages(name, flags, words, destDir);
  if (name === 'rm')
    return (
      flags.every((f) => ['-r', '-f', '-rf', '-fr', '-R', '-Rf', '-fR'].includes(f)) &&
      systemPackages(name, [], words, destDir)
    );
  switch (name) {
    case 'true':
      return v.length === 0;
    case 'set':
      return v.every((a) => /^[-+][a-zA-Z]+$|^(errexit|nounset|pipefail|xtrace)$|^-o$/.test(a));
    case 'mkdir':
      return (
        flags.every((f) => ['-p', '--parents', '-v', '--verbose'].includes(f)) &&
        words.length > 0 &&
        words.every(outsideCopy)
      );
    case 'corepack': {
      const sub = words[0];
      if (sub === 'enable' || sub === 'disable')
        return (
          flags.length === 0 &&
          words.slice(1).every((w) => /^(npm|yarn|pnpm|yarnpkg|pnpx|npx)$/.test(w))
        );
      if (sub === 'prepare')
        return (
          words.length > 1 &&
          words.slice(1).every((w) => NPM_SPEC.test(w)) &&
          flags.every((f) => f === '--activate')
        );
      if (sub === 'install')
        return (
          global &&
          words.length > 1 &&
          words.slice(1).every((w) => NPM_SPEC.test(w)) &&
          flags.every((f) => f === '-g' || f === '--global')
        );
      return false;
    }
    case 'npm':
    case 'pnpm':
    case 'bun':
      // A global install of named packages (`npm install -g @vue/cli`); without a name it would
      // install the project folder itself.
      return (
        global &&
        ['install', 'i', 'add', 'update', 'up'].includes(words[0] ?? '') &&
        words.length > 1 &&
        words.slice(1).every((w) => NPM_SPEC.test(w)) &&
        plainFlags
      );
    case 'yarn':
      return (
        words[0] === 'global' &&
        words[1] === 'add' &&
        words.length > 2 &&
        words.slice(2).every((w) => NPM_SPEC.test(w)) &&
        plainFlags
      );
    case 'gem':
      return (
        (words[0] === 'install' || words[0] === 'update') &&
        (words.length > 1 || flags.includes('--system')) &&
        words.slice(1).every((w) => GEM_SPEC.test(w) && !w.endsWith('.gem')) &&
        plainFlags
      );
    case 'virtualenv':
      return words.length === 1 && outsideVenv(words[0]!, destDir) && plainFlags;
  }
  // `python -m venv /venv`
  if (/^python[0-9.]*$/.test(name) && v[0] === '-m' && v[1] === 'venv') {
    const rest = v.slice(2);
    const paths = rest.filter((a) => !a.startsWith('-'));
    return (
      paths.length === 1 &&
      outsideVenv(paths[0]!, destDir) &&
      rest.every((a) => !a.startsWith('-') || !a.includes('/'))
    );
  }
  return false;
}

/** A virtualenv folder neither inside the copy's destination nor holding it. */
export function outsideVenv(p: string, destDir: string): boolean {
  if (!p.startsWith('/')) return false;
  const dir = normalizePosix(p);
  return under(destDir, dir) === null && under(dir, destDir) === null;
}
