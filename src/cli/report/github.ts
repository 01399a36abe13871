/** `--format github`: GitHub Actions workflow commands, one annotation per fix or error. */
import type { FileOutcome } from './outcome.js';

function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}
function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** GitHub Actions workflow commands (`::warning file=...,line=...::message`). */
export function githubAnnotations(outcomes: FileOutcome[]): string {
  let out = '';
  for (const o of outcomes) {
    if (o.error) {
      out += `::error file=${escapeProperty(o.path)},title=${escapeProperty('dockerfile-optimizer')}::${escapeData(o.error)}\n`;
      continue;
    }
    for (const f of o.result?.fixes ?? []) {
      const level = f.applicability === 'safe' ? 'warning' : 'notice';
      const msg = f.note ? `${f.message}\n${f.note}` : f.message;
      out += `::${level} file=${escapeProperty(o.path)},line=${f.line},title=${escapeProperty(f.ruleId)}::${escapeData(msg)}\n`;
    }
  }
  return out;
}
