/** What every report format reads: one outcome per file, the counts, the tool's identity. */
import type { OptimizeResult } from '../../api.js';
import type { Outcome } from '../session.js';

export type FileOutcome = Outcome<OptimizeResult>;

export const TOOL = {
  name: 'dockerfile-optimizer',
  version: '0.1.0',
  uri: 'https://github.com/dockerfile-optimizer/dockerfile-optimizer',
};

export interface Counts {
  checked: number;
  changed: number;
  errors: number;
  safe: number;
  review: number;
  pending: number;
  suppressed: number;
}

export function counts(outcomes: FileOutcome[]): Counts {
  const c: Counts = {
    checked: outcomes.length,
    changed: 0,
    errors: 0,
    safe: 0,
    review: 0,
    pending: 0,
    suppressed: 0,
  };
  for (const o of outcomes) {
    if (o.error) c.errors++;
    // A file with an error (bad input, not written, refused by --verify) applied nothing.
    if (!o.result || o.error) continue;
    if (o.result.changed) c.changed++;
    for (const f of o.result.fixes) {
      if (!f.applied) c.pending++;
      else if (f.applicability === 'safe') c.safe++;
      else c.review++;
    }
    c.suppressed += o.result.suppressed.length;
  }
  return c;
}
