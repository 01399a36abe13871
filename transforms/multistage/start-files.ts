/**
 * The files a `multistage` runtime stage needs to start: the scripts ENTRYPOINT/CMD name or run
 * (`/src/docker-entrypoint.sh`, `sh run.sh`, `./start.sh`, `python /opt/tools/serve.py`) and the
 * files those scripts source (`. /src/env.sh`), read from the build context. Each one the plan
 * does not already copy is copied from the builder to the same path; when the tool cannot tell
 * where one comes from, the split is skipped with the reason.
 * Docs: docs/rules/multistage.md ("Decisions": the start command's files).
 */
import {
  copySpec,
  globToRegExp,
  hasGlob,
  isWholeContext,
  resolveDest,
  sourceValue,
} from '../../src/toolkit/copy.js';
import { commandBase, parseShell } from '../../src/model/shell.js';
import { normalizePosix } from '../../src/model/dockerfile.js';
import type { Instruction } from '../../src/model/types.js';
import { absolute, contextCopyAt, lastCmdInstr, commandWords, under } from './shared.js';
import type { Analysis, Artifact, Plan } from './shared.js';

/** Programs that run the command that follows them (their options and arguments skipped). */
const WRAPPERS = new Set(['tini', 'tini-static', 'dumb-init', 'exec', 'nohup', 'env']);
/** Wrappers that take a user (or user:group) before the command. */
const USER_WRAPPERS = new Set(['gosu', 'su-exec']);
const SHELLS = new Set(['sh', 'bash', 'dash', 'ash', 'zsh', 'ksh']);
/** Interpreters whose first argument that is not an option is a script file. */
const INTERPRETERS = /^(python[0-9.]*|node|nodejs|ruby|perl|php)$/;
/** Interpreter options after which no script file follows (`python -m`, `node -e`, ...). */
const NO_SCRIPT = new Set(['-m', '-c', '-e', '-p', '--eval', '--print', '-r', '-E']);
/** Interpreter options that take the next word as their value. */
const VALUE_OPTIONS = new Set(['-X', '-W', '--require', '--import', '--loader']);
/** Folders of the base images' own programs: a path there the stage does not create is the
 * runtime base's (as the program names the start command finds on PATH are). */
const SYSTEM_DIRS = ['/bin', '/sbin', '/usr/bin', '/usr/sbin', '/usr/local/bin', '/usr/local/sbin'];

/** The PATH of the Debian, alpine and official language images, in its order. */
const PATH_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** A path a start word names, as the start command sees it (relative to its WORKDIR). */
interface Ref {
  word: string;
  /** What names it, for messages: `ENTRYPOINT runs`, `CMD runs`, or `<script> sources`. */
  by: string;
}

function clean(word: string): string {
  return word.replace(/^['"]+|['";&|]+$/g, '');
}

/**
 * The words of a start command that name files: the program when it is a path, the script a
 * shell or interpreter runs, `sh -c` text taken apart the same way, and any `*.sh` argument.
 * `unknown` is set when the program is a variable.
 */
export function startPaths(words: string[]): {
  paths: string[];
  /** Programs named without a path: found on PATH. */
  commands: string[];
  unknown?: string;
  /** A shell, an interpreter or a `.sh` script runs: the runtime base needs more than libc. */
  interpreted: boolean;
} {
  const paths: string[] = [];
  const commands: string[] = [];
  let unknown: string | undefined;
  let interpreted = false;
  const segments: string[][] = [[]];
  for (const raw of words) {
    if (/^(&&|\|\||;|\|)$/.test(raw)) segments.push([]);
    else segments[segments.length - 1]!.push(clean(raw));
  }
  const command = (seg: string[]): void => {
    let i = 0;
    while (i < seg.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(seg[i]!)) i++;
    for (;;) {
      const name = commandBase(seg[i] ?? '');
      if (WRAPPERS.has(name)) {
        i++;
        while (i < seg.length && (seg[i]!.startsWith('-') || /^[A-Za-z_]\w*=/.test(seg[i]!))) i++;
      } else if (USER_WRAPPERS.has(name)) i += 2;
      else break;
    }
    const prog = seg[i];
    if (prog === undefined || prog === '') return;
    if (prog.includes('$')) {
      unknown ??= prog;
      return;
    }
    if (prog.includes('/')) paths.push(prog);
    else if (!prog.startsWith('-')) commands.push(prog);
    const base = commandBase(prog);
    const args = seg.slice(i + 1);
    if (SHELLS.has(base) || INTERPRETERS.test(base) || base.endsWith('.sh')) interpreted = true;
    if (SHELLS.has(base)) {
      const c = args.indexOf('-c');
      if (c >= 0) return command(args.slice(c + 1));
      const script = args.find((w) => !w.startsWith('-'));
      if (script) paths.push(script);
    } else if (INTERPRETERS.test(base)) {
      for (let k = 0; k < args.length; k++) {
        const w = args[k]!;
        if (NO_SCRIPT.has(w)) break;
        if (VALUE_OPTIONS.has(w)) k++;
        else if (!w.startsWith('-')) {
          paths.push(w);
          break;
        }
      }
    }
    for (const w of args) if (/^[\w./-]+\.sh$/.test(w) && !paths.includes(w)) paths.push(w);
  };
  for (const seg of segments) command(seg);
  if (paths.some((p) => p.endsWith('.sh'))) interpreted = true;
  return { paths, commands, interpreted, ...(unknown === undefined ? {} : { unknown }) };
}

/** Whether the runtime stage of `plan` has the image path `abs` from one of its artifacts. */
function fromArtifact(plan: Plan, abs: string, workdir: string | null): boolean {
  return plan.copies.some((c) => {
    let target = c.from;
    if (c.to !== undefined) {
      const to = c.to.startsWith('/') ? c.to : workdir ? `${workdir}/${c.to}` : null;
      if (to === null) return false;
      target =
        !c.dir && to.endsWith('/') ? `${to}${c.from.slice(c.from.lastIndexOf('/') + 1)}` : to;
      target = normalizePosix(target);
    }
    if (hasGlob(target)) return globToRegExp(target).test(abs);
    return c.dir ? under(abs, target) : abs === target;
  });
}

/** A shell script: a shebang naming a shell, or no shebang and a `.sh` name. */
function isShellScript(text: string, path: string): boolean {
  const first = text.split('\n', 1)[0]!;
  if (first.startsWith('#!')) return /\b(sh|bash|dash|ash|zsh|ksh)\b/.test(first);
  return path.endsWith('.sh');
}

/**
 * Whether a COPY of the whole context that moves to the runtime stage lands above `abs`: the
 * runtime stage then has there whatever the original image had from it (a file the context
 * lacks was missing there too).
 */
function underMovedContextCopy(a: Analysis, moved: Instruction[], abs: string): boolean {
  return moved.some((i) => {
    const spec = copySpec(a.model, i);
    if (!spec || spec.from || spec.heredoc) return false;
    if (!spec.sources.some((w) => isWholeContext(sourceValue(a.model, spec, w) ?? 'x')))
      return false;
    const dest = resolveDest(a.model, spec);
    return dest !== null && under(abs, normalizePosix(dest));
  });
}

/** Files a shell script sources (`. file`, `source file`), as literal words, or null. */
function sourcedWords(text: string): string[] | null {
  let script;
  try {
    script = parseShell({ text, segments: [{ from: 0, sourceStart: 0, length: text.length }] });
  } catch {
    return null;
  }
  const out: string[] = [];
  for (const c of script.commands) {
    const name = c.name?.value;
    if (name !== '.' && name !== 'source') continue;
    const arg = c.args[0];
    if (!arg || arg.value === null) return null;
    out.push(arg.value);
  }
  return out;
}

/**
 * The builder files the runtime stage must also take so that its start command finds what it
 * runs, or the reason the split cannot tell.
 */
export function startFiles(
  a: Analysis,
  plan: Plan,
  moved: Instruction[],
): { copies: Artifact[] } | { skip: string; at: number } {
  const { model } = a;
  const ep = lastCmdInstr(a.instrs, 'ENTRYPOINT');
  const cmd = lastCmdInstr(a.instrs, 'CMD');
  const refs: (Ref & { instr: Instruction })[] = [];
  // The plan's CMD (Next.js standalone: `node server.js`) runs a file of its own output.
  const cmdRuns = cmd && !plan.cmd && (!ep || ep.json) ? cmd : null;
  const starts = [ep, cmdRuns].filter((i): i is Instruction => !!i);
  for (const instr of starts) {
    const found = startPaths(commandWords(model, instr));
    if (found.unknown)
      return {
        skip: `${instr.keyword} runs \`${found.unknown}\`: cannot tell which files the runtime stage needs to start`,
        at: instr.span.start,
      };
    for (const word of found.paths) refs.push({ word, by: `${instr.keyword} runs`, instr });
    // A program found on PATH that a COPY of the stage put there (`docker-entrypoint.sh` in
    // /usr/local/bin).
    for (const name of found.commands) {
      const dir = PATH_DIRS.find((d) => contextCopyAt(a, `${d}/${name}`, Infinity));
      if (dir) refs.push({ word: `${dir}/${name}`, by: `${instr.keyword} runs`, instr });
    }
  }
  const copies: Artifact[] = [];
  const seen = new Set<string>();
  const workdir = model.workdirAt(a.stage.last);
  while (refs.length) {
    const ref = refs.shift()!;
    const abs = absolute(model, ref.word, ref.instr.index);
    if (abs === null)
      return {
        skip: `${ref.by} ${ref.word} and the WORKDIR is not known: cannot tell which file the runtime stage needs`,
        at: ref.instr.span.start,
      };
    if (seen.has(abs)) continue;
    seen.add(abs);
    // The file as the container sees it: the latest COPY from the context that put it there.
    const latest = contextCopyAt(a, abs, Infinity);
    // In the runtime stage already: an artifact, or a COPY after the build step (it moves).
    const present =
      fromArtifact(plan, abs, workdir) ||
      (latest !== null && moved.includes(latest.instr)) ||
      underMovedContextCopy(a, moved, abs);
    if (!present) {
      if (!latest || latest.instr.index > a.buildAt) {
        if (SYSTEM_DIRS.some((d) => under(abs, d))) continue;
        return {
          skip: `${ref.by} ${abs}, which the runtime stage would not have: cannot tell where it comes from (no COPY from the build context puts it there)`,
          at: ref.instr.span.start,
        };
      }
      copies.push({ from: abs, dir: false });
    }
    if (!latest) continue;
    // What the script sources must come along too.
    const text = a.ctx.buildContext.readFile(latest.file);
    if (text === null || !isShellScript(text, abs)) continue;
    const sourced = sourcedWords(text);
    if (sourced === null)
      return {
        skip: `${abs} sources a file whose name is not a literal: cannot tell which files the runtime stage needs to start`,
        at: ref.instr.span.start,
      };
    for (const word of sourced) refs.push({ word, by: `${abs} sources`, instr: ref.instr });
  }
  return { copies };
}
