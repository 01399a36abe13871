/**
 * dependency-cache: source text helpers for the edits (instruction blocks with their comment
 * lines, removal spans, inserts into a RUN, how messages quote an instruction). See docs/rules/dependency-cache.md.
 */
import { instructionLines } from '../../src/toolkit/edits.js';
import type { DockerfileModel, Instruction, Span } from '../../src/model/types.js';

export function lineText(model: DockerfileModel, line: number): string {
  const start = model.lineStarts[line]!;
  const next = line + 1 < model.lineStarts.length ? model.lineStarts[line + 1]! : model.text.length;
  return model.text.slice(start, next).replace(/\r?\n$/, '');
}

/** Start of the comment lines directly above an instruction (no blank line between). */
export function blockStart(model: DockerfileModel, instr: Instruction, floor: number): number {
  let line = instr.line;
  const directiveLines = new Set(model.directives.map((d) => model.lineOf(d.span.start)));
  while (
    line - 1 > floor &&
    /^\s*#/.test(lineText(model, line - 1)) &&
    !directiveLines.has(line - 1)
  )
    line--;
  return model.lineStarts[line]!;
}

export function isBlank(model: DockerfileModel, line: number): boolean {
  return line >= 0 && line < model.lineStarts.length && lineText(model, line).trim() === '';
}

/** Span removing [start, end-of-instruction] as whole lines, tidying blank lines around it. */
export function removalSpan(model: DockerfileModel, start: number, instr: Instruction): Span {
  let { end } = instructionLines(model, instr);
  let from = start;
  const atEofNoNl = end === model.text.length && !/\n$/.test(model.text);
  const firstLine = model.lineOf(start);
  const lastLine = model.lineOf(instr.span.end);
  const blankBefore = isBlank(model, firstLine - 1);
  if (atEofNoNl || end === model.text.length) {
    // Last lines of the file: drop the EOL before them (and a blank line above).
    if (atEofNoNl && from > 0) from -= model.text.slice(0, from).endsWith('\r\n') ? 2 : 1;
    if (blankBefore && firstLine - 1 > 0) {
      const prevStart = model.lineStarts[firstLine - 1]!;
      from = atEofNoNl
        ? prevStart - (model.text.slice(0, prevStart).endsWith('\r\n') ? 2 : 1)
        : prevStart;
    }
    return { start: from, end };
  }
  if (blankBefore && isBlank(model, lastLine + 1)) {
    const after =
      lastLine + 2 < model.lineStarts.length ? model.lineStarts[lastLine + 2]! : model.text.length;
    end = after;
  }
  return { start: from, end };
}

export function blockText(model: DockerfileModel, start: number, instr: Instruction): string {
  const { end } = instructionLines(model, instr);
  return model.text.slice(start, end).replace(/\r?\n$/, '');
}

/** Apply inserts (source offsets) to a slice of the text that starts at `offset`. */
export function withInserts(
  text: string,
  offset: number,
  inserts: { at: number; text: string }[],
): string {
  let out = text;
  for (const ins of [...inserts].sort((a, b) => b.at - a.at))
    out = out.slice(0, ins.at - offset) + ins.text + out.slice(ins.at - offset);
  return out;
}

export function quotePath(p: string): string | null {
  return /^[A-Za-z0-9_./@+,=:%~-]+$/.test(p) ? p : null;
}

export function runFlagsText(model: DockerfileModel, run: Instruction): string[] {
  return run.flags.map((f) => model.text.slice(f.span.start, f.span.end));
}

/** The first source line of an instruction or chain item (how messages quote it). */
export function firstLine(model: DockerfileModel, node: { span: Span }): string {
  const lines = model.text.slice(node.span.start, node.span.end).split(/\r?\n/);
  // A continued instruction is quoted by its first line without the escape: `RUN apt-get update ...`.
  if (lines.length === 1) return lines[0]!;
  const first = lines[0]!.trimEnd();
  const escape = model.escapeChar;
  return `${first.endsWith(escape) ? first.slice(0, -1).trimEnd() : first} ...`;
}

/** Says which instructions between the copy and the install stay before the install. */
export function moversNote(model: DockerfileModel, movers: Instruction[]): string | null {
  if (!movers.length) return null;
  const shown = movers.map((i) => `\`${firstLine(model, i)}\``);
  return `${shown.join(', ')} read${movers.length === 1 ? 's' : ''} nothing from the build context and still run${movers.length === 1 ? 's' : ''} before the install`;
}
