/**
 * Phase 2 of the cache model: one CacheStep per instruction, in file order, with BuildKit's label
 * and the inputs of its key. Per-stage state (env, shell, user, workdir) walks with the steps; a
 * stage built FROM another starts from that stage's final state (a base stage is always earlier).
 */
import { buildLogical, normalizePosix } from '../model/dockerfile.js';
import { normalizeImage } from '../model/image-ref.js';
import type { DockerfileModel, Instruction } from '../model/types.js';
import { copySpec } from '../toolkit/copy.js';
import type { ContextFiles } from './files.js';
import { stageRef, type StagePlan } from './stages.js';
import {
  REAL,
  type BuildkitLabel,
  type CacheStage,
  type CacheStep,
  type CopyInfo,
  type Internal,
  type StageState,
  type StepKind,
  type StepSource,
} from './types.js';
import { argPairs, envPairs, processWord, type WordOptions } from './words.js';

export interface StepTable {
  steps: CacheStep[];
  /** Parallel to `steps`. */
  internals: Internal[];
  /** Instruction index -> index into `steps`. */
  byInstruction: Map<number, number>;
}

/** What one instruction contributes besides the common fields. */
interface Made {
  kind: StepKind;
  real: boolean;
  copy?: CopyInfo;
}

/** One step being made: its key inputs, context sources and stage edges. */
interface Draft {
  instr: Instruction;
  internal: Internal;
  sources: StepSource[];
  stageEdges: number[];
}

const freshState = (): StageState => ({
  env: new Map(),
  shell: ['/bin/sh', '-c'],
  user: null,
  workdir: null,
});

function cloneState(s: StageState): StageState {
  return { env: new Map(s.env), shell: [...s.shell], user: s.user, workdir: s.workdir };
}

const byName = (a: [string, unknown], b: [string, unknown]) =>
  a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;

class StepBuilder {
  readonly table: StepTable = { steps: [], internals: [], byInstruction: new Map() };
  private readonly finalState: StageState[] = [];
  private state: StageState = freshState();
  private counter = 0;
  private readonly esc: string;

  constructor(
    private readonly model: DockerfileModel,
    private readonly plan: StagePlan,
    private readonly files: ContextFiles,
    private readonly buildArgs: Map<string, string>,
  ) {
    this.esc = model.escapeChar;
  }

  private word(raw: string, opts: WordOptions = {}) {
    return processWord(raw, this.state.env, { escape: this.esc, ...opts });
  }

  private expandKnown(raw: string): string | null {
    const r = this.word(raw);
    return r === null || r.unresolved ? null : r.value;
  }

  /** The instruction's argument text with variables expanded as BuildKit leaves them. */
  private lenient(text: string): string {
    return this.word(text, { skipUnset: true })?.value ?? text;
  }

  add(instr: Instruction): void {
    const { steps, internals, byInstruction } = this.table;
    const cstage = this.plan.stages[instr.stage]!;
    if (instr.keyword === 'FROM') this.enterStage(cstage);
    const draft: Draft = {
      instr,
      internal: { local: null, ctxSources: [], reads: [], multi: false },
      sources: [],
      stageEdges: [],
    };
    const envBefore = new Map(this.state.env);
    const prev = cstage.steps[cstage.steps.length - 1];
    const parent = instr.keyword === 'FROM' || prev === undefined ? null : steps[prev]!.instruction;
    const made = this.instruction(draft, cstage);
    const step: CacheStep = {
      instruction: instr.index,
      stage: instr.stage,
      keyword: instr.keyword,
      kind: made.kind,
      parent,
      text: this.model.expand(instr.logical.text, instr.index) ?? instr.logical.text,
      vars: [...this.state.env.entries()].sort(byName),
      sources: draft.sources,
      stageEdges: draft.stageEdges,
      key: '',
      buildkit: made.real ? this.label(instr, cstage, envBefore) : null,
      built: cstage.built,
      ...(made.copy ? { copy: made.copy } : {}),
    };
    if (made.kind === 'run') step.vars = [...envBefore.entries()].sort(byName);
    byInstruction.set(instr.index, steps.length);
    cstage.steps.push(steps.length);
    steps.push(step);
    internals.push(draft.internal);
    this.finalState[instr.stage] = this.state;
  }

  private enterStage(cstage: CacheStage): void {
    const base = cstage.base;
    this.state =
      base !== null && this.finalState[base] ? cloneState(this.finalState[base]!) : freshState();
    this.counter = 0;
    cstage.total =
      (cstage.base === null && cstage.image !== 'scratch' ? 1 : 0) +
      this.model.instructions.filter((i) => i.stage === cstage.index && REAL.has(i.keyword)).length;
  }

  private instruction(draft: Draft, cstage: CacheStage): Made {
    const { instr } = draft;
    const { state } = this;
    switch (instr.keyword) {
      case 'FROM':
        if (cstage.base !== null) draft.stageEdges.push(cstage.base);
        return { kind: 'from', real: cstage.base === null && cstage.image !== 'scratch' };
      case 'ARG':
        this.arg(instr);
        break;
      case 'ENV': {
        const pairs = envPairs(instr.logical.text, this.esc);
        const values = pairs.map(([, raw]) => this.lenient(raw));
        pairs.forEach(([k], i) => state.env.set(k, values[i]!));
        break;
      }
      case 'USER':
        state.user = this.lenient(instr.logical.text.trim());
        break;
      case 'SHELL':
        if (instr.json) state.shell = instr.json;
        break;
      case 'WORKDIR':
        return this.workdir(draft);
      case 'RUN':
        return this.run(draft);
      case 'COPY':
      case 'ADD':
        return this.copy(draft);
    }
    return { kind: 'meta', real: false };
  }

  private arg(instr: Instruction): void {
    const { globals } = this.plan;
    for (const [k, raw] of argPairs(instr.logical.text, this.esc)) {
      let value: string | null = null;
      if (this.buildArgs.has(k)) value = this.buildArgs.get(k)!;
      else if (raw !== null) value = this.lenient(raw);
      else if (globals.has(k)) value = globals.get(k)!;
      if (value !== null) this.state.env.set(k, value);
    }
  }

  private workdir({ instr, internal }: Draft): Made {
    const { state } = this;
    const raw = this.lenient(instr.logical.text.trim());
    let wd: string | null;
    if (raw.startsWith('/')) wd = normalizePosix(raw);
    else wd = state.workdir === null ? null : normalizePosix(`${state.workdir}/${raw}`);
    state.workdir = wd;
    internal.workdir = wd;
    internal.local = ['WORKDIR', wd ?? `<image workdir>/${raw}`, state.user];
    return { kind: 'workdir', real: wd !== '/' };
  }

  private run({ instr, internal, sources, stageEdges }: Draft): Made {
    const { state } = this;
    const mounts: unknown[] = [];
    for (const f of instr.flags) {
      if (f.name !== 'mount') continue;
      const type = f.options.type ?? 'bind';
      mounts.push(Object.entries(f.options).sort());
      if (type !== 'bind') continue;
      const src = f.options.source ?? f.options.src ?? '.';
      if (f.options.from) {
        const idx = stageRef(this.model, this.plan.names, f.options.from, false);
        if (idx !== null) {
          stageEdges.push(idx);
          internal.reads.push([idx, normalizePosix('/' + src)]);
        }
      } else {
        const s = this.files.resolveSource(src, src);
        sources.push(s);
        internal.ctxSources.push({ source: s, mount: true });
      }
    }
    internal.local = [
      'RUN',
      instr.json ?? [...state.shell, instr.logical.text, ...instr.heredocs.map((h) => h.content)],
      [...state.env],
      state.workdir,
      state.user,
      instr.flags.filter((f) => f.name !== 'mount').map((f) => [f.name, f.value]),
      mounts,
    ];
    return { kind: 'run', real: true };
  }

  /** The absolute destination of a COPY (a trailing `/` kept for a folder), or null. */
  private destination(destWord: string | null): string | null {
    if (destWord === null) return null;
    const dirForm = destWord === '.' || destWord === '' || destWord.endsWith('/');
    const wd = this.state.workdir;
    let abs: string | null;
    if (destWord.startsWith('/')) abs = normalizePosix(destWord);
    else abs = wd === null ? null : normalizePosix(`${wd}/${destWord}`);
    return abs === null ? null : dirForm && abs !== '/' ? abs + '/' : abs;
  }

  private copy({ instr, internal, sources, stageEdges }: Draft): Made {
    const spec = copySpec(this.model, instr);
    if (!spec || spec.heredoc) {
      internal.local = [instr.keyword, instr.logical.text];
      return { kind: 'copy', real: true };
    }
    const rawDest = spec.dest.value ?? spec.dest.raw;
    const dest = this.destination(
      instr.json ? this.expandKnown(rawDest) : this.expandKnown(spec.dest.raw),
    );
    const from = spec.from;
    const fromStage = from === null ? null : stageRef(this.model, this.plan.names, from, true);
    const copy: CopyInfo = {
      fromStage,
      fromImage: from !== null && fromStage === null ? from : null,
      dest,
      stagePaths: [],
    };
    internal.multi = spec.sources.length > 1;
    const srcValues = spec.sources.map((w) =>
      instr.json ? this.expandKnown(w.value ?? w.raw) : this.expandKnown(w.raw),
    );
    if (fromStage !== null) {
      stageEdges.push(fromStage);
      for (const v of srcValues) {
        const p = v === null ? null : normalizePosix('/' + v);
        copy.stagePaths.push(p);
        internal.reads.push([fromStage, p]);
      }
    } else if (from === null) {
      spec.sources.forEach((w, i) => {
        const v = srcValues[i]!;
        if (v !== null && /^[a-z][a-z0-9+.-]*:\/\/|^git@/i.test(v)) return;
        const s = this.files.resolveSource(w.raw, v);
        sources.push(s);
        internal.ctxSources.push({ source: s, mount: false });
      });
    }
    internal.local = [
      instr.keyword,
      srcValues,
      dest ?? `<unresolved>${rawDest}`,
      instr.flags.map((f) => [f.name, f.value]),
    ];
    return { kind: 'copy', real: true, copy };
  }

  /** BuildKit's `[stage i/n] NAME` for a real step. */
  private label(
    instr: Instruction,
    cstage: CacheStage,
    envBefore: Map<string, string>,
  ): BuildkitLabel {
    this.counter++;
    const width = String(cstage.total).length;
    const label = `${cstage.display ? cstage.display + ' ' : ''}${String(this.counter).padStart(width)}/${cstage.total}`;
    const shown =
      instr.keyword === 'FROM'
        ? `FROM ${normalizeImage(cstage.image!)}`
        : stepName(this.model, instr, envBefore, this.esc);
    return {
      stage: cstage.display,
      index: this.counter,
      total: cstage.total,
      label,
      prefix: `[${label}]`,
      name: `[${label}] ${shown}`,
    };
  }
}

/** Every instruction of every stage as a step (ARGs before the first FROM make none). */
export function buildSteps(
  model: DockerfileModel,
  plan: StagePlan,
  files: ContextFiles,
  buildArgs: Map<string, string>,
): StepTable {
  const builder = new StepBuilder(model, plan, files, buildArgs);
  for (const instr of model.instructions) if (instr.stage >= 0) builder.add(instr);
  return builder.table;
}

/** An instruction as written, continuations joined by BuildKit's rules; for a heredoc
 * instruction only its first line (what BuildKit prints as the step name). */
export function writtenText(model: DockerfileModel, instr: Instruction): string {
  const end = instr.heredocs.length
    ? model.lineStarts[instr.line + 1] !== undefined
      ? model.lineStarts[instr.line + 1]! - 1
      : instr.span.end
    : instr.span.end;
  return buildLogical(
    model.text,
    model.lineStarts,
    instr.span.start,
    end,
    model.escapeChar,
  ).text.replace(/\r$/, '');
}

/** The vertex name BuildKit gives a step: the instruction as written (continuations joined),
 * keyword upper-cased, variables expanded (RUN keeps quotes and unknown variables). */
function stepName(
  model: DockerfileModel,
  instr: Instruction,
  env: Map<string, string>,
  esc: string,
): string {
  const original = writtenText(model, instr);
  const sp = original.indexOf(' ');
  const upper =
    sp < 0 ? original.toUpperCase() : original.slice(0, sp).toUpperCase() + original.slice(sp);
  const isRun = instr.keyword === 'RUN';
  const r = processWord(upper, env, { rawQuotes: isRun, skipUnset: isRun, escape: esc });
  return r === null ? upper : r.value;
}
