/** Unified diffs that both `git apply` and `patch -p1` accept. */
import { createTwoFilesPatch, diffLines, FILE_HEADERS_ONLY, formatPatch } from 'diff';
import type { FileSnapshot } from '../io/read.js';

export interface FileChange {
  /** Path shown in the diff (relative to the working directory, `/`-separated). */
  path: string;
  /** Absolute path on disk, when there is one. */
  absolutePath: string | null;
  /** null for a file that does not exist yet. */
  before: string | null;
  after: string;
  /** What the file looked like when it was read (the write path checks it is unchanged). */
  snapshot?: FileSnapshot;
}

export function unifiedDiff(changes: FileChange[]): string {
  let out = '';
  for (const c of changes) {
    if (c.before === c.after) continue;
    const oldName = c.before === null ? '/dev/null' : `a/${c.path}`;
    out += twoFilesPatch(oldName, `b/${c.path}`, c.before ?? '', c.after);
  }
  return out;
}

const ESC = '\u001b[';
export function colorizeDiff(diff: string): string {
  return diff
    .split('\n')
    .map((line) => {
      if (line.startsWith('+++') || line.startsWith('---')) return `${ESC}1m${line}${ESC}0m`;
      if (line.startsWith('@@')) return `${ESC}36m${line}${ESC}0m`;
      if (line.startsWith('+')) return `${ESC}32m${line}${ESC}0m`;
      if (line.startsWith('-')) return `${ESC}31m${line}${ESC}0m`;
      return line;
    })
    .join('\n');
}

const CONTEXT = 3;
/** Below this many lines a file is diffed in one piece (jsdiff's Myers diff, O(N·D)). */
const SEGMENT_ABOVE = 1000;
/** Lines per segment at least, before the next cut. */
const SEGMENT_LINES = 200;
/** Line edits a segment's Myers diff may take before it becomes one replacing hunk. */
const MAX_EDITS = 2000;

function splitLines(text: string): string[] {
  const lines = text.split(/(?<=\n)/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * A unified diff of two texts. Large files are cut into segments at lines equal and aligned in
 * both (lines unique in each file, in the same order); each segment is diffed alone (Myers'
 * diff costs O(N·D): on a file with thousands of fixes that is quadratic, segments keep it
 * linear; a segment with more than MAX_EDITS line edits is one replaced block). The changed
 * blocks are then made into hunks with CONTEXT lines around, merged when closer than two
 * contexts, as jsdiff does (full context on both sides: git apply and patch anchor on it).
 */
function twoFilesPatch(oldName: string, newName: string, a: string, b: string): string {
  const opts = { headerOptions: FILE_HEADERS_ONLY, context: CONTEXT };
  const al = splitLines(a);
  const bl = splitLines(b);
  if (al.length <= SEGMENT_ABOVE && bl.length <= SEGMENT_ABOVE)
    return createTwoFilesPatch(oldName, newName, a, b, undefined, undefined, opts)!;
  const blocks: Block[] = [];
  let ai = 0;
  let bi = 0;
  for (const [ca, cb] of [...alignedCuts(al, bl), [al.length, bl.length] as const]) {
    const linesA = al.slice(ai, ca);
    const linesB = bl.slice(bi, cb);
    const segA = linesA.join('');
    const segB = linesB.join('');
    if (segA !== segB) {
      const changes = moreEditsThan(linesA, linesB, MAX_EDITS)
        ? undefined
        : diffLines(segA, segB, { maxEditLength: MAX_EDITS });
      if (!changes) blocks.push({ oldFrom: ai, oldTo: ca, newFrom: bi, newTo: cb });
      else {
        let o = ai;
        let n = bi;
        let open: Block | null = null;
        for (const c of changes) {
          if (!c.added && !c.removed) {
            if (open) blocks.push(open);
            open = null;
            o += c.count;
            n += c.count;
            continue;
          }
          open ??= { oldFrom: o, oldTo: o, newFrom: n, newTo: n };
          if (c.removed) open.oldTo = o += c.count;
          else open.newTo = n += c.count;
        }
        if (open) blocks.push(open);
      }
    }
    ai = ca;
    bi = cb;
  }
  return formatPatch(
    {
      oldFileName: oldName,
      newFileName: newName,
      oldHeader: undefined,
      newHeader: undefined,
      hunks: hunksOf(blocks, al, bl),
    },
    FILE_HEADERS_ONLY,
  );
}

/**
 * Whether a line diff of `a` and `b` surely takes more than `max` line edits (insertions plus
 * deletions): their edit distance is at least a.length + b.length - 2 x (lines they have in
 * common, counted as multisets), since a common subsequence can only pair equal lines. Then
 * jsdiff's Myers diff would give up after `max` edits anyway (after O(N·max) time and memory:
 * hundreds of MB on a large file whose every line changes), with the same result.
 */
export function moreEditsThan(a: string[], b: string[], max: number): boolean {
  if (a.length + b.length <= max) return false;
  const counts = new Map<string, number>();
  for (const line of a) counts.set(line, (counts.get(line) ?? 0) + 1);
  let common = 0;
  for (const line of b) {
    const n = counts.get(line);
    if (n) {
      common++;
      counts.set(line, n - 1);
    }
  }
  return a.length + b.length - 2 * common > max;
}

/** Lines [oldFrom, oldTo) of the old file replaced by [newFrom, newTo) of the new one. */
interface Block {
  oldFrom: number;
  oldTo: number;
  newFrom: number;
  newTo: number;
}

function hunksOf(blocks: Block[], al: string[], bl: string[]) {
  const hunks = [];
  const line = (sign: string, ls: string[], k: number, out: string[]) => {
    out.push(sign + ls[k]!.replace(/\n$/, ''));
    if (k === ls.length - 1 && !ls[k]!.endsWith('\n')) out.push('\\ No newline at end of file');
  };
  for (let i = 0; i < blocks.length;) {
    let j = i;
    while (j + 1 < blocks.length && blocks[j + 1]!.oldFrom - blocks[j]!.oldTo <= 2 * CONTEXT) j++;
    const first = blocks[i]!;
    const last = blocks[j]!;
    const oStart = Math.max(0, first.oldFrom - CONTEXT);
    const oEnd = Math.min(al.length, last.oldTo + CONTEXT);
    const nStart = first.newFrom - (first.oldFrom - oStart);
    const nEnd = last.newTo + (oEnd - last.oldTo);
    const lines: string[] = [];
    let o = oStart;
    for (let k = i; k <= j; k++) {
      const blk = blocks[k]!;
      for (; o < blk.oldFrom; o++) line(' ', al, o, lines);
      for (let x = blk.oldFrom; x < blk.oldTo; x++) line('-', al, x, lines);
      for (let x = blk.newFrom; x < blk.newTo; x++) line('+', bl, x, lines);
      o = blk.oldTo;
    }
    for (; o < oEnd; o++) line(' ', al, o, lines);
    hunks.push({
      // (formatPatch writes start - 1 for an empty side, as unified diff wants)
      oldStart: oStart + 1,
      oldLines: oEnd - oStart,
      newStart: nStart + 1,
      newLines: nEnd - nStart,
      lines,
    });
    i = j + 1;
  }
  return hunks;
}

/** Cut points (old line, new line): aligned equal runs, at least SEGMENT_LINES apart. */
function alignedCuts(al: string[], bl: string[]): [number, number][] {
  const count = (ls: string[]) => {
    const m = new Map<string, number>();
    ls.forEach((l, i) => m.set(l, m.has(l) ? -1 : i));
    return m;
  };
  const ua = count(al);
  const ub = count(bl);
  // Lines unique in both, by old position; keep the longest run increasing in new position.
  const pairs: [number, number][] = [];
  for (const [line, i] of ua) {
    const j = ub.get(line);
    if (i >= 0 && j !== undefined && j >= 0) pairs.push([i, j]);
  }
  pairs.sort((x, y) => x[0] - y[0]);
  const anchors = longestIncreasing(pairs);
  const cuts: [number, number][] = [];
  let last = 0;
  for (const [i, j] of anchors) {
    if (i - last < SEGMENT_LINES) continue;
    cuts.push([i, j]);
    last = i;
  }
  return cuts;
}

/** The longest subsequence of pairs (sorted by [0]) strictly increasing in [1] (patience). */
function longestIncreasing(pairs: [number, number][]): [number, number][] {
  const tails: number[] = [];
  const prev: number[] = new Array(pairs.length).fill(-1);
  for (let k = 0; k < pairs.length; k++) {
    const v = pairs[k]![1];
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (pairs[tails[mid]!]![1] < v) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) prev[k] = tails[lo - 1]!;
    tails[lo] = k;
  }
  const out: [number, number][] = [];
  for (let k = tails.length ? tails[tails.length - 1]! : -1; k >= 0; k = prev[k]!)
    out.push(pairs[k]!);
  return out.reverse();
}
