/**
 * Phase 3 of the cache model: cache keys, stage by stage in dependency order (COPY --from may
 * name a later stage), computed on first use (they read every copied file; `rerun` does not
 * need them). `contentKey(stage, path)` hashes only what can write below `path` (content
 * addressing, docs/cache-model.md).
 */
import { sha } from './files.js';
import type { CacheGraph } from './graph.js';
import { mapThrough, overlaps, targetsOf } from './paths.js';
import type { CacheStep } from './types.js';

export class CacheKeys {
  private readonly keys: string[];
  private readonly done = new Set<number>();
  private readonly inProgress = new Set<number>();
  private ready = false;
  private readonly contentMemo = new Map<string, string>();

  constructor(private readonly g: CacheGraph) {
    this.keys = g.steps.map(() => '');
  }

  /** Compute every stage's keys (once). */
  ensure(): void {
    if (this.ready) return;
    this.ready = true;
    for (const s of this.g.stages) this.computeKeys(s.index);
  }

  /** The key of step number `i`. */
  keyAt(i: number): string {
    this.ensure();
    return this.keys[i]!;
  }

  private keyOf(step: CacheStep): string {
    return this.keys[this.g.at(step)]!;
  }

  /** Key of the bytes below `query` (absolute, may be a glob) in a stage's final filesystem. */
  contentKey(stage: number, query: string): string {
    const memo = `${stage}\u0000${query}`;
    const hit = this.contentMemo.get(memo);
    if (hit !== undefined) return hit;
    this.computeKeys(stage);
    const parts: unknown[] = [];
    for (const step of this.g.chainOf(stage)) this.contentParts(step, query, parts);
    const key = sha(parts);
    this.contentMemo.set(memo, key);
    return key;
  }

  /** What one step of a stage's chain contributes to the content key of `query`. */
  private contentParts(step: CacheStep, query: string, parts: unknown[]): void {
    const internal = this.g.internalOf(step);
    const { files } = this.g;
    if (step.kind === 'from') {
      if (this.g.stages[step.stage]!.base === null) parts.push(['image', this.keyOf(step)]);
    } else if (step.kind === 'run') parts.push(['run', this.keyOf(step)]);
    else if (step.kind === 'workdir') {
      if (overlaps(internal.workdir ?? null, query)) parts.push(['wd', internal.local]);
    } else if (step.kind === 'copy' && step.copy) {
      const c = step.copy;
      if (c.fromStage !== null) {
        c.stagePaths.forEach((src, i) => {
          if (src === null || c.dest === null) {
            parts.push([
              'from-own',
              i,
              internal.local,
              src === null ? null : this.contentKey(c.fromStage!, src),
            ]);
            return;
          }
          const m = mapThrough(src, c.dest, query);
          if (m) parts.push(['from', i, internal.local, this.contentKey(c.fromStage!, m.path)]);
        });
      } else {
        for (const { source, mount } of internal.ctxSources) {
          if (mount) continue;
          if (source.files === null) {
            parts.push(['copy-own', internal.local, source.raw]);
            continue;
          }
          for (const f of source.files) {
            const t = targetsOf(c.dest, source.path, f, internal.multi, (p) => files.isDir(p));
            if (t === null) parts.push(['copy-own', f, files.hashFile(f)]);
            else if (t.some((x) => overlaps(x, query))) parts.push([t, files.hashFile(f)]);
          }
        }
        if (c.dest === null || overlaps(c.dest, query)) parts.push(['copy', internal.local]);
      }
    } else if (step.kind === 'copy') parts.push(['copy', internal.local]);
  }

  private computeKeys(stage: number): void {
    if (this.done.has(stage) || this.inProgress.has(stage)) return;
    this.inProgress.add(stage);
    const { plan, table, files } = this.g;
    for (const d of plan.deps[stage]!) this.computeKeys(d);
    const s = plan.stages[stage]!;
    let parentKey = '';
    for (const at of s.steps) {
      const step = table.steps[at]!;
      const internal = table.internals[at]!;
      let key: string;
      if (step.kind === 'from') {
        if (s.base !== null) {
          const b = plan.stages[s.base]!;
          key = sha(['from-stage', b.steps.length ? this.keys[b.steps[b.steps.length - 1]!]! : '']);
        } else key = sha(['from', s.image]);
      } else if (step.kind === 'meta' || (step.kind === 'workdir' && !step.buildkit)) {
        key = sha(['meta', parentKey]);
      } else {
        const content = internal.ctxSources.map(({ source }) =>
          source.files === null
            ? [source.raw, null]
            : [source.path, source.files.map((f) => [f, files.hashFile(f)])],
        );
        const reads = internal.reads.map(([st, p]) =>
          p === null ? [st, null] : this.contentKey(st, p),
        );
        key = sha([parentKey, internal.local, content, reads]);
      }
      this.keys[at] = key;
      parentKey = key;
    }
    this.done.add(stage);
    this.inProgress.delete(stage);
  }
}
