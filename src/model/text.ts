/** Small text helpers shared by the parser, the engine and the transforms. */
import type { LogicalText, Span } from './types.js';

export const BOM = '\uFEFF';

/** Start offset of every line. A line ends at `\n` (a preceding `\r` belongs to the line). */
export function computeLineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

/** 0-based line holding `offset`. */
export function lineOfOffset(lineStarts: number[], offset: number): number {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lineStarts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** End of line `line` (before `\r\n` or `\n`). */
export function lineEnd(text: string, lineStarts: number[], line: number): number {
  let end = line + 1 < lineStarts.length ? lineStarts[line + 1]! - 1 : text.length;
  if (end > lineStarts[line]! && text.charCodeAt(end - 1) === 13) end--;
  return end;
}

/** The dominant line ending of a text (CRLF when at least half the lines use it). */
export function detectEol(text: string): '\n' | '\r\n' {
  let lf = 0;
  let crlf = 0;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      if (i > 0 && text.charCodeAt(i - 1) === 13) crlf++;
      else lf++;
    }
  }
  return crlf > 0 && crlf >= lf ? '\r\n' : '\n';
}

/** Indentation (spaces/tabs) at the start of the line holding `offset`. */
export function indentOfLine(text: string, lineStarts: number[], offset: number): string {
  const start = lineStarts[lineOfOffset(lineStarts, offset)]!;
  let i = start;
  while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
  return text.slice(start, i);
}

/**
 * Map a logical offset back to the source. `preferEnd` picks the end of a segment when the
 * offset sits on a boundary (use it for the end of a span).
 */
export function toSource(logical: LogicalText, offset: number, preferEnd = false): number {
  const segs = logical.segments;
  if (segs.length === 0) return 0;
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i]!;
    const segEnd = s.from + s.length;
    if (preferEnd ? offset > s.from && offset <= segEnd : offset >= s.from && offset < segEnd) {
      return s.sourceStart + (offset - s.from);
    }
  }
  const last = segs[segs.length - 1]!;
  if (offset >= last.from + last.length) return last.sourceStart + last.length;
  const first = segs[0]!;
  return first.sourceStart;
}

export function spanToSource(logical: LogicalText, start: number, end: number): Span {
  const s = toSource(logical, start, false);
  const e = end > start ? toSource(logical, end, true) : s;
  return { start: s, end: e };
}

export function sliceSpan(text: string, span: Span): string {
  return text.slice(span.start, span.end);
}

export function overlaps(a: Span, b: Span): boolean {
  // Two insertions at the same point conflict too (their order would be arbitrary).
  if (a.start === a.end && b.start === b.end) return a.start === b.start;
  return a.start < b.end && b.start < a.end;
}
