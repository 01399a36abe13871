/**
 * Stage chains: the stages a stage builds on (`FROM <stage>`), walked once here for the whole
 * tool (a cycle or a missing stage ends the walk).
 */
import type { DockerfileModel, Stage } from './types.js';

/** `start` and the stages it builds on, nearest first, following `baseOf` (null: an image). */
export function lineage(start: number, baseOf: (stage: number) => number | null): number[] {
  const out: number[] = [];
  let s: number | null = start;
  while (s !== null && s >= 0 && !out.includes(s)) {
    out.push(s);
    s = baseOf(s);
  }
  return out;
}

/** The model's stage `s` and the stages it builds on, nearest first. */
export function stageLineage(model: DockerfileModel, s: number): Stage[] {
  return lineage(s, (i) => model.stages[i]?.fromStage ?? null)
    .map((i) => model.stages[i])
    .filter((st): st is Stage => st !== undefined);
}

/** The stages instruction `i` builds on, oldest first, each with `upTo`: `i` for its own stage
 * (instructions before it count), no limit for the stages below. */
export function stageChain(model: DockerfileModel, i: number): { stage: Stage; upTo: number }[] {
  return stageLineage(model, model.instructions[i]!.stage)
    .map((stage, n) => ({ stage, upTo: n === 0 ? i : Number.MAX_SAFE_INTEGER }))
    .reverse();
}
