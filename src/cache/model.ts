/**
 * A static model of Docker's build cache (BuildKit's rules, simplified): every step's cache key
 * is derived from its parent step's key, the instruction text with the ARG/ENV values it sees,
 * and, for COPY/ADD from the context (and `RUN --mount=type=bind` of the context), the content of
 * the context files its sources match after `.dockerignore`. `COPY --from`, `RUN --mount=from=`
 * and `FROM <stage>` add an edge to the other stage's last step.
 *
 * Two ways to ask "what does an edit re-run":
 * - `rerunOnEdit(path)`: graph reachability from the steps that take `path` (no file contents
 *   needed; works without a context on disk as long as sources resolve);
 * - compare `key`s of two models built over contexts that differ in one file (what the tests do
 *   to prove the reachability answer).
 *
 * Simplifications (documented for the `explain` command of issue 8): every instruction is a
 * step (BuildKit folds metadata-only instructions into the image config, so they never show as
 * "not CACHED"; use `kind === 'meta'` to leave them out); every visible ARG/ENV is part of a
 * RUN's key (BuildKit only includes ARGs that are used or set in the environment: it can only
 * re-run more steps than BuildKit, never fewer); `ADD <url>` and `ADD <git>` are treated as
 * always cached.
 */
import { createHash } from 'node:crypto';
import { cleanRelative } from '../context.js';
import {
  copySpec,
  globToRegExp,
  hasGlob,
  isWholeContext,
  matchSource,
  sourceValue,
} from '../copy.js';
import { loadIgnore, type IgnoreFile } from '../ignore.js';
import type { BuildContext, DockerfileModel, Instruction } from '../types.js';

export type StepKind = 'from' | 'run' | 'copy' | 'meta';

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

export interface CacheStep {
  /** Instruction index in the model. */
  instruction: number;
  stage: number;
  keyword: string;
  kind: StepKind;
  /** Instruction index of the parent step (null for `FROM <image>`). */
  parent: number | null;
  /** The instruction's arguments with variables expanded (the raw logical text when a variable
   * has no known value). */
  text: string;
  /** ARG/ENV visible to the step (sorted by name); part of the key of every step. */
  vars: [string, string | null][];
  /** Context inputs (COPY/ADD without --from, RUN bind mounts of the context). */
  sources: StepSource[];
  /** Other stages it reads (`COPY --from`, `FROM <stage>`, `--mount=from=<stage>`). */
  stageEdges: number[];
  /** sha256 of every input above (parent key included). */
  key: string;
}

export interface CacheStage {
  index: number;
  name: string | null;
  /** Indices into `CacheModel.steps`, in order (the FROM first). */
  steps: number[];
}

export interface CacheModel {
  steps: CacheStep[];
  stages: CacheStage[];
  ignore: IgnoreFile;
  /** The step of an instruction index, or null (ARG before FROM, or none). */
  stepOf(instruction: number): CacheStep | null;
  /** True when the step reads the context file `path` directly. */
  takes(step: CacheStep, path: string): boolean;
  /** Steps whose cache is invalidated when the context file `path` changes, in order. */
  rerunOnEdit(path: string): CacheStep[];
}

export interface CacheModelOptions {
  /** `--build-arg` values (override ARG defaults in the key). */
  buildArgs?: Record<string, string>;
}

const META = new Set([
  'ENV',
  'ARG',
  'WORKDIR',
  'USER',
  'LABEL',
  'EXPOSE',
  'CMD',
  'ENTRYPOINT',
  'VOLUME',
  'STOPSIGNAL',
  'HEALTHCHECK',
  'SHELL',
  'ONBUILD',
  'MAINTAINER',
]);

function sha(parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/** A matcher for one cleaned source path (`''` = everything): the path itself, anything under
 * it, or (for a glob) anything matching it or under a match. */
export function sourceMatcher(source: string): (path: string) => boolean {
  if (source === '') return () => true;
  if (hasGlob(source)) {
    const re = globToRegExp(source);
    return (p) => {
      const parts = p.split('/');
      for (let i = 1; i <= parts.length; i++) if (re.test(parts.slice(0, i).join('/'))) return true;
      return false;
    };
  }
  return (p) => p === source || p.startsWith(source + '/');
}

function stageIndex(model: DockerfileModel, ref: string, before: number): number | null {
  const byName = model.stages.find(
    (s) => s.index < before && s.name !== null && s.name.toLowerCase() === ref.toLowerCase(),
  );
  if (byName) return byName.index;
  if (/^\d+$/.test(ref) && Number(ref) < before) return Number(ref);
  return null;
}

/** Build the cache model of a Dockerfile over a build context. */
export function buildCacheModel(
  model: DockerfileModel,
  ctx: BuildContext,
  options: CacheModelOptions = {},
): CacheModel {
  const ignore = loadIgnore(ctx);
  const steps: CacheStep[] = [];
  const byInstruction = new Map<number, number>();
  const stages: CacheStage[] = model.stages.map((s) => ({
    index: s.index,
    name: s.name,
    steps: [],
  }));
  const fileHash = new Map<string, string>();
  const sizes = new Map<string, number>();
  if (ctx.available) for (const e of ctx.walk()) if (!e.isDirectory) sizes.set(e.path, e.size);
  const hashFile = (p: string): string => {
    let h = fileHash.get(p);
    if (h === undefined) {
      const content = ctx.readFile(p);
      h = sha([content ?? `<binary ${sizes.get(p) ?? 0}>`]);
      fileHash.set(p, h);
    }
    return h;
  };
  const resolveSource = (raw: string, instr: Instruction, value: string | null): StepSource => {
    const expanded = value ?? model.expand(raw, instr.index);
    const path = expanded === null ? null : cleanRelative(expanded);
    let files: string[] | null = null;
    if (path !== null && ctx.available) {
      files = (matchSource(ctx, path) ?? []).filter((f) => !ignore.ignores(f)).sort();
    }
    return { raw, path, files };
  };
  const lastKey = (stage: number): string => {
    const s = stages[stage];
    const last = s?.steps[s.steps.length - 1];
    return last === undefined ? '' : steps[last]!.key;
  };

  for (const instr of model.instructions) {
    if (instr.stage < 0) continue;
    const stage = model.stages[instr.stage]!;
    const cstage = stages[instr.stage]!;
    const vars = model.varsAt(instr.index);
    for (const [k, v] of Object.entries(options.buildArgs ?? {})) if (vars.has(k)) vars.set(k, v);
    const varList = [...vars.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1));
    const text = model.expand(instr.logical.text, instr.index) ?? instr.logical.text;
    const sources: StepSource[] = [];
    const stageEdges: number[] = [];
    let kind: StepKind;
    let parent: number | null = null;
    if (instr.keyword === 'FROM') {
      kind = 'from';
      if (stage.fromStage !== null) stageEdges.push(stage.fromStage);
    } else {
      const prev = cstage.steps[cstage.steps.length - 1];
      parent = prev === undefined ? null : steps[prev]!.instruction;
      if (instr.keyword === 'RUN') kind = 'run';
      else if (instr.keyword === 'COPY' || instr.keyword === 'ADD') kind = 'copy';
      else kind = META.has(instr.keyword) ? 'meta' : 'run';
    }
    if (kind === 'copy') {
      const spec = copySpec(model, instr);
      if (spec && !spec.heredoc) {
        if (spec.from !== null) {
          const from = model.expand(spec.from, instr.index) ?? spec.from;
          const idx = stageIndex(model, from, instr.stage);
          if (idx !== null) stageEdges.push(idx);
        } else {
          for (const w of spec.sources) {
            const value = sourceValue(model, spec, w);
            if (value !== null && /^[a-z][a-z0-9+.-]*:\/\/|^git@/i.test(value)) continue;
            sources.push(resolveSource(w.raw, instr, value));
          }
        }
      }
    }
    if (kind === 'run') {
      for (const f of instr.flags) {
        if (f.name !== 'mount') continue;
        const type = f.options.type ?? 'bind';
        if (type !== 'bind') continue;
        const src = f.options.source ?? f.options.src ?? '.';
        if (f.options.from) {
          const idx = stageIndex(model, f.options.from, instr.stage);
          if (idx !== null) stageEdges.push(idx);
        } else sources.push(resolveSource(src, instr, null));
      }
    }
    const contentKeys = sources.map((s) =>
      s.files === null ? [s.raw, null] : [s.path, s.files.map((f) => [f, hashFile(f)])],
    );
    const key = sha([
      parent === null
        ? (stage.resolvedImage ?? stage.image)
        : steps[byInstruction.get(parent)!]!.key,
      instr.keyword,
      // An ARG's default only matters through the value later steps see (a build arg overrides it).
      instr.keyword === 'ARG' ? instr.args.map((a) => a.raw.split('=')[0]) : text,
      instr.flags.map((f) => [f.name, f.value]),
      varList,
      contentKeys,
      stageEdges.map(lastKey),
    ]);
    const step: CacheStep = {
      instruction: instr.index,
      stage: instr.stage,
      keyword: instr.keyword,
      kind,
      parent,
      text,
      vars: varList,
      sources,
      stageEdges,
      key,
    };
    byInstruction.set(instr.index, steps.length);
    cstage.steps.push(steps.length);
    steps.push(step);
  }

  const takes = (step: CacheStep, path: string): boolean => {
    const clean = cleanRelative(path);
    if (clean === null || ignore.ignores(clean)) return false;
    return step.sources.some((s) => {
      if (s.files !== null)
        return (
          s.files.includes(clean) ||
          (!ctx.exists(clean) && s.path !== null && sourceMatcher(s.path)(clean))
        );
      return s.path !== null && sourceMatcher(s.path)(clean);
    });
  };

  const rerunOnEdit = (path: string): CacheStep[] => {
    const dirty = new Set<number>();
    const stageDirty = (i: number) => {
      const s = stages[i]!;
      return s.steps.some((x) => dirty.has(steps[x]!.instruction));
    };
    for (const step of steps) {
      if (
        takes(step, path) ||
        (step.parent !== null && dirty.has(step.parent)) ||
        step.stageEdges.some(stageDirty)
      )
        dirty.add(step.instruction);
    }
    return steps.filter((s) => dirty.has(s.instruction));
  };

  return {
    steps,
    stages,
    ignore,
    stepOf: (i) => {
      const at = byInstruction.get(i);
      return at === undefined ? null : steps[at]!;
    },
    takes,
    rerunOnEdit,
  };
}
