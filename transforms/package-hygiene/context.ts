/**
 * package-hygiene: what the rules share: the check context (`Ctx`), one way to report a fix or a
 * skip, the stage graph (final stages, stages built on a stage, the stage chain, the root image,
 * the user a RUN runs as) and the walk over later RUNs.
 * See docs/rules/package-hygiene.md.
 */
import type { IgnoreFile } from '../../src/context/ignore.js';
import { inImageWorkdir } from '../../src/model/image-path.js';
import { stageChain } from '../../src/model/stages.js';
import type {
  Applicability,
  CheckContext,
  DockerfileModel,
  Edit,
  Finding,
  Fix,
  Instruction,
  Skipped,
  Stage,
  Word,
} from '../../src/model/types.js';
import type { RunInfo } from './run.js';

export const ID = 'package-hygiene';
export const rule = (kind: string) => `${ID}/${kind}`;

/** Stages the final image is built on: the last one and the stages it derives from. */
export function finalStages(model: DockerfileModel): Set<number> {
  const out = new Set<number>();
  let s: number | null = model.stages.length - 1;
  while (s !== null && s >= 0 && !out.has(s)) {
    out.add(s);
    s = model.stages[s]!.fromStage;
  }
  return out;
}

/** Stages that build on stage `s` (transitively), `s` included. */
export function descendants(model: DockerfileModel, s: number): Set<number> {
  const out = new Set([s]);
  for (const st of model.stages)
    if (st.fromStage !== null && out.has(st.fromStage)) out.add(st.index);
  return out;
}

/** True when the RUN runs as root as far as the Dockerfile tells (no USER other than root). */
export function runsAsRoot(model: DockerfileModel, instr: Instruction): boolean {
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

/** A command as it runs, with where it was found (readers.ts). */
export interface SeenCommand {
  /** The command name without its path, or null when a variable names it. */
  name: string | null;
  args: Word[];
  /** How it is reached when not directly: "under `xargs`", "in deploy/setup.sh", ... */
  via: string | null;
}

/** Something that runs but cannot be read (a script outside the build context, `eval $X`). */
export interface Opaque {
  why: string;
}

export interface Ctx {
  model: DockerfileModel;
  check: CheckContext;
  runs: Map<number, RunInfo>;
  finals: Set<number>;
  out: Finding[];
  /** The .dockerignore in force (read on first use). */
  ignore?: IgnoreFile;
  /** readers.ts: the context file at a path (findContextFile), by the context copies before
   * the step and the path asked (with the working directory). */
  files?: Map<readonly number[], Map<string, string | null>>;
  /** readers.ts: what each later step runs (stepSeen), by instruction. */
  steps?: Map<number, { seen: SeenCommand[]; opaque: Opaque[] } | null>;
  /** image-files.ts: what it works out once per check (its ImageMemo; typed there, which
   * imports this module). */
  imageMemo?: object;
}

export function cleanupApplicability(c: Ctx, instr: Instruction): Applicability {
  return c.finals.has(instr.stage) ? 'safe' : 'review';
}

/**
 * The note of a cleanup in a stage the final image does not build on: it still shrinks the image
 * of a `--target` build of that stage (docker compose `build.target`) or of a stage built on it.
 */
export function builderNote(c: Ctx, instr: Instruction): { note?: string } {
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

export function fix(c: Ctx, ...args: Parameters<typeof finding>): void {
  c.out.push(finding(...args));
}

/** The fix `fix` reports, not reported. */
export function finding(
  kind: string,
  instr: Instruction,
  message: string,
  edits: Edit[],
  applicability: Applicability,
  extra: Partial<Fix> = {},
): Fix {
  return { ruleId: rule(kind), message, applicability, at: instr.span.start, edits, ...extra };
}

export function skipped(c: Ctx, kind: string, at: number, reason: string): void {
  c.out.push(skipFinding(kind, at, reason));
}

/** The skip `skipped` reports, not reported. */
export function skipFinding(kind: string, at: number, reason: string): Skipped {
  return { ruleId: rule(kind), reason, at };
}

/** The image the instruction's stage chain starts from (FROM <stage> followed), or null. */
export function rootImage(model: DockerfileModel, instr: Instruction): string | null {
  const root = stageChain(model, instr.index)[0]?.stage;
  return root ? (root.resolvedImage ?? root.image) : null;
}

export function flagsText(model: DockerfileModel, instr: Instruction): string {
  return instr.flags.map((f) => model.text.slice(f.span.start, f.span.end)).join(' ');
}

export function lineNo(model: DockerfileModel, instr: Instruction): number {
  return instr.line + 1;
}

/**
 * The RUNs after `instr` in its stage and the stages built on it, in order, leaving out the
 * stages the caller adds to `done` (where a later update fetched everything afresh).
 */
export function* laterRuns(c: Ctx, instr: Instruction, done: Set<number>): Generator<RunInfo> {
  const stages = descendants(c.model, instr.stage);
  for (const other of c.model.instructions) {
    if (other.index <= instr.index || !stages.has(other.stage) || done.has(other.stage)) continue;
    const info = c.runs.get(other.index);
    if (info) yield info;
  }
}

export function showDir(dir: string): string {
  return inImageWorkdir(dir) ? 'the working directory' : dir;
}

export { stageChain };
