/** The stages and steps of a cache model with the queries the key and re-run phases share:
 * a step's internals, a stage's chain of steps, which context file a step takes and where it
 * lands. */
import { cleanRelative } from '../context/context.js';
import { lineage } from '../model/stages.js';
import type { ContextFiles } from './files.js';
import { targetsOf } from './paths.js';
import type { StagePlan } from './stages.js';
import type { StepTable } from './steps.js';
import type { CacheStep, Internal } from './types.js';

export class CacheGraph {
  constructor(
    readonly plan: StagePlan,
    readonly table: StepTable,
    readonly files: ContextFiles,
  ) {}

  get stages() {
    return this.plan.stages;
  }

  get steps() {
    return this.table.steps;
  }

  /** Index into `steps` of a step. */
  at(step: CacheStep): number {
    return this.table.byInstruction.get(step.instruction)!;
  }

  internalOf(step: CacheStep): Internal {
    return this.table.internals[this.at(step)]!;
  }

  /** The steps whose results make up a stage's filesystem: its base stages' and its own. */
  chainOf(stage: number): CacheStep[] {
    return lineage(stage, (s) => this.stages[s]!.base)
      .reverse()
      .flatMap((s) => this.stages[s]!.steps.map((i) => this.steps[i]!));
  }

  /** True when the step reads the context file `path` directly. */
  takes(step: CacheStep, path: string): boolean {
    const clean = cleanRelative(path);
    if (clean === null || this.files.ignore.ignores(clean)) return false;
    return step.sources.some((s) => this.files.sourceTakes(s, clean));
  }

  /** Where a COPY puts a context file it takes (null: unresolvable), undefined when it does not
   * take it. */
  landing(step: CacheStep, file: string): string[] | null | undefined {
    const internal = this.internalOf(step);
    for (const { source, mount } of internal.ctxSources) {
      if (mount || !this.files.sourceTakes(source, file)) continue;
      return targetsOf(step.copy?.dest ?? null, source.path, file, internal.multi, (p) =>
        this.files.isDir(p),
      );
    }
    return undefined;
  }
}
