/**
 * Facts about the system package managers apt/apt-get, apk and the rpm family (dnf, yum,
 * microdnf, zypper), and pip's cache options: which subcommands prompt, read the package lists,
 * download packages or write no cache; apt options that take a value; the official images with
 * Debian's docker-clean apt hook. Shared by transforms and explain (see
 * docs/rules/package-hygiene.md).
 */
import type { Word } from '../../model/types.js';
import { hubRepo } from '../../model/image-ref.js';

export const APT_NEEDS_LISTS = new Set([
  'install',
  'upgrade',
  'dist-upgrade',
  'full-upgrade',
  'build-dep',
  'source',
  'download',
  'satisfy',
  'reinstall',
]);
export const APT_YES = new Set([
  'install',
  'upgrade',
  'dist-upgrade',
  'full-upgrade',
  'remove',
  'purge',
  'autoremove',
  'build-dep',
  'satisfy',
  'reinstall',
]);
/**
 * `apt <sub>` -> the apt-get command that does the same. `apt` turns on
 * APT::Get::Upgrade-Allow-New, so `apt upgrade` is `apt-get upgrade --with-new-pkgs`;
 * `apt full-upgrade` is `apt-get dist-upgrade` (both run the same dist-upgrade code). `list`,
 * `search`, `show`, `policy`, `edit-sources`, ... have no apt-get command.
 */
export const APT_TO_APT_GET = new Map<string, { sub?: string; add?: string }>([
  ['update', {}],
  ['install', {}],
  ['upgrade', { add: '--with-new-pkgs' }],
  ['dist-upgrade', {}],
  ['full-upgrade', { sub: 'dist-upgrade' }],
  ['remove', {}],
  ['purge', {}],
  ['autoremove', {}],
  ['clean', {}],
  ['autoclean', {}],
  ['build-dep', {}],
  ['source', {}],
  ['download', {}],
]);
/**
 * apt subcommands that download .debs into /var/cache/apt/archives. `apt` deletes them after a
 * successful install (Binary::apt::APT::Keep-Downloaded-Packages "false"); `apt-get` keeps them,
 * unless the image's apt configuration deletes them (Debian's docker-clean hook).
 */
export const APT_DOWNLOADS = new Set([
  'install',
  'reinstall',
  'upgrade',
  'dist-upgrade',
  'full-upgrade',
  'build-dep',
]);
/**
 * Official Docker Hub images whose Debian/Ubuntu variants carry the base image's
 * /etc/apt/apt.conf.d/docker-clean (every .deb deleted after dpkg runs), and Microsoft's .NET images
 * (built on them). Their alpine/UBI/Oracle variants have no apt, so no apt command to rewrite.
 */
export const DOCKER_CLEAN_IMAGES = new Set([
  'debian',
  'ubuntu',
  'buildpack-deps',
  'python',
  'pypy',
  'node',
  'golang',
  'rust',
  'gcc',
  'ruby',
  'php',
  'perl',
  'openjdk',
  'eclipse-temurin',
  'maven',
  'gradle',
  'tomcat',
  'clojure',
  'erlang',
  'elixir',
  'haskell',
  'julia',
  'r-base',
  'swift',
  'postgres',
  'nginx',
  'httpd',
  'redis',
  'mariadb',
  'wordpress',
  'drupal',
]);

/** The base image is known to have Debian's docker-clean apt hook (see DOCKER_CLEAN_IMAGES). */
export function hasDockerClean(image: string | null): boolean {
  if (!image || image.includes('$')) return false;
  const repo = hubRepo(image.toLowerCase());
  if (/^mcr\.microsoft\.com\/dotnet\/(sdk|aspnet|runtime|runtime-deps)$/.test(repo)) return true;
  return !repo.includes('/') && DOCKER_CLEAN_IMAGES.has(repo);
}

/** apt-get options that take the next word as their value. */
export const APT_VALUE_OPTS = new Set([
  '-o',
  '-c',
  '-t',
  '-a',
  '--option',
  '--config-file',
  '--target-release',
  '--host-architecture',
]);
export const RPM_YES = new Set([
  'install',
  'in',
  'update',
  'up',
  'upgrade',
  'groupinstall',
  'groupupdate',
  'reinstall',
  'remove',
  'rm',
  'erase',
  'autoremove',
  'localinstall',
  'downgrade',
  'distro-sync',
  'dist-upgrade',
  'dup',
  'builddep',
  'patch',
]);
/** rpm-family subcommands that write no package cache. */
export const RPM_NO_CACHE = new Set([
  'clean',
  'cc',
  'repolist',
  'list',
  'info',
  'search',
  'config-manager',
  'history',
  'remove',
  'rm',
  'erase',
  'autoremove',
  'addrepo',
  'ar',
  'removerepo',
  'rr',
  'modifyrepo',
  'mr',
  'help',
]);

/**
 * apt-get answers its prompts itself: `-y`, `--yes`, `--assume-yes` (also in a short-option
 * group such as `-qy`, `-yqq`), `-o APT::Get::Assume-Yes=true`, or quiet level 2 (`-qq`, `-q -q`,
 * `-q=2`, `--quiet=2`), which implies `-y`.
 */
export function aptAssumesYes(args: Word[]): boolean {
  let quiet = 0;
  for (const a of args) {
    const v = a.value;
    if (v === null) continue;
    if (v === '--yes' || v === '--assume-yes' || /assume-yes/i.test(v)) return true;
    if (/^-[a-zA-Z]+$/.test(v)) {
      if (v.includes('y')) return true;
      quiet += v.split('q').length - 1;
    } else if (v === '--quiet') quiet++;
    else {
      const m = /^(?:-q|--quiet)=(\d+)$/.exec(v);
      if (m) quiet = Number(m[1]);
    }
  }
  return quiet >= 2;
}

/** apt subcommands that read no package lists. */
export const APT_NO_LISTS = new Set(['clean', 'autoclean', 'remove', 'purge', 'autoremove']);

/** apk subcommands that read the package index and fetch it themselves with `--no-cache`. */
export const APK_INDEX = new Set(['add', 'upgrade']);
/** apk subcommands that need no index. */
export const APK_NO_INDEX = new Set(['del', 'update']);

/**
 * `--no-cache-dir` or `--cache-dir`, also abbreviated: pip's option parser takes any unambiguous
 * prefix of a long option (`--no-cache`, `--no-ca`; `--no-c` is ambiguous with --no-color,
 * --no-clean and --no-compile, `--c` with --cert, --constraint, ...).
 */
export function pipCacheOption(v: string): boolean {
  const name = v.split('=')[0]!;
  return (
    (name.length >= '--no-ca'.length && '--no-cache-dir'.startsWith(name)) ||
    (name.length >= '--ca'.length && '--cache-dir'.startsWith(name))
  );
}

/**
 * Debian/Ubuntu packages that reach https:// through ca-certificates but only recommend it:
 * `--no-install-recommends` leaves them unable to verify any TLS certificate.
 */
export const RECOMMENDS_CA_CERTIFICATES = new Set(['curl', 'wget', 'git', 'git-core']);
