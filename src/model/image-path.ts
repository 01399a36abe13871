/**
 * Paths inside the image being built: the working directory an instruction runs in, also when
 * the Dockerfile only sets relative WORKDIRs over the base image's default folder (unknown
 * here, so a placeholder stands for it).
 */
import { normalizePosix } from './dockerfile.js';
import { stageChain } from './stages.js';
import type { DockerfileModel, Instruction } from './types.js';

/** Stand-in for the base image's working directory when the Dockerfile sets no absolute one. */
export const IMAGE_WD = '/\u0000image-workdir';

/** True for a path under the IMAGE_WD placeholder. */
export function inImageWorkdir(p: string): boolean {
  return p.startsWith(IMAGE_WD);
}

/** `rel` resolved against the image folder `dir` (kept under IMAGE_WD when `dir` is). */
export function joinImage(dir: string, rel: string): string {
  if (rel.startsWith('/')) return normalizePosix(rel);
  if (inImageWorkdir(dir))
    return IMAGE_WD + normalizePosix(`${dir.slice(IMAGE_WD.length)}/${rel}`).replace(/^\/$/, '');
  return normalizePosix(`${dir}/${rel}`);
}

/**
 * The working directory instruction `i` runs in: the model's when the WORKDIRs resolve to an
 * absolute folder, else the WORKDIRs of its stage and the stages it builds on over IMAGE_WD.
 * Null when a WORKDIR uses a variable.
 */
export function imageWorkdir(model: DockerfileModel, i: number): string | null {
  const wd = model.workdirAt(i);
  if (wd !== null) return wd;
  const chain: Instruction[] = [];
  for (const { stage, upTo } of stageChain(model, i))
    for (let j = stage.first + 1; j <= Math.min(stage.last, upTo - 1); j++)
      if (model.instructions[j]!.keyword === 'WORKDIR') chain.push(model.instructions[j]!);
  let dir = IMAGE_WD;
  for (const w of chain) {
    const v = w.args.length === 1 ? w.args[0]!.value : null;
    if (v === null || v.includes('$')) return null;
    dir = joinImage(dir, v);
  }
  return dir;
}
