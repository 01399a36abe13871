/**
 * What a Dockerfile takes from the build context: COPY/ADD sources (no `--from`), bind-mount
 * sources of RUN, whole-context copies, and the RUN texts the rules look at. The needed-file
 * check of every rule starts here. See docs/rules/dockerignore.md ("Fix safety").
 */
import { cleanRelative } from '../../src/context/context.js';
import { copySpec, isWholeContext, sourceValue } from '../../src/toolkit/copy.js';
import type { DockerfileModel, Instruction } from '../../src/model/types.js';
import { memoCounters } from './memo.js';
import type { RunSteps, Usage } from './model.js';

export function lineOf(model: DockerfileModel, at: number): number {
  return model.lineOf(at) + 1;
}

/** COPY/ADD (no --from) and bind-mount sources of one Dockerfile (its RUN steps are not
 * listed here: `runStepsOf`, asked by the few analyses that get that far). */
export function usageOf(model: DockerfileModel): Usage {
  const usage: Usage = { whole: null, sources: [], unresolved: null, steps: null };
  for (const instr of model.instructions) {
    // (only RUN, COPY and ADD take anything from the context: no copy spec asked of the others)
    const kw = instr.keyword;
    if (kw !== 'RUN' && kw !== 'COPY' && kw !== 'ADD') continue;
    // (no closure per instruction: `addSource` takes what it needs)
    if (kw === 'RUN') {
      for (const f of instr.flags) {
        if (f.name !== 'mount') continue;
        const o = f.options;
        if ((o.type ?? 'bind') !== 'bind' || o.from) continue;
        const src = o.source ?? o.src ?? '.';
        addSource(usage, model, instr, model.expand(src, instr.index), src);
      }
      continue;
    }
    const spec = copySpec(model, instr);
    if (!spec || spec.from !== null || spec.heredoc) continue;
    for (const w of spec.sources)
      addSource(usage, model, instr, sourceValue(model, spec, w), w.raw);
  }
  return usage;
}

/** The RUN steps of `model` (see RunSteps): `usage.steps` of its usage, made once. */
export function runStepsOf(model: DockerfileModel, usage: Usage): RunSteps {
  if (usage.steps !== null) return usage.steps;
  memoCounters.steps++;
  const steps: RunSteps = { runText: '', runs: [] };
  for (const instr of model.instructions) {
    if (instr.keyword !== 'RUN') continue;
    const at = instr.span.start;
    steps.runText += instr.logical.text + '\n';
    steps.runs.push({ at, line: lineOf(model, at), text: instr.logical.text });
  }
  return (usage.steps = steps);
}

/** Adds what instruction `instr` takes from the context by `value` (null: unresolved) to
 * `usage`. */
function addSource(
  usage: Usage,
  model: DockerfileModel,
  instr: Instruction,
  value: string | null,
  raw: string,
): void {
  const at = instr.span.start;
  if (value === null) {
    usage.unresolved ??= { at, raw };
    return;
  }
  // (a URL holds `://`: the regular expression only for such a value)
  if ((value.includes('://') && /^[a-z][a-z0-9+.-]*:\/\//i.test(value)) || value.startsWith('git@'))
    return;
  if (isWholeContext(value)) {
    usage.whole ??= {
      at,
      line: lineOf(model, at),
      text: firstLine(model.text, at, instr.span.end),
    };
    return;
  }
  const clean = cleanRelative(value);
  if (clean === null || clean === '') {
    if (clean === '')
      usage.whole ??= {
        at,
        line: lineOf(model, at),
        text: firstLine(model.text, at, instr.span.end),
      };
    return;
  }
  // (the instruction's first line, shared by its sources)
  const last = usage.sources[usage.sources.length - 1];
  const text = last?.at === at ? last.instr : firstLine(model.text, at, instr.span.end);
  usage.sources.push({ path: clean, line: lineOf(model, at), at, instr: text });
}

/** `text.slice(start, end).split(/\r?\n/)[0]`, without the split. */
function firstLine(text: string, start: number, end: number): string {
  const nl = text.indexOf('\n', start);
  if (nl < 0 || nl >= end) return text.slice(start, end);
  return text.slice(start, nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl);
}

export function isDockerfileName(name: string): boolean {
  // (a name that starts with neither `D` nor `C` and does not end in `e` or `E` matches neither
  // regexp: one character test each, no regexp, for most names of a context)
  const first = name.charCodeAt(0);
  const last = name.charCodeAt(name.length - 1);
  if (first !== 68 /* D */ && first !== 67 /* C */ && last !== 101 /* e */ && last !== 69 /* E */)
    return false;
  return (
    (/^(Dockerfile|Containerfile)(\..+)?$/.test(name) ||
      /\.(Dockerfile|Containerfile)$/i.test(name)) &&
    !name.endsWith('.dockerignore')
  );
}
