/**
 * package-hygiene: who may read a cache after a rule deletes it. `laterSteps` lists what runs
 * after a RUN with the files it leaves: the later RUNs of its stage and of the stages built on
 * it, the ONBUILD RUNs (every child build), and the ENTRYPOINT/CMD (the running container). Each
 * step's commands are seen through wrappers (`env`, `timeout`, `xargs`, ...), `sh -c`/`eval`
 * scripts and the script files the build context holds; what cannot be seen is `opaque`.
 * See docs/rules/package-hygiene.md ("Who reads a cache").
 */
import { cleanRelative } from '../../src/context/context.js';
import { joinImage, imageWorkdir } from '../../src/model/image-path.js';
import { diskCounters } from '../../src/context/cache.js';
import { parseShell } from '../../src/model/shell.js';
import { contextAnswer } from '../../src/toolkit/context-answer.js';
import type { Instruction, ShellScript, Word } from '../../src/model/types.js';
import {
  baseName,
  scriptArgument,
  scriptFile,
  wrappedCommand,
} from '../../src/toolkit/commands.js';
import {
  type Ctx,
  descendants,
  lineNo,
  type Opaque,
  type SeenCommand,
  stageChain,
} from './context.js';
import { contextCopies, imageFileAt } from './image-files.js';
import type { RunInfo } from './run.js';

export type { Opaque, SeenCommand } from './context.js';

export interface LaterStep {
  instr: Instruction;
  /** "the RUN on line 7", "the ONBUILD RUN on line 9", "the ENTRYPOINT script entrypoint.sh". */
  label: string;
  seen: SeenCommand[];
  opaque: Opaque[];
}

/** Script files known to be an upstream build's own (`./configure`): they run no package
 * manager of the image. */
const BUILD_SCRIPTS = new Set(['configure', 'config.status', 'autogen.sh', 'bootstrap.sh']);

const MAX_DEPTH = 4;

function plainLogical(text: string) {
  return { text, segments: [{ from: 0, sourceStart: 0, length: text.length }] };
}

/** A script text (a file of the context, a `sh -c` argument, an ENTRYPOINT) parsed, once for
 * the recent texts: the passes of one Dockerfile and the Dockerfiles of a context that run the
 * same script see the same one. Never modified by the callers. Few are kept: a parsed script
 * weighs far more than its text, and the language server meets a new text at every edit. */
function parseScript(text: string): ShellScript {
  let s = SCRIPTS.get(text);
  if (s) return s;
  diskCounters.derived++;
  s = parseShell(plainLogical(text));
  if (SCRIPTS.size >= SCRIPTS_KEPT) SCRIPTS.delete(SCRIPTS.keys().next().value!);
  SCRIPTS.set(text, s);
  return s;
}

const SCRIPTS = new Map<string, ShellScript>();
const SCRIPTS_KEPT = 64;

/**
 * The context path of the file at `path` in the image when instruction `at` runs, or null (always
 * without a context). A bare name (`docker-entrypoint.sh` on the PATH) is looked up in the usual
 * bin folders. (A contextAnswer: a check that only gets null here may be taken as it is for the
 * run without a context, see api.ts CheckMemo.)
 */
function contextFileFor(c: Ctx, at: Instruction, path: string): string | null {
  return contextAnswer(c.check, null, findContextFile, c, at, path);
}

function findContextFile(c: Ctx, at: Instruction, path: string): string | null {
  // A RUN sees the files copied before it; the container and child builds see the whole stage.
  const run = at.keyword === 'RUN';
  const upTo = run ? at.index : c.model.stages[at.stage]!.last;
  const inclusive = !run;
  const copies = contextCopies(c, upTo, inclusive);
  // (no copy from the context before it, as for most commands of most images: no path to try)
  if (copies.length === 0) return null;
  const abs = path.startsWith('/');
  const dir = abs ? null : imageWorkdir(c.model, at.index);
  // The same copies (contextCopies gives one array per list) and paths, the same answer: each
  // later step asks for its commands, often the same ones.
  let answers = (c.files ??= new Map()).get(copies);
  if (!answers) c.files.set(copies, (answers = new Map()));
  const key = abs ? path : `${dir ?? ''}\u0000${path}`;
  let hit = answers.get(key);
  if (hit === undefined) {
    const candidates: string[] = [];
    if (abs) candidates.push(path);
    else {
      if (dir !== null) candidates.push(joinImage(dir, path));
      if (!path.includes('/'))
        for (const bin of ['/usr/local/bin', '/usr/bin', '/bin', '/usr/local/sbin'])
          candidates.push(`${bin}/${path}`);
    }
    answers.set(key, (hit = imageFileAt(c, upTo, inclusive, candidates) ?? null));
  }
  return hit;
}

/** The commands a shell script runs, seen through wrappers, `sh -c`, `eval` and script files. */
export function seenCommands(
  c: Ctx,
  shell: ShellScript,
  at: Instruction,
  via: string | null,
  depth = 0,
  out: { seen: SeenCommand[]; opaque: Opaque[] } = { seen: [], opaque: [] },
): { seen: SeenCommand[]; opaque: Opaque[] } {
  if (!shell.ok && depth > 0) out.opaque.push({ why: `${via ?? 'a script'} cannot be parsed` });
  for (const cmd of shell.commands) {
    if (cmd.name === null) continue;
    see(c, cmd.name.value, cmd.args, at, via, depth, out);
  }
  return out;
}

function see(
  c: Ctx,
  raw: string | null,
  args: Word[],
  at: Instruction,
  via: string | null,
  depth: number,
  out: { seen: SeenCommand[]; opaque: Opaque[] },
): void {
  const name = baseName(raw);
  out.seen.push({ name, args, via });
  if (name === null || depth >= MAX_DEPTH) return;
  const inner = wrappedCommand(name, args);
  if (inner) {
    see(c, inner[0]!.value, inner.slice(1), at, via ?? `under \`${name}\``, depth + 1, out);
    return;
  }
  const script = scriptArgument(name, args);
  if (script) {
    const how = via ?? `inside \`${name}${name === 'eval' ? '' : ' -c'}\``;
    if (script.script === null) out.opaque.push({ why: `${how}, a script held in a variable` });
    else seenCommands(c, parseScript(script.script), at, how, depth + 1, out);
    return;
  }
  const word = { raw: raw ?? '', value: raw, span: { start: 0, end: 0 } };
  // A bare command name that a COPY put on the PATH (`COPY install.sh /usr/local/bin/install-tools`
  // then `RUN install-tools`) is a script from the context too.
  const file =
    scriptFile(word, args) ??
    (raw !== null && !raw.includes('/') && contextFileFor(c, at, raw) !== null ? word : null);
  if (!file) return;
  const path = file.value;
  if (path === null) {
    out.opaque.push({ why: `\`${file.raw}\` runs a script named by a variable` });
    return;
  }
  if (BUILD_SCRIPTS.has(baseName(path)!)) return;
  // (null without a context)
  const ctxPath = contextFileFor(c, at, path);
  const text = ctxPath !== null ? c.check.buildContext.readFile(ctxPath) : null;
  if (text === null) {
    // Only a shell script is worth a doubt: a path such as ./node_modules/.bin/tsc is a tool.
    // A sourced file (`. /etc/os-release`, a venv's activate) sets variables, it installs nothing.
    if (name === 'source' || name === '.') return;
    if (/\.(sh|bash)$/.test(path) || name !== baseName(path))
      out.opaque.push({ why: `it runs \`${path}\`, a script the build context does not hold` });
    return;
  }
  const clean = cleanRelative(ctxPath!) ?? ctxPath!;
  seenCommands(c, parseScript(text), at, via ?? `in ${clean}`, depth + 1, out);
}

/** The shell of an exec-form or shell-form ENTRYPOINT/CMD, or of an ONBUILD RUN. */
function instructionShell(c: Ctx, instr: Instruction): ShellScript | null {
  if (instr.keyword === 'ONBUILD') {
    if (instr.onbuild !== 'RUN') return null;
    const text = instr.logical.text.replace(/^\s*RUN\s+/i, '');
    return parseScript(text);
  }
  if (instr.json) {
    const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    return parseScript(instr.json.map(q).join(' '));
  }
  void c;
  return parseScript(instr.logical.text);
}

/** Instructions whose commands run later than the build of their stage. */
const STARTS = new Set(['ONBUILD', 'ENTRYPOINT', 'CMD']);

/**
 * What runs after `instr` with the files its RUN leaves, in order: the later RUNs of its stage
 * and the stages built on it, then the ONBUILD RUNs, then ENTRYPOINT and CMD of those stages.
 * `skipStage` leaves out a stage (where a later step fetched everything afresh).
 */
export function* laterSteps(
  c: Ctx,
  instr: Instruction,
  skipStage: (stage: number) => boolean = () => false,
): Generator<LaterStep> {
  const stages = descendants(c.model, instr.stage);
  const tail: Instruction[] = [];
  // ENTRYPOINT/CMD set before the RUN (in its stage or a stage it builds on) still start the
  // container.
  for (const { stage, upTo } of stageChain(c.model, instr.index))
    for (let j = stage.first + 1; j < Math.min(stage.last + 1, upTo); j++) {
      const k = c.model.instructions[j]!;
      if (k.keyword === 'ENTRYPOINT' || k.keyword === 'CMD' || k.keyword === 'ONBUILD')
        tail.push(k);
    }
  // (an index loop: a for-of in a generator allocates an iterator result per element, and this
  // runs for every later instruction of every apt RUN: quadratic garbage on a large file)
  const all = c.model.instructions;
  for (let k = instr.index + 1; k < all.length; k++) {
    const other = all[k]!;
    if (other.index <= instr.index || !stages.has(other.stage)) continue;
    if (STARTS.has(other.keyword)) tail.push(other);
    if (skipStage(other.stage)) continue;
    const info = c.runs.get(other.index);
    if (!info) continue;
    const { seen, opaque } = stepSeen(c, other, () => info.instr.shell!)!;
    yield { instr: other, label: `the RUN on line ${lineNo(c.model, other)}`, seen, opaque };
  }
  for (const other of tail) {
    if (skipStage(other.stage)) continue;
    const found = stepSeen(c, other, () => instructionShell(c, other));
    if (!found) continue;
    const { seen, opaque } = found;
    const label =
      other.keyword === 'ONBUILD'
        ? `the ONBUILD RUN on line ${lineNo(c.model, other)} (run by every image built FROM this one)`
        : `the ${other.keyword} on line ${lineNo(c.model, other)} (run when the container starts)`;
    yield { instr: other, label, seen, opaque };
  }
}

/** What a later step runs (`seenCommands` of its shell, null without one), once per check: each
 * RUN that deletes a cache, for each of its rules, looks through the same later steps (and each
 * look may read and parse the scripts they run). Never modified by the callers. */
function stepSeen(
  c: Ctx,
  step: Instruction,
  shell: () => ShellScript | null,
): { seen: SeenCommand[]; opaque: Opaque[] } | null {
  const memo = (c.steps ??= new Map());
  let found = memo.get(step.index);
  if (found === undefined) {
    const sh = shell();
    memo.set(step.index, (found = sh ? seenCommands(c, sh, step, null) : null));
  }
  return found;
}

/** What a RUN of the check runs (`seenCommands` of its shell), the same memo as `laterSteps`:
 * the RUN's own rules (does it clean up itself?) and the earlier RUNs looking through their later
 * steps ask for the same commands. Never modified by the callers. */
export function runSeen(c: Ctx, info: RunInfo): { seen: SeenCommand[]; opaque: Opaque[] } {
  return stepSeen(c, info.instr, () => info.instr.shell!)!;
}

/**
 * The first later step (see `laterSteps`) with a command `test` calls a reader of a cache, with
 * why: `{label, why}`, or null.
 */
export function laterReader(
  c: Ctx,
  instr: Instruction,
  test: (cmd: SeenCommand) => string | null,
): { label: string; why: string } | null {
  for (const step of laterSteps(c, instr))
    for (const cmd of step.seen) {
      const why = test(cmd);
      if (why) return { label: step.label, why: cmd.via ? `${cmd.via}, ${why}` : why };
    }
  return null;
}

/** A later step (or the rest of this RUN after `from`) names an `https://` URL: the first. */
export function laterHttps(c: Ctx, instr: Instruction, from: number): string | null {
  if (/https:\/\//.test(c.model.text.slice(from, instr.span.end)))
    return `this RUN fetches an https:// URL`;
  for (const step of laterSteps(c, instr)) {
    if (step.instr.keyword === 'RUN' && /https:\/\//.test(step.instr.logical.text))
      return `${step.label} fetches an https:// URL`;
    if (step.seen.some((s) => s.via && s.args.some((a) => /https:\/\//.test(a.raw))))
      return `${step.label} fetches an https:// URL`;
  }
  return null;
}
