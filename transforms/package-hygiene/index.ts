/**
 * Transform `package-hygiene`: package-manager commands in RUN that leave caches in the layer or
 * install from stale lists.
 *
 * - apt / apt-get: a RUN that only runs `apt-get update` is merged into the install RUN right
 *   after it (same stage, same RUN flags), or removed (review) when no later RUN reads its lists
 *   without updating again; an install RUN whose lists come from an earlier RUN gets its own
 *   `apt-get update` (review, or merged when it directly follows an update+install RUN that can
 *   take it); `apt` -> `apt-get` (DL3027: all of a RUN's `apt` commands or none, `apt upgrade`
 *   -> `apt-get upgrade --with-new-pkgs`, `apt full-upgrade` -> `apt-get dist-upgrade`), `-y`
 *   (DL3014), `--no-install-recommends` (DL3015, review), `rm -rf /var/lib/apt/lists/*` at the
 *   end of the RUN that runs `apt-get update` (DL3009).
 * - apk: `--no-cache` (DL3019). An `apk update` whose index would stay in the layer is dropped
 *   (every `apk add`/`apk upgrade` of the RUN gets `--no-cache`, a needless
 *   `rm -rf /var/cache/apk/*` goes too), or, when something else in the RUN may read the index
 *   (a script, `apk info`, ...), kept with `rm -rf /var/cache/apk/*` at the end of the RUN. A RUN
 *   that only runs `apk update` is dropped when nothing reads its index, or merged into a next
 *   RUN that does.
 * - dnf / yum / microdnf / zypper: `-y` (DL3038 / DL3030 / DL3034), `clean all` (DL3040 / DL3032 /
 *   DL3036).
 * - pip: `--no-cache-dir` (DL3042; an abbreviation such as `--no-cache` or PIP_NO_CACHE_DIR counts
 *   as present); npm: `npm install` -> `npm ci` (review) when a COPY put the lockfile, not excluded
 *   by .dockerignore, where the install runs; `npm cache clean --force`; yarn: `yarn cache clean`
 *   (DL3060) on Yarn 1 only (Yarn 2+ Plug'n'Play loads packages from the cache; review without a
 *   build context). Both cleanups follow the install command, not a build after it.
 * - `ctx.options.cacheMounts`: BuildKit cache mounts instead of cleanup (apt, apk, dnf, yum, pip,
 *   npm). A RUN that already mounts a cache for the manager gets no cleanup.
 * - Heredoc RUNs: the plain `RUN <<EOT` script, and `RUN <<EOT bash -e` / `RUN sh -eux <<EOT`
 *   (the body fed to sh/bash); a heredoc fed to anything else is skipped with the reason.
 * - A RUN that does not run under a POSIX shell (SHELL powershell/pwsh/cmd, a Windows base image)
 *   gets no rewrite that adds or removes shell syntax (cleanups, merges, dropped updates, cache
 *   mounts); option words (`-y`, `--no-cache-dir`, ...) are still added.
 *
 * Decisions where the issue leaves room:
 * - `apt` -> `apt-get` is `review` when the RUN installs or upgrades and the base image is not an
 *   official Debian/Ubuntu-based one (DOCKER_CLEAN_IMAGES): `apt` deletes the .debs it downloaded,
 *   `apt-get` keeps them unless the docker-clean hook of those images removes them.
 * - `--no-install-recommends` is `review`: dropping recommended packages can break the image
 *   (the classic: `curl` without `ca-certificates`).
 * - `npm ci` is `review` (an out-of-date lockfile fails the build); a prepended `apt-get update`
 *   in a RUN that is not next to its update is `review` (it adds a network step).
 * - Cleanup fixes in a stage the final image does not build on are `review` (they save size only
 *   in a `--target` build of it); `-y`, `apt-get`, merges and cache mounts stay `safe` everywhere.
 * - Removing a standalone `apt-get update` is `review` (a script run later may install with its
 *   lists); a standalone `apk update` is dropped safely unless a later RUN runs a script.
 * - Cache mounts for apt: `/var/cache/apt` and `/var/lib/apt` with `sharing=locked`. The
 *   `docker-clean` hook of Debian/Ubuntu images is left alone (removing it changes the image for
 *   every later apt user); the lists mount then carries the gain and the .deb mount stays small.
 *   yarn, microdnf and zypper keep cleanup (their cache location depends on version and user);
 *   after a non-root USER, or with XDG/PIP/npm cache variables set, cleanup is used too.
 * - Commands inside `if`/loops/pipelines/subshells, in `||` chains, behind `sh -c`, `sudo`,
 *   `xargs` and other wrappers, with a variable as subcommand, installing a local `.deb`, or in a
 *   RUN the shell parser rejects are not rewritten (a Skipped says why), unless already clean.
 */
import { cleanRelative } from '../../src/context/context.js';
import {
  copyDestination,
  copySpec,
  globToRegExp,
  hasGlob,
  matchSource,
  sourceValue,
} from '../../src/toolkit/copy.js';
import { indentOf } from '../../src/toolkit/edits.js';
import { loadIgnore, type IgnoreFile } from '../../src/context/ignore.js';
import { imageWorkdir, inImageWorkdir, joinImage } from '../../src/model/image-path.js';
import { HEREDOC_MARKER, heredocLogical } from '../../src/model/dockerfile.js';
import { commandBase, parseShell } from '../../src/model/shell.js';
import { indentOfLine, lineEnd } from '../../src/model/text.js';
import type {
  Applicability,
  CheckContext,
  DockerfileModel,
  Edit,
  Finding,
  Fix,
  Instruction,
  SimpleCommand,
  Stage,
  Statement,
  Transform,
  Word,
} from '../../src/model/types.js';

const ID = 'package-hygiene';
const rule = (kind: string) => `${ID}/${kind}`;

type Family = 'apt' | 'apk' | 'rpm' | 'pip' | 'npm' | 'yarn';

/** Rule a skip of a whole family in one RUN is reported under. */
const FAMILY_RULE: Record<Family, string> = {
  apt: 'apt-list-cleanup',
  apk: 'apk-no-cache',
  rpm: 'dnf-clean',
  pip: 'pip-no-cache-dir',
  npm: 'npm-cache-clean',
  yarn: 'yarn-cache-clean',
};

const TOOLS: Record<string, Family> = {
  'apt-get': 'apt',
  apt: 'apt',
  apk: 'apk',
  dnf: 'rpm',
  yum: 'rpm',
  microdnf: 'rpm',
  zypper: 'rpm',
  npm: 'npm',
  yarn: 'yarn',
};

const WRAPPERS = new Set([
  'sudo',
  'su',
  'env',
  'xargs',
  'nice',
  'nohup',
  'timeout',
  'time',
  'chroot',
  'eval',
  'exec',
  'stdbuf',
  'retry',
  'flock',
  'unbuffer',
]);
const SHELLS = new Set(['sh', 'bash', 'dash', 'ash', 'zsh']);

/** Commands whose effect outlives them in the shell (a merge would carry it into the next RUN). */
const STATEFUL = new Set([
  'cd',
  'pushd',
  'popd',
  'export',
  'source',
  '.',
  'set',
  'unset',
  'umask',
  'alias',
  'shopt',
  'trap',
  'exec',
  'exit',
  'return',
  'declare',
  'typeset',
  'local',
  'readonly',
  'ulimit',
  'eval',
]);

const APT_NEEDS_LISTS = new Set([
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
const APT_YES = new Set([
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
const APT_TO_APT_GET = new Map<string, { sub?: string; add?: string }>([
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
const APT_DOWNLOADS = new Set([
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
const DOCKER_CLEAN_IMAGES = new Set([
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
function hasDockerClean(image: string | null): boolean {
  if (!image || image.includes('$')) return false;
  let i = image.toLowerCase().replace(/@.*$/, '');
  if (/^mcr\.microsoft\.com\/dotnet\/(sdk|aspnet|runtime|runtime-deps)(:|$)/.test(i)) return true;
  i = i.replace(/^(docker\.io|index\.docker\.io|registry-1\.docker\.io)\//, '');
  i = i.replace(/^library\//, '');
  const repo = i.replace(/:.*$/, '');
  return !repo.includes('/') && DOCKER_CLEAN_IMAGES.has(repo);
}

/** The image the instruction's stage chain starts from (FROM <stage> followed), or null. */
function rootImage(model: DockerfileModel, instr: Instruction): string | null {
  const root = stageChain(model, instr.index)[0]?.stage;
  return root ? (root.resolvedImage ?? root.image) : null;
}

/** apt-get options that take the next word as their value. */
const APT_VALUE_OPTS = new Set([
  '-o',
  '-c',
  '-t',
  '-a',
  '--option',
  '--config-file',
  '--target-release',
  '--host-architecture',
]);
const RPM_YES = new Set([
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
const RPM_NO_CACHE = new Set([
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

// ---------------------------------------------------------------------------------------------
// Reading one RUN

interface PkgCmd {
  cmd: SimpleCommand;
  family: Family;
  /** Tool as written (`apt-get`, `pip3`, `python3 -m pip` -> `pip`). */
  tool: string;
  /** The arguments after the tool (for `python -m pip`, after `pip`). */
  args: Word[];
  /** The subcommand word (first non-option argument), null when there is none. */
  sub: Word | null;
  /** Why the command cannot be rewritten, or null. */
  blocked: string | null;
}

interface RunInfo {
  instr: Instruction;
  cmds: PkgCmd[];
  /** Family -> reason this RUN's commands of that family are left alone. */
  skip: Map<Family, string>;
  /** `set -e` (or `-o errexit`) at the top level before the first package command. */
  errexit: boolean;
  heredoc: boolean;
  /** Why this RUN does not run under a POSIX shell (non-POSIX SHELL, Windows base image), or
   * null. Rewrites that add or remove shell syntax are skipped with this reason. */
  nonPosix: string | null;
}

function baseName(v: string | null): string | null {
  return v === null ? null : commandBase(v);
}

function isPipName(n: string): boolean {
  return /^pip(\d+(\.\d+)?)?$/.test(n);
}

function familyOf(n: string | null): Family | null {
  if (n === null) return null;
  if (isPipName(n)) return 'pip';
  return TOOLS[n] ?? null;
}

function firstSub(tool: string, args: Word[]): Word | null | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.value === null) return undefined; // unknown: a variable before the subcommand
    if (a.value.startsWith('-')) {
      if ((tool === 'apt-get' || tool === 'apt') && APT_VALUE_OPTS.has(a.value)) i++;
      continue;
    }
    return a;
  }
  return null;
}

function statementOf(instr: Instruction, c: SimpleCommand): Statement | undefined {
  return instr.shell?.statements[c.statement];
}

function readRun(instr: Instruction): RunInfo {
  const info: RunInfo = {
    instr,
    cmds: [],
    skip: new Map(),
    errexit: false,
    heredoc: instr.heredocs.length > 0,
    nonPosix: null,
  };
  const shell = instr.shell!;
  const skip = (f: Family, why: string) => {
    if (!info.skip.has(f)) info.skip.set(f, why);
  };
  for (const c of shell.commands) {
    const name = baseName(c.name?.value ?? null);
    let family = familyOf(name);
    let args = c.args;
    let tool = name ?? '';
    if (!family && name && /^python(\d+(\.\d+)?)?$/.test(name)) {
      const m = c.args.findIndex((a) => a.value === '-m');
      if (m >= 0 && c.args[m + 1]?.value === 'pip') {
        family = 'pip';
        tool = 'pip';
        args = c.args.slice(m + 2);
      }
    }
    if (!family) {
      if (name === null) continue;
      // A manager run by something we do not model.
      const inner = c.args.find((a) => familyOf(baseName(a.value)) !== null);
      if (WRAPPERS.has(name) && inner) {
        skip(familyOf(baseName(inner.value))!, `${inner.value} runs under \`${name}\``);
      } else if (SHELLS.has(name) && c.args.some((a) => a.value === '-c')) {
        const script = c.args[c.args.findIndex((a) => a.value === '-c') + 1];
        for (const t of Object.keys(TOOLS).concat(['pip', 'pip3'])) {
          const words = (script?.value ?? script?.raw ?? '').split(/[\s;&|()]+/);
          if (words.includes(t))
            skip(
              familyOf(t)!,
              `${t} runs inside \`${name} -c\` (a quoted script is not rewritten)`,
            );
        }
      }
      continue;
    }
    const sub = firstSub(tool, args);
    const pc: PkgCmd = { cmd: c, family, tool, args, sub: sub ?? null, blocked: null };
    const st = statementOf(instr, c);
    if (!shell.ok) pc.blocked = 'the shell parser cannot read this RUN';
    else if (c.nested) pc.blocked = `${tool} sits inside an if/loop, a subshell or a pipeline`;
    else if (st && st.items.some((i) => i.op === '||'))
      pc.blocked = `${tool} is part of a \`||\` chain`;
    else if (st && st.terminator === '&') pc.blocked = `${tool} runs in the background`;
    else if (sub === undefined) pc.blocked = `the ${tool} subcommand is a variable`;
    else if (
      family === 'apt' &&
      sub?.value === 'install' &&
      args.some(
        (a) => a.value !== null && !a.value.startsWith('-') && /(^\.{0,2}\/|\.deb$)/.test(a.value),
      )
    )
      pc.blocked = 'apt-get installs a local .deb file';
    if (pc.blocked) skip(family, pc.blocked);
    info.cmds.push(pc);
  }
  if (!shell.ok && info.cmds.length === 0) {
    // The parser may miss commands in a broken script: look at the words.
    for (const w of instr.logical.text.split(/[\s;&|()]+/)) {
      const f = familyOf(baseName(w));
      if (f) skip(f, 'the shell parser cannot read this RUN');
    }
  }
  const firstPkg = info.cmds[0]?.cmd.statement ?? shell.statements.length;
  for (const c of shell.commands) {
    if (c.nested || c.statement >= firstPkg || c.name?.value !== 'set') continue;
    const vals = c.args.map((a) => a.value ?? '');
    if (vals.some((v) => /^-[a-z]*e/.test(v)) || vals.join(' ').includes('-o errexit'))
      info.errexit = true;
  }
  return info;
}

function fam(info: RunInfo, f: Family): PkgCmd[] {
  return info.cmds.filter((c) => c.family === f);
}

function hasFlag(args: Word[], pred: (v: string) => boolean): boolean {
  return args.some((a) => a.value !== null && pred(a.value));
}

function cacheTargets(instr: Instruction): string[] {
  return instr.flags
    .filter((f) => f.name === 'mount' && f.options.type === 'cache' && f.options.target)
    .map((f) => f.options.target!.replace(/\/+$/, ''));
}

const MOUNTS: Partial<Record<string, { test: (t: string) => boolean; add: string[] }>> = {
  apt: {
    test: (t) => t.startsWith('/var/lib/apt') || t.startsWith('/var/cache/apt'),
    add: [
      '--mount=type=cache,target=/var/cache/apt,sharing=locked',
      '--mount=type=cache,target=/var/lib/apt,sharing=locked',
    ],
  },
  apk: {
    test: (t) => t.startsWith('/var/cache/apk') || t.startsWith('/etc/apk/cache'),
    add: ['--mount=type=cache,target=/var/cache/apk'],
  },
  dnf: {
    test: (t) => t.startsWith('/var/cache/dnf') || t.startsWith('/var/cache/libdnf5'),
    add: ['--mount=type=cache,target=/var/cache/dnf'],
  },
  yum: {
    test: (t) => t.startsWith('/var/cache/yum'),
    add: ['--mount=type=cache,target=/var/cache/yum'],
  },
  microdnf: {
    test: (t) => t.startsWith('/var/cache/yum') || t.startsWith('/var/cache/dnf'),
    add: [],
  },
  zypper: { test: (t) => t.startsWith('/var/cache/zypp'), add: [] },
  pip: {
    test: (t) => t === '/root/.cache' || t.includes('.cache/pip'),
    add: ['--mount=type=cache,target=/root/.cache/pip'],
  },
  npm: {
    test: (t) => t.endsWith('.npm') || t.includes('/.npm/'),
    add: ['--mount=type=cache,target=/root/.npm'],
  },
  yarn: { test: (t) => t.includes('yarn'), add: [] },
};

function hasCacheMount(instr: Instruction, tool: string): boolean {
  const m = MOUNTS[tool];
  return !!m && cacheTargets(instr).some((t) => m.test(t));
}

// ---------------------------------------------------------------------------------------------
// Heredoc scripts fed to an interpreter; the shell a RUN runs under

/** Shells whose `&&`, `;`, `rm -rf` and `set -e` mean what the rewrites assume. */
const POSIX_SHELLS = new Set(['sh', 'bash', 'dash', 'ash', 'zsh', 'ksh', 'mksh', 'busybox']);
/** Shell options an interpreter line may set (`bash -o pipefail`). */
const SHELL_OPTIONS = new Set(['errexit', 'nounset', 'xtrace', 'verbose', 'pipefail']);

type HeredocForm =
  { kind: 'script'; instr: Instruction; errexit: boolean } | { kind: 'other'; reason: string };

/**
 * The heredoc form of a RUN other than the plain `RUN <<EOT` (which the model parses itself).
 * `RUN <<EOT bash -e` and `RUN sh -eux <<EOT` feed the body to sh/bash on stdin, so the body is a
 * shell script as in the plain form: the result is a view of the RUN whose `shell` is the body's
 * (the model is not changed), with `errexit` when the interpreter runs with `-e`. Any other
 * command (`python3`, `cat > file`, `bash -c`, several heredocs) is `other`, with the reason.
 */
function heredocForm(instr: Instruction, text: string): HeredocForm | null {
  if (instr.heredocs.length === 0 || instr.json) return null;
  const words = instr.args.map((a) => a.value);
  if (words.length === 1 && words[0] !== null && HEREDOC_MARKER.test(words[0])) return null;
  const h = instr.heredocs[0]!;
  const at = words.findIndex((w) => w !== null && HEREDOC_MARKER.exec(w)?.[2] === h.name);
  const rest = words.filter((_, i) => i !== at);
  const line =
    instr.heredocs.length === 1 && at >= 0
      ? instr.args
          .filter((_, i) => i !== at)
          .map((a) => a.raw)
          .join(' ')
      : instr.logical.text.trim();
  const other = (): HeredocForm => ({
    kind: 'other',
    reason: `the heredoc is fed to \`${line}\`, not run as a sh/bash script`,
  });
  if (instr.heredocs.length !== 1) return other();
  const interp = rest[0] ? baseName(rest[0]) : null;
  if (at < 0 || interp === null || !['sh', 'bash', 'dash', 'ash'].includes(interp)) return other();
  let errexit = false;
  for (let i = 1; i < rest.length; i++) {
    const m = rest[i] === null ? null : /^-([euxv]*)(o?)$/.exec(rest[i]!);
    if (!m || rest[i] === '-') return other();
    if (m[1]!.includes('e')) errexit = true;
    if (m[2]) {
      const opt = rest[++i];
      if (!opt || !SHELL_OPTIONS.has(opt)) return other();
      if (opt === 'errexit') errexit = true;
    }
  }
  return {
    kind: 'script',
    instr: { ...instr, shell: parseShell(heredocLogical(text, h.body)) },
    errexit,
  };
}

/**
 * Package-manager families named anywhere in the heredoc bodies of a RUN whose heredoc is not a
 * shell script (`python3`, `cat > file`): such a body is no shell, so the model has no commands
 * for it, and a name in it (`"pip"` in a Python list) only gives the skip its reason.
 */
function bodyFamilies(instr: Instruction): Family[] {
  const out = new Set<Family>();
  for (const h of instr.heredocs)
    for (const w of h.content.split(/[\s;&|()"'`]+/)) {
      const f = familyOf(baseName(w));
      if (f) out.add(f);
    }
  return [...out];
}

function exeName(s: string | undefined): string | null {
  if (!s) return null;
  return (baseName(s.replace(/\\/g, '/')) ?? '').toLowerCase().replace(/\.exe$/, '');
}

function isWindowsImage(image: string): boolean {
  const i = image.toLowerCase();
  return (
    /(^|\/)windows(\/|:|@|$)/.test(i) ||
    /servercore|nanoserver/.test(i) ||
    /^mcr\.microsoft\.com\/dotnet\/framework\//.test(i) ||
    /:.*\bltsc20\d\d\b/.test(i)
  );
}

/**
 * Why a RUN does not run under a POSIX shell, or null: a Windows base image (cmd by default,
 * whatever the SHELL), or a SHELL (in the stage or a stage it builds on) such as powershell, pwsh
 * or cmd.
 */
function shellProblem(model: DockerfileModel, instr: Instruction): string | null {
  let shell: Instruction | null = null;
  const chain = stageChain(model, instr.index);
  for (const { stage: st, upTo } of [...chain].reverse())
    for (let i = Math.min(upTo - 1, st.last); !shell && i > st.first; i--)
      if (model.instructions[i]!.keyword === 'SHELL') shell = model.instructions[i]!;
  const root = chain[0]?.stage ?? null;
  if (root) {
    const from = model.instructions[root.first]!;
    const platform = from.flags.find((f) => f.name === 'platform')?.value ?? '';
    const image = root.resolvedImage ?? root.image;
    if (isWindowsImage(image) || /^windows/i.test(platform))
      return `the base image \`${image}\` is a Windows image, where RUN does not use a POSIX shell`;
  }
  if (shell) {
    const argv = shell.json ?? [];
    let i = 0;
    let exe = exeName(argv[0]);
    if (exe === 'env') {
      i = 1;
      while (argv[i]?.startsWith('-')) i++;
      exe = exeName(argv[i]);
    }
    if (exe === null || !POSIX_SHELLS.has(exe))
      return `the RUN runs under \`${argv[i] ?? shell.logical.text.trim()}\` (SHELL on line ${shell.line + 1}), not a POSIX shell`;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Stages, users, layout

/** Stages the final image is built on: the last one and the stages it derives from. */
function finalStages(model: DockerfileModel): Set<number> {
  const out = new Set<number>();
  let s: number | null = model.stages.length - 1;
  while (s !== null && s >= 0 && !out.has(s)) {
    out.add(s);
    s = model.stages[s]!.fromStage;
  }
  return out;
}

/** Stages that build on stage `s` (transitively), `s` included. */
function descendants(model: DockerfileModel, s: number): Set<number> {
  const out = new Set([s]);
  for (const st of model.stages)
    if (st.fromStage !== null && out.has(st.fromStage)) out.add(st.index);
  return out;
}

/** True when the RUN runs as root as far as the Dockerfile tells (no USER other than root). */
function runsAsRoot(model: DockerfileModel, instr: Instruction): boolean {
  let stage: number | null = instr.stage;
  let upTo = instr.index;
  while (stage !== null && stage >= 0) {
    const st: Stage = model.stages[stage]!;
    for (let i = Math.min(upTo, st.last); i > st.first; i--) {
      const u = model.instructions[i]!;
      if (u.keyword !== 'USER' || i >= instr.index) continue;
      const v = (u.args[0]?.value ?? '').split(':')[0];
      return v === 'root' || v === '0';
    }
    upTo = Number.MAX_SAFE_INTEGER;
    stage = st.fromStage;
  }
  return true;
}

function esc(model: DockerfileModel): string {
  return model.escapeChar;
}

interface ChainStyle {
  multiline: boolean;
  leading: boolean;
  indent: string;
}

function lineIndent(model: DockerfileModel, offset: number): string {
  return indentOfLine(model.text, model.lineStarts, offset);
}

/** Indentation of the first continuation line of a shell-form RUN (or RUN indent + 4). */
function continuationIndent(model: DockerfileModel, instr: Instruction): string {
  for (let l = instr.line + 1; l <= instr.endLine; l++) {
    const start = model.lineStarts[l]!;
    const content = model.text.slice(start, lineEnd(model.text, model.lineStarts, l));
    if (content.trim() === '' || content.trim().startsWith('#')) continue;
    return lineIndent(model, start);
  }
  return indentOf(model, instr) + '    ';
}

/** Indentation for a new `&& cmd` line when the RUN shows none: the continuation indent, but no
 * deeper than one step (package lists are often indented further than the commands). */
function commandIndent(model: DockerfileModel, instr: Instruction): string {
  const base = indentOf(model, instr);
  const cont = continuationIndent(model, instr);
  const step = cont.startsWith(base) ? cont.slice(base.length) : cont;
  if (step.startsWith('\t')) return base + '\t';
  return step.length > 4 ? base + '    ' : cont;
}

/** How the author joins `&&` items across lines in this RUN. */
function chainStyle(model: DockerfileModel, instr: Instruction): ChainStyle {
  const shell = instr.shell!;
  let found: ChainStyle | null = null;
  for (const st of shell.statements) {
    for (let i = 1; i < st.items.length; i++) {
      const between = model.text.slice(st.items[i - 1]!.span.end, st.items[i]!.span.start);
      if (!between.includes('\n')) continue;
      found = {
        multiline: true,
        leading: !between.trimStart().startsWith('&&'),
        indent: lineIndent(model, st.items[i]!.span.start),
      };
    }
  }
  return found ?? { multiline: false, leading: true, indent: commandIndent(model, instr) };
}

/** How the author separates `;` statements across lines (null when they do not). */
function statementBreak(model: DockerfileModel, instr: Instruction): string | null {
  const sts = instr.shell!.statements;
  let indent: string | null = null;
  for (let i = 1; i < sts.length; i++) {
    const between = model.text.slice(sts[i - 1]!.span.end, sts[i]!.span.start);
    if (between.includes('\n')) indent = lineIndent(model, sts[i]!.span.start);
  }
  return indent;
}

function isMultiline(instr: Instruction): boolean {
  return instr.heredocs.length === 0 && instr.endLine > instr.line;
}

/** The skip reason for a rewrite that adds or removes shell syntax in a non-POSIX RUN. */
function notPosix(info: RunInfo): string {
  return `${info.nonPosix}: adding or removing shell syntax (\`&&\`, \`rm -rf\`, a statement) could change what it does`;
}

/**
 * An edit appending `command` at the end of the RUN, or a reason it cannot be done safely.
 */
function appendCommand(model: DockerfileModel, info: RunInfo, command: string): Edit | string {
  const { instr } = info;
  if (info.nonPosix) return notPosix(info);
  const sts = instr.shell!.statements;
  const last = sts[sts.length - 1];
  if (!last) return 'the RUN has no command';
  if (last.terminator === '&') return 'the RUN ends with a background command';
  const e = esc(model);
  const eol = model.eol;
  if (sts.length > 1 && info.errexit) {
    // A new statement in the author's separator style.
    let at = last.span.end;
    let semi = false;
    if (last.terminator === ';') {
      const m = /^[ \t]*;/.exec(model.text.slice(at));
      if (m) {
        at += m[0].length;
        semi = true;
      }
    }
    if (info.heredoc) {
      return { start: at, end: at, text: eol + lineIndent(model, last.span.start) + command };
    }
    const sep = semi ? '' : ';';
    const brk = statementBreak(model, instr);
    if (brk !== null && isMultiline(instr))
      return { start: at, end: at, text: `${sep} ${e}${eol}${brk}${command}` };
    return { start: at, end: at, text: `${sep} ${command}` };
  }
  const at = last.span.end;
  if (info.heredoc || !isMultiline(instr)) return { start: at, end: at, text: ` && ${command}` };
  const style = chainStyle(model, instr);
  const text = style.leading
    ? ` ${e}${eol}${style.indent}&& ${command}`
    : ` && ${e}${eol}${style.indent}${command}`;
  return { start: at, end: at, text };
}

/**
 * An edit running `command` right after the command `after` (a top-level install), so that a
 * build step after the install in the same RUN (`npm ci && npm run build`) does not carry it; at
 * the end of the RUN when the install is its last command. Or a reason it cannot be done safely.
 */
function appendAfter(
  model: DockerfileModel,
  info: RunInfo,
  after: SimpleCommand,
  command: string,
): Edit | string {
  if (info.nonPosix) return notPosix(info);
  const sts = info.instr.shell!.statements;
  const st = sts[after.statement]!;
  const item = st.items[after.position];
  if (after.nested || !item || item.command !== after || st.terminator === '&')
    return appendCommand(model, info, command);
  const isLast = after.position === st.items.length - 1;
  if (isLast && after.statement === sts.length - 1) return appendCommand(model, info, command);
  const e = esc(model);
  const eol = model.eol;
  const at = item.span.end;
  if (!isLast) {
    const next = st.items[after.position + 1]!;
    if (next.op !== '&&') return appendCommand(model, info, command);
    const between = model.text.slice(at, next.span.start);
    if (!between.includes('\n')) return { start: at, end: at, text: ` && ${command}` };
    const indent = lineIndent(model, next.span.start);
    return between.trimStart().startsWith('&&')
      ? { start: at, end: at, text: ` && ${e}${eol}${indent}${command}` }
      : { start: at, end: at, text: ` ${e}${eol}${indent}&& ${command}` };
  }
  // The install ends a statement that more statements follow.
  if (info.errexit) {
    if (info.heredoc)
      return { start: at, end: at, text: eol + lineIndent(model, st.span.start) + command };
    const m = st.terminator === ';' ? /^[ \t]*;/.exec(model.text.slice(at)) : null;
    if (m) {
      const end = at + m[0].length;
      const next = sts[after.statement + 1]!;
      if (model.text.slice(end, next.span.start).includes('\n'))
        return {
          start: end,
          end,
          text: ` ${e}${eol}${lineIndent(model, next.span.start)}${command};`,
        };
      return { start: end, end, text: ` ${command};` };
    }
  }
  return { start: at, end: at, text: ` && ${command}` };
}

/**
 * An edit running `command` before the first package command of the RUN, or a reason it cannot
 * be done safely.
 */
function prependCommand(
  model: DockerfileModel,
  info: RunInfo,
  command: string,
  before: SimpleCommand,
): Edit | string {
  const { instr } = info;
  if (info.nonPosix) return notPosix(info);
  const sts = instr.shell!.statements;
  const e = esc(model);
  const eol = model.eol;
  const st = sts[before.statement]!;
  if (sts.length === 1) {
    const at = st.items[0]!.span.start;
    const style = chainStyle(model, instr);
    if (info.heredoc || !style.multiline) return { start: at, end: at, text: `${command} && ` };
    const text = style.leading
      ? `${command} ${e}${eol}${style.indent}&& `
      : `${command} && ${e}${eol}${style.indent}`;
    return { start: at, end: at, text };
  }
  if (!info.errexit) return 'the RUN has several statements without `set -e`';
  const at = st.span.start;
  if (info.heredoc) return { start: at, end: at, text: command + eol + lineIndent(model, at) };
  const prev = sts[before.statement - 1];
  if (prev && model.text.slice(prev.span.end, at).includes('\n'))
    return { start: at, end: at, text: `${command}; ${e}${eol}${lineIndent(model, at)}` };
  return { start: at, end: at, text: `${command}; ` };
}

function insertAfter(w: Word, text: string): Edit {
  return { start: w.span.end, end: w.span.end, text };
}

function removeItem(model: DockerfileModel, st: Statement, i: number): Edit {
  const items = st.items;
  if (i === 0) return { start: items[0]!.span.start, end: items[1]!.span.start, text: '' };
  return { start: items[i - 1]!.span.end, end: items[i]!.span.end, text: '' };
}

// ---------------------------------------------------------------------------------------------
// The transform

interface Ctx {
  model: DockerfileModel;
  check: CheckContext;
  runs: Map<number, RunInfo>;
  finals: Set<number>;
  out: Finding[];
  /** The .dockerignore in force (read on first use). */
  ignore?: IgnoreFile;
}

function cleanupApplicability(c: Ctx, instr: Instruction): Applicability {
  return c.finals.has(instr.stage) ? 'safe' : 'review';
}

/**
 * The note of a cleanup in a stage the final image does not build on: it still shrinks the image
 * of a `--target` build of that stage (docker compose `build.target`) or of a stage built on it.
 */
function builderNote(c: Ctx, instr: Instruction): { note?: string } {
  if (c.finals.has(instr.stage)) return {};
  const names = [...descendants(c.model, instr.stage)]
    .sort((a, b) => a - b)
    .map((s) => c.model.stages[s]!.name)
    .filter((n): n is string => n !== null);
  return {
    note: names.length
      ? `not part of the final stage: this saves size only in images built with ${names.map((n) => `\`--target ${n}\``).join(' or ')}`
      : 'not part of the final stage, and no named stage builds on it (so no `--target` build ships it): this saves build cache only',
  };
}

function fix(
  c: Ctx,
  kind: string,
  instr: Instruction,
  message: string,
  edits: Edit[],
  applicability: Applicability,
  extra: Partial<Fix> = {},
): void {
  c.out.push({ ruleId: rule(kind), message, applicability, at: instr.span.start, edits, ...extra });
}

function skipped(c: Ctx, kind: string, at: number, reason: string): void {
  c.out.push({ ruleId: rule(kind), reason, at });
}

function aptUpdates(info: RunInfo): PkgCmd[] {
  return fam(info, 'apt').filter((p) => p.sub?.value === 'update');
}

function aptNeedsLists(info: RunInfo): PkgCmd[] {
  return fam(info, 'apt').filter((p) => APT_NEEDS_LISTS.has(p.sub?.value ?? ''));
}

function hasListCleanup(info: RunInfo): boolean {
  return info.instr.shell!.commands.some(
    (c) =>
      c.name?.value === 'rm' &&
      c.args.some((a) => (a.value ?? a.raw).startsWith('/var/lib/apt/lists')),
  );
}

/** An `apt-get update`-only RUN: one statement, one command. */
function updateOnly(info: RunInfo): PkgCmd | null {
  const sts = info.instr.shell!.statements;
  if (sts.length !== 1 || sts[0]!.items.length !== 1) return null;
  const p = info.cmds[0];
  if (info.cmds.length !== 1 || !p || p.family !== 'apt' || p.blocked || p.sub?.value !== 'update')
    return null;
  return p;
}

/** A RUN with apt work that needs lists but no update before it. */
function installsWithoutUpdate(info: RunInfo): PkgCmd | null {
  const apt = fam(info, 'apt');
  for (const p of apt) {
    if (p.sub?.value === 'update') return null;
    if (APT_NEEDS_LISTS.has(p.sub?.value ?? '')) return p;
  }
  return null;
}

function flagsText(model: DockerfileModel, instr: Instruction): string {
  return instr.flags.map((f) => model.text.slice(f.span.start, f.span.end)).join(' ');
}

function singleChain(info: RunInfo): boolean {
  const sts = info.instr.shell!.statements;
  return (
    !info.heredoc &&
    sts.length === 1 &&
    sts[0]!.items.every((i) => i.op !== '||' && i.command !== null) &&
    sts[0]!.terminator !== '&'
  );
}

function stateful(info: RunInfo): boolean {
  return info.instr.shell!.commands.some(
    (c) => (c.name === null && c.assignments.length > 0) || STATEFUL.has(c.name?.value ?? ''),
  );
}

function lineNo(model: DockerfileModel, instr: Instruction): number {
  return instr.line + 1;
}

/** RUN (same stage or a stage built on it) that installs with the lists this RUN fetched. */
function laterDependent(c: Ctx, instr: Instruction): Instruction | null {
  const { model } = c;
  const stages = descendants(model, instr.stage);
  const done = new Set<number>();
  for (const other of model.instructions) {
    if (other.index <= instr.index || !stages.has(other.stage) || done.has(other.stage)) continue;
    if (other.keyword === 'FROM' && other.stage !== instr.stage) continue;
    const info = c.runs.get(other.index);
    if (!info) continue;
    if (aptUpdates(info).length > 0) {
      done.add(other.stage);
      continue;
    }
    if (installsWithoutUpdate(info)) return other;
  }
  return null;
}

/**
 * apt-get answers its prompts itself: `-y`, `--yes`, `--assume-yes` (also in a short-option
 * group such as `-qy`, `-yqq`), `-o APT::Get::Assume-Yes=true`, or quiet level 2 (`-qq`, `-q -q`,
 * `-q=2`, `--quiet=2`), which implies `-y`.
 */
function aptAssumesYes(args: Word[]): boolean {
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
const APT_NO_LISTS = new Set(['clean', 'autoclean', 'remove', 'purge', 'autoremove']);

/**
 * The RUNs after `instr` in its stage and the stages built on it, in order, leaving out the
 * stages the caller adds to `done` (where a later update fetched everything afresh).
 */
function* laterRuns(c: Ctx, instr: Instruction, done: Set<number>): Generator<RunInfo> {
  const stages = descendants(c.model, instr.stage);
  for (const other of c.model.instructions) {
    if (other.index <= instr.index || !stages.has(other.stage) || done.has(other.stage)) continue;
    const info = c.runs.get(other.index);
    if (info) yield info;
  }
}

/**
 * The first later RUN (in this stage or a stage built on it) that may read the package lists
 * this RUN fetched before fetching them again itself: an apt command that reads lists, apt or
 * apt-cache in a place the transform does not read (wrappers, `sh -c`, `if`), with why.
 */
function listsReader(c: Ctx, instr: Instruction): { instr: Instruction; why: string } | null {
  const done = new Set<number>();
  for (const info of laterRuns(c, instr, done)) {
    const other = info.instr;
    const blocked = info.skip.get('apt');
    if (blocked) return { instr: other, why: blocked };
    for (const cmd of info.instr.shell!.commands) {
      const name = baseName(cmd.name?.value ?? null);
      if (name === 'apt-cache' || name === 'aptitude')
        return { instr: other, why: `it runs \`${name}\`` };
      const p = info.cmds.find((q) => q.cmd === cmd);
      if (!p || p.family !== 'apt') continue;
      const sub = p.sub?.value ?? '';
      if (sub === 'update') {
        done.add(other.stage);
        break;
      }
      if (!APT_NO_LISTS.has(sub))
        return { instr: other, why: `it runs \`${p.tool} ${sub}\` without an update first` };
    }
  }
  return null;
}

function checkApt(c: Ctx, info: RunInfo): void {
  const { model } = c;
  const { instr } = info;
  const apt = fam(info, 'apt');
  if (apt.length === 0) return;
  const blocked = info.skip.get('apt');
  if (blocked) {
    if (aptUpdates(info).length > 0 && !hasListCleanup(info) && !hasCacheMount(instr, 'apt'))
      skipped(c, 'apt-list-cleanup', instr.span.start, `${blocked}; not rewritten`);
    return;
  }
  // apt -> apt-get (DL3027), all of the RUN's `apt` commands or none.
  const aptWords = apt.filter((p) => p.cmd.name?.raw === 'apt');
  const unmapped = aptWords.find((p) => !APT_TO_APT_GET.has(p.sub?.value ?? ''));
  if (unmapped)
    skipped(
      c,
      'apt-get-not-apt',
      instr.span.start,
      `\`apt ${unmapped.sub?.value ?? ''}\` has no apt-get command that does the same, so ${
        aptWords.some((p) => APT_TO_APT_GET.has(p.sub?.value ?? ''))
          ? 'this RUN keeps `apt` throughout rather than mixing the two'
          : 'it stays'
      }`,
    );
  else if (aptWords.length) {
    const edits: Edit[] = [];
    const notes: string[] = [];
    for (const p of aptWords) {
      edits.push({ ...p.cmd.name!.span, text: 'apt-get' });
      const m = APT_TO_APT_GET.get(p.sub!.value!)!;
      if (m.sub) {
        edits.push({ ...p.sub!.span, text: m.sub });
        notes.push(`\`apt ${p.sub!.value}\` is \`apt-get ${m.sub}\``);
      }
      if (m.add && !hasFlag(p.args, (v) => /new-pkgs|upgrade-allow-new/i.test(v))) {
        edits.push(insertAfter(p.sub!, ` ${m.add}`));
        notes.push(`\`apt ${p.sub!.value}\` is \`apt-get ${p.sub!.value} ${m.add}\``);
      }
    }
    // apt deletes the .debs it downloaded, apt-get keeps them: the same image only where the
    // base image's docker-clean hook deletes them anyway.
    const image = rootImage(model, instr);
    const downloads = aptWords.some((p) => APT_DOWNLOADS.has(p.sub!.value!));
    const keepsDebs = downloads && !hasDockerClean(image);
    if (keepsDebs)
      notes.push(
        `\`apt\` deletes the .debs it downloads and \`apt-get\` keeps them in /var/cache/apt/archives unless the image's apt configuration removes them (Debian's docker-clean hook, in the official Debian/Ubuntu-based images); \`${image ?? 'this base image'}\` is not known to have it: check, or add \`apt-get clean\``,
      );
    fix(
      c,
      'apt-get-not-apt',
      instr,
      '`apt` is meant for terminals and warns that its CLI is unstable in scripts; use `apt-get` (DL3027).',
      edits,
      keepsDebs ? 'review' : 'safe',
      notes.length ? { note: [...new Set(notes)].join('; ') } : {},
    );
  }
  // -y (DL3014)
  const noYes = apt.filter((p) => APT_YES.has(p.sub?.value ?? '') && !aptAssumesYes(p.args));
  if (noYes.length)
    fix(
      c,
      'apt-yes',
      instr,
      '`apt-get` without `-y` stops at its confirmation prompt and fails the non-interactive build (DL3014).',
      noYes.map((p) => insertAfter(p.sub!, ' -y')),
      'safe',
    );
  // --no-install-recommends (DL3015), review
  const recommends = apt.filter(
    (p) =>
      p.sub?.value === 'install' &&
      !hasFlag(p.args, (v) => v === '--no-install-recommends' || /install-recommends/i.test(v)),
  );
  if (recommends.length)
    fix(
      c,
      'apt-no-install-recommends',
      instr,
      '`apt-get install` without `--no-install-recommends` also installs every recommended package, often tens of MB the image never uses (DL3015).',
      recommends.map((p) => {
        const next = p.args[p.args.indexOf(p.sub!) + 1];
        const yes =
          next && next.value !== null && /^-[a-z]*y[a-z]*$|^--yes$|^--assume-yes$/.test(next.value);
        return insertAfter(yes ? next : p.sub!, ' --no-install-recommends');
      }),
      'review',
      { note: 'recommended packages are no longer installed; add any the image needs by name' },
    );

  const prev = model.instructions[instr.index - 1];
  const prevInfo = prev && prev.stage === instr.stage ? c.runs.get(prev.index) : undefined;

  // Merges: an update-only RUN into the install RUN right after it.
  const u = updateOnly(info);
  if (u) {
    const next = model.instructions[instr.index + 1];
    const nextInfo = next && next.stage === instr.stage ? c.runs.get(next.index) : undefined;
    const nextBlocked = nextInfo?.skip.get('apt');
    if (next && nextBlocked) {
      skipped(
        c,
        'apt-merge-update',
        instr.span.start,
        `not merged: in the RUN on line ${lineNo(model, next)}, ${nextBlocked}`,
      );
      return;
    }
    const target = nextInfo ? installsWithoutUpdate(nextInfo) : null;
    if (next && nextInfo && target) {
      if (flagsText(model, instr) !== flagsText(model, next)) {
        skipped(
          c,
          'apt-merge-update',
          instr.span.start,
          `the install RUN on line ${lineNo(model, next)} has different RUN flags (--mount/--network), so they cannot be merged`,
        );
        return;
      }
      const ins = prependCommand(
        model,
        nextInfo,
        model.text.slice(u.cmd.span.start, u.cmd.span.end),
        target.cmd,
      );
      if (typeof ins === 'string') {
        skipped(
          c,
          'apt-merge-update',
          instr.span.start,
          `cannot merge into the RUN on line ${lineNo(model, next)}: ${ins}`,
        );
        return;
      }
      fix(
        c,
        'apt-merge-update',
        instr,
        '`apt-get update` in a RUN of its own is cached forever, so later installs read stale package lists; merged into the install RUN that follows.',
        [removeRun(model, instr), ins],
        'safe',
      );
      return;
    }
    const dep = laterDependent(c, instr);
    if (dep) {
      const between = next && next.index < dep.index ? next : null;
      const why = between
        ? `${between.keyword} on line ${lineNo(model, between)} sits between this update and the install on line ${lineNo(model, dep)}`
        : `the install on line ${lineNo(model, dep)} cannot take it`;
      skipped(c, 'apt-merge-update', instr.span.start, `not merged: ${why}`);
      return;
    }
    if (hasCacheMount(instr, 'apt')) return;
    const reader = listsReader(c, instr);
    if (reader) {
      skipped(
        c,
        'apt-drop-update',
        instr.span.start,
        `the lists this update fetches stay in its layer: the RUN on line ${lineNo(model, reader.instr)} may read them (${reader.why})`,
      );
      return;
    }
    if (info.nonPosix) {
      skipped(c, 'apt-drop-update', instr.span.start, notPosix(info));
      return;
    }
    fix(
      c,
      'apt-drop-update',
      instr,
      '`apt-get update` in a RUN of its own leaves its package lists (often 20-50 MB) in this layer, and no later RUN of the stage reads them without running its own update; remove this RUN (DL3009).',
      [removeRun(model, instr)],
      'review',
      {
        note: 'a script run by a later RUN could still install with these lists; check that none does',
      },
    );
    return;
  }

  // An install RUN whose lists come from an earlier RUN.
  const target = installsWithoutUpdate(info);
  if (target) {
    const source = previousUpdate(c, instr);
    if (!source) return;
    // The RUN before is an install waiting for its own merge: this one follows it next pass.
    if (
      prevInfo &&
      prevInfo !== source &&
      !prevInfo.skip.get('apt') &&
      installsWithoutUpdate(prevInfo)
    )
      return;
    if (prevInfo && prev === source.instr && prevInfo.skip.get('apt') === undefined) {
      if (updateOnly(prevInfo)) return; // handled from the update RUN
      if (
        flagsText(model, prev) === flagsText(model, instr) &&
        singleChain(prevInfo) &&
        singleChain(info) &&
        !stateful(prevInfo) &&
        !hasListCleanup(prevInfo)
      ) {
        fix(
          c,
          'apt-merge-update',
          instr,
          'this RUN installs from package lists fetched by the RUN before it, whose layer is cached on its own, so a rebuild can read stale lists; merged into that RUN.',
          [joinRuns(model, prev, prevInfo, instr, info)],
          'safe',
        );
        return;
      }
    }
    const ins = prependCommand(model, info, 'apt-get update', target.cmd);
    if (typeof ins === 'string') {
      skipped(c, 'apt-merge-update', instr.span.start, `cannot run apt-get update here: ${ins}`);
      return;
    }
    fix(
      c,
      'apt-merge-update',
      instr,
      'this RUN installs from package lists fetched by an earlier RUN, whose layer is cached on its own, so a rebuild can read stale lists; run `apt-get update` in this RUN.',
      [ins],
      'review',
      { note: 'adds an apt-get update (a network step) to this RUN' },
    );
    return;
  }

  // Cleanup / cache mount.
  if (aptUpdates(info).length === 0) return;
  if (hasListCleanup(info) || hasCacheMount(instr, 'apt')) return;
  if (aptNeedsLists(info).length === 0) {
    if (!listsReader(c, instr))
      skipped(
        c,
        'apt-list-cleanup',
        instr.span.start,
        'no apt command in this RUN or after it reads the lists `apt-get update` fetches here, so they stay in the layer; not cleaned up, since a script may read them',
      );
    return;
  }
  const dep = laterDependent(c, instr);
  if (dep) {
    skipped(
      c,
      'apt-list-cleanup',
      instr.span.start,
      `the RUN on line ${lineNo(model, dep)} installs with the package lists this RUN fetches; removing them would break it`,
    );
    return;
  }
  cleanupOrMount(
    c,
    info,
    'apt',
    'apt-list-cleanup',
    'rm -rf /var/lib/apt/lists/*',
    '`apt-get update` leaves its package lists (often 20-50 MB) in /var/lib/apt/lists of this layer; remove them in the same RUN (DL3009).',
  );
}

function previousUpdate(c: Ctx, instr: Instruction): RunInfo | null {
  for (let i = instr.index - 1; i >= 0; i--) {
    const other = c.model.instructions[i]!;
    if (other.stage !== instr.stage) return null;
    const info = c.runs.get(i);
    if (info && aptUpdates(info).length > 0) return info;
  }
  return null;
}

function removeRun(model: DockerfileModel, instr: Instruction): Edit {
  // Whole lines of the RUN, with its EOL (comments above it stay above the next instruction).
  const start = model.lineStarts[instr.line]!;
  const endLine = instr.endLine;
  const end =
    endLine + 1 < model.lineStarts.length ? model.lineStarts[endLine + 1]! : model.text.length;
  return { start, end, text: '' };
}

/** Join RUN `b` onto RUN `a` (both single `&&` chains): drop `b`'s keyword, keep comments. */
function joinRuns(
  model: DockerfileModel,
  a: Instruction,
  aInfo: RunInfo,
  b: Instruction,
  bInfo: RunInfo,
): Edit {
  const aSt = a.shell!.statements[0]!;
  const start = aSt.span.end;
  const end = b.argsSpan.start;
  const comments = model.comments
    .filter((cm) => cm.span.start >= start && cm.span.end <= end)
    .map((cm) => model.text.slice(model.lineStarts[cm.line]!, cm.span.end));
  const e = esc(model);
  const eol = model.eol;
  let style = chainStyle(model, a);
  if (!style.multiline) {
    const bs = chainStyle(model, b);
    if (bs.multiline) style = bs;
  }
  if (!style.multiline && comments.length === 0 && !isMultiline(a) && !isMultiline(b))
    return { start, end, text: ' && ' };
  if (!style.multiline)
    style = {
      ...style,
      indent: isMultiline(a) ? commandIndent(model, a) : indentOf(model, a) + '    ',
    };
  const kept = comments.map((l) => l + eol).join('');
  void bInfo;
  void aInfo;
  const text = style.leading
    ? ` ${e}${eol}${kept}${style.indent}&& `
    : ` && ${e}${eol}${kept}${style.indent}`;
  return { start, end, text };
}

/** Cleanup command, or the cache-mount form when the option asks for it and it fits. */
function cleanupOrMount(
  c: Ctx,
  info: RunInfo,
  tool: string,
  kind: string,
  command: string,
  message: string,
  opts: { after?: SimpleCommand; applicability?: Applicability; note?: string } = {},
): void {
  const { model } = c;
  const { instr } = info;
  if (c.check.options.cacheMounts && mountFits(c, info, tool)) {
    const flags = MOUNTS[tool]!.add;
    const at = instr.argsSpan.start;
    const text = isMultiline(instr)
      ? flags.map((f) => `${f} ${esc(model)}${model.eol}${commandIndent(model, instr)}`).join('')
      : flags.map((f) => `${f} `).join('');
    fix(
      c,
      'cache-mount',
      instr,
      `${tool} keeps its downloads in the layer; a BuildKit cache mount keeps them out of the image and reuses them across builds (${MOUNT_DL[tool] ?? 'no hadolint id'}).`,
      [{ start: at, end: at, text }],
      'safe',
      {
        hadolint: MOUNT_DL[tool] ? [MOUNT_DL[tool]] : [],
        ...(tool === 'apt'
          ? {
              note: 'Debian/Ubuntu images delete downloaded .debs (docker-clean); the lists mount still saves the download of the package lists',
            }
          : {}),
      },
    );
    return;
  }
  const edit = opts.after
    ? appendAfter(model, info, opts.after, command)
    : appendCommand(model, info, command);
  if (typeof edit === 'string') {
    skipped(c, kind, instr.span.start, edit);
    return;
  }
  const applicability = opts.applicability ?? cleanupApplicability(c, instr);
  const note = [opts.note, builderNote(c, instr).note].filter(Boolean).join('; ');
  fix(c, kind, instr, message, [edit], applicability, note ? { note } : {});
}

const MOUNT_DL: Record<string, string> = {
  apt: 'DL3009',
  apk: 'DL3019',
  dnf: 'DL3040',
  yum: 'DL3032',
  pip: 'DL3042',
};

function mountFits(c: Ctx, info: RunInfo, tool: string): boolean {
  if (info.nonPosix) return false;
  const m = MOUNTS[tool];
  if (!m || m.add.length === 0) return false;
  if (instrHasMountTarget(info.instr, m.add)) return false;
  if (['pip', 'npm'].includes(tool)) {
    if (!runsAsRoot(c.model, info.instr)) return false;
    const vars = c.model.varsAt(info.instr.index);
    if (
      ['XDG_CACHE_HOME', 'PIP_CACHE_DIR', 'npm_config_cache', 'NPM_CONFIG_CACHE', 'HOME'].some(
        (v) => vars.has(v),
      )
    )
      return false;
  }
  return true;
}

function instrHasMountTarget(instr: Instruction, add: string[]): boolean {
  const targets = new Set(cacheTargets(instr));
  return add.some((a) => targets.has(/target=([^,]+)/.exec(a)![1]!));
}

/** apk subcommands that read the package index and fetch it themselves with `--no-cache`. */
const APK_INDEX = new Set(['add', 'upgrade']);
/** apk subcommands that need no index. */
const APK_NO_INDEX = new Set(['del', 'update']);

function apkNoCache(p: PkgCmd): boolean {
  return hasFlag(p.args, (v) => v === '--no-cache');
}

/** `apk add --no-network` installs from the cached index (with `--no-cache` it has none). */
function apkOffline(p: PkgCmd): boolean {
  return hasFlag(p.args, (v) => v === '--no-network');
}

/** A command that may run apk out of sight: a script, a shell, make, a wrapper. */
function scriptLike(cmd: SimpleCommand): boolean {
  const v = cmd.name?.value ?? null;
  if (v === null) return cmd.name !== null;
  const name = baseName(v)!;
  return (
    v.includes('/') ||
    /\.(sh|bash)$/.test(name) ||
    SHELLS.has(name) ||
    WRAPPERS.has(name) ||
    ['make', 'source', '.'].includes(name)
  );
}

/** Top-level `rm -rf /var/cache/apk/*` chain items that can be dropped. */
function apkCacheRms(info: RunInfo): { st: Statement; i: number }[] {
  const out: { st: Statement; i: number }[] = [];
  for (const st of info.instr.shell!.statements) {
    if (st.items.length < 2) continue;
    st.items.forEach((item, i) => {
      const cmd = item.command;
      if (!cmd || cmd.name?.value !== 'rm' || cmd.nested || cmd.redirects.length) return;
      const vals = cmd.args.map((a) => a.value);
      const paths = vals.filter((v) => v !== null && !v.startsWith('-'));
      const opts = vals.filter((v) => v !== null && v.startsWith('-'));
      if (
        vals.length === paths.length + opts.length &&
        paths.length > 0 &&
        paths.every((v) => v === '/var/cache/apk/*' || v === '/var/cache/apk') &&
        opts.every((v) => /^-[rRf]+$/.test(v!))
      )
        out.push({ st, i });
    });
  }
  return out;
}

/** The edit dropping an `apk update` from its RUN, or null when it cannot simply go. */
function dropUpdate(model: DockerfileModel, info: RunInfo, p: PkgCmd): Edit | null {
  const sts = info.instr.shell!.statements;
  const st = sts[p.cmd.statement]!;
  if (
    p.cmd.nested ||
    p.cmd.redirects.length ||
    p.cmd.assignments.length ||
    st.terminator === '&' ||
    st.items[p.cmd.position]?.command !== p.cmd ||
    !p.args.every((a) => a === p.sub || (a.value !== null && a.value.startsWith('-')))
  )
    return null;
  if (st.items.length > 1) return removeItem(model, st, p.cmd.position);
  // A statement of its own (`apk update; \` or a heredoc line) followed by another.
  if (p.cmd.statement + 1 < sts.length)
    return { start: st.span.start, end: sts[p.cmd.statement + 1]!.span.start, text: '' };
  return null;
}

function editsOverlap(edits: Edit[]): boolean {
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  return sorted.some((e, i) => i > 0 && sorted[i - 1]!.end > e.start);
}

/**
 * The first later RUN (this stage or one built on it) that reads the apk index a RUN leaves in
 * /var/cache/apk before updating it itself: an `apk add`/`upgrade`/... without `--no-cache`, or
 * apk where the transform cannot read it. `scripts` collects later RUNs that run a script (it
 * may run apk).
 */
function apkIndexReader(
  c: Ctx,
  instr: Instruction,
  scripts: Instruction[] = [],
): { instr: Instruction; why: string; adds: boolean; blocked: boolean } | null {
  const done = new Set<number>();
  for (const info of laterRuns(c, instr, done)) {
    const other = info.instr;
    const blocked = info.skip.get('apk');
    if (blocked) return { instr: other, why: blocked, adds: false, blocked: true };
    let readers = 0;
    let adds = 0;
    let script = false;
    for (const cmd of info.instr.shell!.commands) {
      const p = info.cmds.find((q) => q.cmd === cmd);
      if (!p || p.family !== 'apk') {
        if (scriptLike(cmd)) script = true;
        continue;
      }
      const sub = p.sub?.value ?? '';
      if (sub === 'update') {
        done.add(other.stage);
        break;
      }
      if (sub === 'del' || (APK_INDEX.has(sub) && apkNoCache(p))) continue;
      readers++;
      if (sub === 'add') adds++;
    }
    if (readers)
      return {
        instr: other,
        why: readers === adds ? '`apk add` without `--no-cache`' : 'apk reads the index there',
        adds: readers === adds,
        blocked: false,
      };
    if (script) scripts.push(other);
  }
  return null;
}

/** An `apk update`-only RUN: one statement, one command, options only. */
function apkUpdateOnly(info: RunInfo): PkgCmd | null {
  const sts = info.instr.shell!.statements;
  const p = info.cmds[0];
  if (
    sts.length !== 1 ||
    sts[0]!.items.length !== 1 ||
    info.cmds.length !== 1 ||
    !p ||
    p.family !== 'apk' ||
    p.blocked ||
    p.sub?.value !== 'update' ||
    p.cmd.redirects.length ||
    !p.args.every((a) => a === p.sub || (a.value !== null && a.value.startsWith('-')))
  )
    return null;
  return p;
}

function checkApk(c: Ctx, info: RunInfo): void {
  const { model } = c;
  const { instr } = info;
  const apk = fam(info, 'apk');
  if (apk.length === 0 || hasCacheMount(instr, 'apk')) return;
  const shell = instr.shell!;
  const updates = apk.filter((p) => p.sub?.value === 'update');
  const missing = apk.filter((p) => p.sub?.value === 'add' && !apkNoCache(p) && !apkOffline(p));
  const last = updates[updates.length - 1];
  // The index the last update writes is removed later in the RUN.
  const cleaned =
    !!last &&
    shell.commands.some(
      (cmd) =>
        !cmd.nested &&
        cmd.name?.value === 'rm' &&
        cmd.span.start > last.cmd.span.start &&
        cmd.args.some((a) => (a.value ?? '').startsWith('/var/cache/apk')),
    );
  if (missing.length === 0 && (updates.length === 0 || cleaned)) return;
  const blocked = info.skip.get('apk');
  if (blocked) {
    skipped(c, 'apk-no-cache', instr.span.start, `${blocked}; not rewritten`);
    return;
  }
  if (c.check.options.cacheMounts && mountFits(c, info, 'apk')) {
    cleanupOrMount(c, info, 'apk', 'apk-no-cache', '', '');
    return;
  }
  if (updates.length === 0) {
    // `apk add` reads an index from an earlier layer (or none): `--no-cache` fetches it fresh.
    const edits: Edit[] = missing.map((p) => insertAfter(p.sub!, ' --no-cache'));
    if (apk.every((p) => p.sub?.value === 'add') && !info.nonPosix)
      for (const r of apkCacheRms(info)) edits.push(removeItem(model, r.st, r.i));
    fix(
      c,
      'apk-no-cache',
      instr,
      '`apk add` without `--no-cache` leaves the package index in /var/cache/apk of this layer; `--no-cache` fetches it fresh and keeps it out of the image (DL3019).',
      editsOverlap(edits) ? missing.map((p) => insertAfter(p.sub!, ' --no-cache')) : edits,
      cleanupApplicability(c, instr),
      builderNote(c, instr),
    );
    return;
  }
  if (apkUpdateOnly(info)) {
    checkApkUpdateRun(c, info);
    return;
  }
  if (apkUpdateStays(c, info, apkIndexReader(c, instr))) return;
  // Drop every `apk update` and give each index reader `--no-cache`, when nothing else in the
  // RUN may read the index; else remove the index at the end of the RUN.
  let why: string | null = null;
  const drops: Edit[] = [];
  const first = updates[0]!;
  for (const p of apk) {
    const sub = p.sub?.value ?? '';
    if (!APK_INDEX.has(sub) && !APK_NO_INDEX.has(sub)) {
      why = `\`apk ${sub}\` may read it`;
      break;
    }
    if (apkOffline(p)) {
      why = `\`apk ${sub} --no-network\` reads it`;
      break;
    }
    if (sub !== 'update') continue;
    const d = dropUpdate(model, info, p);
    if (!d) {
      why = `\`${model.text.slice(p.cmd.span.start, p.cmd.span.end)}\` cannot simply be dropped here`;
      break;
    }
    drops.push(d);
  }
  const script = shell.commands.find(
    (cmd) => cmd.span.start > first.cmd.span.start && scriptLike(cmd),
  );
  if (!why && script) why = `\`${script.name?.raw ?? 'a script'}\` runs after it and may run apk`;
  if (!why && editsOverlap(drops)) why = 'its `apk update` commands cannot all be dropped';
  if (!why) {
    const readers = apk.filter((p) => APK_INDEX.has(p.sub?.value ?? ''));
    const edits = [
      ...readers.filter((p) => !apkNoCache(p)).map((p) => insertAfter(p.sub!, ' --no-cache')),
      ...drops,
    ];
    const rms = apkCacheRms(info).map((r) => removeItem(model, r.st, r.i));
    if (!editsOverlap([...edits, ...rms])) edits.push(...rms);
    fix(
      c,
      'apk-no-cache',
      instr,
      readers.length
        ? '`apk update` leaves the package index in /var/cache/apk of this layer; `--no-cache` on each `apk add`/`apk upgrade` fetches the index fresh without keeping it, so the then-needless `apk update` is dropped (DL3019).'
        : '`apk update` leaves the package index in /var/cache/apk of this layer and nothing in this RUN or after it reads that index, so the `apk update` is dropped (DL3019).',
      edits,
      cleanupApplicability(c, instr),
      builderNote(c, instr),
    );
    return;
  }
  if (cleaned) return;
  const edit = appendCommand(model, info, 'rm -rf /var/cache/apk/*');
  if (typeof edit === 'string') {
    skipped(c, 'apk-no-cache', instr.span.start, `\`apk update\` stays (${why}), and ${edit}`);
    return;
  }
  fix(
    c,
    'apk-no-cache',
    instr,
    `\`apk update\` leaves the package index in /var/cache/apk of this layer and stays here (${why}), so \`rm -rf /var/cache/apk/*\` at the end of the same RUN removes the index (DL3019).`,
    [edit],
    cleanupApplicability(c, instr),
    builderNote(c, instr),
  );
}

/** The `apk update` of `info` must stay as it is: a later RUN reads its index, or the RUN is not
 * run by a POSIX shell. Reports the skip and returns true then. */
function apkUpdateStays(
  c: Ctx,
  info: RunInfo,
  reader: { instr: Instruction; why: string } | null,
): boolean {
  const at = info.instr.span.start;
  if (reader)
    skipped(
      c,
      'apk-no-cache',
      at,
      `\`apk update\` stays: the RUN on line ${lineNo(c.model, reader.instr)} reads the index it writes (${reader.why})`,
    );
  else if (info.nonPosix) skipped(c, 'apk-no-cache', at, notPosix(info));
  return !!reader || info.nonPosix !== null;
}

/** A RUN that only runs `apk update`: dropped when nothing reads its index, merged into the RUN
 * after it when that one reads it. */
function checkApkUpdateRun(c: Ctx, info: RunInfo): void {
  const { model } = c;
  const { instr } = info;
  const scripts: Instruction[] = [];
  const reader = apkIndexReader(c, instr, scripts);
  const next = model.instructions[instr.index + 1];
  const nextInfo = next && next.stage === instr.stage ? c.runs.get(next.index) : undefined;
  if (reader && !reader.adds && !reader.blocked && nextInfo && reader.instr === next) {
    // `RUN apk update` + `RUN apk upgrade`: merge, like the apt update.
    if (flagsText(model, instr) !== flagsText(model, next)) {
      skipped(
        c,
        'apk-no-cache',
        instr.span.start,
        `\`apk update\` stays: the RUN on line ${lineNo(model, next)} reads its index but has different RUN flags (--mount/--network), so they cannot be merged`,
      );
      return;
    }
    const target = fam(nextInfo, 'apk').find((p) => p.sub?.value !== 'del')!;
    const ins = prependCommand(
      model,
      nextInfo,
      model.text.slice(info.cmds[0]!.cmd.span.start, info.cmds[0]!.cmd.span.end),
      target.cmd,
    );
    if (typeof ins === 'string') {
      skipped(
        c,
        'apk-no-cache',
        instr.span.start,
        `\`apk update\` stays: cannot merge it into the RUN on line ${lineNo(model, next)}: ${ins}`,
      );
      return;
    }
    fix(
      c,
      'apk-no-cache',
      instr,
      `\`apk update\` in a RUN of its own is cached forever, so the RUN on line ${lineNo(model, next)} reads a stale index; merged into that RUN.`,
      [removeRun(model, instr), ins],
      'safe',
      { hadolint: [] },
    );
    return;
  }
  if (apkUpdateStays(c, info, reader)) return;
  const script = scripts[0];
  const note = [
    script
      ? `the RUN on line ${lineNo(model, script)} runs a script, which may install with this index; check that it does not`
      : undefined,
    builderNote(c, instr).note,
  ]
    .filter(Boolean)
    .join('; ');
  fix(
    c,
    'apk-no-cache',
    instr,
    '`apk update` in a RUN of its own leaves the package index in /var/cache/apk of its layer, and no later apk command reads it (each uses `--no-cache` or runs its own update); drop the RUN (DL3019).',
    [removeRun(model, instr)],
    script ? 'review' : cleanupApplicability(c, instr),
    note ? { note } : {},
  );
}

function checkRpm(c: Ctx, info: RunInfo): void {
  const { instr } = info;
  const rpm = fam(info, 'rpm');
  if (rpm.length === 0) return;
  const blocked = info.skip.get('rpm');
  const writes = rpm.filter((p) => p.sub && !RPM_NO_CACHE.has(p.sub.value ?? ''));
  const cleaned =
    rpm.some(
      (p) =>
        (p.sub?.value === 'clean' &&
          (p.tool === 'zypper' ||
            hasFlag(p.args, (v) => v === 'all' || v === '--all' || v === '-a'))) ||
        p.sub?.value === 'cc',
    ) ||
    instr.shell!.commands.some(
      (cmd) =>
        cmd.name?.value === 'rm' &&
        cmd.args.some((a) => /^\/var\/cache\/(yum|dnf|zypp|libdnf5)/.test(a.value ?? a.raw)),
    );
  if (blocked) {
    if (!cleaned) skipped(c, 'dnf-clean', instr.span.start, `${blocked}; not rewritten`);
    return;
  }
  // -y: dnf DL3038, yum DL3030, zypper DL3034 (microdnf does not prompt).
  const noYes = rpm.filter(
    (p) =>
      p.tool !== 'microdnf' &&
      RPM_YES.has(p.sub?.value ?? '') &&
      !hasFlag(
        p.args,
        (v) =>
          ['-y', '--assumeyes', '--yes', '-n', '--non-interactive', '--no-confirm'].includes(v) ||
          /^-[a-z]*y[a-z]*$/.test(v) ||
          /assumeyes/.test(v),
      ),
  );
  if (noYes.length) {
    const ids = [
      ...new Set(
        noYes.map(
          (p) => ({ dnf: 'DL3038', yum: 'DL3030', zypper: 'DL3034' })[p.tool as 'dnf'] ?? 'DL3038',
        ),
      ),
    ];
    fix(
      c,
      'dnf-yes',
      instr,
      `${noYes[0]!.tool} without \`-y\` stops at its confirmation prompt and fails the non-interactive build (${ids.join(', ')}).`,
      noYes.map((p) => insertAfter(p.sub!, ' -y')),
      'safe',
    );
  }
  if (writes.length === 0 || cleaned) return;
  const tool = writes[writes.length - 1]!.tool;
  if (rpm.some((p) => MOUNTS[p.tool]?.test && hasCacheMount(instr, p.tool))) return;
  const id = (
    { dnf: 'DL3040', microdnf: 'DL3040', yum: 'DL3032', zypper: 'DL3036' } as Record<string, string>
  )[tool]!;
  const cmd = tool === 'zypper' ? 'zypper clean --all' : `${tool} clean all`;
  cleanupOrMount(
    c,
    info,
    tool,
    'dnf-clean',
    cmd,
    `${tool} leaves its metadata and package cache in /var/cache of this layer; run \`${cmd}\` in the same RUN (${id}).`,
  );
}

/**
 * `--no-cache-dir` or `--cache-dir`, also abbreviated: pip's option parser takes any unambiguous
 * prefix of a long option (`--no-cache`, `--no-ca`; `--no-c` is ambiguous with --no-color,
 * --no-clean and --no-compile, `--c` with --cert, --constraint, ...).
 */
function pipCacheOption(v: string): boolean {
  const name = v.split('=')[0]!;
  return (
    (name.length >= '--no-ca'.length && '--no-cache-dir'.startsWith(name)) ||
    (name.length >= '--ca'.length && '--cache-dir'.startsWith(name))
  );
}

function checkPip(c: Ctx, info: RunInfo): void {
  const { model } = c;
  const { instr } = info;
  const installs = fam(info, 'pip').filter(
    (p) =>
      p.sub?.value === 'install' &&
      !hasFlag(p.args, pipCacheOption) &&
      !p.cmd.assignments.some((a) => /^PIP_NO_CACHE_DIR=./.test(a.value ?? a.raw)),
  );
  if (installs.length === 0 || hasCacheMount(instr, 'pip')) return;
  // pip disables its cache for any value of PIP_NO_CACHE_DIR (even 0 or false), but not for an
  // empty one; an unknown value (an ARG without default) counts as set.
  const noCacheEnv = model.varsAt(instr.index).get('PIP_NO_CACHE_DIR');
  if (noCacheEnv === null || (noCacheEnv !== undefined && noCacheEnv !== '')) return;
  const blocked = info.skip.get('pip');
  if (blocked) {
    skipped(c, 'pip-no-cache-dir', instr.span.start, `${blocked}; not rewritten`);
    return;
  }
  if (c.check.options.cacheMounts && mountFits(c, info, 'pip')) {
    cleanupOrMount(c, info, 'pip', 'pip-no-cache-dir', '', '');
    return;
  }
  fix(
    c,
    'pip-no-cache-dir',
    instr,
    '`pip install` keeps a copy of every downloaded wheel in ~/.cache/pip of this layer; `--no-cache-dir` keeps it out of the image (DL3042).',
    installs.map((p) => insertAfter(p.sub!, ' --no-cache-dir')),
    cleanupApplicability(c, instr),
    builderNote(c, instr),
  );
}

// ---------------------------------------------------------------------------------------------
// Files in the image: what COPY/ADD put where (for lockfiles and Yarn's settings)

function showDir(dir: string): string {
  return inImageWorkdir(dir) ? 'the working directory' : dir;
}

/** The stages instruction `i` builds on, oldest first, with the last instruction of each seen. */
function stageChain(model: DockerfileModel, i: number): { stage: Stage; upTo: number }[] {
  const out: { stage: Stage; upTo: number }[] = [];
  let stage: Stage | undefined = model.stages[model.instructions[i]!.stage];
  let upTo = i;
  const seen = new Set<number>();
  while (stage && !seen.has(stage.index)) {
    seen.add(stage.index);
    out.unshift({ stage, upTo });
    upTo = Number.MAX_SAFE_INTEGER;
    stage = stage.fromStage !== null ? model.stages[stage.fromStage] : undefined;
  }
  return out;
}

interface ImageFiles {
  /** Image path -> context path of the files COPY/ADD put in place. */
  files: Map<string, string>;
  /** Image path -> context path of files a COPY names but .dockerignore keeps out. */
  ignored: Map<string, string>;
  /** Context paths a COPY/ADD takes (sent to the builder). */
  sent: Set<string>;
  /** Source words of every COPY/ADD from the context (as written, expanded). */
  sources: string[];
  /** COPY/ADD --from instructions (not followed). */
  fromCopies: number;
}

function baseOf(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/** The files the context COPY/ADD instructions before instruction `i` (in its stage and the
 * stages it builds on) put in the image. COPY --from and remote sources are not followed. */
function imageFiles(c: Ctx, i: number): ImageFiles {
  const { model } = c;
  const ctx = c.check.buildContext;
  const ignore = ignoreOf(c);
  const out: ImageFiles = {
    files: new Map(),
    ignored: new Map(),
    sent: new Set(),
    sources: [],
    fromCopies: 0,
  };
  for (const { stage, upTo } of stageChain(model, i))
    for (let j = stage.first + 1; j <= Math.min(stage.last, upTo - 1); j++) {
      const spec = copySpec(model, model.instructions[j]!);
      if (spec?.from != null) out.fromCopies++;
      if (!spec || spec.from !== null || spec.heredoc) continue;
      const target = copyDestination(model, spec);
      if (!target) continue;
      const { dest, intoDir } = target;
      const excludes = spec.flags
        .filter((f) => f.name === 'exclude' && f.value)
        .map((f) => globToRegExp(cleanRelative(f.value!) ?? f.value!));
      for (const w of spec.sources) {
        const v = sourceValue(model, spec, w);
        if (v === null || /^[a-z][a-z0-9+.-]*:\/\//i.test(v)) continue;
        out.sources.push(v);
        const clean = cleanRelative(v);
        if (clean === null || !ctx.available) continue;
        const re = hasGlob(clean) ? globToRegExp(clean) : null;
        for (const f of matchSource(ctx, clean) ?? []) {
          let rel: string;
          if (clean === '') rel = f;
          else if (f === clean || (re && re.test(f))) rel = baseOf(f);
          else if (f.startsWith(clean + '/')) rel = f.slice(clean.length + 1);
          else {
            // Inside a folder a glob matched: the folder's content lands in dest.
            const parts = f.split('/');
            let k = 1;
            while (k < parts.length && !re?.test(parts.slice(0, k).join('/'))) k++;
            rel = parts.slice(k).join('/');
          }
          if (excludes.some((x) => x.test(f) || x.test(rel) || x.test(baseOf(f)))) continue;
          const targets =
            f === clean && !intoDir ? [dest, joinImage(dest, baseOf(f))] : [joinImage(dest, rel)];
          const map = ignore.ignores(f) ? out.ignored : out.files;
          if (map === out.files) out.sent.add(f);
          for (const t of targets) map.set(t, f);
        }
      }
    }
  return out;
}

function ignoreOf(c: Ctx): IgnoreFile {
  c.ignore ??= loadIgnore(c.check.buildContext);
  return c.ignore;
}

/**
 * The folder an install command runs in: the RUN's working directory, followed through the
 * top-level `cd <dir>` commands before it. Null when that cannot be told.
 */
function installDir(c: Ctx, info: RunInfo, p: PkgCmd): string | null {
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

const NPM_LOCKS = ['package-lock.json', 'npm-shrinkwrap.json'];

/**
 * Whether `npm ci` can run where `p` runs `npm install`: the lockfile must be in the image in
 * that folder, put there by a COPY/ADD from the context that .dockerignore does not exclude.
 * `ok` with the lockfile, or why not (`lockInContext`: a lockfile the Dockerfile could mean is
 * in the context, so the reason is worth a skip).
 */
function lockfileFor(
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

function checkNpm(c: Ctx, info: RunInfo): void {
  const { instr } = info;
  const npm = fam(info, 'npm');
  if (npm.length === 0) return;
  const installs = npm.filter((p) => ['install', 'i', 'ci', 'add'].includes(p.sub?.value ?? ''));
  if (installs.length === 0) return;
  const blocked = info.skip.get('npm');
  const cleaned = npm.some(
    (p) => p.sub?.value === 'cache' && hasFlag(p.args, (v) => v === 'clean'),
  );
  if (blocked) {
    if (!cleaned && !hasCacheMount(instr, 'npm'))
      skipped(c, 'npm-cache-clean', instr.span.start, `${blocked}; not rewritten`);
    return;
  }
  // npm install -> npm ci when the lockfile is in the image where the install runs (review).
  const ctx = c.check.buildContext;
  const plain = installs.filter(
    (p) =>
      (p.sub!.value === 'install' || p.sub!.value === 'i') &&
      p.args
        .slice(p.args.indexOf(p.sub!) + 1)
        .every((a) => a.value !== null && a.value.startsWith('-')) &&
      !hasFlag(p.args, (v) => v === '-g' || v === '--global' || v === '--no-package-lock'),
  );
  if (ctx.available && plain.length) {
    const files = imageFiles(c, instr.index);
    const checks = plain.map((p) => lockfileFor(c, info, p, files));
    const bad = checks.find((k) => !k.ok) as { why: string; lockInContext: boolean } | undefined;
    if (!bad)
      fix(
        c,
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
    else if (bad.lockInContext)
      skipped(
        c,
        'npm-ci',
        instr.span.start,
        `\`npm install\` stays: ${bad.why}, and \`npm ci\` fails without the lockfile`,
      );
  }
  if (cleaned || hasCacheMount(instr, 'npm')) return;
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
function packageManager(text: string | null): string | null {
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
function yarnBerry(c: Ctx, info: RunInfo): { skip: string } | { review: string } | null {
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

function checkYarn(c: Ctx, info: RunInfo): void {
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

export const transform: Transform = {
  meta: {
    id: ID,
    title: 'Package managers: fresh lists, no caches in layers',
    hadolint: [
      'DL3009',
      'DL3014',
      'DL3015',
      'DL3019',
      'DL3027',
      'DL3030',
      'DL3032',
      'DL3034',
      'DL3036',
      'DL3038',
      'DL3040',
      'DL3042',
      'DL3060',
    ],
    applicability: 'safe',
    docs: {
      why:
        '`apt-get update` in a RUN of its own is cached forever, so later installs read stale package lists; ' +
        'package managers leave lists and download caches (apt lists, apk index, dnf/yum metadata, ~/.cache/pip, ~/.npm, the yarn cache) ' +
        'in the layer, and a later `rm` never shrinks an earlier layer. Measured: `RUN apt-get update` + `RUN apt-get install -y python3 python3-flask` ' +
        'gave 230.3 MB; one RUN with `--no-install-recommends` and list cleanup gave 167.9 MB (-27%).',
      fixSafety:
        'Safe: merging an update-only RUN into the install RUN right after it (same stage, same flags), `apt` -> `apt-get` (with `apt upgrade` -> `apt-get upgrade --with-new-pkgs` and `apt full-upgrade` -> `apt-get dist-upgrade`), `-y`, ' +
        'and cleanup right after the install or at the end of the same RUN (joined with `&&`, or as a new statement under `set -e`), which removes only caches; dropping an `apk update` whose index nothing reads. ' +
        'Review: `--no-install-recommends` (recommended packages are no longer installed), `apt install` -> `apt-get install` on a base image not known to have the docker-clean apt hook (apt deletes the .debs it downloads, apt-get keeps them), `npm install` -> `npm ci` (fails on an out-of-date lockfile; only proposed when a COPY put the lockfile where the install runs), ' +
        'an `apt-get update` added to an install RUN that is not next to its update, removing a standalone `apt-get update` whose lists no later RUN reads, `yarn cache clean` without a build context (Yarn 2+ cannot be ruled out), and cleanup in stages the final image does not build on. ' +
        'Commands in conditionals, loops, pipelines, `||` chains, `sh -c` or other wrappers, with variable subcommands or local .deb files, heredocs fed to something other than sh/bash, ' +
        "`yarn cache clean` on Yarn 2+ (Plug'n'Play loads packages from the cache), and shell-syntax rewrites in RUNs without a POSIX shell (PowerShell/cmd SHELL, Windows images) are left alone. " +
        'A RUN with a cache mount for the manager gets no cleanup. With `--cache-mounts`, apt gets `/var/cache/apt` and `/var/lib/apt` mounts with `sharing=locked` ' +
        "(the lists and `extended_states` then live in the cache, not the image); Debian's docker-clean hook is kept, so .debs are not cached.",
    },
  },
  check(model, ctx) {
    const c: Ctx = { model, check: ctx, runs: new Map(), finals: finalStages(model), out: [] };
    for (const instr of model.instructions) {
      if (instr.keyword !== 'RUN' || !instr.shell || instr.stage < 0) continue;
      const form = heredocForm(instr, model.text);
      const info = readRun(form?.kind === 'script' ? form.instr : instr);
      if (form?.kind === 'script' && form.errexit) info.errexit = true;
      if (form?.kind === 'other')
        for (const f of bodyFamilies(instr)) if (!info.skip.has(f)) info.skip.set(f, form.reason);
      info.nonPosix = shellProblem(model, instr);
      c.runs.set(instr.index, info);
    }
    for (const info of c.runs.values()) {
      // A manager only seen behind a wrapper or inside `sh -c`.
      for (const [f, reason] of info.skip)
        if (fam(info, f).length === 0)
          skipped(c, FAMILY_RULE[f], info.instr.span.start, `${reason}; not rewritten`);
      checkApt(c, info);
      checkApk(c, info);
      checkRpm(c, info);
      checkPip(c, info);
      checkNpm(c, info);
      checkYarn(c, info);
    }
    return c.out;
  },
};
