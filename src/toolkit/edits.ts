/** Edit builders for transforms: whole-line inserts and removals that keep the file's style. */
import { indentOfLine, lineEnd } from '../model/text.js';
import type { DockerfileModel, Edit, Instruction, Span } from '../model/types.js';

/** From the start of the instruction's first line to just after its last line's EOL. */
export function instructionLines(model: DockerfileModel, instr: Instruction): Span {
  const start = model.lineStarts[instr.line]!;
  const last = model.lineOf(instr.span.end);
  const end = last + 1 < model.lineStarts.length ? model.lineStarts[last + 1]! : model.text.length;
  return { start, end };
}

/** The instruction's full source text (all its lines, without the final EOL). */
export function instructionText(model: DockerfileModel, instr: Instruction): string {
  const { start } = instructionLines(model, instr);
  return model.text.slice(
    start,
    lineEnd(model.text, model.lineStarts, model.lineOf(instr.span.end)),
  );
}

/** Indentation of the instruction's first line. */
export function indentOf(model: DockerfileModel, instr: Instruction): string {
  return indentOfLine(model.text, model.lineStarts, instr.span.start);
}

/** Insert whole lines before an instruction (same indentation, the file's EOL). */
export function insertLinesBefore(
  model: DockerfileModel,
  instr: Instruction,
  lines: string[],
  indent = indentOf(model, instr),
): Edit {
  const at = model.lineStarts[instr.line]!;
  return {
    start: at,
    end: at,
    text: lines.map((l) => (l === '' ? '' : indent + l) + model.eol).join(''),
  };
}

/** Insert whole lines after an instruction (handles a file without a final newline). */
export function insertLinesAfter(
  model: DockerfileModel,
  instr: Instruction,
  lines: string[],
  indent = indentOf(model, instr),
): Edit {
  const { end } = instructionLines(model, instr);
  const atEof = end === model.text.length && !/\n$/.test(model.text);
  const body = lines.map((l) => (l === '' ? '' : indent + l));
  if (atEof) return { start: end, end, text: body.map((l) => model.eol + l).join('') };
  return { start: end, end, text: body.map((l) => l + model.eol).join('') };
}

/** Remove an instruction's lines entirely (with its EOL). */
export function removeInstruction(model: DockerfileModel, instr: Instruction): Edit {
  const span = instructionLines(model, instr);
  // Last line without final newline: also drop the EOL before it so no blank line is left.
  if (span.end === model.text.length && !/\n$/.test(model.text) && span.start > 0) {
    const prevEol = model.text.slice(0, span.start).endsWith('\r\n') ? 2 : 1;
    return { start: span.start - prevEol, end: span.end, text: '' };
  }
  return { ...span, text: '' };
}

/** Replace the instruction's whole text (keyword to end), keeping what surrounds it. */
export function replaceInstruction(instr: Instruction, text: string): Edit {
  return { start: instr.span.start, end: instr.span.end, text };
}
