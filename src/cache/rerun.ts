/**
 * Phase 4 of the cache model: which steps an edit of one context file re-runs. Per step a level
 * (0 cached, 1 maybe, 2 certain), its cause and, for a maybe, the stage whose output decides it.
 * A step reached only through files another stage *may* change is a maybe (content addressing,
 * docs/cache-model.md).
 */
import { cleanRelative } from '../context/context.js';
import type { CacheGraph } from './graph.js';
import { mapThrough, overlaps } from './paths.js';
import type { Rerun } from './types.js';

export interface RerunLevels {
  /** Per step (by index): -1 not reached, 0 cached, 1 maybe, 2 certain. */
  level: number[];
  cause: Rerun['cause'][];
  origin: (number | null)[];
}

class EditWalk {
  readonly out: RerunLevels;
  private readonly clean: string;
  private readonly edgeMemo = new Map<string, number>();
  private readonly done = new Set<number>();
  private readonly running = new Set<number>();

  constructor(
    private readonly g: CacheGraph,
    path: string,
  ) {
    this.clean = cleanRelative(path) ?? path;
    const steps = g.steps;
    this.out = {
      level: steps.map(() => -1),
      cause: steps.map(() => 'parent'),
      origin: steps.map(() => null),
    };
  }

  /** How surely the files at `query` in stage `stage`'s output change (0, 1 maybe, 2 certain). */
  edgeLevel(stage: number, query: string): number {
    const memo = `${stage}\u0000${query}`;
    const hit = this.edgeMemo.get(memo);
    if (hit !== undefined) return hit;
    this.runStage(stage);
    let lv = 0;
    for (const step of this.g.chainOf(stage)) {
      const st = this.out.level[this.g.at(step)]!;
      if (st <= 0) continue;
      if (step.kind === 'run') lv = 1;
      else if (step.kind === 'copy' && step.copy) {
        const c = step.copy;
        if (c.fromStage !== null) {
          c.stagePaths.forEach((src) => {
            if (src === null || c.dest === null) {
              if (src === null || this.edgeLevel(c.fromStage!, src) > 0) lv = Math.max(lv, 1);
              return;
            }
            const m = mapThrough(src, c.dest, query);
            if (!m) return;
            const l = this.edgeLevel(c.fromStage!, m.path);
            lv = Math.max(lv, m.exact ? l : Math.min(l, 1));
          });
        } else if (this.g.takes(step, this.clean)) {
          const t = this.g.landing(step, this.clean);
          if (t === null || t === undefined) lv = Math.max(lv, 1);
          else if (t.some((x) => overlaps(x, query))) lv = Math.max(lv, t.length === 1 ? 2 : 1);
        }
      }
    }
    this.edgeMemo.set(memo, lv);
    return lv;
  }

  runStage(stage: number): void {
    if (this.done.has(stage) || this.running.has(stage)) return;
    this.running.add(stage);
    const { plan, table } = this.g;
    const { level, cause, origin } = this.out;
    for (const d of plan.deps[stage]!) this.runStage(d);
    const s = plan.stages[stage]!;
    let prev = 0;
    let prevOrigin: number | null = null;
    for (const at of s.steps) {
      const step = table.steps[at]!;
      const internal = table.internals[at]!;
      let lv = prev;
      let from: number | null = prevOrigin;
      let why: Rerun['cause'] = 'parent';
      if (step.kind === 'from') {
        from = null;
        if (s.base !== null) {
          this.runStage(s.base);
          const b = plan.stages[s.base]!;
          const last = b.steps[b.steps.length - 1];
          lv = last === undefined ? 0 : Math.max(0, level[last]!);
          from = last === undefined ? null : origin[last]!;
        } else lv = 0;
      } else if (step.buildkit) {
        if (this.g.takes(step, this.clean)) {
          lv = 2;
          why = 'input';
        }
        for (const [st, p] of internal.reads) {
          const l = p === null ? 0 : this.edgeLevel(st, p);
          if (l > lv) {
            lv = l;
            why = 'stage';
            from = st;
          }
        }
      }
      level[at] = lv;
      cause[at] = why;
      origin[at] = lv === 1 ? from : null;
      prev = lv;
      prevOrigin = origin[at]!;
    }
    this.done.add(stage);
    this.running.delete(stage);
  }
}

/** The re-run level of every step for an edit of the context file `path`. */
export function rerunLevels(g: CacheGraph, path: string): RerunLevels {
  const walk = new EditWalk(g, path);
  for (const s of g.stages) walk.runStage(s.index);
  return walk.out;
}
