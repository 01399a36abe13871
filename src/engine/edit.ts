/** Text edits: validation, application, and mapping offsets back through applied edits. */
import { overlaps } from '../model/text.js';
import type { Edit } from '../model/types.js';

import { InternalError } from '../errors.js';

export { InternalError } from '../errors.js';

/** Sort edits by start (stable: equal starts keep their given order). */
export function sortEdits<T extends Edit>(edits: T[]): T[] {
  return edits
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.start - b.e.start || a.e.end - b.e.end || a.i - b.i)
    .map((x) => x.e);
}

/** Throw when two edits of one fix overlap or an edit is out of range. */
export function assertValidEdits(
  edits: Edit[],
  lengthOf: (file: string | undefined) => number,
  who: string,
): void {
  const byFile = new Map<string, Edit[]>();
  for (const e of edits) {
    const len = lengthOf(e.file);
    if (!(
      Number.isInteger(e.start) &&
      Number.isInteger(e.end) &&
      0 <= e.start &&
      e.start <= e.end &&
      e.end <= len
    )) {
      throw new InternalError(
        `${who} produced an edit out of range [${e.start}, ${e.end}) in ${e.file ?? 'the Dockerfile'}`,
      );
    }
    const key = e.file ?? '';
    byFile.set(key, [...(byFile.get(key) ?? []), e]);
  }
  for (const list of byFile.values()) {
    const sorted = sortEdits(list);
    for (let i = 1; i < sorted.length; i++) {
      const a = sorted[i - 1]!;
      const b = sorted[i]!;
      // Two insertions at one point are fine inside one fix (kept in order).
      if (a.start === a.end && b.start === b.end) continue;
      if (overlaps(a, b)) throw new InternalError(`${who} produced overlapping edits`);
    }
  }
}

/** Apply non-overlapping edits to a text. */
export function applyEdits(text: string, edits: Edit[]): string {
  let out = '';
  let pos = 0;
  for (const e of sortEdits(edits)) {
    out += text.slice(pos, e.start) + e.text;
    pos = e.end;
  }
  return out + text.slice(pos);
}

/** Map an offset in the text after `edits` back to the text before them. */
export function mapBack(edits: Edit[], offset: number): number {
  let delta = 0;
  for (const e of sortEdits(edits)) {
    const newStart = e.start + delta;
    const newEnd = newStart + e.text.length;
    if (offset < newStart) break;
    if (offset < newEnd) return e.start;
    delta += e.text.length - (e.end - e.start);
  }
  return offset - delta;
}
