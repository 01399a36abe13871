/** Unified diffs that both `git apply` and `patch -p1` accept. */
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';
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
    const patch = createTwoFilesPatch(
      oldName,
      `b/${c.path}`,
      c.before ?? '',
      c.after,
      undefined,
      undefined,
      {
        headerOptions: FILE_HEADERS_ONLY,
        context: 3,
      },
    );
    out += patch;
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
