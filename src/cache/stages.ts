/** Phase 1 of the cache model: global ARGs, stages (base image or base stage), hidden stages and
 * dependencies, BuildKit's stage display names, the target and the stages it builds. */
import type { DockerfileModel } from '../model/types.js';
import { TargetError, type CacheModelOptions, type CacheStage } from './types.js';
import { argPairs, processWord } from './words.js';

export interface StagePlan {
  stages: CacheStage[];
  /** Stage index -> the stages it needs (FROM <stage>, COPY --from, RUN --mount=from). */
  deps: Set<number>[];
  target: number;
  /** Global ARGs (before the first FROM): value, or null without one. */
  globals: Map<string, string | null>;
  /** Lower-cased stage name -> index. */
  names: Map<string, number>;
}

/** A `--from`/`from=` reference: a stage by name (or by index where allowed), or null (image). */
export function stageRef(
  model: DockerfileModel,
  names: Map<string, number>,
  ref: string,
  allowIndex: boolean,
): number | null {
  const byName = names.get(ref.toLowerCase());
  if (byName !== undefined) return byName;
  if (allowIndex && /^\d+$/.test(ref) && Number(ref) < model.stages.length) return Number(ref);
  return null;
}

/** Global ARGs: usable in FROM lines and re-declared ARGs. */
function globalArgs(
  model: DockerfileModel,
  buildArgs: Map<string, string>,
): Map<string, string | null> {
  const esc = model.escapeChar;
  const globals = new Map<string, string | null>();
  for (const instr of model.instructions) {
    if (instr.stage >= 0) break;
    if (instr.keyword !== 'ARG') continue;
    for (const [k, raw] of argPairs(instr.logical.text, esc)) {
      const known = new Map([...globals].filter((e): e is [string, string] => e[1] !== null));
      const value = buildArgs.has(k)
        ? buildArgs.get(k)!
        : raw === null
          ? null
          : (processWord(raw, known, { escape: esc })?.value ?? raw);
      globals.set(k, value);
    }
  }
  return globals;
}

/** Hidden stages (COPY --from=<image>, cache mounts) and each stage's dependencies. */
function dependencies(
  model: DockerfileModel,
  names: Map<string, number>,
  count: number,
): { hidden: number; deps: Set<number>[] } {
  let hidden = 0;
  const deps = Array.from({ length: count }, () => new Set<number>());
  for (const instr of model.instructions) {
    if (instr.stage < 0) continue;
    if (instr.keyword === 'COPY' || instr.keyword === 'ADD') {
      const from = instr.flags.find((f) => f.name === 'from')?.value;
      if (from) {
        const idx = stageRef(model, names, from, true);
        if (idx === null) hidden++;
        else deps[instr.stage]!.add(idx);
      }
    } else if (instr.keyword === 'RUN') {
      for (const f of instr.flags) {
        if (f.name !== 'mount') continue;
        const type = f.options.type ?? 'bind';
        let from = f.options.from ?? '';
        if (!from && type === 'cache') from = 'scratch';
        if (!from || type === 'tmpfs') continue;
        const idx = stageRef(model, names, from, false);
        if (idx === null) hidden++;
        else deps[instr.stage]!.add(idx);
      }
    }
  }
  return { hidden, deps };
}

export function planStages(model: DockerfileModel, options: CacheModelOptions): StagePlan {
  const buildArgs = new Map(Object.entries(options.buildArgs ?? {}));
  const names = new Map<string, number>();
  for (const s of model.stages) if (s.name) names.set(s.name.toLowerCase(), s.index);
  const globals = globalArgs(model, buildArgs);
  const known = new Map([...globals].filter((e): e is [string, string] => e[1] !== null));

  // Base image or base stage (BuildKit matches the expanded name against earlier stages).
  const stages: CacheStage[] = model.stages.map((s) => {
    const image = processWord(s.image, known, { escape: model.escapeChar })?.value ?? s.image;
    const base = model.stages.find(
      (o) => o.index < s.index && o.name !== null && o.name.toLowerCase() === image,
    );
    return {
      index: s.index,
      name: s.name,
      steps: [],
      built: false,
      display: '',
      total: 0,
      base: base ? base.index : null,
      image: base ? null : image,
    };
  });

  const { hidden, deps } = dependencies(model, names, stages.length);
  const single = stages.length + hidden === 1;
  for (const s of stages) {
    s.display = single ? '' : s.name ? s.name.toLowerCase() : `stage-${s.index}`;
    if (s.base !== null) deps[s.index]!.add(s.base);
  }
  let target = stages.length - 1;
  if (options.target !== undefined) {
    const t = stages.find(
      (s) => s.name !== null && s.name.toLowerCase() === options.target!.toLowerCase(),
    );
    if (!t) throw new TargetError(`target stage "${options.target}" could not be found`);
    target = t.index;
  }
  const visit = (i: number) => {
    const s = stages[i];
    if (!s || s.built) return;
    s.built = true;
    for (const d of deps[i]!) visit(d);
  };
  visit(target);
  return { stages, deps, target, globals, names };
}
