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

/**
 * Edits of one pass prepared for many lookups: sorted once, with the new-text start of each edit,
 * so that mapping an offset back is a binary search (mapBack sorts on every call).
 */
export interface EditIndex<T extends Edit = Edit> {
  edits: T[];
  /** Start of each edit's text in the text after the edits. */
  newStarts: number[];
  /** Length change of the text after all edits before each one (deltas[i]) and after all. */
  deltas: number[];
}

export function indexEdits<T extends Edit>(edits: T[]): EditIndex<T> {
  const sorted = sortEdits(edits);
  const newStarts: number[] = [];
  const deltas: number[] = [0];
  let delta = 0;
  for (const e of sorted) {
    newStarts.push(e.start + delta);
    delta += e.text.length - (e.end - e.start);
    deltas.push(delta);
  }
  return { edits: sorted, newStarts, deltas };
}

/** The last edit whose new text starts at or before `offset`, or -1. */
function lastAtOrBefore(idx: EditIndex, offset: number): number {
  let lo = 0;
  let hi = idx.newStarts.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (idx.newStarts[mid]! <= offset) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** mapBack over an EditIndex (same answers, logarithmic time). */
export function mapBackIndexed(idx: EditIndex, offset: number): number {
  const k = lastAtOrBefore(idx, offset);
  if (k < 0) return offset;
  if (offset < idx.newStarts[k]! + idx.edits[k]!.text.length) return idx.edits[k]!.start;
  return offset - idx.deltas[k + 1]!;
}

/** The edit whose inserted text holds `offset` (in the text after the edits), or null. */
export function editHolding<T extends Edit>(idx: EditIndex<T>, offset: number): T | null {
  const k = lastAtOrBefore(idx, offset);
  if (k < 0) return null;
  return offset < idx.newStarts[k]! + idx.edits[k]!.text.length ? idx.edits[k]! : null;
}

/**
 * The edits taken so far in a pass, per file, sorted by start: `clashes(e)` answers whether a
 * new edit overlaps one of them by a binary search instead of a scan of all of them.
 */
export class TakenEdits {
  private readonly byFile = new Map<string, Edit[]>();

  clashes(e: Edit): boolean {
    const list = this.byFile.get(e.file ?? '');
    if (!list) return false;
    const i = lowerBound(list, e.start);
    // Taken edits do not overlap each other, so their ends grow with their starts: look back
    // while an end can still reach e, and forward while a start is within e.
    for (let j = i - 1; j >= 0 && list[j]!.end >= e.start; j--)
      if (overlaps(list[j]!, e)) return true;
    for (let j = i; j < list.length && list[j]!.start <= e.end; j++)
      if (overlaps(list[j]!, e)) return true;
    return false;
  }

  add(e: Edit): void {
    const key = e.file ?? '';
    let list = this.byFile.get(key);
    if (!list) this.byFile.set(key, (list = []));
    list.splice(upperBound(list, e.start), 0, e);
  }
}

function lowerBound(list: Edit[], start: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]!.start < start) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function upperBound(list: Edit[], start: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]!.start <= start) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
