/** The cache model's types (docs/cache-model.md): steps, stages, BuildKit labels, re-runs, and the
 * per-step state the phases share. */
import type { IgnoreFile } from '../context/ignore.js';

export type StepKind = 'from' | 'run' | 'copy' | 'workdir' | 'meta';

/** A context input of a step: a COPY/ADD source, or a bind mount's source. */
export interface StepSource {
  /** The source as written. */
  raw: string;
  /** Expanded, context-relative (`''` = the whole context), or null when unresolvable. */
  path: string | null;
  /** Context files it takes after `.dockerignore` (sorted), or null without a context / when
   * unresolvable. */
  files: string[] | null;
}

/** How BuildKit names a step in `--progress=plain` output: `#N [deps 2/4] COPY req.txt .`. */
export interface BuildkitLabel {
  /** The stage as printed: '' (single-stage build), the stage name lower-cased, or `stage-K`. */
  stage: string;
  /** 1-based position among the stage's steps (FROM <image> is 1). */
  index: number;
  /** The stage's step count n. */
  total: number;
  /** The text inside the brackets: `deps 2/4`, `2/6`, ` 2/10` (index padded to n's width). */
  label: string;
  /** `[deps 2/4]`: what the progress line shows after `#N `. */
  prefix: string;
  /** The whole vertex name (`[deps 2/4] RUN pip install -r requirements.txt`), with variables
   * expanded as BuildKit does; best effort for variables of the base image. */
  name: string;
}

/** A COPY/ADD destination and sources, resolved (internal to the model, exposed for tests). */
export interface CopyInfo {
  /** Stage index of `--from=<stage>`, or null. */
  fromStage: number | null;
  /** `--from=<image>` (not a stage): constant content. */
  fromImage: string | null;
  /** Absolute destination (a trailing `/` kept), or null when unresolvable. */
  dest: string | null;
  /** For `--from=<stage>`: absolute source paths in that stage (null when unresolvable). */
  stagePaths: (string | null)[];
}

export interface CacheStep {
  /** Instruction index in the model. */
  instruction: number;
  stage: number;
  keyword: string;
  kind: StepKind;
  /** Instruction index of the previous instruction of the stage (null for FROM). */
  parent: number | null;
  /** The instruction's arguments with variables expanded (the raw logical text when a variable
   * has no known value). */
  text: string;
  /** The environment BuildKit gives a RUN here (ENV and ARG values, sorted by name); part of the
   * key of RUN steps only. */
  vars: [string, string | null][];
  /** Context inputs (COPY/ADD without --from, RUN bind mounts of the context). */
  sources: StepSource[];
  /** Other stages it reads (`COPY --from`, `FROM <stage>`, `--mount=from=<stage>`). */
  stageEdges: number[];
  /** sha256 of every input (parent key included). */
  key: string;
  /** BuildKit's label, or null when this instruction is no BuildKit step (metadata-only,
   * `FROM <stage>`, `FROM scratch`, `WORKDIR /`). */
  buildkit: BuildkitLabel | null;
  /** The stage is built (the target or a stage it needs). */
  built: boolean;
  /** COPY/ADD only. */
  copy?: CopyInfo;
}

export interface CacheStage {
  index: number;
  name: string | null;
  /** Indices into `CacheModel.steps`, in order (the FROM first). */
  steps: number[];
  /** BuildKit builds it (the target stage or one it depends on). */
  built: boolean;
  /** The stage as BuildKit prints it ('' in a single-stage build). */
  display: string;
  /** Its step count n. */
  total: number;
  /** The stage it is built FROM, or null for an image / scratch. */
  base: number | null;
  /** The base image (global ARGs expanded), or null for a stage. */
  image: string | null;
}

/** A step an edit re-runs. */
export interface Rerun {
  step: CacheStep;
  /** False: re-runs only if the files it copies from another stage come out different. */
  certain: boolean;
  /** `input`: it reads the edited file; `parent`: an earlier step of its chain re-runs;
   * `stage`: it reads another stage whose files change. */
  cause: 'input' | 'parent' | 'stage';
  /** For a `maybe` re-run: the stage whose output decides it. */
  maybeFrom: number | null;
}

export interface CacheModel {
  steps: CacheStep[];
  stages: CacheStage[];
  ignore: IgnoreFile;
  /** The stage BuildKit builds (the target, or the last stage). */
  target: number;
  /** The step of an instruction index, or null (ARG before FROM, or none). */
  stepOf(instruction: number): CacheStep | null;
  /** True when the step reads the context file `path` directly. */
  takes(step: CacheStep, path: string): boolean;
  /** Instructions whose key changes when the context file `path` changes (every stage, metadata
   * instructions included; `maybe` re-runs included), in order. */
  rerunOnEdit(path: string): CacheStep[];
  /** The BuildKit steps of built stages that an edit of `path` re-runs, in order. */
  rerun(path: string): Rerun[];
  /** Key of the bytes below `path` (absolute, may be a glob) in a stage's final filesystem. */
  contentKey(stage: number, path: string): string;
}

export interface CacheModelOptions {
  /** `--build-arg` values (override ARG defaults). */
  buildArgs?: Record<string, string>;
  /** `--target`: the stage to build (default: the last). Unknown names throw. */
  target?: string;
}

/** An unknown `--target`. */
export class TargetError extends Error {}

/** Instructions that are BuildKit steps (besides FROM <image>). */
export const REAL = new Set(['RUN', 'COPY', 'ADD', 'WORKDIR']);

/** ENV, shell, user and working directory as a stage's instructions change them. */
export interface StageState {
  env: Map<string, string>;
  shell: string[];
  user: string | null;
  /** Absolute, or null for the base image's (unknown) working directory. */
  workdir: string | null;
}

/** What the key and re-run phases need of a step besides the public CacheStep. */
export interface Internal {
  /** RUN/COPY: own inputs besides the parent (for keys). */
  local: unknown;
  /** Context sources with their resolved info, per source (parallel to step.sources). */
  ctxSources: { source: StepSource; mount: boolean }[];
  /** COPY --from / mount from: [stage, absolute path] read. */
  reads: [number, string | null][];
  /** WORKDIR: resolved path (null: unknown). */
  workdir?: string | null;
  /** Number of COPY sources (destination is a directory when > 1). */
  multi: boolean;
}
