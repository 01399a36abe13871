/** `--format diff` (the default): the diff on stdout, one line per fix or skip and a summary on
 * stderr. */
import type { FixReport, SkipReport } from '../../engine/loop.js';
import type { Counts } from './outcome.js';

export function fixLine(file: string, f: FixReport): string {
  const tag = f.applied ? '' : ' [review: not applied; use --unsafe]';
  const note = f.note ? `    ${f.note}\n` : '';
  return `${file}:${f.line} ${f.ruleId}: ${f.message}${tag}\n${note}`;
}

export function skipLine(file: string, s: SkipReport): string {
  return `${file}:${s.line} ${s.ruleId}: skipped: ${s.reason}\n`;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The closing summary line (stderr). */
export function summaryLine(c: Counts, dryRun: boolean): string {
  const parts = [
    `${plural(c.checked, 'file')} checked`,
    `${c.changed} ${dryRun ? 'to change' : 'changed'}`,
  ];
  const fixes = `${dryRun ? 'would apply' : 'applied'} ${plural(c.safe + c.review, 'fix', 'fixes')} (${c.safe} safe, ${c.review} review)`;
  const tail: string[] = [];
  if (c.pending)
    tail.push(`${plural(c.pending, 'review fix', 'review fixes')} not applied (use --unsafe)`);
  if (c.suppressed) tail.push(`${c.suppressed} suppressed by comments`);
  if (c.errors) tail.push(`${plural(c.errors, 'error')}`);
  return `${parts.join(', ')}: ${fixes}${tail.length ? '; ' + tail.join('; ') : ''}\n`;
}
