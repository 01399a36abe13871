/** The text and JSON listing of `rules`, from transform metadata only (no transform code: see
 * fast.ts and the generated catalogue.ts). */
import type { TransformMeta } from '../model/types.js';
import { EXIT_OK, type CliIO } from './io.js';

/** The first sentence of a paragraph (for one-line summaries). */
function firstSentence(text: string, max = 160): string {
  const m = /^(.*?[.])\s+(?=[A-Z`(])/s.exec(text);
  const s = (m ? m[1]! : text).replace(/\s+/g, ' ').trim();
  return s.length > max ? `${s.slice(0, max - 1).trimEnd()}…` : s;
}

/** Print the catalogue of these transforms (their metadata only). */
export function printRules(
  io: CliIO,
  format: 'text' | 'json',
  metas: readonly TransformMeta[],
): number {
  const all = metas.map((meta) => ({ meta }));
  if (format === 'json') {
    io.stdout(JSON.stringify(metas, null, 2) + '\n');
    return EXIT_OK;
  }
  const rules = all.flatMap((t) => t.meta.rules ?? []);
  const idWidth = Math.max(
    4,
    ...all.map((t) => t.meta.id.length),
    ...rules.map((r) => r.id.length + 2),
  );
  const apWidth = Math.max(13, ...all.map((t) => t.meta.applicability.length));
  io.stdout(`${'rule'.padEnd(idWidth)}  ${'applicability'.padEnd(apWidth)}  what it fixes\n`);
  for (const t of all) {
    const m = t.meta;
    io.stdout(`${m.id.padEnd(idWidth)}  ${m.applicability.padEnd(apWidth)}  ${m.title}\n`);
    const pad = ' '.repeat(idWidth + 2);
    if (m.hadolint.length) io.stdout(`${pad}hadolint: ${m.hadolint.join(' ')}\n`);
    if (m.docs.why) io.stdout(`${pad}why: ${firstSentence(m.docs.why)}\n`);
    io.stdout(`${pad}docs: docs/rules/${m.id}.md\n`);
    for (const r of m.rules ?? []) {
      io.stdout(`  ${r.id.padEnd(idWidth - 2)}  ${r.applicability.padEnd(apWidth)}  ${r.title}\n`);
      if (r.hadolint.length) io.stdout(`${pad}  hadolint: ${r.hadolint.join(' ')}\n`);
    }
  }
  return EXIT_OK;
}
