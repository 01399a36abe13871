/**
 * A static model of BuildKit's build cache (Docker 20.10, BuildKit 0.8): which steps an edit of a
 * context file re-runs, without Docker. Every rule, and each place where BuildKit differs from
 * the documentation, is in docs/cache-model.md. Built in phases: stages.ts (stages, target),
 * steps.ts (steps, labels, key inputs), keys.ts (cache keys, content addressing), rerun.ts (what
 * an edit re-runs); words.ts is BuildKit's word expansion, paths.ts its path matching.
 * `rerunOnEdit(path)` is the key-level answer (every instruction whose key changes, `maybe` steps
 * included); `rerun(path)` is what BuildKit shows.
 */
import type { BuildContext, DockerfileModel } from '../model/types.js';
import { ContextFiles } from './files.js';
import { CacheGraph } from './graph.js';
import { CacheKeys } from './keys.js';
import { rerunLevels } from './rerun.js';
import { planStages } from './stages.js';
import { buildSteps } from './steps.js';
import type { CacheModel, CacheModelOptions, Rerun } from './types.js';

export type {
  BuildkitLabel,
  CacheModel,
  CacheModelOptions,
  CacheStage,
  CacheStep,
  CopyInfo,
  Rerun,
  StepKind,
  StepSource,
} from './types.js';
export { TargetError } from './types.js';
export { parseWords, processWord, type WordOptions } from './words.js';
export { overlaps, sourceMatcher } from './paths.js';
export { writtenText } from './steps.js';
export { normalizeImage } from '../model/image-ref.js';

/** Build the cache model of a Dockerfile over a build context. */
export function buildCacheModel(
  model: DockerfileModel,
  ctx: BuildContext,
  options: CacheModelOptions = {},
): CacheModel {
  const files = new ContextFiles(ctx);
  const plan = planStages(model, options);
  const buildArgs = new Map(Object.entries(options.buildArgs ?? {}));
  const table = buildSteps(model, plan, files, buildArgs);
  const graph = new CacheGraph(plan, table, files);
  const keys = new CacheKeys(graph);
  const { steps, byInstruction } = table;
  steps.forEach((step, i) =>
    Object.defineProperty(step, 'key', { enumerable: true, get: () => keys.keyAt(i) }),
  );
  return {
    steps,
    stages: plan.stages,
    ignore: files.ignore,
    target: plan.target,
    stepOf: (i) => {
      const at = byInstruction.get(i);
      return at === undefined ? null : steps[at]!;
    },
    takes: (step, path) => graph.takes(step, path),
    rerunOnEdit: (path) => {
      const { level } = rerunLevels(graph, path);
      return steps.filter((_, i) => level[i]! > 0);
    },
    rerun: (path) => {
      const { level, cause, origin } = rerunLevels(graph, path);
      const out: Rerun[] = [];
      steps.forEach((step, i) => {
        if (level[i]! > 0 && step.buildkit && step.built)
          out.push({ step, certain: level[i] === 2, cause: cause[i]!, maybeFrom: origin[i]! });
      });
      return out;
    },
    contentKey: (stage, path) => {
      keys.ensure();
      return keys.contentKey(stage, path);
    },
  };
}
