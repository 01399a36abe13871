/**
 * Transform `package-hygiene`: package-manager commands in RUN that leave caches in the layer or
 * install from stale lists.
 *
 * - apt / apt-get: a RUN that only runs `apt-get update` is merged into the install RUN right
 *   after it (same stage, same RUN flags); an install RUN whose lists come from an earlier RUN
 *   gets its own `apt-get update` (review, or merged when it directly follows an update+install
 *   RUN that can take it); `apt` -> `apt-get` (DL3027), `-y` (DL3014),
 *   `--no-install-recommends` (DL3015, review), `rm -rf /var/lib/apt/lists/*` at the end of the
 *   RUN that runs `apt-get update` (DL3009).
 * - apk: `--no-cache` (DL3019), dropping the then-needless `apk update` / `rm -rf /var/cache/apk/*`.
 * - dnf / yum / microdnf / zypper: `-y` (DL3038 / DL3030 / DL3034), `clean all` (DL3040 / DL3032 /
 *   DL3036).
 * - pip: `--no-cache-dir` (DL3042); npm: `npm install` -> `npm ci` with a lockfile (review),
 *   `npm cache clean --force`; yarn: `yarn cache clean` (DL3060).
 * - `ctx.options.cacheMounts`: BuildKit cache mounts instead of cleanup (apt, apk, dnf, yum, pip,
 *   npm). A RUN that already mounts a cache for the manager gets no cleanup.
 *
 * Decisions where the issue leaves room:
 * - `--no-install-recommends` is `review`: dropping recommended packages can break the image
 *   (the classic: `curl` without `ca-certificates`).
 * - `npm ci` is `review` (an out-of-date lockfile fails the build); a prepended `apt-get update`
 *   in a RUN that is not next to its update is `review` (it adds a network step).
 * - Cleanup fixes in a stage the final image does not build on are `review` (they save nothing in
 *   the shipped image); `-y`, `apt-get`, merges and cache mounts stay `safe` everywhere.
 * - Cache mounts for apt: `/var/cache/apt` and `/var/lib/apt` with `sharing=locked`. The
 *   `docker-clean` hook of Debian/Ubuntu images is left alone (removing it changes the image for
 *   every later apt user); the lists mount then carries the gain and the .deb mount stays small.
 *   yarn, microdnf and zypper keep cleanup (their cache location depends on version and user);
 *   after a non-root USER, or with XDG/PIP/npm cache variables set, cleanup is used too.
 * - Commands inside `if`/loops/pipelines/subshells, in `||` chains, behind `sh -c`, `sudo`,
 *   `xargs` and other wrappers, with a variable as subcommand, installing a local `.deb`, or in a
 *   RUN the shell parser rejects are not rewritten (a Skipped says why), unless already clean.
 */
import { indentOf } from '../src/edits.js';
import { indentOfLine, lineEnd } from '../src/text.js';
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
} from '../src/types.js';

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
  'remove',
  'purge',
  'autoremove',
  'build-dep',
  'satisfy',
  'reinstall',
]);
/** `apt <sub>` subcommands that mean the same with apt-get. */
const APT_TO_APT_GET = new Set([
  'update',
  'install',
  'upgrade',
  'dist-upgrade',
  'remove',
  'purge',
  'autoremove',
  'clean',
  'autoclean',
  'build-dep',
  'source',
  'download',
]);
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
}

function baseName(v: string | null): string | null {
  if (v === null) return null;
  const i = v.lastIndexOf('/');
  return i >= 0 ? v.slice(i + 1) : v;
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

/**
 * An edit appending `command` at the end of the RUN, or a reason it cannot be done safely.
 */
function appendCommand(model: DockerfileModel, info: RunInfo, command: string): Edit | string {
  const { instr } = info;
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
}

function cleanupApplicability(c: Ctx, instr: Instruction): Applicability {
  return c.finals.has(instr.stage) ? 'safe' : 'review';
}

function builderNote(c: Ctx, instr: Instruction): { note?: string } {
  return c.finals.has(instr.stage)
    ? {}
    : {
        note: 'builder stage: the final image does not build on it, so this saves build cache only',
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
  // apt -> apt-get (DL3027)
  const aptWords = apt.filter(
    (p) => p.cmd.name?.raw === 'apt' && APT_TO_APT_GET.has(p.sub?.value ?? ''),
  );
  if (aptWords.length)
    fix(
      c,
      'apt-get-not-apt',
      instr,
      '`apt` is meant for terminals and warns that its CLI is unstable in scripts; use `apt-get` (DL3027).',
      aptWords.map((p) => ({ ...p.cmd.name!.span, text: 'apt-get' })),
      'safe',
    );
  // -y (DL3014)
  const noYes = apt.filter(
    (p) =>
      APT_YES.has(p.sub?.value ?? '') &&
      !hasFlag(
        p.args,
        (v) =>
          v === '--yes' ||
          v === '--assume-yes' ||
          v === '-qq' ||
          v === '-q=2' ||
          v === '--quiet=2' ||
          /^-[a-z]*y[a-z]*$/.test(v) ||
          /assume-yes/i.test(v),
      ),
  );
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
    }
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
  if (aptUpdates(info).length === 0 || aptNeedsLists(info).length === 0) return;
  if (hasListCleanup(info) || hasCacheMount(instr, 'apt')) return;
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
  const edit = appendCommand(model, info, command);
  if (typeof edit === 'string') {
    skipped(c, kind, instr.span.start, edit);
    return;
  }
  fix(c, kind, instr, message, [edit], cleanupApplicability(c, instr), builderNote(c, instr));
}

const MOUNT_DL: Record<string, string> = {
  apt: 'DL3009',
  apk: 'DL3019',
  dnf: 'DL3040',
  yum: 'DL3032',
  pip: 'DL3042',
};

function mountFits(c: Ctx, info: RunInfo, tool: string): boolean {
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

function checkApk(c: Ctx, info: RunInfo): void {
  const { model } = c;
  const { instr } = info;
  const apk = fam(info, 'apk');
  const adds = apk.filter(
    (p) => p.sub?.value === 'add' && !hasFlag(p.args, (v) => v === '--no-cache'),
  );
  if (adds.length === 0 || hasCacheMount(instr, 'apk')) return;
  const blocked = info.skip.get('apk');
  if (blocked) {
    skipped(c, 'apk-no-cache', instr.span.start, `${blocked}; not rewritten`);
    return;
  }
  if (c.check.options.cacheMounts && mountFits(c, info, 'apk')) {
    cleanupOrMount(c, info, 'apk', 'apk-no-cache', '', '');
    return;
  }
  const edits: Edit[] = adds.map((p) => insertAfter(p.sub!, ' --no-cache'));
  // `apk update && apk add` / `&& rm -rf /var/cache/apk/*` become needless.
  const removable: { st: Statement; i: number }[] = [];
  const allAdds = apk.every((p) => p.sub?.value === 'add' || p.sub?.value === 'update');
  let updatesLeft = 0;
  const sts = info.instr.shell!.statements;
  const wholeStatements: number[] = [];
  for (const p of apk) {
    if (p.sub?.value !== 'update') continue;
    const st = info.instr.shell!.statements[p.cmd.statement]!;
    const nextItem = st.items[p.cmd.position + 1];
    const nextCmd = nextItem?.command;
    const nextPkg = apk.find((q) => q.cmd === nextCmd);
    if (
      p.cmd.position === 0 &&
      st.items.length > 1 &&
      nextItem?.op === '&&' &&
      nextPkg?.sub?.value === 'add' &&
      p.args.every((a) => a === p.sub || (a.value !== null && a.value.startsWith('-')))
    )
      removable.push({ st, i: 0 });
    else if (
      st.items.length === 1 &&
      p.cmd.redirects.length === 0 &&
      st.terminator !== '&' &&
      p.args.every((a) => a === p.sub || (a.value !== null && a.value.startsWith('-'))) &&
      apk.some((q) => q.sub?.value === 'add' && q.cmd.statement > p.cmd.statement) &&
      p.cmd.statement + 1 < sts.length
    )
      // A statement of its own (`apk update; \` or a heredoc line) followed by the add.
      wholeStatements.push(p.cmd.statement);
    else updatesLeft++;
  }
  if (allAdds && updatesLeft === 0) {
    for (const st of info.instr.shell!.statements) {
      st.items.forEach((item, i) => {
        const cmd = item.command;
        if (i === 0 || !cmd || cmd.name?.value !== 'rm' || cmd.nested) return;
        const vals = cmd.args.map((a) => a.value);
        const paths = vals.filter((v) => v !== null && !v.startsWith('-'));
        const opts = vals.filter((v) => v !== null && v.startsWith('-'));
        if (
          vals.length === paths.length + opts.length &&
          paths.length > 0 &&
          paths.every((v) => v === '/var/cache/apk/*' || v === '/var/cache/apk') &&
          opts.every((v) => /^-[rRf]+$/.test(v!))
        )
          removable.push({ st, i });
      });
    }
  }
  for (const r of removable) edits.push(removeItem(model, r.st, r.i));
  for (const k of wholeStatements)
    edits.push({ start: sts[k]!.span.start, end: sts[k + 1]!.span.start, text: '' });
  fix(
    c,
    'apk-no-cache',
    instr,
    '`apk add` without `--no-cache` leaves the package index in /var/cache/apk of this layer; `--no-cache` fetches it fresh and keeps it out of the image (DL3019).',
    edits,
    cleanupApplicability(c, instr),
    builderNote(c, instr),
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

function checkPip(c: Ctx, info: RunInfo): void {
  const { model } = c;
  const { instr } = info;
  const installs = fam(info, 'pip').filter(
    (p) =>
      p.sub?.value === 'install' &&
      !hasFlag(p.args, (v) => v === '--no-cache-dir' || v.startsWith('--cache-dir')),
  );
  if (installs.length === 0 || hasCacheMount(instr, 'pip')) return;
  const vars = model.varsAt(instr.index);
  if (vars.has('PIP_NO_CACHE_DIR')) return;
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

function checkNpm(c: Ctx, info: RunInfo): void {
  const { model } = c;
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
  // npm install -> npm ci with a lockfile in the context (review).
  const ctx = c.check.buildContext;
  const lock =
    ctx.available && (ctx.exists('package-lock.json') || ctx.exists('npm-shrinkwrap.json'));
  if (lock) {
    const plain = installs.filter(
      (p) =>
        (p.sub!.value === 'install' || p.sub!.value === 'i') &&
        p.args
          .slice(p.args.indexOf(p.sub!) + 1)
          .every((a) => a.value !== null && a.value.startsWith('-')) &&
        !hasFlag(p.args, (v) => v === '-g' || v === '--global' || v === '--no-package-lock'),
    );
    if (plain.length)
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
  );
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
  cleanupOrMount(
    c,
    info,
    'yarn',
    'yarn-cache-clean',
    'yarn cache clean',
    'yarn keeps every downloaded package in its cache folder of this layer; `yarn cache clean` in the same RUN keeps it out of the image (DL3060).',
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
        'Safe: merging an update-only RUN into the install RUN right after it (same stage, same flags), `apt` -> `apt-get`, `-y`, ' +
        'and cleanup at the end of the same RUN (joined with `&&`, or as a new statement under `set -e`), which removes only caches. ' +
        'Review: `--no-install-recommends` (recommended packages are no longer installed), `npm install` -> `npm ci` (fails on an out-of-date lockfile), ' +
        'an `apt-get update` added to an install RUN that is not next to its update, and cleanup in stages the final image does not build on. ' +
        'Commands in conditionals, loops, pipelines, `||` chains, `sh -c` or other wrappers, with variable subcommands or local .deb files, are left alone. ' +
        'A RUN with a cache mount for the manager gets no cleanup. With `--cache-mounts`, apt gets `/var/cache/apt` and `/var/lib/apt` mounts with `sharing=locked` ' +
        "(the lists and `extended_states` then live in the cache, not the image); Debian's docker-clean hook is kept, so .debs are not cached.",
    },
  },
  check(model, ctx) {
    const c: Ctx = { model, check: ctx, runs: new Map(), finals: finalStages(model), out: [] };
    for (const instr of model.instructions) {
      if (instr.keyword !== 'RUN' || !instr.shell || instr.stage < 0) continue;
      c.runs.set(instr.index, readRun(instr));
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
