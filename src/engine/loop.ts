/**
 * The fixed-point engine: parse, run every transform, apply the non-overlapping fixes, re-parse,
 * repeat until no fix applies. Overlapping fixes wait for the next pass. A pass whose output does
 * not parse, or a run that never settles, is an internal error (nothing is written).
 */
import { parseDockerfile } from '../model/dockerfile.js';
import { BOM, lineOfOffset, computeLineStarts } from '../model/text.js';
import { OverlayContext } from '../context/context.js';
import { InputError, InternalError } from '../errors.js';
import {
  applyEdits,
  assertValidEdits,
  editHolding,
  indexEdits,
  mapBackIndexed,
  TakenEdits,
  type EditIndex,
} from './edit.js';
import type {
  DockerfileModel,
  Edit,
  Fix,
  Skipped,
  Transform,
  TransformOptions,
  BuildContext,
} from '../model/types.js';
import { isFix } from '../model/types.js';
import { transformIdOf } from '../model/rules.js';
import { readSuppressions, suppressedBy, unknownIgnored } from './suppress.js';

export const MAX_PASSES = 10;

export interface FixReport {
  ruleId: string;
  transform: string;
  message: string;
  applicability: Fix['applicability'];
  /** 1-based line in the original file. */
  line: number;
  applied: boolean;
  /** Files other than the Dockerfile this fix edits (context-relative). */
  files: string[];
  note?: string;
  data?: Record<string, unknown>;
}

export interface SuppressReport {
  ruleId: string;
  transform: string;
  message: string;
  line: number;
  /** The comment that suppressed it. */
  by: string;
}

export interface SkipReport {
  ruleId: string;
  transform: string;
  reason: string;
  line: number;
  /** See Skipped.info: JSON only. */
  info?: boolean;
}

export interface EngineInput {
  /** Original file text (may start with a BOM). */
  source: string;
  path: string;
  transforms: readonly Transform[];
  context: BuildContext;
  options: TransformOptions;
  unsafe: boolean;
  /** Keep only fixes whose rule id passes this filter. */
  ruleFilter?: (ruleId: string) => boolean;
  /** Why an id named by an `ignore=` comment names no rule (see model/rules.ts), or null; an
   * unknown id is an InputError. Default: every id is accepted. */
  ruleIdProblem?: (id: string) => string | null;
  maxPasses?: number;
}

export interface EngineResult {
  output: string;
  fixes: FixReport[];
  skipped: SkipReport[];
  /** Fixes silenced by inline comments (`# dockerfile-optimizer ignore=`, `# hadolint ignore=`). */
  suppressed: SuppressReport[];
  /** Context-relative path -> new content, for files other than the Dockerfile. */
  otherFiles: Map<string, string>;
  passes: number;
}

export { InputError } from '../errors.js';

const transformOf = transformIdOf;

/** Parse and reject what BuildKit would reject. */
export function parseOrThrow(text: string): DockerfileModel {
  const model = parseDockerfile(text);
  if (model.errors.length) {
    const e = model.errors[0]!;
    throw new InputError(`line ${e.line + 1}: ${e.message}`);
  }
  return model;
}

function brokenShells(model: DockerfileModel): number {
  return model.instructions.filter((i) => i.shell && !i.shell.ok).length;
}

export function runEngine(input: EngineInput): EngineResult {
  const hasBom = input.source.startsWith(BOM);
  const original = hasBom ? input.source.slice(1) : input.source;
  const originalStarts = computeLineStarts(original);
  const overlay = new OverlayContext(input.context);
  const ctx = { buildContext: overlay, options: input.options, path: input.path };
  const filter = input.ruleFilter ?? (() => true);
  const maxPasses = input.maxPasses ?? MAX_PASSES;
  const noContext = !input.context.available;

  let text = original;
  let model = parseOrThrow(text);
  if (input.ruleIdProblem) {
    const unknown = unknownIgnored(readSuppressions(model), input.ruleIdProblem);
    if (unknown) throw new InputError(unknown);
  }
  const initialBroken = brokenShells(model);
  // The Dockerfile edits applied in each pass, tagged with the transform that made them.
  // (indexed once per pass: mapping offsets back is a binary search, linear time in all)
  const history: EditIndex<Edit & { transform: string }>[] = [];
  // The first line of each original instruction and the line each one ends on, in order: a
  // report always names an instruction's line, never a comment, a blank or a directive.
  const instrLines = model.instructions.map((i) => [i.line, i.endLine] as const);
  const toOriginalLine = (offset: number): number => {
    let o = offset;
    for (let i = history.length - 1; i >= 0; i--) o = mapBackIndexed(history[i]!, o);
    const line = lineOfOffset(originalStarts, Math.min(o, original.length));
    return instructionLine(instrLines, line) + 1;
  };
  /** The transform whose inserted text holds `offset` (in the current text), or null. */
  const insertedBy = (offset: number): string | null => {
    let o = offset;
    for (let i = history.length - 1; i >= 0; i--) {
      const holder = editHolding(history[i]!, o);
      if (holder) return holder.transform;
      o = mapBackIndexed(history[i]!, o);
    }
    return null;
  };

  const reports: FixReport[] = [];
  let pending: FixReport[] = [];
  let skipped: SkipReport[] = [];
  let suppressed: SuppressReport[] = [];
  let passes = 0;

  for (;;) {
    if (passes >= maxPasses) {
      const names = [...new Set(reports.slice(-20).map((r) => r.transform))].join(', ');
      throw new InternalError(
        `fixes did not settle after ${maxPasses} passes (transforms: ${names})`,
      );
    }
    passes++;
    const fixes: Fix[] = [];
    const skips: Skipped[] = [];
    for (const t of input.transforms) {
      const reviewOnly = noContext && t.reviewWithoutContext === true;
      let findings;
      try {
        findings = t.check(model, ctx);
      } catch (err) {
        throw new InternalError(
          `transform ${t.meta.id} failed: ${(err as Error).message ?? String(err)}`,
        );
      }
      for (const f of findings) {
        if (!filter(f.ruleId)) continue;
        if (isFix(f)) {
          if (f.edits.length === 0) continue;
          if (reviewOnly && f.applicability !== 'review')
            throw new InternalError(
              `transform ${t.meta.id} (${f.ruleId}) made a ${f.applicability} fix without a build context (it declares reviewWithoutContext)`,
            );
          assertValidEdits(
            f.edits,
            (file) => (file ? (overlay.readFile(file) ?? '').length : text.length),
            `transform ${t.meta.id} (${f.ruleId})`,
          );
          fixes.push(f);
        } else skips.push(f);
      }
    }
    // Choose the fixes of this pass: registry order, then position; skip any that overlaps.
    const chosen: Fix[] = [];
    const taken: (Edit & { transform: string })[] = [];
    const takenIndex = new TakenEdits();
    const silence = readSuppressions(model);
    pending = [];
    suppressed = [];
    for (const f of fixes) {
      const by = suppressedBy(model, silence, f);
      if (by) {
        suppressed.push({
          ruleId: f.ruleId,
          transform: transformOf(f.ruleId),
          message: f.message,
          line: toOriginalLine(f.at),
          by,
        });
        continue;
      }
      const eligible = f.applicability === 'safe' || input.unsafe;
      if (!eligible) {
        pending.push(report(f, false));
        continue;
      }
      if (f.edits.some((e) => takenIndex.clashes(e))) continue;
      chosen.push(f);
      for (const e of f.edits) takenIndex.add(e);
      taken.push(...f.edits.map((e) => ({ ...e, transform: transformOf(f.ruleId) })));
    }
    if (chosen.length === 0) {
      // Skips of the final state, except a transform's info notes on text it wrote itself in
      // this run (e.g. "the install already runs before the copy" right after moving it there).
      // Its real skips there stay (e.g. no non-root user for the runtime stage it just wrote:
      // port 80); they map back to the line the text was inserted at. (Only this pass's skips
      // are reported, and the loop ends only here: earlier passes need not map theirs back.)
      skipped = skips
        .filter((s) => !(s.info && insertedBy(s.at) === transformOf(s.ruleId)))
        .map((s) => ({
          ruleId: s.ruleId,
          transform: transformOf(s.ruleId),
          reason: s.reason,
          line: toOriginalLine(s.at),
          ...(s.info ? { info: true } : {}),
        }));
      break;
    }

    const dockerfileEdits = taken.filter((e) => !e.file);
    const byFile = new Map<string, Edit[]>();
    for (const e of taken)
      if (e.file) (byFile.get(e.file) ?? byFile.set(e.file, []).get(e.file)!).push(e);
    for (const f of chosen) reports.push(report(f, true));
    for (const [file, edits] of byFile)
      overlay.overlay.set(file, applyEdits(overlay.readFile(file) ?? '', edits));
    if (dockerfileEdits.length) {
      const next = applyEdits(text, dockerfileEdits);
      let nextModel: DockerfileModel;
      try {
        nextModel = parseOrThrow(next);
      } catch (err) {
        throw new InternalError(
          `fixes ${chosen.map((f) => f.ruleId).join(', ')} produced an invalid Dockerfile (${(err as Error).message})`,
        );
      }
      if (brokenShells(nextModel) > initialBroken) {
        throw new InternalError(
          `fixes ${chosen.map((f) => f.ruleId).join(', ')} produced a RUN the shell parser rejects`,
        );
      }
      history.push(indexEdits(dockerfileEdits));
      text = next;
      model = nextModel;
    }
  }

  function report(f: Fix, applied: boolean): FixReport {
    return {
      ruleId: f.ruleId,
      transform: transformOf(f.ruleId),
      message: f.message,
      applicability: f.applicability,
      line: toOriginalLine(f.at),
      applied,
      files: [...new Set(f.edits.filter((e) => e.file).map((e) => e.file!))],
      ...(f.note !== undefined ? { note: f.note } : {}),
      ...(f.data !== undefined ? { data: f.data } : {}),
    };
  }

  const otherFiles = new Map(overlay.overlay);
  return {
    output: (hasBom ? BOM : '') + text,
    fixes: [...reports, ...pending].sort(
      (a, b) => a.line - b.line || Number(b.applied) - Number(a.applied),
    ),
    // A rule that fixed a line does not also say it skipped that line (a remark computed on the
    // final text, e.g. "already before the copy" after a move, contradicts the fix). Another rule
    // of the same transform may still skip there.
    skipped: dedupe(skipped).filter(
      (s) => !reports.some((f) => f.ruleId === s.ruleId && f.line === s.line),
    ),
    suppressed,
    otherFiles,
    passes,
  };
}

/**
 * The 0-based line a report names for 0-based `line` of the original text: the line itself when
 * an instruction covers it (its first line, a continuation or a heredoc line); else (a blank, a
 * comment, a parser directive: an offset 0 of a file-level finding, or text a fix inserted
 * between instructions, such as a new runtime stage) the next instruction's first line, or the
 * last instruction's when none follows. `instrs`: [first, last] lines, in order.
 */
export function instructionLine(instrs: readonly (readonly [number, number])[], line: number) {
  let lo = 0;
  let hi = instrs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (instrs[mid]![1] < line) lo = mid + 1;
    else hi = mid;
  }
  const next = instrs[lo];
  if (next) return next[0] <= line ? line : next[0];
  return instrs.length ? instrs[instrs.length - 1]![0] : line;
}

function dedupe(skips: SkipReport[]): SkipReport[] {
  const seen = new Set<string>();
  return skips.filter((s) => {
    const key = `${s.ruleId}\u0000${s.line}\u0000${s.reason}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
