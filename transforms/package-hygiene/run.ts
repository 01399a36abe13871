/**
 * package-hygiene: reading one RUN. `readRun` finds the package-manager commands (apt, apk, the
 * rpm family, pip, npm, yarn) with their subcommand, and the reason a family cannot be rewritten
 * in this RUN (wrappers, `sh -c`, `if`/loops, `||`, variables); `heredocForm` reads
 * `RUN <<EOT bash` bodies; `shellProblem` tells a RUN not run by a POSIX shell.
 * See docs/rules/package-hygiene.md.
 */
import {
  baseName,
  exeName,
  POSIX_SHELLS,
  SHELLS,
  subcommand,
  WRAPPERS,
} from '../../src/toolkit/commands.js';
import { HEREDOC_MARKER, heredocLogical } from '../../src/model/dockerfile.js';
import { parseShell } from '../../src/model/shell.js';
import type {
  DockerfileModel,
  Instruction,
  SimpleCommand,
  Statement,
  Word,
} from '../../src/model/types.js';
import { APT_VALUE_OPTS } from '../../src/toolkit/packages/system.js';
import { stageChain } from '../../src/model/stages.js';

export type Family = 'apt' | 'apk' | 'rpm' | 'pip' | 'npm' | 'yarn';

/** Rule a skip of a whole family in one RUN is reported under. */
export const FAMILY_RULE: Record<Family, string> = {
  apt: 'apt-list-cleanup',
  apk: 'apk-no-cache',
  rpm: 'dnf-clean',
  pip: 'pip-no-cache-dir',
  npm: 'npm-cache-clean',
  yarn: 'yarn-cache-clean',
};

export const TOOLS: Record<string, Family> = {
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

export interface PkgCmd {
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

export interface RunInfo {
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

export function isPipName(n: string): boolean {
  return /^pip(\d+(\.\d+)?)?$/.test(n);
}

/** TOOLS as a Map: looked up with every command name and argument of every RUN, where a
 * property lookup by a string made at run time goes through the string table each time (and
 * would find Object.prototype's members, `constructor` or `toString`, as tools). */
const TOOL_FAMILIES = new Map<string, Family>(Object.entries(TOOLS));

export function familyOf(n: string | null): Family | null {
  if (n === null) return null;
  // (the pattern only for a name that starts like it)
  if (n.startsWith('pip') && isPipName(n)) return 'pip';
  return TOOL_FAMILIES.get(n) ?? null;
}

export function statementOf(instr: Instruction, c: SimpleCommand): Statement | undefined {
  return instr.shell?.statements[c.statement];
}

export function readRun(instr: Instruction): RunInfo {
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
    const sub = subcommand(args, tool === 'apt-get' || tool === 'apt' ? APT_VALUE_OPTS : undefined);
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

export function fam(info: RunInfo, f: Family): PkgCmd[] {
  return info.cmds.filter((c) => c.family === f);
}

/** Shell options an interpreter line may set (`bash -o pipefail`). */
export const SHELL_OPTIONS = new Set(['errexit', 'nounset', 'xtrace', 'verbose', 'pipefail']);

export type HeredocForm =
  { kind: 'script'; instr: Instruction; errexit: boolean } | { kind: 'other'; reason: string };

/**
 * The heredoc form of a RUN other than the plain `RUN <<EOT` (which the model parses itself).
 * `RUN <<EOT bash -e` and `RUN sh -eux <<EOT` feed the body to sh/bash on stdin, so the body is a
 * shell script as in the plain form: the result is a view of the RUN whose `shell` is the body's
 * (the model is not changed), with `errexit` when the interpreter runs with `-e`. Any other
 * command (`python3`, `cat > file`, `bash -c`, several heredocs) is `other`, with the reason.
 */
export function heredocForm(instr: Instruction, text: string): HeredocForm | null {
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
export function bodyFamilies(instr: Instruction): Family[] {
  const out = new Set<Family>();
  for (const h of instr.heredocs)
    for (const w of h.content.split(/[\s;&|()"'`]+/)) {
      const f = familyOf(baseName(w));
      if (f) out.add(f);
    }
  return [...out];
}

export function isWindowsImage(image: string): boolean {
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
export function shellProblem(model: DockerfileModel, instr: Instruction): string | null {
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
